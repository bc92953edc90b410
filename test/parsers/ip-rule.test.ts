import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parseIpRule} from '../../src/parsers/ip-rule.js'
import {fixture, iprouteTextLines} from './fixture.js'

test('ip-rule: text reads like `ip rule show` (all real fixtures)', () => {
  for (const [name, family] of [
    ['ipv4-kube-router-rules-numeric', 4],
    ['ipv4-kube-router-rules-named', 4],
    ['ipv6-kube-router-rules-numeric', 6],
  ] as const) {
    const r = parseIpRule(fixture(`ip-rule/${name}.json`), family)
    assert.equal(r.fatal, false)
    assert.deepEqual(r.issues, [])
    assert.deepEqual(r.value.map((x) => x.text), iprouteTextLines(fixture(`ip-rule/${name}.txt`)), name)
  }
})

test('ip-rule: kube-router rules (numeric tables)', () => {
  const r = parseIpRule(fixture('ip-rule/ipv4-kube-router-rules-numeric.json'), 4)
  const fw = r.value.find((x) => x.fwmark === 0x3742)!
  assert.deepEqual(
    {priority: fw.priority, src: fw.src, dst: fw.dst, fwmask: fw.fwmask, table: fw.table, tableId: fw.tableId, action: fw.action, not: fw.not, text: fw.text},
    {priority: 32764, src: 'all', dst: 'all', fwmask: null, table: '78', tableId: 78, action: 'lookup', not: false, text: '32764: from all fwmark 0x3742 lookup 78'},
  )
  const pod = r.value.find((x) => x.tableId === 77)!
  assert.equal(pod.src, '10.244.1.0/24')
  assert.equal(pod.text, '32765: from 10.244.1.0/24 lookup 77')
  assert.equal(r.value.find((x) => x.tableId === 79)!.text, '32765: from all lookup 79')
})

test('ip-rule: named tables map to the same ids', () => {
  const r = parseIpRule(fixture('ip-rule/ipv4-kube-router-rules-named.json'), 4)
  assert.deepEqual(
    r.value.filter((x) => x.tableId !== null && x.tableId >= 77 && x.tableId <= 79).map((x) => x.text),
    ['32764: from all fwmark 0x3742 lookup kube-router-dsr', '32764: from all fwmark 0x2a lookup kube-router-dsr', '32765: from 10.244.1.0/24 lookup kube-router', '32765: from all lookup external_ip'],
  )
  assert.deepEqual(r.value.map((x) => x.tableId), [255, 254, null, null, null, 78, 78, 77, 79, 254, 253])
})

test('ip-rule: not, masks, iif/oif, goto and actions', () => {
  const r = parseIpRule(fixture('ip-rule/ipv4-kube-router-rules-numeric.json'), 4)
  const byPrio = new Map(r.value.map((x) => [x.priority, x]))
  const p100 = byPrio.get(100)!
  assert.deepEqual([p100.not, p100.src, p100.dst, p100.fwmark, p100.fwmask, p100.iif, p100.action], [true, '10.0.0.0/8', '172.16.0.0/12', 0x10, 0xff, 'eth0', 'lookup'])
  assert.deepEqual([byPrio.get(101)!.oif, byPrio.get(101)!.action, byPrio.get(101)!.table], ['kube-bridge', 'blackhole', null])
  assert.deepEqual([byPrio.get(102)!.action, byPrio.get(102)!.text], ['goto', '102: from 192.168.99.0/24 goto 32764'])
  assert.equal(byPrio.get(103)!.action, 'prohibit')
})

test('ip-rule: IPv6', () => {
  const r = parseIpRule(fixture('ip-rule/ipv6-kube-router-rules-numeric.json'), 6)
  assert.ok(r.value.every((x) => x.family === 6))
  assert.equal(r.value.find((x) => x.tableId === 77)!.src, 'fd00:244:1::/64')
  assert.equal(r.value.find((x) => x.tableId === 78)!.fwmark, 0xbcd)
})

test('ip-rule: other real shapes (nop, l3mdev, uidrange, detached iif, host src)', () => {
  const json = '[{"priority":200,"src":"10.1.2.3","dst":"10.2.0.0","dstlen":16,"uid_start":100,"uid_end":200,"table":"100","suppress_prefixlen":0,"protocol":"static"},{"priority":201,"src":"all","tos":"0x08","iif":"lo","oif":"eth0","nop":null},{"priority":202,"src":"all","fwmark":"0x1","action":"unreachable"},{"priority":203,"src":"10.9.0.0","srclen":16,"table":"main","suppress_ifgroup":"5","flow_to":"3"},{"priority":204,"not":null,"src":"all","fwmark":"0x5","goto":32766},{"priority":205,"src":"all","iif":"nonexist","iif_detached":null,"table":"90"},{"priority":206,"src":"all","ipproto":"udp","dport":53,"table":"91"},{"priority":207,"src":"all","l3mdev":null},{"priority":209,"src":"all","tun_id":7,"table":"92"}]'
  const r = parseIpRule(json, 4)
  assert.deepEqual(r.value.map((x) => x.text), [
    '200: from 10.1.2.3 to 10.2.0.0/16 uidrange 100-200 lookup 100 suppress_prefixlength 0 proto static',
    '201: from all tos 0x08 iif lo oif eth0 nop',
    '202: from all fwmark 0x1 unreachable',
    '203: from 10.9.0.0/16 lookup main suppress_ifgroup 5 realms 3',
    '204: not from all fwmark 0x5 goto 32766',
    '205: from all iif nonexist [detached] lookup 90',
    '206: from all ipproto udp dport 53 lookup 91',
    '207: from all lookup [l3mdev-table]',
    '209: from all tun_id 7 lookup 92',
  ])
  assert.equal(r.value[0].src, '10.1.2.3')
  assert.equal(r.value[1].action, 'nop')
})

test('ip-rule: garbage', () => {
  const r = parseIpRule('[{"src":"all"},{"priority":"x"},{"priority":5,"src":"all","table":"main"}', 4)
  assert.equal(r.value.length, 1)
  assert.equal(r.value[0].text, '5: from all lookup main')
  assert.ok(r.issues.some((i) => i.raw === '{"src":"all"}'))
  assert.ok(r.issues.some((i) => i.message.includes('not terminated')))
  assert.equal(parseIpRule('null', 6).fatal, true)
  assert.equal(parseIpRule('null', 6).issues[0].source, 'ip6-rule.json')
})
