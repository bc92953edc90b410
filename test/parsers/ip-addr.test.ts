import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parseIpAddr} from '../../src/parsers/ip-addr.js'
import {fixture} from './fixture.js'

test('ip-addr: real dual-stack node with VIPs on kube-dummy-if', () => {
  const r = parseIpAddr(fixture('ip-addr/node-dualstack-kube-dummy-if.json'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.issues, [])
  const byName = new Map(r.value.map((l) => [l.ifname, l]))
  assert.deepEqual([...byName.keys()].sort(), ['down0', 'down0-peer', 'eth0', 'eth0-peer', 'kube-bridge', 'kube-dummy-if', 'kube-dummy-peer', 'lo', 'tun-15bfd89866c', 'tunpeer0'])

  const dummy = byName.get('kube-dummy-if')!
  assert.equal(dummy.kind, 'veth')
  assert.equal(dummy.mtu, 1500)
  assert.equal(dummy.operstate, 'UP')
  assert.ok(dummy.flags.includes('UP'))
  const vips = dummy.addresses.filter((a) => !a.local.startsWith('fe80:')).map((a) => `${a.local}/${a.prefixlen}`)
  assert.deepEqual(vips, ['10.96.0.1/32', '10.96.0.10/32', 'fd00:10:96::a/128', 'fd00:10:96::1/128'])
  assert.equal(dummy.addresses[0].scope, 'link')

  const eth0 = byName.get('eth0')!
  const v4 = eth0.addresses.filter((a) => a.family === 4)
  assert.deepEqual(v4.map((a) => a.local), ['192.168.56.11', '192.168.56.111'])
  assert.deepEqual(v4[0].flags, ['dynamic'])
  assert.deepEqual(v4[1].flags.sort(), ['deprecated', 'dynamic', 'secondary'])
  // iproute2 printed the address added as fd00:56:0:0:0:0:0:abcd compressed already; canonical either way
  const v6 = eth0.addresses.filter((a) => a.family === 6 && a.scope === 'global')
  assert.deepEqual(v6.map((a) => a.local), ['fd00:56::abcd', 'fd00:56::11'])
  assert.ok(v6[0].flags.includes('deprecated'))

  assert.equal(byName.get('kube-bridge')!.kind, 'bridge')
  assert.equal(byName.get('lo')!.kind, null)
  assert.equal(byName.get('lo')!.addresses[1].local, '::1')
})

test('ip-addr: addresses are canonicalised', () => {
  const r = parseIpAddr(JSON.stringify([{ifindex: 3, ifname: 'eth0', flags: [], mtu: 1500, addr_info: [{family: 'inet6', local: 'FD00:0056:0:0:0:0:0:0011', prefixlen: 64, scope: 'global'}]}]))
  assert.equal(r.value[0].addresses[0].local, 'fd00:56::11')
})

test('ip-addr: truncated real output keeps the complete links and reports the cut one', () => {
  const text = fixture('ip-addr/truncated-mid-link.json')
  const r = parseIpAddr(text)
  assert.equal(r.fatal, false)
  assert.deepEqual(r.value.map((l) => l.ifname), ['lo', 'eth0-peer', 'eth0', 'kube-bridge', 'kube-dummy-peer'])
  const cut = r.issues.find((i) => i.message === 'truncated JSON element')!
  assert.ok(cut.raw.startsWith('{"ifindex":6,'))
  assert.equal(cut.source, 'ip-addr.json')
  assert.ok(text.endsWith(cut.raw))
})

test('ip-addr: wrong shapes', () => {
  const obj = parseIpAddr('{"ifname": "eth0"}')
  assert.equal(obj.fatal, true)
  assert.equal(obj.issues[0].raw, '{"ifname": "eth0"}')
  const noName = parseIpAddr('[{"ifindex": 1}, {"ifindex": 2, "ifname": "eth0", "addr_info": "x"}]')
  assert.equal(noName.fatal, false)
  assert.equal(noName.value.length, 1)
  assert.deepEqual(noName.issues.map((i) => i.message), ['link entry without ifname', 'eth0: addr_info is not an array'])
  assert.equal(noName.issues[0].raw, '{"ifindex":1}')
  const badAddr = parseIpAddr('[{"ifindex": 2, "ifname": "eth0", "addr_info": [{"family": "inet"}, 7, {"family": "inet", "local": "10.0.0.1", "prefixlen": 8}]}]')
  assert.equal(badAddr.value[0].addresses.length, 1)
  assert.equal(badAddr.issues.length, 2)
  assert.equal(parseIpAddr('[]').fatal, false)
  assert.equal(parseIpAddr('').fatal, true)
})
