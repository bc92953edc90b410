// The Linux amd64 single executable, as a user runs it (issue 13): built by the release build, copied alone into an
// empty directory, on a PATH without node, through `kubectl kr …`: version, the demo bundle (the same JSON as the
// npm build), the TUI in tmux, cluster mode against the test API server, --local in a network namespace.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import * as tar from 'tar'
import {parse} from 'yaml'
import {validateKrewManifest} from '../../packaging/krew-validate.js'
import {kr, REPO} from '../cli/kr.js'
import {demoClusterObjects, leftovers, replayNode} from '../e2e/replay.js'
import {startTestCluster} from '../harness/index.js'
import {buildHealthyNode} from '../helpers/netns.js'
import {CLI_TOOLS, isRoot, NETNS, PROBE_TOOLS, TMUX, unmet} from '../helpers/requirements.js'
import {startTmux} from '../helpers/tmux.js'
import {buildReleaseExecutable, runAsUser, type ReleaseBuild} from './executable.js'
import type {DoctorReport} from '../../src/model/report.js'
import {compactScript} from '../../src/probe/script-path.js'

const skip = process.arch !== 'x64' || process.platform !== 'linux' ? 'builds the linux-amd64 executable, so runs on linux x64' : unmet({tools: [...CLI_TOOLS]})
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}).version
const DEMO = join(REPO, 'examples/demo-bundle')
let b: ReleaseBuild

before(async () => {
  if (skip) return
  b = await buildReleaseExecutable('linux-amd64')
})

after(() => b?.cleanup())

test('the archive holds the executable, the completer, LICENSE and README.md; the PATH of these runs has no node', {skip}, () => {
  assert.equal(b.archive.file, `kubectl-kr_${VERSION}_linux_amd64.tar.gz`)
  assert.deepEqual(readdirSync(b.unpacked).sort(), ['LICENSE', 'README.md', 'kubectl-kr', 'kubectl_complete-kr'])
  for (const exe of ['kubectl-kr', 'kubectl_complete-kr']) assert.ok((statSync(join(b.unpacked, exe)).mode & 0o111) !== 0, `${exe} executable`)
  assert.deepEqual(readdirSync(b.exeDir), ['kubectl-kr'])
  assert.ok((statSync(join(b.exeDir, 'kubectl-kr')).mode & 0o111) !== 0, 'executable')
  const which = spawnSync('sh', ['-c', 'command -v node || command -v nodejs || echo none'], {env: {PATH: `${b.exeDir}:${b.systemDir}`}, encoding: 'utf8'})
  assert.equal(which.stdout.trim(), 'none')
})

test('kubectl kr version (--client, plain and -o json) from the executable', {skip}, async () => {
  // --client is answered by the launcher, before anything is unpacked
  const client = await runAsUser(b, ['kubectl', 'kr', 'version', '--client'])
  assert.deepEqual([client.code, client.stdout, client.stderr], [0, `kubectl-kr ${VERSION}\n`, ''])
  assert.equal(existsSync(join(b.home, '.cache', 'kubectl-kr')), false)
  const plain = await runAsUser(b, ['kubectl', 'kr', 'version'])
  assert.deepEqual([plain.code, plain.stdout, plain.stderr], [0, `kubectl-kr ${VERSION}\n`, ''])
  const json = await runAsUser(b, ['kubectl', 'kr', 'version', '-o', 'json'])
  assert.equal(json.code, 0, json.stderr)
  // the Node inside is the one the test suite runs on
  assert.deepEqual(JSON.parse(json.stdout), {clientVersion: {kubectlKr: VERSION, node: process.version}})
  // the launcher unpacked the Node executable, and that its modules, once, privately, under the user's cache directory
  const cache = join(b.home, '.cache', 'kubectl-kr')
  assert.equal(statSync(cache).mode & 0o777, 0o700)
  const entries = readdirSync(cache).sort()
  assert.equal(entries.length, 2, entries.join(' '))
  const [modules, exe] = entries
  assert.match(exe, /^kubectl-kr-[0-9a-f]{16}$/)
  assert.equal(statSync(join(cache, exe)).mode & 0o777, 0o700)
  assert.match(modules, /^[0-9a-f]{16}$/)
  assert.ok(existsSync(join(cache, modules, 'probe.sh')) && existsSync(join(cache, modules, '.complete')))
})

test('root with a user\'s HOME (sudo -E): nothing is made or run under it; the copy and the modules go to $TMPDIR/kubectl-kr-0', {skip: skip || (!isRoot() && 'needs root')}, async () => {
  const home = join(b.root, 'user-home')
  const tmp = join(b.root, 'root-tmp')
  mkdirSync(home)
  mkdirSync(tmp)
  chownSync(home, 65534, 65534)
  const r = await runAsUser(b, ['kubectl', 'kr', 'doctor', '--from-bundle', DEMO, '-o', 'json'], {env: {HOME: home, TMPDIR: tmp}})
  assert.equal(r.code, 1, r.stderr)
  assert.equal((JSON.parse(r.stdout) as DoctorReport).source.mode, 'bundle')
  assert.deepEqual(readdirSync(home), [])
  const entries = readdirSync(join(tmp, 'kubectl-kr-0')).sort()
  assert.equal(entries.length, 2, entries.join(' '))
  assert.match(entries[1], /^kubectl-kr-[0-9a-f]{16}$/)
  assert.ok(existsSync(join(tmp, 'kubectl-kr-0', entries[0], '.complete')), 'the Node executable\'s modules beside it')
})

/** What kubectl offers for `kubectl kr WORDS…<TAB>` (kubectl runs kubectl_complete-kr from PATH): candidates without
 * descriptions, and the directive. */
async function kubectlComplete(words: string[], pathInsteadOfExe: string, env: Record<string, string> = {KUBECONFIG: '/nonexistent/kubeconfig'}): Promise<{items: string[]; directive: number}> {
  const r = await runAsUser(b, ['kubectl', '__complete', 'kr', ...words], {pathInsteadOfExe, env})
  assert.equal(r.code, 0, r.stderr)
  // kubectl's own debug lines name the completer it ran; anything else on stderr would be ours, and must not be
  assert.ok(r.stderr.includes(`[Debug] About to call: ${join(pathInsteadOfExe, 'kubectl_complete-kr')}`), r.stderr)
  assert.deepEqual(r.stderr.split('\n').filter((l) => l && !/^\[Debug\] |^Completion ended with directive: /.test(l)), [])
  const lines = r.stdout.trimEnd().split('\n')
  const directive = Number(lines.pop()!.slice(1))
  return {items: lines.map((l) => l.split('\t')[0]), directive}
}

test('kubectl kr <TAB> through kubectl, answered by the archive\'s kubectl_complete-kr and the executable: commands, flags, check ids, node names', {skip, timeout: 120_000}, async () => {
  const dir = b.unpacked
  assert.deepEqual((await kubectlComplete([''], dir)).items, ['checks', 'cleanup', 'completion', 'doctor', 'dsr', 'help', 'version'])
  assert.ok((await kubectlComplete(['dsr', ''], dir)).items.includes('status'))
  const flags = await kubectlComplete(['doctor', '--ch'], dir)
  assert.deepEqual([flags.items, flags.directive], [['--check'], 4])
  assert.ok((await kubectlComplete(['doctor', '--'], dir)).items.includes('--request-timeout'))
  assert.deepEqual((await kubectlComplete(['doctor', '-o', ''], dir)).items, ['tui', 'text', 'json', 'yaml', 'junit', 'markdown'])
  // the check ids are those the npm build's completion spec lists (built into the executable: no dist/ beside it)
  const spec = JSON.parse(readFileSync(join(REPO, 'dist/completion-spec.json'), 'utf8')) as {checkIds: string[]}
  const ids = await kubectlComplete(['doctor', '--check', ''], dir)
  assert.deepEqual([ids.items, ids.directive], [spec.checkIds, 4 | 2])
  assert.ok(ids.items.includes('ipv6-vip-routes') && !ids.items.includes('node-probe'), ids.items.join())
  assert.deepEqual((await kubectlComplete(['doctor', '--skip', 'ipv6-vip-routes,local-'], dir)).items, ['ipv6-vip-routes,local-ips-ipset'])
  // names from a cluster
  const cluster = await startTestCluster({nodes: [replayNode('node-b'), replayNode('node-c')]})
  try {
    const kubeconfig = join(b.root, 'complete-kubeconfig')
    await cluster.writeKubeconfig(kubeconfig)
    assert.deepEqual((await kubectlComplete(['doctor', '--node', ''], dir, {KUBECONFIG: kubeconfig})).items, ['node-b', 'node-c'])
  } finally {
    await cluster.close()
  }
  // the completer with no kubectl-kr beside it or on PATH (kubectl would not run it then; a shell might): nothing
  // offered, nothing said
  const alone = join(b.root, 'completer-alone')
  mkdirSync(alone)
  copyFileSync(join(dir, 'kubectl_complete-kr'), join(alone, 'kubectl_complete-kr'))
  const none = await runAsUser(b, [join(alone, 'kubectl_complete-kr'), ''], {pathInsteadOfExe: alone})
  assert.deepEqual([none.code, none.stdout, none.stderr], [0, ':4\n', ''])
})

test('doctor --from-bundle on the demo: the same JSON as the npm build', {skip}, async () => {
  const exe = await runAsUser(b, ['kubectl', 'kr', 'doctor', '--from-bundle', DEMO, '-o', 'json'])
  const npm = await kr(['doctor', '--from-bundle', DEMO, '-o', 'json'])
  assert.equal(exe.code, 1, exe.stderr)
  assert.equal(npm.code, 1, npm.stderr)
  const strip = (s: string) => ({...(JSON.parse(s) as DoctorReport), generatedAt: 'x'})
  assert.deepEqual(strip(exe.stdout), strip(npm.stdout))
  assert.equal(exe.stderr, npm.stderr)
})

test('kubectl kr --help and dsr status --help: the same commands and flags as the npm build', {skip}, async () => {
  for (const args of [['--help'], ['dsr', 'status', '--help'], ['help', 'doctor']]) {
    const exe = await runAsUser(b, ['kubectl', 'kr', ...args])
    const npm = await kr(args)
    assert.equal(exe.code, 0, exe.stderr)
    assert.equal(exe.stdout, npm.stdout)
  }
})

test('the TUI opens in tmux and quits with q', {skip: skip || unmet(TMUX), timeout: 120_000}, async () => {
  const rc = join(b.root, 'tui-rc')
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const inner = `kubectl kr doctor --from-bundle ${q(DEMO)}; echo $? > ${q(rc)}; echo KR-EXITED; exec sleep 600`
  const term = startTmux(`kr-rel-${process.pid}`, `env -i PATH=${q(`${b.exeDir}:${b.systemDir}`)} HOME=${q(b.home)} TERM=xterm-256color LANG=C.UTF-8 sh -c ${q(inner)}`)
  try {
    await term.screen('the results browser', (s) => s.includes('Findings 18') && s.includes('q quit'))
    term.tmux('send-keys', '-t', 'kr', 'q')
    await term.screen('the exit', (s) => s.includes('KR-EXITED'))
    assert.equal(readFileSync(rc, 'utf8').trim(), '1')
  } finally {
    term.kill()
  }
})

test('cluster mode against the test API server: one node probed, no probe pod left', {skip, timeout: 120_000}, async () => {
  const cluster = await startTestCluster({nodes: [replayNode('node-1')], ...demoClusterObjects(), podStartLatencyMs: 100})
  try {
    const kubeconfig = join(b.root, 'kubeconfig')
    await cluster.writeKubeconfig(kubeconfig)
    const r = await runAsUser(b, ['kubectl', 'kr', 'doctor', '--kubeconfig', kubeconfig, '-o', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout) as DoctorReport
    assert.equal(report.source.mode, 'cluster')
    assert.deepEqual(report.nodes.map((n) => [n.name, n.status]), [['node-1', 'probed']])
    assert.deepEqual(leftovers(cluster), [])
    // the probe script the pods ran came out of the executable: it travelled in the run's ConfigMap
    const created = cluster.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/configmaps'))
    assert.equal(created.length, 1)
    const data = (created[0].body as {data: Record<string, string>}).data
    assert.equal(data['probe.sh'], compactScript(readFileSync(join(REPO, 'src/probe/probe.sh'), 'utf8')))
  } finally {
    await cluster.close()
  }
})

test('doctor --local in a network namespace built as a healthy kube-router node', {skip: skip || unmet(NETNS, {tools: PROBE_TOOLS}), timeout: 120_000}, async () => {
  const node = await buildHealthyNode()
  try {
    const env = {...node.probeEnv}
    delete env.PATH
    const r = await runAsUser(b, ['kubectl', 'kr', 'doctor', '--local', '--node', node.nodeName, '--host-root', node.hostRoot, '-o', 'json'], {ns: node.ns, extraPath: [node.binDir], env})
    assert.equal(r.stderr.includes('    at '), false, r.stderr)
    const report = JSON.parse(r.stdout) as DoctorReport
    assert.equal(report.source.mode, 'local')
    assert.deepEqual(report.nodes.map((n) => [n.name, n.status]), [[node.nodeName, 'probed']])
    // the probe unpacked from the executable read this namespace's kernel state as the npm build's does
    const npm = await kr(['doctor', '--local', '--node', node.nodeName, '--host-root', node.hostRoot, '-o', 'json'], {ns: node.ns, env: node.probeEnv})
    const npmReport = JSON.parse(npm.stdout) as DoctorReport
    const outline = (x: DoctorReport) => ({
      results: x.results.map((res) => `${res.check} ${res.node} ${res.status}`),
      findings: x.findings.map((f) => `${f.check} ${f.node} ${f.subject} ${f.severity}`),
    })
    assert.deepEqual(outline(report), outline(npmReport))
    assert.ok(report.results.some((res) => res.check === 'policy-routing-rules' && res.status === 'pass'), JSON.stringify(report.results))
    assert.equal(r.code, npm.code, r.stderr)
  } finally {
    await node.cleanup()
  }
})

test('krew: the plugin.yaml the build wrote is valid for its archive, and a krew-style install runs', {skip}, async () => {
  const text = readFileSync(join(b.out, 'plugin.yaml'), 'utf8')
  assert.deepEqual(validateKrewManifest(text, {version: VERSION, archiveDir: b.out}), [])
  assert.equal(readFileSync(join(b.out, 'SHA256SUMS'), 'utf8'), `${b.archive.sha256}  ${b.archive.file}\n`)
  // as `kubectl krew install --manifest=plugin.yaml --archive=<file>`: pick the platform, check the sha256,
  // unpack, move each of `files` into the store, link `bin` into krew's bin directory as kubectl-<name>
  const doc = parse(text) as {metadata: {name: string}; spec: {version: string; caveats: string; platforms: {selector: {matchLabels: {os: string; arch: string}}; sha256: string; bin: string; files: {from: string; to: string}[]}[]}}
  const platform = doc.spec.platforms.find((p) => p.selector.matchLabels.os === 'linux' && p.selector.matchLabels.arch === 'amd64')!
  const archivePath = join(b.out, b.archive.file)
  assert.equal(createHash('sha256').update(readFileSync(archivePath)).digest('hex'), platform.sha256)
  const krewRoot = join(b.root, 'krew')
  const unpack = join(krewRoot, 'tmp')
  const store = join(krewRoot, 'store', doc.metadata.name, doc.spec.version)
  mkdirSync(unpack, {recursive: true})
  mkdirSync(store, {recursive: true})
  mkdirSync(join(krewRoot, 'bin'))
  await tar.x({file: archivePath, cwd: unpack})
  for (const f of platform.files) renameSync(join(unpack, f.from), join(store, f.to, f.from))
  assert.ok(existsSync(join(store, 'LICENSE')))
  symlinkSync(join(store, platform.bin), join(krewRoot, 'bin', `kubectl-${doc.metadata.name}`))
  const r = await runAsUser(b, ['kubectl', 'kr', 'version'], {pathInsteadOfExe: join(krewRoot, 'bin')})
  assert.deepEqual([r.code, r.stdout], [0, `kubectl-kr ${VERSION}\n`], r.stderr)
  const listed = await runAsUser(b, ['kubectl', 'plugin', 'list'], {pathInsteadOfExe: join(krewRoot, 'bin')})
  assert.match(listed.stdout, /krew\/bin\/kubectl-kr$/m)
  // krew links only bin (kubernetes-sigs/krew#812): the caveats' command puts the completer beside krew's link
  const caveat = doc.spec.caveats.split('\n').find((l) => l.trim().startsWith('cp '))!.trim()
  const copied = spawnSync('sh', ['-c', caveat], {env: {PATH: b.systemDir, HOME: b.home, KREW_ROOT: krewRoot}, encoding: 'utf8'})
  assert.equal(copied.status, 0, copied.stderr)
  assert.deepEqual((await kubectlComplete(['doctor', '--fail-on=w'], join(krewRoot, 'bin'))).items, ['--fail-on=warning'])
})
