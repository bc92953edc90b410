// Start-up benchmark (issue 13): `kubectl kr version`, `kubectl kr --help` and
// `kubectl kr doctor --from-bundle examples/demo-bundle -o json` from the single executable and from an npm install,
// side by side with `kubectl version --client`, all through kubectl, alternating (one run of each per round).
// Prints the markdown section; with --write it replaces the "# Benchmark: start-up" section of bench/RESULTS.md.
//   node --import tsx bench/startup.ts [rounds=21] [--write]
// KR_BENCH_BUN=1 also builds the Linux executable with Bun, for the comparison in docs/release.md.
import {execFileSync, spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg} from 'node:os'
import {dirname, join} from 'node:path'
import {release} from '../packaging/release.js'
import {parseTarget} from '../packaging/layout.js'
import {REPO} from '../test/cli/kr.js'
import {mirrorWithoutNode} from '../test/release/executable.js'

const args = process.argv.slice(2)
const ROUNDS = Number(args.find((a) => /^\d+$/.test(a)) ?? 21)
const WRITE = args.includes('--write')
const work = join(REPO, 'bench', '.work', 'startup')
const DEMO = join(REPO, 'examples/demo-bundle')

function setUp(): Record<string, string> {
  rmSync(work, {recursive: true, force: true})
  mkdirSync(work, {recursive: true})
  const system = join(work, 'system')
  mirrorWithoutNode(system)
  const exeOut = join(work, 'exe')
  mkdirSync(exeOut)
  return {system, exeOut}
}

/** The archive's kubectl-kr (the launcher) in a directory of its own, and the executable it carries in another. */
async function buildExecutable(out: string, bun: boolean): Promise<{launcher: string; inner: string}> {
  await release({targets: [parseTarget('linux-amd64')], out, bunForLinux: bun})
  const launcher = join(out, 'bin')
  mkdirSync(launcher)
  execFileSync('tar', ['-xzf', join(out, `kubectl-kr_${version()}_linux_amd64.tar.gz`), '-C', launcher, 'kubectl-kr'])
  const inner = join(out, 'inner')
  mkdirSync(inner)
  copyFileSync(join(out, '.work', 'linux-amd64', 'kubectl-kr'), join(inner, 'kubectl-kr'))
  return {launcher, inner}
}

function version(): string {
  return (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}).version
}

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

/** The floor of any Node single executable: the same Node binary with a main that only writes one line, built with
 * the given SEA configuration (the start-up options Node offers: code cache, startup snapshot, execArgv). */
function floorExecutable(name: string, main: string, config: Record<string, unknown> = {}): string {
  const dir = join(work, 'floor', name)
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'main.cjs'), main)
  writeFileSync(join(dir, 'sea.json'), JSON.stringify({main: join(dir, 'main.cjs'), output: join(dir, 'blob'), disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, ...config}))
  execFileSync(process.execPath, ['--experimental-sea-config', join(dir, 'sea.json')], {stdio: 'ignore'})
  copyFileSync(process.execPath, join(dir, 'floor'))
  execFileSync(process.execPath, [join(REPO, 'node_modules/postject/dist/cli.js'), join(dir, 'floor'), 'NODE_SEA_BLOB', join(dir, 'blob'), '--sentinel-fuse', SEA_FUSE], {stdio: 'ignore'})
  return join(dir, 'floor')
}

const WRITE_LINE = "require('node:fs').writeSync(1, 'kubectl-kr\\n')\n"
/** the same line from a startup snapshot: the main runs at build time and leaves the function to call */
const WRITE_LINE_SNAPSHOT = "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => require('node:fs').writeSync(1, 'kubectl-kr\\n'))\n"

/** The floor of any kubectl plugin: kubectl finds `kubectl-kr` on PATH and execs it; here a sh script that prints a line. */
function shPlugin(): string {
  const dir = join(work, 'sh-plugin')
  mkdirSync(dir)
  writeFileSync(join(dir, 'kubectl-kr'), "#!/bin/sh\necho 'kubectl-kr'\n", {mode: 0o755})
  return dir
}

/** npm pack + npm install -g into a prefix, on the project's Node 24 */
function npmInstall(): string {
  const packDir = join(work, 'pack')
  mkdirSync(packDir)
  const env = {...process.env, PATH: `${join(REPO, 'node_modules/.bin')}:${process.env.PATH}`}
  const file = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir, '--loglevel=error'], {cwd: REPO, encoding: 'utf8', env}).trim().split('\n').pop()!
  const prefix = join(work, 'npm-prefix')
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', join(packDir, file)], {env, stdio: 'ignore'})
  return join(prefix, 'bin')
}

interface Case {
  name: string
  argv: string[]
  path: string
}

/** CPU time (user + system) of this process's waited-for children so far, in ms (clock ticks of 10 ms). */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  return (Number(fields[13]) + Number(fields[14])) * 10
}

const cpuTotals = new Map<string, number>()

function time(c: Case, home: string): number {
  const cpuBefore = childrenCpuMs()
  const started = performance.now()
  const r = spawnSync(c.argv[0], c.argv.slice(1), {env: {PATH: c.path, HOME: home, NO_COLOR: '1'}, stdio: ['ignore', 'ignore', 'pipe'], cwd: REPO})
  const ms = performance.now() - started
  cpuTotals.set(c.name, (cpuTotals.get(c.name) ?? 0) + childrenCpuMs() - cpuBefore)
  if (r.status !== 0 && !(c.argv.includes('--from-bundle') && r.status === 1)) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`)
  return ms
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const {system, exeOut} = setUp()
const {launcher: exeDir, inner: innerDir} = await buildExecutable(exeOut, false)
const bunDir = process.env.KR_BENCH_BUN === '1' ? (await buildExecutable(join(work, 'bun'), true)).inner : null
const npmBin = npmInstall()
const nodeDir = dirname(process.execPath)
const home = join(work, 'home')
mkdirSync(home)

const INNER = 'the Node executable alone, without the launcher'
const variants: [string, string][] = [
  ['single executable', `${exeDir}:${system}`],
  [INNER, `${innerDir}:${system}`],
  ['npm install', `${npmBin}:${nodeDir}:${system}`],
]
if (bunDir) variants.push(['Bun executable alone (comparison)', `${bunDir}:${system}`])
const KR = [
  ['version', ['kubectl', 'kr', 'version', '--client']],
  ['--help', ['kubectl', 'kr', '--help']],
  ['doctor --from-bundle demo -o json', ['kubectl', 'kr', 'doctor', '--from-bundle', DEMO, '-o', 'json']],
] as const
const cases: Case[] = [{name: 'kubectl version --client', argv: ['kubectl', 'version', '--client'], path: system}]
for (const [v, path] of variants) for (const [what, argv] of KR) cases.push({name: `${v}: kubectl kr ${what}`, argv: [...argv], path})
// the executable alone, without kubectl in front: what kubectl's own start adds to every row above
const DIRECT = 'single executable, run directly: kubectl-kr version --client'
const INNER_DIRECT = 'the Node executable alone, run directly: kubectl-kr version --client'
cases.push({name: DIRECT, argv: [join(exeDir, 'kubectl-kr'), 'version', '--client'], path: system})
cases.push({name: INNER_DIRECT, argv: [join(innerDir, 'kubectl-kr'), 'version', '--client'], path: system})
// the floor of any Node single executable: the same Node, a main that writes one line; then with each start-up option
// of Node's SEA configuration
const FLOOR = `a Node ${process.version} single executable that only writes a line, run directly`
cases.push({name: FLOOR, argv: [floorExecutable('plain', WRITE_LINE)], path: system})
const FLOOR_VARIANTS: [string, string, Record<string, unknown>][] = [
  ['useCodeCache: true', WRITE_LINE, {useCodeCache: true}],
  ['useSnapshot: true', WRITE_LINE_SNAPSHOT, {useSnapshot: true}],
  ['execArgv: --v8-pool-size=1 --single-threaded', WRITE_LINE, {execArgv: ['--v8-pool-size=1', '--single-threaded']}],
  ['execArgv: --jitless', WRITE_LINE, {execArgv: ['--jitless']}],
]
FLOOR_VARIANTS.forEach(([what, main, config], i) => cases.push({name: `the same, ${what}`, argv: [floorExecutable(`v${i}`, main, config)], path: system}))
// the floor of any plugin: kubectl's dispatch to an executable that costs nothing
const SH_PLUGIN = 'a kubectl-kr that is a sh script printing a line: kubectl kr'
cases.push({name: SH_PLUGIN, argv: ['kubectl', 'kr'], path: `${shPlugin()}:${system}`})

const loadBefore = loadavg()
for (const c of cases) time(c, home) // warm-up (and the executable's one-time unpacking)
cpuTotals.clear()
const samples = new Map(cases.map((c) => [c.name, [] as number[]]))
for (let r = 0; r < ROUNDS; r++) {
  // rotate the order each round so no case always follows the same one
  for (let i = 0; i < cases.length; i++) {
    const c = cases[(i + r) % cases.length]
    samples.get(c.name)!.push(time(c, home))
  }
}
const loadAfter = loadavg()

const base = median(samples.get(cases[0].name)!)
const cpu = (name: string) => cpuTotals.get(name)! / ROUNDS
const baseCpu = cpu(cases[0].name)
const rows = cases.map((c) => {
  const xs = samples.get(c.name)!
  return `| ${c.name} | ${median(xs).toFixed(0)} ms | ${Math.min(...xs).toFixed(0)} ms | ${(median(xs) / base).toFixed(2)}× | ${cpu(c.name).toFixed(0)} ms | ${(cpu(c.name) / baseCpu).toFixed(2)}× |`
})
const exeVersion = median(samples.get('single executable: kubectl kr version')!)
const ratio = (name: string) => `${(median(samples.get(name)!) / base).toFixed(2)}×`
const section = [
  `# Benchmark: start-up (single executable and npm install vs kubectl), ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Command: \`node --import tsx bench/startup.ts ${ROUNDS}\` (bench/startup.ts). Every command runs through kubectl's plugin`,
  `dispatch (except the rows run directly), with a PATH holding only the plugin's directory and the system commands (the npm`,
  `install adds Node ${process.version}), a fresh HOME, stdout discarded. ${ROUNDS} rounds after one warm-up; each round runs`,
  `every case once, in an order rotated each round. Wall time from spawn to exit; CPU time of the process (kubectl
execs the plugin in place, so a row's CPU is kubectl's and the plugin's), from /proc in 10 ms ticks. Load average (1/5/15 min) before:`,
  `${loadBefore.map((x) => x.toFixed(2)).join(' / ')}, after: ${loadAfter.map((x) => x.toFixed(2)).join(' / ')}; 2 vCPUs.`,
  '',
  '| command | median wall | min wall | wall × `kubectl version --client` | mean CPU (user+sys) | CPU × |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows,
  '',
  `Target: \`kubectl kr version\` from the single executable within 1.5× of \`kubectl version --client\`: ` +
    `${(exeVersion / base).toFixed(2)}× (${exeVersion <= 1.5 * base ? 'met' : 'NOT met'}).`,
  '',
  `What it is made of: kubectl's own start and plugin lookup (a plugin that is a sh script printing a line: ` +
    `${ratio(SH_PLUGIN)} of \`kubectl version --client\`), then the executable, which kubectl execs in its place. The archive's ` +
    `\`kubectl-kr\` is a Go launcher (packaging/launcher/main.go) that answers \`version --client\` itself (run directly: ` +
    `${ratio(DIRECT)}) and execs the Node executable it carries for everything else. That Node executable alone answers the ` +
    `same line from its main, before it unpacks or imports anything, in ${ratio(INNER_DIRECT)} run directly ` +
    `(${ratio(`${INNER}: kubectl kr version`)} through kubectl), nearly all of it Node's own start as a single executable: ` +
    `${ratio(FLOOR)} for a main that only writes a line. Node's start-up options, built into that floor executable, do not ` +
    `move it: \`useCodeCache\` ${ratio('the same, useCodeCache: true')} (it only caches the tiny main), \`useSnapshot\` ` +
    `${ratio('the same, useSnapshot: true')} (a user-land snapshot is deserialised instead of Node's built-in one, and is ` +
    `larger), \`execArgv\` with fewer threads ${ratio('the same, execArgv: --v8-pool-size=1 --single-threaded')}, without the ` +
    `JIT ${ratio('the same, execArgv: --jitless')}. So what is left of \`kubectl kr version\` is kubectl's own start.`,
  `\`--help\` and \`doctor\` load oclif and the commands (and \`doctor\` the bundle reader, the checks and the renderer): that`,
  `is the difference between their rows and the \`version\` row; the launcher adds one exec to them (compare the rows of the`,
  `Node executable alone), and the Node executable keeps V8's compiled code of its modules beside them (Node's module`,
  `compile cache), which later starts reuse.`,
  '',
].join('\n')
process.stdout.write(section)

if (WRITE) {
  const file = join(REPO, 'bench', 'RESULTS.md')
  const text = readFileSync(file, 'utf8')
  const start = text.search(/^# Benchmark: start-up/m)
  const rest = start < 0 ? -1 : text.slice(start + 1).search(/^# /m)
  const next = rest < 0 ? text.length : start + 1 + rest
  const updated = start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${next < text.length ? `\n${text.slice(next)}` : ''}`
  writeFileSync(file, updated)
}
