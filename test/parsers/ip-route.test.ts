import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parseIpRoute} from '../../src/parsers/ip-route.js'
import {fixture, iprouteTextLines} from './fixture.js'

test('ip-route: text reads exactly like `ip route show table all` (all real fixtures)', () => {
  for (const [name, family] of [
    ['ipv4-kube-router-tables', 4],
    ['ipv4-kube-router-tables-named', 4],
    ['ipv6-vip-kernel-routes', 6],
    ['ipv6-vip-src-routes-fixed', 6],
  ] as const) {
    const r = parseIpRoute(fixture(`ip-route/${name}.json`), family)
    assert.equal(r.fatal, false, name)
    assert.deepEqual(r.issues, [], name)
    // iproute2's JSON does not say that a metric is locked: "mtu lock 1400" comes back as "mtu 1400"
    const want = iprouteTextLines(fixture(`ip-route/${name}.txt`)).map((l) => l.replace('mtu lock ', 'mtu '))
    assert.deepEqual(r.value.map((x) => x.text), want, name)
  }
})

test('ip-route: FM2 kernel routes for an IPv6 VIP (no src) next to the src route', () => {
  const r = parseIpRoute(fixture('ip-route/ipv6-vip-kernel-routes.json'), 6)
  const vip = r.value.filter((x) => x.dst === 'fd00:10:96::a')
  assert.deepEqual(
    vip.map((x) => x.text),
    [
      'fd00:10:96::a dev kube-dummy-if proto kernel metric 256 pref medium',
      'local fd00:10:96::a dev kube-dummy-if table local proto kernel metric 0 pref medium',
      'local fd00:10:96::a dev kube-dummy-if table local proto kernel src fd00:56::11 metric 1024 pref medium',
    ],
  )
  const [main, local0, localSrc] = vip
  assert.deepEqual(
    {type: main.type, table: main.table, tableId: main.tableId, dev: main.dev, protocol: main.protocol, prefsrc: main.prefsrc, metric: main.metric, family: main.family},
    {type: 'unicast', table: 'main', tableId: 254, dev: 'kube-dummy-if', protocol: 'kernel', prefsrc: null, metric: 256, family: 6},
  )
  assert.equal(local0.type, 'local')
  assert.equal(local0.tableId, 255)
  assert.equal(local0.metric, 0)
  assert.equal(localSrc.prefsrc, 'fd00:56::11')
  assert.equal(localSrc.metric, 1024)

  const fixed = parseIpRoute(fixture('ip-route/ipv6-vip-src-routes-fixed.json'), 6)
  assert.deepEqual(
    fixed.value.filter((x) => x.dst === 'fd00:10:96::a').map((x) => x.prefsrc),
    ['fd00:56::11'],
  )
  const dsr = fixed.value.find((x) => x.tableId === 78)!
  assert.equal(dsr.text, 'local default dev lo table 78 metric 1024 pref medium')
  assert.equal(dsr.dst, 'default')
})

test('ip-route: IPv4 kube-router tables, numeric and named', () => {
  for (const name of ['ipv4-kube-router-tables', 'ipv4-kube-router-tables-named']) {
    const r = parseIpRoute(fixture(`ip-route/${name}.json`), 4)
    const t78 = r.value.filter((x) => x.tableId === 78)
    assert.equal(t78.length, 1)
    assert.deepEqual([t78[0].type, t78[0].dst, t78[0].dev, t78[0].scope], ['local', 'default', 'lo', 'host'])
    const t79 = r.value.filter((x) => x.tableId === 79)
    assert.deepEqual(t79.map((x) => [x.dst, x.dev]), [['199.27.151.9', 'kube-bridge']])
    const t77 = r.value.filter((x) => x.tableId === 77).map((x) => `${x.type} ${x.dst}`)
    assert.deepEqual(t77, ['throw 10.94.0.0/16', 'blackhole 10.250.0.0/16', 'unicast 192.168.57.13'])
    const bgp = r.value.filter((x) => x.protocol === '17')
    assert.deepEqual(bgp.map((x) => x.text), ['10.244.2.0/24 via 192.168.56.12 dev eth0 proto 17', '10.244.3.0/24 dev tun-15bfd89866c proto 17 scope link src 192.168.56.11'])
    assert.equal(bgp[0].gateway, '192.168.56.12')
    const vip = r.value.find((x) => x.dst === '10.96.0.1')!
    assert.equal(vip.text, 'local 10.96.0.1 dev kube-dummy-if table local proto kernel scope host src 192.168.56.11')
    assert.equal(vip.metric, null)
  }
  const named = parseIpRoute(fixture('ip-route/ipv4-kube-router-tables-named.json'), 4)
  assert.deepEqual([...new Set(named.value.map((x) => `${x.table}=${x.tableId}`))].sort(), ['external_ip=79', 'kube-router-dsr=78', 'kube-router=77', 'local=255', 'main=254'])
})

test('ip-route: multipath, onlink, linkdown, metrics render on one line', () => {
  const r = parseIpRoute(fixture('ip-route/ipv4-kube-router-tables.json'), 4)
  const mp = r.value.find((x) => x.dst === '10.99.0.0/16')!
  assert.equal(mp.text, '10.99.0.0/16 proto static nexthop via 192.168.56.21 dev eth0 weight 1 nexthop via 192.168.56.22 dev eth0 weight 2')
  assert.equal(mp.dev, null)
  assert.equal(r.value.find((x) => x.dst === '10.98.0.0/16')!.text, '10.98.0.0/16 via 192.168.99.1 dev eth0 onlink')
})

test('ip-route: table ids', () => {
  const rows = [
    {dst: 'default', table: 'default'},
    {dst: '10.0.0.0/8', table: '4294967000'},
    {dst: '10.0.0.0/8', table: 'custom'},
    {dst: '10.0.0.0/8', table: 'external_ip'},
  ]
  const r = parseIpRoute(JSON.stringify(rows), 4)
  assert.deepEqual(r.value.map((x) => x.tableId), [253, 4294967000, null, 79])
})

test('ip-route: a route rendered from its fields in ip route syntax', () => {
  const r = parseIpRoute(fixture('ip-route/ipv6-vip-src-routes-fixed.json'), 6)
  const vip = r.value.find((x) => x.dst === 'fd00:10:96::a')!
  assert.equal(vip.text, 'local fd00:10:96::a dev kube-dummy-if table local proto kernel src fd00:56::11 metric 1024 pref medium')
})

test('ip-route: truncated and garbage input', () => {
  const text = fixture('ip-route/ipv6-truncated.json')
  const r = parseIpRoute(text, 6)
  assert.equal(r.fatal, false)
  assert.ok(r.value.length >= 5)
  assert.equal(r.value[0].text, 'local default dev lo table 78 metric 1024 pref medium')
  const cut = r.issues.find((i) => i.message === 'truncated JSON element')!
  assert.equal(cut.source, 'ip6-route.json')
  assert.ok(text.endsWith(cut.raw))

  const junk = parseIpRoute('Error: ipv6: FIB table does not exist.\nDump terminated\n', 4)
  assert.equal(junk.fatal, true)
  assert.equal(junk.issues[0].raw, 'Error: ipv6: FIB table does not exist.\nDump terminated\n')
  assert.equal(junk.issues[0].source, 'ip-route.json')

  const noDst = parseIpRoute('[{"dev": "eth0"}, "x", {"dst": "10.1.0.0/16", "metric": "high"}]', 4)
  assert.equal(noDst.value.length, 1)
  assert.equal(noDst.value[0].metric, null)
  assert.deepEqual(noDst.issues.map((i) => i.raw), ['{"dev":"eth0"}', '"x"'])
})
