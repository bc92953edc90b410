import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parseDaemonSet, parseEndpointSliceList, parseNodeList, parseServiceList} from '../../src/parsers/cluster.js'
import {fixture} from './fixture.js'

test('cluster: NodeList', () => {
  const r = parseNodeList(fixture('cluster/nodes.json'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.issues, [])
  assert.deepEqual(r.value.map((n) => n.metadata.name), ['node-a', 'node-b'])
  assert.deepEqual(r.value[0].spec!.podCIDRs, ['10.244.1.0/24', 'fd00:244:1::/64'])
  assert.deepEqual(r.value[1].status!.addresses!.filter((a) => a.type === 'InternalIP').map((a) => a.address), ['192.168.56.12', 'fd00:56::12'])
  assert.equal(r.value[0].metadata.annotations!['kube-router.io/node.asn'], '64512')
})

test('cluster: ServiceList and EndpointSliceList', () => {
  const s = parseServiceList(fixture('cluster/services.json'))
  assert.deepEqual(s.issues, [])
  const fe = s.value.find((x) => x.metadata.name === 'frontend')!
  assert.equal(fe.metadata.namespace, 'web')
  assert.equal(fe.metadata.annotations!['kube-router.io/service.dsr'], 'tunnel')
  assert.deepEqual(fe.spec!.externalIPs, ['199.27.151.9'])
  assert.equal(fe.status!.loadBalancer!.ingress![0].ip, '203.0.113.7')
  assert.equal(fe.spec!.ports![0].nodePort, 30080)

  const e = parseEndpointSliceList(fixture('cluster/endpointslices.json'))
  assert.deepEqual(e.issues, [])
  assert.equal(e.value.length, 3)
  assert.equal(e.value[2].endpoints![1].conditions!.ready, null)
  assert.equal(e.value[1].addressType, 'IPv6')
})

test('cluster: DaemonSet', () => {
  const r = parseDaemonSet(fixture('cluster/kube-router-daemonset.json'))
  assert.equal(r.fatal, false)
  const c = r.value!.spec!.template!.spec!.containers![0]
  assert.equal(c.image, 'docker.io/cloudnativelabs/kube-router:v2.1.2')
  assert.ok(c.args!.includes('--enable-ipv6=true'))
  const list = parseDaemonSet(JSON.stringify({kind: 'DaemonSetList', items: [JSON.parse(fixture('cluster/kube-router-daemonset.json'))]}))
  assert.equal(list.value!.metadata.name, 'kube-router')
  assert.equal(parseDaemonSet('').value, null)
  assert.equal(parseDaemonSet('null').fatal, true)
  assert.equal(parseDaemonSet('{"kind": "Deployment", "metadata": {"name": "x"}}').fatal, true)
  const bad = parseDaemonSet('{"kind":"DaemonSet","metadata":{"name":"kr"},"spec":{"template":{"spec":{"containers":[{"name":"kube-router","args":"--run-router"},{"image":"x"}]}}}}')
  assert.equal(bad.fatal, false)
  assert.deepEqual(bad.value!.spec!.template!.spec!.containers, [{name: 'kube-router'}])
  assert.deepEqual(bad.issues.map((i) => i.message), ['spec.template.spec.containers[0].args is not an array', 'spec.template.spec.containers[1].name is not a string'])
})

test('cluster: wrong kinds, bare arrays, items without name', () => {
  const wrong = parseNodeList(fixture('cluster/services.json'))
  assert.equal(wrong.fatal, true)
  assert.equal(wrong.issues[0].message, 'expected kind NodeList, got ServiceList')
  const bare = parseNodeList('[{"metadata":{"name":"n1"}},{"metadata":{}},{"kind":"Pod","metadata":{"name":"p"}},7]')
  assert.deepEqual(bare.value.map((n) => n.metadata.name), ['n1'])
  assert.deepEqual(bare.issues.map((i) => i.message), ['items[1] has no metadata.name', 'items[2] is a Pod, expected Node', 'items[3] is not an object'])
  assert.equal(bare.issues[0].raw, '{"metadata":{}}')
  const list = parseNodeList('{"kind":"List","items":[{"kind":"Node","metadata":{"name":"a"}}]}')
  assert.equal(list.value.length, 1)
})

test('cluster: wrong field types are dropped with an issue', () => {
  const r = parseServiceList(JSON.stringify({kind: 'ServiceList', items: [{metadata: {name: 's', namespace: 'ns', annotations: {a: 1, b: 'x'}}, spec: {clusterIP: 5, externalIPs: ['1.2.3.4', 7], ports: [{port: '80'}, {port: 443, targetPort: {}}]}}]}))
  const s = r.value[0]
  assert.deepEqual(s.metadata.annotations, {b: 'x'})
  assert.equal(s.spec!.clusterIP, undefined)
  assert.deepEqual(s.spec!.externalIPs, ['1.2.3.4'])
  assert.deepEqual(s.spec!.ports, [{port: 443}])
  assert.deepEqual(r.issues.map((i) => i.message), [
    'ns/s: metadata.annotations.a is not a string',
    'ns/s: spec.clusterIP is not a string',
    'ns/s: spec.externalIPs has non-string entries',
    'ns/s: spec.ports[0].port is not a number',
    'ns/s: spec.ports[1].targetPort is neither a number nor a string',
  ])
  const n = parseNodeList('{"kind":"NodeList","items":[{"metadata":{"name":"a"},"spec":"x","status":{"addresses":[{"type":"InternalIP"}]}}]}')
  assert.equal(n.value[0].spec, undefined)
  assert.deepEqual(n.value[0].status!.addresses, [])
  assert.equal(n.issues.length, 2)
})

test('cluster: truncated list salvages complete items', () => {
  const r = parseServiceList(fixture('cluster/services-truncated.json'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.value.map((s) => s.metadata.name), ['kubernetes', 'kube-dns'])
  assert.ok(r.issues.some((i) => i.message === 'truncated JSON element'))
  const junk = parseServiceList('<html>502 Bad Gateway</html>')
  assert.equal(junk.fatal, true)
  assert.equal(junk.issues[0].raw, '<html>502 Bad Gateway</html>')
})
