// Benchmark: analyse one node with 100k iptables rules, 50k ipset members and 20k routes.
// Each run is a fresh process (so peak RSS is that run's); reports the median of the runs.
// Usage: npm run bench [-- --runs 7]   (writes bench/RESULTS.md)
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import os from 'node:os'

const here = fileURLToPath(new URL('.', import.meta.url))
const runsArg = process.argv.indexOf('--runs')
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7

const one = `
import {largeSnapshot, SIZES} from './large-node.ts'
import {analyse} from '../src/services/analyse.ts'
import {CHECKS} from '../src/checks/index.ts'
const snapshot = largeSnapshot()
const before = process.memoryUsage().rss
const start = process.hrtime.bigint()
const {report} = analyse(snapshot, CHECKS)
const ms = Number(process.hrtime.bigint() - start) / 1e6
const resources = process.resourceUsage()
console.log(JSON.stringify({ms, peakRssMb: resources.maxRSS / 1024, inputMb: Object.values(snapshot.nodes[0].files).reduce((n, t) => n + t.length, 0) / 1e6, results: report.results.length, findings: report.findings.length, sizes: SIZES, rssBeforeMb: before / 1048576}))
`

const samples: {ms: number; peakRssMb: number; inputMb: number; results: number; findings: number}[] = []
for (let i = 0; i < runs; i++) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', one], {cwd: here, encoding: 'utf8'})
  samples.push(JSON.parse(out.trim().split('\n').pop()!))
  process.stderr.write(`run ${i + 1}/${runs}: ${samples[i].ms.toFixed(0)} ms, peak RSS ${samples[i].peakRssMb.toFixed(0)} MB\n`)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = median(samples.map((s) => s.ms))
const rss = median(samples.map((s) => s.peakRssMb))
const verdict = ms < 1000 && rss < 300 ? 'within target' : 'OVER TARGET'
const md = `# Benchmark: analyse one large node

Command: \`npm run bench\` (bench/analyse-large-node.ts). Input: one node capture with 100,000 iptables rules,
50,000 ipset members and 20,000 routes (${samples[0].inputMb.toFixed(1)} MB of probe output), all ten checks.
Wall time is parsing + facts + checks + report for that node, measured inside the process; peak memory is the
process's maximum RSS (it includes building the synthetic input and the Node runtime). ${runs} runs, each in a fresh process.

| metric | median | min | max | target |
|---|---|---|---|---|
| analysis wall time | ${ms.toFixed(0)} ms | ${Math.min(...samples.map((s) => s.ms)).toFixed(0)} ms | ${Math.max(...samples.map((s) => s.ms)).toFixed(0)} ms | < 1000 ms |
| peak RSS | ${rss.toFixed(0)} MB | ${Math.min(...samples.map((s) => s.peakRssMb)).toFixed(0)} MB | ${Math.max(...samples.map((s) => s.peakRssMb)).toFixed(0)} MB | < 300 MB |

Result: **${verdict}**. Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, recorded ${new Date().toISOString().slice(0, 10)}.
`
writeFileSync(new URL('./RESULTS.md', import.meta.url), md)
process.stdout.write(md)
