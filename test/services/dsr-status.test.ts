// services/dsr-status: which Services `dsr status` lists (SERVICE, ns/name, -n, -A, the context namespace) and the
// document it builds from the demo cluster's objects; report/render-dsr-status keeps API text terminal-safe.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {demoCluster} from '../../scripts/demo/cluster.js'
import {dsrStatusDocument, dsrStatusExitCode, selectServices, serviceNodeState, withNodeVerdicts, type DsrStatusQuery} from '../../src/services/dsr-status.js'
import type {DsrNodeVerdict} from '../../src/model/dsr-verification.js'
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

/** The demo media/stream made ready for DSR (hostPID/hostIPC and the CRI socket mounted), with node verdicts. */
function probedDoc(states: DsrNodeVerdict['state'][], reason = 'mangle MARK rules set the fwmark (the last matching rule wins)') {
  const cluster = demoCluster()
  const spec = cluster.kubeRouter!.spec!.template!.spec!
  spec.hostPID = true
  spec.hostIPC = true
  spec.containers![0].volumeMounts = [{name: 'cri', mountPath: '/run/containerd'}]
  spec.volumes = [{name: 'cri', hostPath: {path: '/run/containerd'}}]
  const doc = dsrStatusDocument(cluster, q({service: 'media/stream'}), {context: 'demo', namespace: 'default'})
  assert.equal(doc.services[0].ready, true, JSON.stringify(doc.services[0].requirements.filter((r) => r.status === 'fail')))
  const nodes: DsrNodeVerdict[] = states.map((state, i) => ({
    node: `node-${'abc'[i]}`, hasLocalEndpoint: i === 0, state, reason: state === 'programmed' ? null : reason,
    checks: state === 'broken' ? [{id: 'mangle-mark', title: 'mangle MARK rules set the fwmark (the last matching rule wins)', status: 'fail', evidence: ['(none)'], fix: ['kubectl kr …']}] : [],
  }))
  return withNodeVerdicts(doc, [{namespace: 'media', name: 'stream', expectation: 'enabled', nodes, verified: false}])
}

test('probed: the node state of a Service and the exit code (0 programmed, 1 broken, 2 a node not probed)', () => {
  const ok = probedDoc(['programmed', 'programmed', 'not-expected'])
  assert.equal(ok.probed, true)
  assert.equal(ok.services[0].nodeState, 'programmed')
  assert.deepEqual(ok.summary, {services: 1, ready: 1, notReady: 0, programmed: 1})
  assert.equal(dsrStatusExitCode(ok), 0)
  const broken = probedDoc(['programmed', 'broken', 'not-probed'])
  assert.equal(broken.services[0].nodeState, 'not programmed')
  assert.equal(dsrStatusExitCode(broken), 1)
  const unknown = probedDoc(['programmed', 'not-probed'], 'the probe exited with code 1 before finishing')
  assert.equal(unknown.services[0].nodeState, 'unknown')
  assert.equal(dsrStatusExitCode(unknown), 2)
  // kube-router programs it nowhere (every node not-expected): not programmed
  assert.equal(probedDoc(['not-expected', 'not-expected']).services[0].nodeState, 'not programmed')
  assert.equal(serviceNodeState(null), 'not programmed')
  const table = renderDsrStatus(broken, 'table')
  assert.match(table, /^media\/stream: ready for DSR \(nodes: not programmed\)$/m)
  assert.match(table, /^ {2}nodes: 1 programmed, 1 broken, 1 not-probed$/m)
  assert.match(table, /^ {4}node-b +broken +- +mangle MARK rules/m)
  assert.match(table, /^ {6}FAIL +mangle MARK rules set the fwmark \(the last matching rule wins\)$/m)
  assert.match(table, /^ {12}fix: kubectl kr …$/m)
})

test('render: node text with terminal controls is escaped', () => {
  const doc = probedDoc(['broken'], 'boom\u001b[2Jgone')
  for (const format of ['table', 'wide', 'json', 'yaml'] as const) {
    const out = renderDsrStatus(doc, format)
    assert.ok(!out.includes('\u001b'), `${format} has no raw control character`)
  }
})
