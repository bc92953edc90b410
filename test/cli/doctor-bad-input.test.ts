// Bad input gets a one-line error naming the problem, the right exit code, and never a stack trace.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {gzipSync} from 'node:zlib'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {kr, REPO} from './kr.js'
import {unmet} from '../helpers/requirements.js'
import type {DoctorReport} from '../../src/model/report.js'

const DEMO = join(REPO, 'examples/demo-bundle')

function assertOneLineError(stderr: string, mentions: string[]): void {
  const lines = stderr.trim().split('\n').filter((l) => l.startsWith('error:') || l.includes('Error'))
  assert.equal(lines.length, 1, `exactly one error line expected:\n${stderr}`)
  assert.equal(/\n\s+at /.test(stderr), false, `no stack trace expected:\n${stderr}`)
  for (const m of mentions) assert.ok(stderr.includes(m), `stderr should mention ${m}:\n${stderr}`)
}

test('a bundle path that does not exist: exit 2, one line naming the path', async () => {
  const res = await kr(['doctor', '--from-bundle', '/nonexistent/kr-bundle.tar.gz'])
  assert.equal(res.code, 2)
  assertOneLineError(res.stderr, ['/nonexistent/kr-bundle.tar.gz'])
  assert.equal(res.stdout, '')
})

test('a file that is not a bundle (corrupt .tar.gz): exit 2, one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-bad-'))
  try {
    const path = join(dir, 'broken.tar.gz')
    writeFileSync(path, 'this is not gzip')
    const res = await kr(['doctor', '--from-bundle', path])
    assert.equal(res.code, 2)
    assertOneLineError(res.stderr, [path])
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('malformed source files: the run completes, checks that need them report error, a one-line warning each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-malformed-'))
  try {
    const bundle = join(dir, 'bundle')
    cpSync(DEMO, bundle, {recursive: true})
    writeFileSync(join(bundle, 'nodes/node-c/ip6-route.json'), '{"this is": garbage')
    writeFileSync(join(bundle, 'nodes/node-c/ipset.txt'), '\u0000\u00ff binary junk\nadd\n')
    const res = await kr(['doctor', '--from-bundle', bundle, '-o', 'json', '--fail-on', 'error'])
    assert.equal(/\n\s+at /.test(res.stderr), false, res.stderr)
    assert.ok(res.stderr.includes('nodes/node-c/ip6-route.json'), res.stderr)
    const report = JSON.parse(res.stdout) as DoctorReport
    const vipRoutes = report.results.find((r) => r.check === 'ipv6-vip-routes' && r.node === 'node-c')
    assert.equal(vipRoutes?.status, 'error')
    assert.ok(vipRoutes?.reason?.includes('ip6-route.json'))
    assert.ok(report.results.some((r) => r.node === 'node-a' && r.status === 'fail'), 'other nodes are still diagnosed')
    assert.equal(res.code, 1)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('an unknown --check id: exit 2, one line listing the valid ids', async () => {
  const res = await kr(['doctor', '--from-bundle', DEMO, '--check', 'no-such-check'])
  assert.equal(res.code, 2)
  assertOneLineError(res.stderr, ['no-such-check', 'ipv6-vip-routes'])
})

test('an invalid -o value: exit 2 without a stack trace', async () => {
  const res = await kr(['doctor', '--from-bundle', DEMO, '-o', 'xml'])
  assert.equal(res.code, 2)
  assert.equal(/\n\s+at /.test(res.stderr), false, res.stderr)
  assert.ok(res.stderr.includes('xml'))
})

test('--local without root: exit 2, one line saying root is needed', {skip: unmet({root: true, tools: ['setpriv']})}, async () => {
  const res = await kr(['doctor', '--local'], {asUser: {uid: 65534, gid: 65534}, env: {HOME: '/tmp'}})
  assert.equal(res.code, 2, res.stderr)
  assertOneLineError(res.stderr, ['root'])
})

test('--save-bundle onto an existing non-empty directory is refused before collecting', async () => {
  const res = await kr(['doctor', '--from-bundle', DEMO, '--save-bundle', DEMO])
  assert.equal(res.code, 2)
  assertOneLineError(res.stderr, [DEMO])
})

test('the demo: every output format renders, --fail-on decides the exit code', async () => {
  const json = await kr(['doctor', '--from-bundle', DEMO, '-o', 'json'])
  assert.equal(json.code, 1)
  const report = JSON.parse(json.stdout) as DoctorReport
  const seen = new Set(report.findings.map((f) => `${f.check}@${f.node}`))
  for (const want of ['ipv6-vip-routes@node-a', 'local-ips-ipset@node-a', 'networkd-foreign-rules@node-b', 'dsr-sloppy-tcp@node-b', 'dsr-route-noise@node-b']) {
    assert.ok(seen.has(want), `${want} in ${[...seen].join(', ')}`)
  }
  assert.equal(report.findings.some((f) => f.node === 'node-c'), false, 'node-c is healthy')
  assert.equal((await kr(['doctor', '--from-bundle', DEMO, '--fail-on', 'none'])).code, 0)
  const yaml = await kr(['doctor', '--from-bundle', DEMO, '-o', 'yaml', '--fail-on', 'none'])
  assert.ok(yaml.stdout.startsWith('apiVersion: kr.kube-router.io/v1'))
  const junit = await kr(['doctor', '--from-bundle', DEMO, '-o', 'junit', '--fail-on', 'none'])
  assert.ok(junit.stdout.includes('<testsuite'))
  const text = await kr(['doctor', '--from-bundle', DEMO, '--fail-on', 'none'])
  assert.equal(/\u001b\[/.test(text.stdout), false, 'no escape codes when piped')
  assert.ok(text.stdout.includes('local fd00:10:96::a dev kube-dummy-if table local proto kernel metric 0'))
  const only = await kr(['doctor', '--from-bundle', DEMO, '-o', 'json', '--check', 'ipv6-vip-routes'])
  assert.deepEqual([...new Set((JSON.parse(only.stdout) as DoctorReport).results.map((r) => r.check))], ['ipv6-vip-routes'])
})

test('hostile cluster objects in a bundle (DaemonSet arg 5, podCIDRs [null], a Node {}, addresses [null]): warnings, never an internal error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-hostile-'))
  try {
    const bundle = join(dir, 'bundle')
    cpSync(DEMO, bundle, {recursive: true})
    const read = (f: string) => JSON.parse(readFileSync(join(bundle, 'cluster', f), 'utf8'))
    const nodes = read('nodes.json')
    nodes.items[0].spec.podCIDRs = [null]
    nodes.items[1].status.addresses = [null, ...nodes.items[1].status.addresses]
    nodes.items.push({})
    writeFileSync(join(bundle, 'cluster', 'nodes.json'), JSON.stringify(nodes))
    const ds = read('kube-router.json')
    ds.spec.template.spec.containers[0].args.push(5)
    writeFileSync(join(bundle, 'cluster', 'kube-router.json'), JSON.stringify(ds))
    const res = await kr(['doctor', '--from-bundle', bundle, '-o', 'json'])
    assert.equal(res.stderr.includes('internal error'), false, res.stderr)
    assert.equal(res.code, 1, res.stderr)
    const report = JSON.parse(res.stdout) as DoctorReport
    assert.deepEqual(report.nodes.map((n) => n.name), ['node-a', 'node-b', 'node-c'])
    const warnings = res.stderr.trim().split('\n').filter((l) => l.includes('ignored in the cluster objects'))
    assert.equal(warnings.length, 4, res.stderr)
    assert.match(warnings[3], /1 more problems? of the same kind/)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('a bundle that cannot be written after collection (disk full) costs the bundle, not the report', {skip: unmet({root: true, tools: ['mount', 'umount']})}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-full-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', dir])
  try {
    const target = join(dir, 'capture.tar.gz')
    const res = await kr(['doctor', '--from-bundle', DEMO, '--save-bundle', target, '-o', 'json'])
    assert.equal(res.code, 1, res.stderr)
    const report = JSON.parse(res.stdout) as DoctorReport
    assert.equal(report.nodes.length, 3)
    assert.match(res.stderr, /^warning: cannot write bundle .*capture\.tar\.gz: ENOSPC.*the capture was not saved, the report is complete$/m)
    assert.deepEqual(readdirSync(dir), [], 'no partial bundle left behind')
  } finally {
    execFileSync('umount', [dir])
    rmSync(dir, {recursive: true, force: true})
  }
})

test('timeouts beyond what a timer can hold are refused (--timeout at most 1h, --pod-timeout at most 24h)', async () => {
  for (const [flag, value, max] of [['--timeout', '89478', '1h'], ['--pod-timeout', '2147484', '24h'], ['--timeout', '2h', '1h'], ['--pod-timeout', '25h', '24h']]) {
    const res = await kr(['doctor', '--from-bundle', DEMO, flag, value])
    assert.equal(res.code, 2, res.stderr)
    assert.equal(res.stderr.split('\n').length, 2, res.stderr)
    assert.match(res.stderr, new RegExp(`^error: ${flag} is at most ${max}`))
    assert.equal(res.stdout, '')
  }
})

test('--image with an empty value: exit 2 naming --image, before any connection', async () => {
  const res = await kr(['doctor', '--image', '', '--kubeconfig', '/nonexistent/kubeconfig'])
  assert.equal(res.code, 2)
  assertOneLineError(res.stderr, ['--image is empty'])
})

test('nothing diagnosed is not healthy: a manifest-only bundle, a node entry that is a file, all sources unreadable: exit 2 with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-nothing-'))
  try {
    const manifestOnly = join(dir, 'manifest-only')
    cpSync(join(DEMO, 'manifest.json'), join(manifestOnly, 'manifest.json'), {recursive: true})
    const fileNode = join(dir, 'file-node')
    cpSync(join(DEMO, 'manifest.json'), join(fileNode, 'manifest.json'))
    mkdirSync(join(fileNode, 'nodes'))
    writeFileSync(join(fileNode, 'nodes', 'node-a'), 'not a directory')
    const garbage = join(dir, 'garbage')
    cpSync(join(DEMO, 'manifest.json'), join(garbage, 'manifest.json'))
    mkdirSync(join(garbage, 'nodes', 'node-a'), {recursive: true})
    for (const f of ['ip-addr.json', 'ip-route.json', 'ip6-route.json', 'ip-rule.json', 'ip6-rule.json', 'ipset.txt', 'iptables.txt', 'ip6tables.txt', 'sysctl.txt', 'networkd.txt', 'probes.json']) {
      writeFileSync(join(garbage, 'nodes', 'node-a', f), '\u0000\u0001 truncated garbage')
    }
    for (const [bundle, reason] of [
      [manifestOnly, /the capture holds no node/],
      [fileNode, /the capture holds no node|no node/],
      [garbage, /no check could evaluate node node-a/],
    ] as const) {
      const res = await kr(['doctor', '--from-bundle', bundle, '-o', 'json'])
      assert.equal(res.code, 2, `${bundle}: ${res.stderr}`)
      assert.match(res.stderr, /^error: nothing was diagnosed: /m)
      assert.match(res.stderr, reason)
      assert.doesNotThrow(() => JSON.parse(res.stdout), 'the report is still printed')
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

// ---------- hostile bundles (security audit, issue 10) ----------

const SECRET = 'kr-cli-secret-51d2: root:$6$notreallyahash'

test('a bundle source that is a symlink to a file outside: not read, the check is skipped saying why, the secret is in no output and no --save-bundle copy', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-link-'))
  try {
    const bundle = join(dir, 'bundle')
    cpSync(DEMO, bundle, {recursive: true})
    const secret = join(dir, 'shadow')
    writeFileSync(secret, SECRET)
    rmSync(join(bundle, 'nodes/node-a/ipset.txt'))
    symlinkSync(secret, join(bundle, 'nodes/node-a/ipset.txt'))
    for (const copy of [join(dir, 'copy'), join(dir, 'copy.tar.gz')]) {
      const res = await kr(['doctor', '--from-bundle', bundle, '-o', 'json', '--save-bundle', copy])
      assert.equal(res.code, 1, res.stderr)
      assert.ok(!res.stdout.includes('kr-cli-secret') && !res.stderr.includes('kr-cli-secret'))
      const report = JSON.parse(res.stdout) as DoctorReport
      const skipped = report.results.filter((r) => r.node === 'node-a' && r.reason?.includes('nodes/node-a/ipset.txt is a symbolic link; not followed'))
      assert.ok(skipped.length > 0, JSON.stringify(report.results.filter((r) => r.node === 'node-a')))
      const saved = copy.endsWith('.tar.gz') ? execFileSync('tar', ['-xOzf', copy]).toString() : listFiles(copy).map((f) => readFileSync(f, 'utf8')).join('\n')
      assert.ok(saved.length > 1000)
      assert.ok(!saved.includes('kr-cli-secret'), `no secret in ${copy}`)
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

function listFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true, recursive: true})
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

test('a FIFO in a bundle does not hang the run: it completes in time, the source is missing saying why', {skip: unmet({tools: ['mkfifo']})}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-fifo-'))
  try {
    const bundle = join(dir, 'bundle')
    cpSync(DEMO, bundle, {recursive: true})
    rmSync(join(bundle, 'nodes/node-b/iptables.txt'))
    execFileSync('mkfifo', [join(bundle, 'nodes/node-b/iptables.txt')])
    const start = Date.now()
    const res = await kr(['doctor', '--from-bundle', bundle, '-o', 'json'], {timeoutMs: 30_000})
    assert.ok(Date.now() - start < 30_000, 'finished before the timeout')
    assert.equal(res.code, 1, res.stderr)
    const report = JSON.parse(res.stdout) as DoctorReport
    const nodeB = report.nodes.find((n) => n.name === 'node-b')
    assert.match(JSON.stringify(nodeB), /nodes\/node-b\/iptables\.txt is a FIFO \(named pipe\), not a regular file; not read/)

    // in place of a file that must be JSON: exit 2, one line, in time
    rmSync(join(bundle, 'cluster/services.json'))
    execFileSync('mkfifo', [join(bundle, 'cluster/services.json')])
    const refused = await kr(['doctor', '--from-bundle', bundle], {timeoutMs: 30_000})
    assert.equal(refused.code, 2)
    assertOneLineError(refused.stderr, [bundle, 'cluster/services.json: is a FIFO'])
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('a gzip bomb bundle: exit 2 at once, one line naming the limit, the bundle and the flag', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-bomb-'))
  try {
    const path = join(dir, 'bomb.tar.gz')
    const header = Buffer.alloc(512)
    header.write('bomb/nodes/a/iptables.txt', 0)
    header.write('0000644\0', 100)
    header.write('0000000\0', 108)
    header.write('0000000\0', 116)
    header.write(`${(3 * 1024 ** 3).toString(8).padStart(11, '0')}\0`, 124)
    header.write('00000000000\0', 136)
    header.write('        0', 148)
    header.write('ustar\0' + '00', 257)
    let sum = 0
    for (let i = 0; i < 512; i++) sum += header[i]
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
    const zeros = gzipSync(Buffer.alloc(16 * 1024 * 1024), {level: 9})
    writeFileSync(path, Buffer.concat([gzipSync(header), ...Array.from({length: 192}, () => zeros)]))
    const start = Date.now()
    const res = await kr(['doctor', '--from-bundle', path], {timeoutMs: 30_000})
    assert.equal(res.code, 2, res.stderr)
    assertOneLineError(res.stderr, [path, 'exceeds the limit of 256 MiB per file', '--max-bundle-file-size'])
    assert.ok(Date.now() - start < 15_000, `took ${Date.now() - start} ms`)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('schemaVersion "banana": exit 2, one line naming the value', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-banana-'))
  try {
    const bundle = join(dir, 'bundle')
    cpSync(DEMO, bundle, {recursive: true})
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'))
    writeFileSync(join(bundle, 'manifest.json'), JSON.stringify({...manifest, schemaVersion: 'banana'}))
    const res = await kr(['doctor', '--from-bundle', bundle])
    assert.equal(res.code, 2)
    assertOneLineError(res.stderr, [bundle, 'schemaVersion "banana" is not a positive integer'])
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('bundle limits are flags: a lowered limit refuses the demo by name, a bad value is one line, exit 2', async () => {
  const lowered = await kr(['doctor', '--from-bundle', DEMO, '--max-bundle-entries', '10'])
  assert.equal(lowered.code, 2, lowered.stderr)
  assertOneLineError(lowered.stderr, ['--max-bundle-entries'])
  const bad = await kr(['doctor', '--from-bundle', DEMO, '--max-bundle-bytes', 'lots'])
  assert.equal(bad.code, 2)
  assertOneLineError(bad.stderr, ['--max-bundle-bytes', 'lots'])
  const raised = await kr(['doctor', '--from-bundle', DEMO, '--max-bundle-bytes', '4GiB', '-o', 'json'])
  assert.equal(raised.code, 1, raised.stderr)
})

test('flag errors are one line like every other error: an unknown flag, a bad integer, clashing flags', async () => {
  for (const [args, mention] of [
    [['--frobnicate'], 'Nonexistent flag: --frobnicate'],
    [['--concurrency', 'abc'], 'Parsing --concurrency: Expected an integer but received: abc'],
    [['-o'], 'Flag --output expects one of these values: tui, text, json, yaml, junit'],
    [['-o', 'xml'], 'Expected --output=xml to be one of: tui, text, json, yaml, junit'],
    [['--local', '--from-bundle', DEMO], 'cannot also be provided when using --local'],
  ] as const) {
    const res = await kr(['doctor', ...args])
    assert.equal(res.code, 2, res.stderr)
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr)
    assert.ok(res.stderr.startsWith(`error: ${mention}`) || res.stderr.includes(mention), res.stderr)
    assert.match(res.stderr, /\(see `kubectl kr doctor --help`\)$/m)
  }
})

test('--check and --skip that leave no check: exit 2, one line, not an empty green report', async () => {
  const res = await kr(['doctor', '--from-bundle', DEMO, '--check', 'ipv6-vip-routes', '--skip', 'ipv6-vip-routes'])
  assert.equal(res.code, 2)
  assertOneLineError(res.stderr, ['leave no check to run'])
  assert.equal(res.stdout, '')
})
