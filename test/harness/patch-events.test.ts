// The test API server's PATCH on Services (merge, strategic merge, JSON patch; dryRun=All; resourceVersion
// preconditions; watch events) and Events (create, list, validation), through plain HTTP and through
// @kubernetes/client-node, with RBAC denials and the request log.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {startTestCluster, type TestCluster, type TestClusterOptions} from './index.js'
import {waitFor} from '../helpers/wait-for.js'

const TOKEN = 't'
const SVC = '/api/v1/namespaces/media/services/stream'
const MERGE = {'content-type': 'application/merge-patch+json'}
const STRATEGIC = {'content-type': 'application/strategic-merge-patch+json'}
const JSON_PATCH = {'content-type': 'application/json-patch+json'}

const stream = {
  metadata: {name: 'stream', namespace: 'media', annotations: {'kube-router.io/service.scheduler': 'sh'}},
  spec: {type: 'ClusterIP', clusterIP: '10.96.40.9', externalIPs: ['199.27.151.9'], ports: [{name: 'http', port: 8080, targetPort: 8080}]},
}

async function withCluster(opts: Partial<TestClusterOptions>, fn: (c: TestCluster) => Promise<void>) {
  const cluster = await startTestCluster({token: TOKEN, nodes: [{name: 'node-a', runtime: {kind: 'replay', log: '', runMs: 10}}], services: [stream], ...opts})
  try {
    await fn(cluster)
  } finally {
    await cluster.close()
  }
}

async function api(cluster: TestCluster, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(cluster.url + path, {
    method,
    headers: {authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : {'content-type': 'application/json'}), ...headers},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return {status: res.status, json: text ? JSON.parse(text) : undefined}
}

const stored = (c: TestCluster) => c.objects('services', 'media').find((s) => s.metadata.name === 'stream')

test('merge patch: adds, changes and (with null) removes annotations; a new resourceVersion and one MODIFIED watch event', async () => {
  await withCluster({}, async (c) => {
    const before = stored(c)
    const events: any[] = []
    const watch = await fetch(`${c.url}/api/v1/namespaces/media/services?watch=true&resourceVersion=${before.metadata.resourceVersion}`, {headers: {authorization: `Bearer ${TOKEN}`}})
    const reader = watch.body!.getReader()
    void (async () => {
      let buffer = ''
      for (;;) {
        const {value, done} = await reader.read()
        if (done) return
        buffer += new TextDecoder().decode(value)
        for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
          events.push(JSON.parse(buffer.slice(0, i)))
          buffer = buffer.slice(i + 1)
        }
      }
    })().catch(() => {})
    const r = await api(c, 'PATCH', SVC, {metadata: {annotations: {'kube-router.io/service.dsr': 'tunnel', 'kube-router.io/service.scheduler': 'mh'}}}, MERGE)
    assert.equal(r.status, 200)
    assert.deepEqual(r.json.metadata.annotations, {'kube-router.io/service.dsr': 'tunnel', 'kube-router.io/service.scheduler': 'mh'})
    assert.ok(Number(r.json.metadata.resourceVersion) > Number(before.metadata.resourceVersion))
    assert.equal(r.json.metadata.uid, before.metadata.uid)
    assert.deepEqual(stored(c).metadata.annotations, r.json.metadata.annotations)
    await waitFor('the MODIFIED event', () => events.length >= 1)
    assert.equal(events[0].type, 'MODIFIED')
    assert.equal(events[0].object.metadata.resourceVersion, r.json.metadata.resourceVersion)

    const removed = await api(c, 'PATCH', SVC, {metadata: {annotations: {'kube-router.io/service.dsr': null}}}, STRATEGIC)
    assert.equal(removed.status, 200)
    assert.deepEqual(removed.json.metadata.annotations, {'kube-router.io/service.scheduler': 'mh'})
    await waitFor('the second MODIFIED event', () => events.length >= 2)
    await reader.cancel()
  })
})

test('a patch that changes nothing stores nothing: same resourceVersion, no history entry', async () => {
  await withCluster({}, async (c) => {
    const before = stored(c)
    const history = c.store.history.length
    const r = await api(c, 'PATCH', SVC, {metadata: {annotations: {'kube-router.io/service.scheduler': 'sh'}}}, MERGE)
    assert.equal(r.status, 200)
    assert.equal(r.json.metadata.resourceVersion, before.metadata.resourceVersion)
    assert.equal(c.store.history.length, history)
  })
})

test('resourceVersion precondition: the version read → applied; a stale one → 409 Conflict Status and nothing stored (merge and JSON patch)', async () => {
  await withCluster({}, async (c) => {
    const rv = stored(c).metadata.resourceVersion
    const ok = await api(c, 'PATCH', SVC, {metadata: {resourceVersion: rv, annotations: {'kube-router.io/service.dsr': 'tunnel'}}}, MERGE)
    assert.equal(ok.status, 200)
    assert.notEqual(ok.json.metadata.resourceVersion, rv)

    const stale = await api(c, 'PATCH', SVC, {metadata: {resourceVersion: rv, annotations: {'kube-router.io/service.dsr': null}}}, MERGE)
    assert.equal(stale.status, 409)
    assert.deepEqual(
      {kind: stale.json.kind, status: stale.json.status, reason: stale.json.reason, code: stale.json.code, details: stale.json.details},
      {kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409, details: {name: 'stream', kind: 'services'}},
    )
    assert.equal(stale.json.message, 'Operation cannot be fulfilled on services "stream": the object has been modified; please apply your changes to the latest version and try again')
    assert.equal(stored(c).metadata.annotations['kube-router.io/service.dsr'], 'tunnel')

    const staleJson = await api(c, 'PATCH', SVC, [
      {op: 'replace', path: '/metadata/resourceVersion', value: rv},
      {op: 'remove', path: '/metadata/annotations/kube-router.io~1service.dsr'},
    ], JSON_PATCH)
    assert.equal(staleJson.status, 409)
    const test = await api(c, 'PATCH', SVC, [{op: 'test', path: '/metadata/annotations/kube-router.io~1service.dsr', value: 'other'}], JSON_PATCH)
    assert.equal(test.status, 422)
    assert.equal(stored(c).metadata.annotations['kube-router.io/service.dsr'], 'tunnel')
  })
})

test('dryRun=All: validated and returned as it would be, nothing stored; any other dryRun value is refused', async () => {
  await withCluster({}, async (c) => {
    const before = stored(c)
    const history = c.store.history.length
    const dry = await api(c, 'PATCH', `${SVC}?dryRun=All`, {metadata: {resourceVersion: before.metadata.resourceVersion, annotations: {'kube-router.io/service.dsr': 'tunnel'}}}, MERGE)
    assert.equal(dry.status, 200)
    assert.equal(dry.json.metadata.annotations['kube-router.io/service.dsr'], 'tunnel')
    assert.equal(dry.json.kind, 'Service')
    assert.deepEqual(stored(c), before)
    assert.equal(c.store.history.length, history)

    const staleDry = await api(c, 'PATCH', `${SVC}?dryRun=All`, {metadata: {resourceVersion: '1', annotations: {'kube-router.io/service.dsr': 'tunnel'}}}, MERGE)
    assert.equal(staleDry.status, 409, 'the precondition is checked on a dry run too')

    const bad = await api(c, 'PATCH', `${SVC}?dryRun=Yes`, {metadata: {annotations: {a: 'b'}}}, MERGE)
    assert.equal(bad.status, 422)
    assert.equal(bad.json.message, 'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: "Yes": supported values: "All"')

    const invalid = await api(c, 'PATCH', `${SVC}?dryRun=All`, {metadata: {annotations: {'not a key': 'x'}}}, MERGE)
    assert.equal(invalid.status, 422)
    assert.match(invalid.json.message, /^Service "stream" is invalid: metadata.annotations: Invalid value: "not a key"/)
    const number = await api(c, 'PATCH', SVC, {metadata: {annotations: {a: 1}}}, MERGE)
    assert.equal(number.status, 400)
    assert.deepEqual(stored(c), before)
  })
})

test('PATCH errors: unknown Service 404, unsupported content type 415, a renamed object 400', async () => {
  await withCluster({}, async (c) => {
    assert.equal((await api(c, 'PATCH', '/api/v1/namespaces/media/services/nope', {metadata: {}}, MERGE)).status, 404)
    assert.equal((await api(c, 'PATCH', SVC, {metadata: {}}, {'content-type': 'application/apply-patch+yaml'})).status, 415)
    assert.equal((await api(c, 'PATCH', SVC, {metadata: {name: 'other'}}, MERGE)).status, 400)
  })
})

const event = (extra: Record<string, unknown> = {}) => ({
  metadata: {generateName: 'stream.', namespace: 'media'},
  involvedObject: {apiVersion: 'v1', kind: 'Service', namespace: 'media', name: 'stream'},
  reason: 'DSREnabled',
  message: 'kube-router.io/service.dsr=tunnel',
  type: 'Normal',
  source: {component: 'kubectl-kr'},
  ...extra,
})

test('events: created (generateName), listed with a field selector; a mismatched namespace or type is 422', async () => {
  await withCluster({}, async (c) => {
    const created = await api(c, 'POST', '/api/v1/namespaces/media/events', event())
    assert.equal(created.status, 201)
    assert.match(created.json.metadata.name, /^stream\.[a-z0-9]{5}$/)
    const listed = await api(c, 'GET', '/api/v1/namespaces/media/events?fieldSelector=involvedObject.name%3Dstream,reason%3DDSREnabled')
    assert.deepEqual(listed.json.items.map((e: any) => e.reason), ['DSREnabled'])
    assert.equal(c.objects('events', 'media').length, 1)

    const elsewhere = await api(c, 'POST', '/api/v1/namespaces/media/events', event({involvedObject: {kind: 'Service', namespace: 'other', name: 'stream'}}))
    assert.equal(elsewhere.status, 422)
    assert.match(elsewhere.json.message, /involvedObject.namespace: Invalid value: "other": does not match event.namespace/)
    const badType = await api(c, 'POST', '/api/v1/namespaces/media/events', event({type: 'Info'}))
    assert.equal(badType.status, 422)
    assert.equal(c.objects('events', 'media').length, 1)
  })
})

test('RBAC: a denied patch or event creation is 403 (and the access review says no); every request is in the request log', async () => {
  await withCluster({deny: [{verb: 'patch', resource: 'services', namespace: 'media'}, {verb: 'create', resource: 'events'}]}, async (c) => {
    const patch = await api(c, 'PATCH', SVC, {metadata: {annotations: {'kube-router.io/service.dsr': 'tunnel'}}}, MERGE)
    assert.equal(patch.status, 403)
    assert.equal(patch.json.message, 'services "stream" is forbidden: User "harness-user" cannot patch resource "services" in API group "" in the namespace "media"')
    const ev = await api(c, 'POST', '/api/v1/namespaces/media/events', event())
    assert.equal(ev.status, 403)
    const review = await api(c, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {spec: {resourceAttributes: {verb: 'patch', resource: 'services', namespace: 'media'}}})
    assert.equal(review.json.status.allowed, false)
    assert.equal(stored(c).metadata.annotations['kube-router.io/service.dsr'], undefined)
    assert.deepEqual(
      c.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
      [`PATCH ${SVC} 403`, 'POST /api/v1/namespaces/media/events 403', 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews 201'],
    )
    assert.deepEqual(c.requests[0].body, {metadata: {annotations: {'kube-router.io/service.dsr': 'tunnel'}}})
  })
})
