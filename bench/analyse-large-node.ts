// Benchmark: `kubectl kr doctor --from-bundle` on one node with 100k iptables rules, 50k ipset members and
// 20k routes. Writes the bundle once (bench/.work), then runs the built CLI in fresh processes under
// GNU time: wall time and peak RSS of the whole command (start-up, reading, parsing, checks, JSON output).
// Usage: npm run bench [-- --runs 7]   (writes bench/RESULTS.md)
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import os from 'node:os'
import {largeSnapshot, SIZES} from './large-node.js'
import {writeBundle} from '../src/infra/bundle.js'

const repo = fileURLToPath(new URL('..', import.meta.url))
const work = fileURLToPath(new URL('./.work/', import.meta.url))
const bundle = `${work}large-node`
const runsArg = process.argv.indexOf('--runs')
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7

rmSync(work, {recursive: true, force: true})
mkdirSync(work, {recursive: true})
const snapshot = largeSnapshot()
const inputMb = Object.values(snapshot.nodes[0].files).reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6
await writeBundle(snapshot, bundle, 'bench')
if (!existsSync(`${repo}dist/commands/doctor.js`)) execFileSync('npm', ['run', 'build'], {cwd: repo, stdio: 'inherit'})

const samples: {seconds: number; peakMb: number; findings: number}[] = []
for (let i = 0; i < runs; i++) {
  const res = spawnSync('/usr/bin/time', ['-f', 'KRBENCH %e %M', `${repo}bin/kubectl-kr`, 'doctor', '--from-bundle', bundle, '-o', 'json', '--fail-on', 'none'], {encoding: 'utf8', maxBuffer: 64 << 20})
  const m = /KRBENCH ([\d.]+) (\d+)/.exec(res.stderr)
  if (res.status !== 0 || !m) throw new Error(`run failed (${res.status}): ${res.stderr}`)
  const report = JSON.parse(res.stdout) as {findings: unknown[]; results: unknown[]}
  samples.push({seconds: Number(m[1]), peakMb: Number(m[2]) / 1024, findings: report.findings.length})
  process.stderr.write(`run ${i + 1}/${runs}: ${(samples[i].seconds * 1000).toFixed(0)} ms, peak RSS ${samples[i].peakMb.toFixed(0)} MB\n`)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = median(samples.map((s) => s.seconds * 1000))
const mb = median(samples.map((s) => s.peakMb))
const verdict = ms < 1000 && mb < 300 ? 'within target' : 'OVER TARGET'
const md = `# Benchmark: doctor on one large node

Command: \`npm run bench\` (bench/analyse-large-node.ts). Input: a bundle of one node with
${SIZES.iptablesRules.toLocaleString('en')} iptables rules, ${SIZES.ipsetMembers.toLocaleString('en')} ipset members and
${SIZES.routes.toLocaleString('en')} routes (${inputMb.toFixed(1)} MB of probe output). Measured: the whole
\`bin/kubectl-kr doctor --from-bundle … -o json\` process (the launcher kubectl dispatches to) under GNU time (Node start-up, reading the bundle, parsing, all
checks, JSON output), ${runs} runs, each a fresh process.

| metric | median | min | max | target |
|---|---|---|---|---|
| wall time | ${ms.toFixed(0)} ms | ${(Math.min(...samples.map((s) => s.seconds)) * 1000).toFixed(0)} ms | ${(Math.max(...samples.map((s) => s.seconds)) * 1000).toFixed(0)} ms | < 1000 ms |
| peak RSS | ${mb.toFixed(0)} MB | ${Math.min(...samples.map((s) => s.peakMb)).toFixed(0)} MB | ${Math.max(...samples.map((s) => s.peakMb)).toFixed(0)} MB | < 300 MB |

Result: **${verdict}**. Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, recorded ${new Date().toISOString().slice(0, 10)}.
`
// only this benchmark's section of RESULTS.md is replaced (up to the next "# Benchmark:" heading); the others stay
const resultsFile = new URL('./RESULTS.md', import.meta.url)
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : ''
const start = previous.indexOf('# Benchmark: doctor on one large node')
const next = start < 0 ? -1 : previous.indexOf('\n# Benchmark:', start + 1)
const rest = start < 0 ? previous : next < 0 ? '' : previous.slice(next + 1)
writeFileSync(resultsFile, `${start < 0 ? '' : previous.slice(0, start)}${md}\n${rest}`)
process.stdout.write(md)
