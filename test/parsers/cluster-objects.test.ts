// Cluster objects of any shape, from the API or a bundle, become typed objects plus issues (parsers/cluster.ts).
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {parseClusterObjects} from '../../src/parsers/cluster.js'

const hostile = {
  nodes: [{}, {metadata: {name: 'node-a'}, spec: {podCIDRs: [null, '10.244.1.0/24']}, status: {addresses: [null, {type: 'InternalIP', address: '10.0.0.1'}]}}],
  services: [5, {metadata: {name: 'web', namespace: 'default'}, spec: {clusterIPs: [null, '10.96.0.10']}}],
  endpointSlices: 'not a list' as unknown as unknown[],
  kubeRouter: {kind: 'DaemonSet', metadata: {name: 'kube-router'}, spec: {template: {spec: {containers: [{name: 'kube-router', args: [5, '--run-router=true']}]}}}},
}

test('hostile API objects: the usable parts stay, every dropped part is an issue naming where it was', () => {
  const r = parseClusterObjects(hostile, 'api')
  assert.equal(r.fatal, false)
  assert.deepEqual(r.value.nodes.map((n) => n.metadata.name), ['node-a'])
  assert.deepEqual(r.value.nodes[0].spec?.podCIDRs, ['10.244.1.0/24'])
  assert.deepEqual(r.value.nodes[0].status?.addresses, [{type: 'InternalIP', address: '10.0.0.1'}])
  assert.deepEqual(r.value.services[0].spec?.clusterIPs, ['10.96.0.10'])
  assert.deepEqual(r.value.endpointSlices, [])
  assert.deepEqual(r.value.kubeRouter?.spec?.template?.spec?.containers?.[0].args, ['--run-router=true'])
  assert.deepEqual(
    r.issues.map((i) => `${i.source}: ${i.message}`),
    [
      'Nodes from the API: items[0] has no metadata.name',
      'Nodes from the API: node-a: spec.podCIDRs has non-string entries',
      'Nodes from the API: node-a: status.addresses[0] is not an object',
      'Services from the API: items[0] is not an object',
      'Services from the API: default/web: spec.clusterIPs has non-string entries',
      'the kube-router DaemonSet from the API: spec.template.spec.containers[0].args has non-string entries',
    ],
  )
  assert.ok(r.issues.every((i) => i.raw !== undefined), 'each issue keeps the raw value')
})

test('bundle origin names the bundle files; the input is not changed', () => {
  const before = structuredClone(hostile)
  const r = parseClusterObjects(hostile)
  assert.equal(r.issues[0].source, 'cluster/nodes.json')
  assert.deepEqual(hostile, before)
})

test('a kube-router value that is not a DaemonSet is dropped with an issue', () => {
  const r = parseClusterObjects({nodes: [], services: [], endpointSlices: [], kubeRouter: 5})
  assert.equal(r.value.kubeRouter, null)
  assert.match(r.issues[0].message, /not a DaemonSet/)
})
