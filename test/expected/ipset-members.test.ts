// expected/ipset-members: what [inet6:]kube-router-local-ips should hold, from the check cases' real node facts.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {loadCaseNode} from './load-case.js'
import {expectedLocalIps, ipsetName} from '../../src/expected/ipset-members.js'
import {sourceValue} from '../../src/model/node-state.js'

test('set names: the IPv6 copy carries `inet6:`', () => {
  assert.equal(ipsetName('kube-router-local-ips', 4), 'kube-router-local-ips')
  assert.equal(ipsetName('kube-router-svip', 6), 'inet6:kube-router-svip')
})

test('healthy dual-stack node: the node addresses per family, all of them in the recorded sets', async () => {
  const {node, facts} = await loadCaseNode('node-ip-in-svip-healthy')
  const expected = expectedLocalIps(facts)
  assert.deepEqual(expected, [
    {family: 4, set: 'kube-router-local-ips', members: ['192.168.56.11']},
    {family: 6, set: 'inet6:kube-router-local-ips', members: ['fd00:56::11']},
  ])
  const ipsets = sourceValue(node, 'ipset.txt')!
  for (const {set, members} of expected) {
    for (const m of members) assert.ok(ipsets.sets.get(set)?.members.has(m), `${m} in ${set}`)
  }
})

test('FM3 seed (v2.1.2): fd00:56::11 is expected in inet6:kube-router-local-ips, which the node left empty', async () => {
  const {node, facts} = await loadCaseNode('local-ips-missing-node-ipv6')
  const v6 = expectedLocalIps(facts).find((e) => e.family === 6)!
  assert.deepEqual(v6.members, ['fd00:56::11'])
  assert.equal(sourceValue(node, 'ipset.txt')!.sets.get(v6.set)?.members.size, 0)
})

test('addresses on kube-bridge and kube-dummy-if (Service VIPs) are never expected, nor link-local ones', async () => {
  const {facts} = await loadCaseNode('node-ip-in-svip-healthy')
  const members = expectedLocalIps(facts).flatMap((e) => e.members)
  for (const absent of ['10.244.1.1', 'fd00:244:1::1', '10.96.0.10', 'fd00:10:96::a', 'fe80::3c0a:b9ff:fe41:37c0']) {
    assert.ok(!members.includes(absent), `${absent} is not expected`)
  }
})
