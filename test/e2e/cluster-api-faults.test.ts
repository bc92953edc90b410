// Cluster mode against an API server that throttles (429 TooManyRequests with Retry-After) or answers garbage
// (200 with a body that is not JSON, cut short, or not the shape asked for): faults a real server cannot be made
// to produce on demand, so the test API server injects them (test/harness: throttle, garble). A throttled request
// is retried after the Retry-After the server asked for, up to 5 times; past that, and for any garbage answer,
// the run ends with one line naming the request, or, for what concerns one node only, that node fails with the
// reason while the others are diagnosed. Nothing is left behind either way.
import assert from 'node:assert/strict'
import {after, test} from 'node:test'
import type {DoctorReport} from '../../src/model/report.js'
import {kr} from '../cli/kr.js'
import type {RequestRecord, TestCluster} from '../harness/index.js'
import {leftovers, replayClusters, replayNode} from './replay.js'

const replay = replayClusters('api-faults')
after(() => replay.closeAll())

const NODES = ['node-1', 'node-2', 'node-3']
const start = () => replay.start({nodes: NODES.map((n) => replayNode(n))})
const NODE_LIST = {method: 'GET', path: '/api/v1/nodes'}
const POD_CREATE = {method: 'POST', path: '/api/v1/namespaces/kube-system/pods'}
const SERVER = 'http://127\\.0\\.0\\.1:\\d+'
// setTimeout may fire a millisecond early against Date.now()
const CLOCK_SLACK_MS = 5

function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n')
  assert.equal(lines.length, 1, `one line expected:\n${stderr}`)
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
  return lines[0]
}

function statuses(requests: RequestRecord[]): number[] {
  return requests.map((q) => q.status)
}

/** Each attempt after a 429 came no sooner than the Retry-After the server asked for. */
function assertRetriedAfter(attempts: RequestRecord[], retryAfterMs: number) {
  for (let i = 1; i < attempts.length; i++) {
    const [q, next] = [attempts[i - 1], attempts[i]]
    assert.equal(q.status, 429, 'only a 429 is retried')
    assert.ok(next.at - q.at >= retryAfterMs - CLOCK_SLACK_MS, `retried ${next.at - q.at} ms after a 429 with Retry-After ${retryAfterMs} ms`)
  }
}

function podCreates(c: TestCluster): Map<string, RequestRecord[]> {
  const byPod = new Map<string, RequestRecord[]>()
  for (const q of c.requests.filter((r) => r.method === 'POST' && r.path === POD_CREATE.path)) {
    const name = (q.body as {metadata: {name: string}}).metadata.name
    byPod.set(name, [...(byPod.get(name) ?? []), q])
  }
  return byPod
}

test('doctor rides out 429s on the access reviews, the node list and pod creations: each retried after Retry-After, the usual report', async () => {
  const {c, kubeconfig} = await start()
  c.throttle(1, {method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'})
  c.throttle(2, NODE_LIST)
  c.throttle(2, POD_CREATE)
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json'], {timeoutMs: 120_000})
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stderr, '')
  const report = JSON.parse(r.stdout) as DoctorReport
  assert.deepEqual(report.nodes.map((n) => [n.name, n.status]).sort(), NODES.map((n) => [n, 'probed']))

  const nodeLists = c.requests.filter((q) => q.method === 'GET' && q.path === NODE_LIST.path)
  assert.deepEqual(statuses(nodeLists), [429, 429, 200])
  assertRetriedAfter(nodeLists, 1000)
  const reviews = c.requests.filter((q) => q.path.endsWith('/selfsubjectaccessreviews'))
  assert.equal(reviews.filter((q) => q.status === 429).length, 1)
  assert.ok(reviews.every((q) => q.status === 429 || q.status === 201))
  const creates = podCreates(c)
  assert.equal(creates.size, NODES.length)
  assert.equal([...creates.values()].flat().filter((q) => q.status === 429).length, 2)
  for (const attempts of creates.values()) {
    assert.equal(attempts.at(-1)!.status, 201)
    assertRetriedAfter(attempts, 1000)
  }
  assert.deepEqual(leftovers(c), [])
})

test('throttled past the retry budget: one line naming the request and the throttling, exit 2, nothing created or left', async () => {
  const {c, kubeconfig} = await start()
  c.throttle(100, NODE_LIST)
  const r = await kr(['doctor', '--kubeconfig', kubeconfig], {timeoutMs: 120_000})
  assert.equal(r.code, 2, r.stderr)
  assert.equal(r.stdout, '')
  assert.match(
    oneErrorLine(r.stderr),
    /^error: nodes: the API server is throttling requests \(429 Too Many Requests\) and still was after 6 attempts over \d+s: Too many requests, please try again later\.$/,
  )
  const nodeLists = c.requests.filter((q) => q.method === 'GET' && q.path === NODE_LIST.path)
  assert.deepEqual(statuses(nodeLists), [429, 429, 429, 429, 429, 429])
  assertRetriedAfter(nodeLists, 1000)
  assert.equal(podCreates(c).size, 0)
  assert.deepEqual(leftovers(c), [])
})

test('the pod watch throttled: its reconnections ride out two 429s; throttled on and on, one line saying so, exit 2, nothing left', async () => {
  const watch = {method: 'GET', path: '/api/v1/namespaces/kube-system/pods', query: {watch: 'true'}}
  const {c, kubeconfig} = await start()
  c.throttle(2, watch)
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json'], {timeoutMs: 120_000})
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual((JSON.parse(r.stdout) as DoctorReport).nodes.map((n) => n.status), NODES.map(() => 'probed'))
  assert.deepEqual(statuses(c.requests.filter((q) => q.query.watch === 'true')), [429, 429, 200])
  assert.deepEqual(leftovers(c), [])

  const {c: busy, kubeconfig: busyConfig} = await start()
  busy.throttle(100, watch)
  const refused = await kr(['doctor', '--kubeconfig', busyConfig], {timeoutMs: 120_000})
  assert.equal(refused.code, 2, refused.stderr)
  assert.match(oneErrorLine(refused.stderr), /^error: the API server stopped the run: watch of pods in kube-system: the API server is throttling requests \(429 Too Many Requests\)$/)
  assert.deepEqual(leftovers(busy), [])
})

test('cleanup rides out a throttled pod list', async () => {
  const {c, kubeconfig} = await start()
  const podList = {method: 'GET', path: '/api/v1/namespaces/kube-system/pods'}
  c.throttle(2, podList, {retryAfterSeconds: 2})
  const r = await kr(['cleanup', '--kubeconfig', kubeconfig, '--yes'], {timeoutMs: 120_000})
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /^no probe pods left behind in namespace kube-system$/m)
  const lists = c.requests.filter((q) => q.method === 'GET' && q.path === podList.path)
  assert.deepEqual(statuses(lists), [429, 429, 200])
  assertRetriedAfter(lists, 2000)
})

test('garbage instead of a list (not JSON, cut short, items: null, a JSON string) or an access review: one line naming the request, exit 2, no pod created', async () => {
  const cases = [
    {what: NODE_LIST, garbage: 'not-json', error: `nodes: the API server at ${SERVER} answered 200 with a body that is not valid JSON \\(Unexpected token '\\\\x1f'\\)`},
    {what: {method: 'GET', path: '/apis/discovery.k8s.io/v1/endpointslices'}, garbage: 'truncated', error: `endpointslices: the API server at ${SERVER} answered 200 with a body that is not valid JSON \\((Unterminated string|Expected|Unexpected)[^)]*( \\([^)]*\\))?\\)`},
    {what: {method: 'GET', path: '/api/v1/services'}, garbage: 'null-items', error: `services: the API server at ${SERVER} answered with a list that has no items \\(items: null\\)`},
    {what: NODE_LIST, garbage: 'json-string', error: `nodes: the API server at ${SERVER} answered with a list that has no items \\(items: missing\\)`},
    {what: {method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'}, garbage: 'json-string', error: `access review \\(\\w+ [\\w/]+\\): the API server at ${SERVER} answered without a verdict \\(no status\\.allowed\\)`},
  ] as const
  for (const {what, garbage, error} of cases) {
    const {c, kubeconfig} = await start()
    c.garble(what, garbage)
    const r = await kr(['doctor', '--kubeconfig', kubeconfig], {timeoutMs: 120_000})
    assert.equal(r.code, 2, `${garbage}: ${r.stderr}`)
    assert.match(oneErrorLine(r.stderr), new RegExp(`^error: ${error}$`), garbage)
    assert.ok(c.requests.some((q) => q.garbled === garbage))
    assert.equal(podCreates(c).size, 0)
    assert.deepEqual(leftovers(c), [])
  }
})

test('a garbage answer to one pod creation: that node fails (whether its pod exists is unknown), the others are diagnosed, the pod is still deleted', async () => {
  const {c, kubeconfig} = await start()
  c.garble(POD_CREATE, 'not-json', {times: 1})
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json'], {timeoutMs: 120_000})
  assert.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as DoctorReport
  const failed = report.nodes.filter((n) => n.status === 'failed')
  assert.equal(failed.length, 1)
  const garbled = c.requests.find((q) => q.garbled)!
  assert.equal(garbled.status, 201, 'the server created the pod')
  const pod = (garbled.body as {metadata: {name: string}}).metadata.name
  assert.ok(pod.endsWith(`-${failed[0].name}`))
  assert.match(
    failed[0].error!,
    new RegExp(`^cannot tell whether the probe pod was created: create pod ${pod} in kube-system: the API server at ${SERVER} answered 201 with a body that is not valid JSON \\(Unexpected token '\\\\x1f'\\)$`),
  )
  assert.equal(report.nodes.filter((n) => n.status === 'probed').length, NODES.length - 1)
  assert.deepEqual(leftovers(c), [])
})

test('a garbage log of one probe pod: that node fails with unreadable output (control characters escaped), the others are diagnosed', async () => {
  const {c, kubeconfig} = await start()
  c.garble({method: 'GET', path: /\/pods\/kr-probe-[0-9a-f]{6}-node-2\/log$/}, 'not-json')
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json'], {timeoutMs: 120_000})
  assert.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as DoctorReport
  const status = Object.fromEntries(report.nodes.map((n) => [n.name, n.status === 'failed' ? n.error : n.status]))
  assert.deepEqual({...status, 'node-2': 'failed'}, {'node-1': 'probed', 'node-2': 'failed', 'node-3': 'probed'})
  assert.match(status['node-2']!, /^unreadable probe output \(exit code 0\): no "KR-PROBE" header: this does not look like probe output; last line: \\x1f/)
  assert.doesNotMatch(status['node-2']!, /[\u0000-\u001f]/)
  assert.ok(c.requests.some((q) => q.garbled === 'not-json' && q.path.endsWith('-node-2/log')))
  assert.deepEqual(leftovers(c), [])

  // the human report shows the same reason, with no raw control character reaching the terminal
  const {c: again, kubeconfig: againConfig} = await start()
  again.garble({method: 'GET', path: /\/pods\/kr-probe-[0-9a-f]{6}-node-2\/log$/}, 'not-json')
  const human = await kr(['doctor', '--kubeconfig', againConfig], {timeoutMs: 120_000})
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stdout, /unreadable probe output/)
  assert.doesNotMatch(human.stdout + human.stderr, /[\u0000-\u0008\u000b-\u001f]/)
})

test('a garbage line on the pod watch (not JSON, an event without a pod) is skipped: the run goes on as usual', async () => {
  for (const garbage of ['not-json', 'null-items'] as const) {
    const {c, kubeconfig} = await start()
    c.garble({method: 'GET', path: '/api/v1/namespaces/kube-system/pods', query: {watch: 'true'}}, garbage)
    const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json'], {timeoutMs: 120_000})
    assert.equal(r.code, 0, `${garbage}: ${r.stderr}`)
    assert.equal(r.stderr, '')
    const report = JSON.parse(r.stdout) as DoctorReport
    assert.deepEqual(report.nodes.map((n) => n.status), NODES.map(() => 'probed'))
    assert.ok(c.requests.some((q) => q.garbled === garbage && q.query.watch === 'true'))
    assert.deepEqual(leftovers(c), [])
  }
})
