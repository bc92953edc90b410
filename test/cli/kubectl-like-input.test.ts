// Issue 14 items 2 and 4 through real `kubectl kr …` dispatch: every error (unknown commands and flag-parse errors
// too) is one `error:` line with exit 2; every command has examples and every flag a description; --check/--skip
// take comma lists; --node, -l and -n narrow a bundle run as they narrow a cluster run.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {join} from 'node:path'
import {kr, REPO} from './kr.js'

const DEMO = join(REPO, 'examples/demo-bundle')
const COMMANDS = ['doctor', 'cleanup', 'version', 'checks', 'completion', 'dsr status', 'dsr enable', 'dsr disable']

function assertOneErrorLine(stderr: string, pattern: RegExp): void {
  assert.equal(stderr.split('\n').length, 2, `one line: ${JSON.stringify(stderr)}`)
  assert.match(stderr, /^error: /)
  assert.match(stderr, pattern)
  assert.doesNotMatch(stderr, /›|Error:|    at /)
}

test('an unknown command or subcommand is one error line, exit 2, with a suggestion when one is near', async () => {
  for (const [args, pattern] of [
    [['frobnicate'], /^error: unknown command "frobnicate" for "kubectl kr": see `kubectl kr help`/],
    [['doctr'], /did you mean "doctor"\?/],
    [['dsr', 'nope'], /^error: unknown command "dsr nope"/],
  ] as const) {
    const r = await kr([...args])
    assert.equal(r.code, 2, args.join(' '))
    assertOneErrorLine(r.stderr, pattern)
    assert.equal(r.stdout, '')
  }
})

test('flag-parse errors of every kind are one error line, exit 2', async () => {
  for (const args of [['doctor', '-o'], ['doctor', '--fail-on', 'sometimes'], ['checks', '--nope'], ['dsr', 'status', 'a', 'b'], ['version', '-o'], ['cleanup', '-v', 'loud']]) {
    const r = await kr(args)
    assert.equal(r.code, 2, args.join(' '))
    assertOneErrorLine(r.stderr, new RegExp(`\\(see \`kubectl kr ${args[0] === 'dsr' ? 'dsr status' : args[0]} --help\`\\)$`, 'm'))
  }
})

test('every command shows examples, and every flag in its help has a description', async () => {
  for (const command of COMMANDS) {
    const r = await kr([...command.split(' '), '--help'])
    assert.equal(r.code, 0, `${command}: ${r.stderr}`)
    const examples = r.stdout.slice(r.stdout.indexOf('EXAMPLES'))
    assert.ok(r.stdout.includes('EXAMPLES'), `${command} has examples:\n${r.stdout}`)
    assert.match(examples, /\$ (sudo )?kubectl kr /, command)
    // in the FLAGS sections a flag line is "  -x, --name=VALUE  description"; a flag alone on its line is bare
    let inFlags = false
    const flagLines = r.stdout.split('\n').filter((l) => {
      if (/^\S/.test(l)) inFlags = /FLAGS$/.test(l)
      return inFlags && /^ {2}(-\w, | {4})?--[\w-]+/.test(l)
    })
    if (command !== 'completion') assert.ok(flagLines.length > 0, `${command} has flags`)
    for (const line of flagLines) assert.match(line, /^ {2}(-\w, )?\s*--[\w-]+(=\S+)?\s{2,}\S/, `${command}: a flag without a description: ${line}`)
  }
})

test('the commands that talk to a cluster take all of kubectl\'s cluster flags', async () => {
  const kubectlFlags = ['--kubeconfig', '--context', '--cluster', '--user', '--server', '--token', '--as', '--as-group', '--as-uid', '--certificate-authority', '--client-certificate', '--client-key', '--insecure-skip-tls-verify', '--tls-server-name', '--request-timeout', '--v']
  for (const command of ['doctor', 'cleanup', 'dsr status', 'dsr enable', 'dsr disable', 'version']) {
    const help = (await kr([...command.split(' '), '--help'])).stdout
    for (const flag of kubectlFlags) assert.match(help, new RegExp(`(^|[ ,])${flag}[= \\n]`, 'm'), `${command} ${flag}`)
    assert.match(help, /^ {2}-v, --v=LEVEL/m, `${command} -v`)
  }
})

test('--check and --skip take comma-separated ids (repeatable too); an unknown id names the valid ones', async () => {
  const ran = async (args: string[]) => {
    const r = await kr(['doctor', '--from-bundle', DEMO, '-o', 'json', '--fail-on', 'none', ...args])
    assert.equal(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout) as {checks: {id: string}[]}).checks.map((c) => c.id)
  }
  assert.deepEqual(await ran(['--check', 'local-ips-ipset,ipv6-vip-routes']), ['ipv6-vip-routes', 'local-ips-ipset'])
  assert.deepEqual(await ran(['--check', 'local-ips-ipset, ipv6-vip-routes', '--check', 'dsr-sloppy-tcp']), ['ipv6-vip-routes', 'local-ips-ipset', 'dsr-sloppy-tcp'])
  const skipped = await ran(['--skip', 'ipv6-vip-routes,local-ips-ipset'])
  assert.ok(!skipped.includes('ipv6-vip-routes') && !skipped.includes('local-ips-ipset') && skipped.includes('dsr-sloppy-tcp'), skipped.join())
  const bad = await kr(['doctor', '--from-bundle', DEMO, '--check', 'ipv6-vip-routes,nope'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^error: .*nope/)
})

test('--node and -l pick nodes of a bundle; an unknown node or a selector matching none is exit 2', async () => {
  const nodes = async (args: string[]) => {
    const r = await kr(['doctor', '--from-bundle', DEMO, '-o', 'json', '--fail-on', 'none', ...args])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as {nodes: {name: string}[]; findings: {node: string | null}[]}
    assert.ok(doc.findings.every((f) => f.node === null || doc.nodes.some((n) => n.name === f.node)), 'findings only for the picked nodes')
    return doc.nodes.map((n) => n.name)
  }
  assert.deepEqual(await nodes(['--node', 'node-b']), ['node-b'])
  assert.deepEqual(await nodes(['--node', 'node-a,node-c']), ['node-a', 'node-c'])
  assert.deepEqual(await nodes(['-l', 'node-role.kubernetes.io/control-plane']), ['node-a'])
  assert.deepEqual(await nodes(['-l', '!node-role.kubernetes.io/control-plane']), ['node-b', 'node-c'])
  assert.deepEqual(await nodes(['-l', 'kubernetes.io/hostname in (node-b, node-c)', '--node', 'node-c']), ['node-c'])

  const unknown = await kr(['doctor', '--from-bundle', DEMO, '--node', 'node-z'])
  assert.equal(unknown.code, 2)
  assertOneErrorLine(unknown.stderr, /^error: node not in the bundle: node-z \(it holds node-a, node-b, node-c\)$/m)
  const none = await kr(['doctor', '--from-bundle', DEMO, '-l', 'kubernetes.io/hostname=node-z'])
  assert.equal(none.code, 2)
  assertOneErrorLine(none.stderr, /no node of the bundle matches the selector/)
  const bad = await kr(['doctor', '--from-bundle', DEMO, '-l', 'a in b'])
  assert.equal(bad.code, 2)
  assertOneErrorLine(bad.stderr, /^error: -l: invalid label selector "a in b"/)
})

test('-n limits the Service VIPs a bundle run reports to that namespace', async () => {
  const vipFindings = async (args: string[]) => {
    const r = await kr(['doctor', '--from-bundle', DEMO, '-o', 'json', '--fail-on', 'none', '--check', 'vip-reachability', '--node', 'node-a', ...args])
    assert.equal(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout) as {findings: {evidence: string[]}[]}).findings.flatMap((f) => f.evidence).join('\n')
  }
  const all = await vipFindings([])
  assert.match(all, /default\/web/)
  assert.match(all, /kube-system\/kube-dns/)
  const limited = await vipFindings(['-n', 'kube-system'])
  assert.match(limited, /kube-system\/kube-dns/)
  assert.doesNotMatch(limited, /default\/web/)
})
