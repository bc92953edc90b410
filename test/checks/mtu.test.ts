// mtu (accuracy-audit §3 #5): kube-bridge and tunnel MTUs against the interface holding the node IP. Real kernel
// state in a network namespace (kube-bridge a real bridge; the tunnel a veth with kube-router's tunnel name, as this
// kernel has no ipip links: its overhead then follows the peer's family from the table 77 route), read by probe.sh.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {analyseCaptures, captureNetns, NETNS_SKIP, sh, withNetns} from './netns-capture.js'
import {assertHasExactLine, findingsOf, resultOf} from './run-case.js'
import {tunnelName} from '../../src/expected/pod-routes.js'

const ID = 'mtu'
const PEER = '10.0.7.13'
const TUN = tunnelName(PEER)

async function node(ns: string, m: {eth0: number; bridge: number; tunnel?: number}): Promise<void> {
  await sh(ns,
    ['ip', 'link', 'add', 'eth0', 'mtu', String(m.eth0), 'type', 'veth', 'peer', 'name', 'kr-uplink', 'mtu', String(m.eth0)],
    ['ip', 'addr', 'add', '192.168.56.11/24', 'dev', 'eth0'],
    ['ip', 'link', 'set', 'eth0', 'up'], ['ip', 'link', 'set', 'kr-uplink', 'up'],
    ['ip', 'route', 'add', 'default', 'via', '192.168.56.1', 'dev', 'eth0'],
    ['ip', 'link', 'add', 'kube-bridge', 'mtu', String(m.bridge), 'type', 'bridge'],
    ['ip', 'addr', 'add', '10.244.1.1/24', 'dev', 'kube-bridge'],
    ['ip', 'link', 'set', 'kube-bridge', 'up'])
  if (m.tunnel !== undefined) {
    await sh(ns,
      ['ip', 'link', 'add', TUN, 'mtu', String(m.tunnel), 'type', 'veth', 'peer', 'name', 'kr-tun-peer'],
      ['ip', 'link', 'set', TUN, 'up'], ['ip', 'link', 'set', 'kr-tun-peer', 'up'],
      ['ip', 'route', 'add', PEER, 'dev', TUN, 'table', '77'])
  }
}

test('eth0 lowered to 1450 after the tunnel was made with 1480: error, 1500-byte packets on a 1450 link', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('mtu-tunnel', async (ns) => {
    await node(ns, {eth0: 1450, bridge: 1450, tunnel: 1480})
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  assert.equal(resultOf(report, ID).status, 'fail')
  const found = findingsOf(report, ID)
  assert.deepEqual(found.map((f) => [f.severity, f.subject]), [['error', TUN]])
  assert.equal(found[0].title, `${TUN} MTU 1480 plus 20 bytes of encapsulation exceeds eth0's 1450`)
  assertHasExactLine(found[0].evidence, 'eth0: mtu 1450 (holds the node IP 192.168.56.11)')
  assertHasExactLine(found[0].evidence, `${PEER} dev ${TUN} table 77 scope link`)
  assert.match(found[0].remediation[0], new RegExp(`ip link del ${TUN}`))
})

test('kube-bridge 9000 on a 1500 NIC: warning', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('mtu-bridge', async (ns) => {
    await node(ns, {eth0: 1500, bridge: 9000})
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  const found = findingsOf(report, ID)
  assert.deepEqual(found.map((f) => [f.severity, f.title]), [['warning', "kube-bridge MTU 9000 is larger than eth0's 1500"]])
})

test('trap: --auto-mtu layout (kube-bridge = NIC, kernel tunnel = NIC - 20): pass, with the path-MTU note as info', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('mtu-auto', async (ns) => {
    await node(ns, {eth0: 9000, bridge: 9000, tunnel: 8980})
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  assert.equal(resultOf(report, ID).status, 'pass')
  const found = findingsOf(report, ID)
  assert.deepEqual(found.map((f) => [f.severity, f.title]), [['info', "pods' MTU (kube-bridge 9000) is larger than the tunnel MTU (8980)"]])
})

test('trap: same-subnet cluster, kube-bridge = NIC and no tunnels: quiet pass', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('mtu-flat', async (ns) => {
    await node(ns, {eth0: 1500, bridge: 1500})
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  assert.equal(resultOf(report, ID).status, 'pass')
  assert.deepEqual(findingsOf(report, ID), [])
})
