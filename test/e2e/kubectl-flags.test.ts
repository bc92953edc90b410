// Issue 14 item 1: kubectl's flags with kubectl's meaning on the commands that talk to a cluster, through real
// `kubectl kr …` dispatch against the test API server (replayed probe output, no network namespaces): --cluster and
// --user pick other kubeconfig entries, --server/--token work without any kubeconfig, --as/--as-group/--as-uid
// impersonate on every request (the watch too), -v 6 logs each request, durations take units, -n limits the Service
// VIPs doctor probes.
import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, test} from 'node:test'
import {stringify} from 'yaml'
import {kr} from '../cli/kr.js'
import {leftovers, replayClusters, replayNode} from './replay.js'

const replay = replayClusters('kubectl-flags')
after(() => replay.closeAll())

const TOKEN = 'harness-token'

/** A kubeconfig whose current context points at a server that is not there, with a wrong token; the working
 * cluster and user are other entries. */
async function twoEntryKubeconfig(url: string): Promise<string> {
  const file = join(await replay.dir(), `two-entries-${Math.random().toString(16).slice(2)}`)
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {name: 'gone', cluster: {server: 'http://127.0.0.1:9', 'insecure-skip-tls-verify': true}},
        {name: 'good', cluster: {server: url, 'insecure-skip-tls-verify': true}},
      ],
      users: [
        {name: 'stale', user: {token: 'expired'}},
        {name: 'admin', user: {token: TOKEN}},
      ],
      contexts: [{name: 'main', context: {cluster: 'gone', user: 'stale'}}],
      'current-context': 'main',
    }),
  )
  return file
}

const podBodies = (c: {requests: {method: string; path: string; body?: unknown}[]}) =>
  c.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pods')).map((r) => r.body as {spec: {activeDeadlineSeconds: number; containers: {env: {name: string; value: string}[]}[]}})

test('--cluster and --user replace the context\'s entries, as with kubectl', async () => {
  const {c} = await replay.start({nodes: [replayNode('node-c')], token: TOKEN})
  const kubeconfig = await twoEntryKubeconfig(c.url)
  const wrong = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--request-timeout', '2s'])
  assert.equal(wrong.code, 2, 'the context alone points at nothing')
  assert.match(wrong.stderr, /^error: .*127\.0\.0\.1:9/m)

  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '--cluster', 'good', '--user', 'admin', '-o', 'json', '--fail-on', 'none'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout).nodes[0].name, 'node-c')
  assert.ok(c.requests.length > 0 && c.requests.every((q) => q.token === TOKEN), 'every request carries the --user\'s token')
  assert.deepEqual(leftovers(c), [])

  const unknown = await kr(['doctor', '--kubeconfig', kubeconfig, '--user', 'nobody'])
  assert.equal(unknown.code, 2)
  assert.equal(unknown.stderr, 'error: user "nobody" not found in kubeconfig; available: stale, admin\n')
  const noCluster = await kr(['dsr', 'status', '--no-probe', '--kubeconfig', kubeconfig, '--cluster', 'nope'])
  assert.equal(noCluster.code, 2)
  assert.equal(noCluster.stderr, 'error: cluster "nope" not found in kubeconfig; available: gone, good\n')
})

test('--server and --token with no kubeconfig at all; --insecure-skip-tls-verify accepted; cleanup takes them too', async () => {
  const {c} = await replay.start({nodes: [replayNode('node-c')], token: TOKEN})
  const env = {KUBECONFIG: join(await replay.dir(), 'does-not-exist'), HOME: await replay.dir()}
  const r = await kr(['doctor', '--server', c.url, '--token', TOKEN, '--insecure-skip-tls-verify', '-o', 'json', '--fail-on', 'none'], {env})
  assert.equal(r.code, 0, r.stderr)
  assert.equal(JSON.parse(r.stdout).source.mode, 'cluster')
  const cleanup = await kr(['cleanup', '--dry-run', '-s', c.url, '--token', TOKEN], {env})
  assert.equal(cleanup.code, 0, cleanup.stderr)
  assert.match(cleanup.stdout, /no probe pods left behind/)
  const badToken = await kr(['cleanup', '--dry-run', '--server', c.url, '--token', 'wrong'], {env})
  assert.equal(badToken.code, 2)
  assert.match(badToken.stderr, /^error: the API server at .* rejected the credentials \(401 Unauthorized\)/)
})

test('--as, --as-group and --as-uid impersonate on every request, the pod watch included', async () => {
  const {c, kubeconfig} = await replay.start({nodes: [replayNode('node-c')]})
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '--as', 'alice', '--as-group', 'ops', '--as-uid', '42', '-o', 'json', '--fail-on', 'none'])
  assert.equal(r.code, 0, r.stderr)
  assert.ok(c.requests.some((q) => q.query.watch), 'a watch was made')
  for (const q of c.requests) assert.deepEqual(q.impersonate, {user: 'alice', groups: ['ops'], uid: '42'}, `${q.method} ${q.path}`)

  const groupsOnly = await kr(['doctor', '--kubeconfig', kubeconfig, '--as-group', 'ops'])
  assert.equal(groupsOnly.code, 2)
  assert.equal(groupsOnly.stderr, 'error: --as-group and --as-uid need --as (the user to impersonate)\n')
})

test('-v 6 logs each API request on stderr; without it nothing is logged', async () => {
  const {kubeconfig} = await replay.start({nodes: [replayNode('node-c')]})
  const quiet = await kr(['dsr', 'status', '--no-probe', '-A', '--kubeconfig', kubeconfig])
  assert.doesNotMatch(quiet.stderr, /^kr: /m)
  const loud = await kr(['dsr', 'status', '--no-probe', '-A', '--kubeconfig', kubeconfig, '-v', '6'])
  assert.equal(loud.code, quiet.code, loud.stderr)
  assert.match(loud.stderr, /^kr: services: OK in \d+ms$/m)
  const bad = await kr(['dsr', 'status', '--no-probe', '--kubeconfig', kubeconfig, '-v', 'x'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^error: .*-v.*\n$/)
})

test('durations: --timeout 30s, --pod-timeout 2m, --request-timeout 1m; bare numbers are seconds; -n limits the probed VIPs', async () => {
  const {c, kubeconfig} = await replay.start({nodes: [replayNode('node-c')]})
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '--timeout', '30s', '--pod-timeout', '2m', '--request-timeout', '1m', '-n', 'kube-system', '-o', 'json', '--fail-on', 'none'])
  assert.equal(r.code, 0, r.stderr)
  const [pod] = podBodies(c)
  assert.equal(pod.spec.activeDeadlineSeconds, 120)
  const env = Object.fromEntries(pod.spec.containers[0].env.map((e) => [e.name, e.value]))
  assert.equal(env.KR_PROBE_CMD_TIMEOUT, '30')
  const serviceTargets = env.KR_PROBE_TARGETS.split('\n').filter((l) => l.startsWith('service-vip'))
  assert.ok(serviceTargets.length > 0, env.KR_PROBE_TARGETS)
  assert.ok(serviceTargets.every((l) => l.includes('kube-system/')), `only kube-system Services: ${serviceTargets.join('; ')}`)
  assert.ok(env.KR_PROBE_TARGETS.split('\n').some((l) => l.startsWith('apiserver')), 'the API server is still probed')

  const {c: c2, kubeconfig: k2} = await replay.start({nodes: [replayNode('node-c')]})
  const bare = await kr(['doctor', '--kubeconfig', k2, '--timeout', '7', '--pod-timeout', '90', '-o', 'json', '--fail-on', 'none'])
  assert.equal(bare.code, 0, bare.stderr)
  const [pod2] = podBodies(c2)
  assert.equal(pod2.spec.activeDeadlineSeconds, 90)
  assert.equal(Object.fromEntries(pod2.spec.containers[0].env.map((e) => [e.name, e.value])).KR_PROBE_CMD_TIMEOUT, '7')
  assert.ok(Object.fromEntries(pod2.spec.containers[0].env.map((e) => [e.name, e.value])).KR_PROBE_TARGETS.includes('default/web'), 'without -n every namespace')

  for (const [flag, value, message] of [
    ['--timeout', '1x', 'error: --timeout: invalid duration "1x": use a number with a unit (e.g. 30s, 2m, 1m30s) or a number of seconds\n'],
    ['--pod-timeout', '2s', 'error: --pod-timeout must be at least 5s: a probe pod needs that to start\n'],
    ['--request-timeout', '0', 'error: --request-timeout must be more than 0: kubectl-kr does not wait for ever on an API server that does not answer\n'],
  ]) {
    const bad = await kr(['doctor', '--kubeconfig', kubeconfig, flag, value])
    assert.equal(bad.code, 2, `${flag} ${value}`)
    assert.equal(bad.stderr, message)
  }
})

test('version: the server version and kube-router\'s (image tag and what each pod logged at start-up) when a cluster is reachable', async () => {
  const {kubeRouterDaemonSet, kubeRouterPod} = await import('../harness/scenario.js')
  const {c, kubeconfig} = await replay.start({nodes: [replayNode('node-b'), replayNode('node-c')], daemonSets: [kubeRouterDaemonSet('v2.1.2', 2)]})
  const startup = (v: string) => `I1202 08:06:03.000001       1 version.go:21] Running /usr/local/bin/kube-router version ${v}, built on 2024-03-02T21:50:00+0000, go1.21.7\nI1202 08:06:03.1 1 x.go:1] more\n`
  c.createPod(kubeRouterPod('node-b', 'v2.1.2'), startup('v2.1.2'))
  c.createPod(kubeRouterPod('node-c', 'v2.1.2'), startup('v2.2.0-dirty'))

  const text = await kr(['version', '--kubeconfig', kubeconfig])
  assert.equal(text.code, 0, text.stderr)
  assert.equal(text.stderr, '')
  const lines = text.stdout.trimEnd().split('\n')
  assert.match(lines[0], /^kubectl-kr \d+\.\d+\.\d+/)
  assert.match(lines[1], /^Server Version: v\d+\.\d+/)
  assert.match(lines[2], /^kube-router: v2\.1\.2 on 1 pod, v2\.2\.0-dirty on 1 pod \(image docker\.io\/cloudnativelabs\/kube-router:v2\.1\.2; v2\.1\.2 by its image tag\)$/)
  const logReads = c.requests.filter((r) => r.path.endsWith('/log'))
  assert.equal(logReads.length, 2)
  assert.ok(logReads.every((r) => r.query.limitBytes === '4096'), 'only the head of each log is read')

  const json = JSON.parse((await kr(['version', '--kubeconfig', kubeconfig, '-o', 'json'])).stdout)
  assert.match(json.serverVersion.gitVersion, /^v\d/)
  assert.equal(json.kubeRouter.image, 'docker.io/cloudnativelabs/kube-router:v2.1.2')
  assert.equal(json.kubeRouter.imageVersion, 'v2.1.2')
  assert.deepEqual(json.kubeRouter.running.map((r: {version: string; pods: string[]}) => [r.version, r.pods.length]).sort(), [['v2.1.2', 1], ['v2.2.0-dirty', 1]])
  assert.match(json.kubeRouter.running[0].line, /^I1202 .*Running \/usr\/local\/bin\/kube-router version v2\./)

  const before = c.requests.length
  const client = await kr(['version', '--kubeconfig', kubeconfig, '--client', '-o', 'json'])
  assert.deepEqual(Object.keys(JSON.parse(client.stdout)), ['clientVersion'])
  assert.equal(c.requests.length, before, '--client contacts no cluster')

  const gone = await kr(['version', '--server', 'http://127.0.0.1:9', '--request-timeout', '2s'])
  assert.equal(gone.code, 0)
  assert.match(gone.stdout, /^kubectl-kr \S+\n$/)
  assert.match(gone.stderr, /^warning: no server or kube-router version: .*127\.0\.0\.1:9.*\n$/)
})
