// services/dsr-status: which Services `dsr status` lists (SERVICE, ns/name, -n, -A, the context namespace) and the
// document it builds from the demo cluster's objects; report/render-dsr-status keeps API text terminal-safe.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {demoCluster} from '../../scripts/demo/cluster.js'
import {dsrStatusDocument, dsrStatusExitCode, selectServices, type DsrStatusQuery} from '../../src/services/dsr-status.js'
import {renderDsrStatus} from '../../src/report/render-dsr-status.js'
import {UserError} from '../../src/model/errors.js'

const q = (over: Partial<DsrStatusQuery>): DsrStatusQuery => ({service: null, namespace: null, allNamespaces: false, ...over})
const names = (svcs: {metadata: {namespace?: string; name: string}}[]) => svcs.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)

test('selectServices: the context namespace by default, -n, -A; a named Service with or without its namespace', () => {
  const {services} = demoCluster()
  assert.deepEqual(selectServices(services, q({}), 'default'), {services: [], namespace: 'default'})
  assert.deepEqual(names(selectServices(services, q({}), 'media').services), ['media/stream'])
  assert.deepEqual(names(selectServices(services, q({namespace: 'media'}), 'default').services), ['media/stream'])
  assert.deepEqual(selectServices(services, q({allNamespaces: true}), 'default').namespace, null)
  assert.deepEqual(names(selectServices(services, q({allNamespaces: true}), 'default').services), ['media/stream'])
  assert.deepEqual(names(selectServices(services, q({service: 'web'}), 'default').services), ['default/web'])
  assert.deepEqual(names(selectServices(services, q({service: 'media/stream'}), 'default').services), ['media/stream'])
})

test('selectServices: an unknown Service, a malformed name, -n against ns/name and SERVICE with -A are UserErrors (exit 2)', () => {
  const {services} = demoCluster()
  const refused = (query: DsrStatusQuery, message: RegExp) => assert.throws(() => selectServices(services, query, 'default'), (e) => e instanceof UserError && e.exitCode === 2 && message.test(e.message))
  refused(q({service: 'stream'}), /^service default\/stream not found$/)
  refused(q({service: 'a/b/c'}), /^SERVICE must be NAME or NAMESPACE\/NAME/)
  refused(q({service: 'media/stream', namespace: 'default'}), /names namespace media but -n says default/)
  refused(q({service: 'stream', allNamespaces: true}), /SERVICE and -A do not go together/)
})

test('dsrStatusDocument: the demo media/stream with its tuple and fwmark; the demo DaemonSet makes it not ready (exit 1)', () => {
  const doc = dsrStatusDocument(demoCluster(), q({service: 'media/stream'}), {context: 'demo', namespace: 'default'})
  assert.equal(doc.kind, 'DsrStatus')
  const [s] = doc.services
  assert.deepEqual(s.tuples, [{ip: '199.27.151.9', protocol: 'tcp', port: 8080, targetPort: 8080, fwmark: 14146, fwmarkHex: '0x3742'}])
  assert.deepEqual(s.schedFlags, ['flag-1', 'flag-2'])
  assert.equal(s.ready, false)
  assert.deepEqual(s.requirements.filter((r) => r.blocking && r.status === 'fail').map((r) => r.id), ['host-pid-ipc', 'container-runtime'])
  assert.equal(dsrStatusExitCode(doc), 1)
  assert.equal(dsrStatusExitCode({...doc, services: []}), 0)
})

test('render: an annotation value with terminal controls is shown escaped in the table and the YAML', () => {
  const cluster = demoCluster()
  const stream = cluster.services.find((s) => s.metadata.name === 'stream')!
  stream.metadata.annotations!['kube-router.io/service.dsr'] = 'tun\u001b]0;pwned\u0007nel'
  const doc = dsrStatusDocument(cluster, q({namespace: 'media'}), {context: 'demo', namespace: 'default'})
  for (const format of ['table', 'wide', 'json', 'yaml'] as const) {
    const out = renderDsrStatus(doc, format)
    assert.ok(!out.includes('\u001b') && !out.includes('\u0007'), `${format} has no raw control character`)
  }
  assert.match(renderDsrStatus(doc, 'table'), /annotation: tun\\x1b\]0;pwned\\x07nel/)
})
