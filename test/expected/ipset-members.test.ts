// expected/ipset-members and the node addresses local-ips-ipset asks about (NodeFacts.hostAddresses), from the
// check cases' real node state.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {loadCaseNode} from './load-case.js'
import {ipsetName} from '../../src/expected/ipset-members.js'

test('set names: the IPv6 copy carries `inet6:`', () => {
  assert.equal(ipsetName('kube-router-local-ips', 4), 'kube-router-local-ips')
  assert.equal(ipsetName('kube-router-svip', 6), 'inet6:kube-router-svip')
})

test('host addresses: every global address with its interface, lo and kube-bridge included, kube-dummy-if VIPs and link-local not', async () => {
  const {facts} = await loadCaseNode('local-ips-node-ip-on-lo-v2.6.1')
  const v4 = facts.hostAddresses[4].map((a) => `${a.address}@${a.ifname}`)
  for (const present of ['127.0.0.1@lo', '10.0.0.13@lo', '192.168.56.11@eth0', '10.244.1.1@kube-bridge']) assert.ok(v4.includes(present), `${present}: ${v4.join(' ')}`)
  assert.ok(!v4.some((a) => a.endsWith('@kube-dummy-if')), 'no Service VIP')
  const v6 = facts.hostAddresses[6].map((a) => a.address)
  assert.ok(v6.includes('fd00:56::11') && v6.includes('::1'))
  assert.ok(!v6.some((a) => a.startsWith('fe80:')), 'no link-local address')
})

test('node addresses: the Node object\'s InternalIP/ExternalIP per family; the IPv4 one is the /32 on lo', async () => {
  const {facts} = await loadCaseNode('local-ips-node-ip-on-lo-v2.6.1')
  assert.deepEqual(facts.nodeAddresses, {4: ['10.0.0.13'], 6: ['fd00:56::11']})
  assert.equal(facts.nodeIp[4], '10.0.0.13')
  assert.equal(facts.nodeIpFromNode[4], true)
})
