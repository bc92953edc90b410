import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parseIpvsadm} from '../../src/parsers/ipvsadm.js'
import {fixture} from './fixture.js'

test('ipvsadm: DSR FWM services with Tunnel destinations', () => {
  const r = parseIpvsadm(fixture('ipvsadm/dsr-fwm-tunnel.txt'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.issues, [])
  const s = r.value.services
  assert.equal(s.length, 9)

  const api = s[0]
  assert.deepEqual(
    {protocol: api.protocol, address: api.address, port: api.port, fwmark: api.fwmark, family: api.family, scheduler: api.scheduler, options: api.options, text: api.text},
    {protocol: 'TCP', address: '10.96.0.1', port: 443, fwmark: null, family: 4, scheduler: 'rr', options: '', text: 'TCP  10.96.0.1:443 rr'},
  )
  assert.deepEqual(api.destinations.map((d) => [d.address, d.port, d.forward, d.weight, d.activeConn, d.inactConn]), [
    ['192.168.56.11', 6443, 'Masq', 1, 3, 0],
    ['192.168.56.12', 6443, 'Masq', 1, 0, 0],
  ])
  assert.equal(api.destinations[0].text, '-> 192.168.56.11:6443           Masq    1      3          0')

  const v6 = s.find((x) => x.address === 'fd00:10:96::1')!
  assert.equal(v6.family, 6)
  assert.equal(v6.destinations[0].address, 'fd00:56::11')
  assert.equal(v6.destinations[0].port, 6443)

  const udp = s.find((x) => x.protocol === 'UDP' && x.family === 4)!
  assert.equal(udp.options, 'persistent 360')

  const fwm = s.find((x) => x.fwmark === 14146)!
  assert.deepEqual([fwm.protocol, fwm.address, fwm.port, fwm.family, fwm.scheduler, fwm.options], ['FWM', null, null, 4, 'mh', '(mh-fallback,mh-port)'])
  assert.deepEqual(fwm.destinations.map((d) => `${d.forward} ${d.address}:${d.port}`), ['Tunnel 10.36.0.57:8080', 'Tunnel 10.44.0.12:8080'])

  const fwm6 = s.find((x) => x.fwmark === 3021)!
  assert.deepEqual([fwm6.family, fwm6.scheduler, fwm6.options, fwm6.text], [6, 'rr', '', 'FWM  3021 IPv6 rr'])
  assert.equal(fwm6.destinations[0].address, 'fd00:244:2::5')
})

test('ipvsadm: empty table is usable, IPVS missing is fatal', () => {
  const empty = parseIpvsadm(fixture('ipvsadm/empty-table.txt'))
  assert.deepEqual([empty.fatal, empty.value.services.length, empty.issues.length], [false, 0, 0])
  const missing = parseIpvsadm(fixture('ipvsadm/ipvs-not-loaded.txt'))
  assert.equal(missing.fatal, true)
  assert.deepEqual(missing.issues.map((i) => [i.line, i.raw]), [
    [1, "Can't initialize ipvs: Protocol not available"],
    [2, 'Are you sure that IP Virtual Server is built in the kernel or as module?'],
  ])
})

test('ipvsadm: truncated output', () => {
  const r = parseIpvsadm(fixture('ipvsadm/truncated.txt'))
  assert.equal(r.fatal, false)
  assert.equal(r.value.services.length, 3)
  assert.equal(r.value.services[2].scheduler, 'mh')
  assert.equal(r.value.services[2].destinations.length, 0)
  assert.deepEqual(r.issues.map((i) => [i.source, i.line, i.raw]), [['ipvsadm.txt', 10, '  -> 10.36.0.5']])
})

test('ipvsadm: odd lines', () => {
  const text = ['  -> 10.0.0.1:80 Masq 1 0 0', 'TCP  10.96.0.1:https rr', 'TCP', 'FWM  x rr', 'TCP  10.96.0.2:80', 'hello'].join('\n')
  const r = parseIpvsadm(text)
  assert.deepEqual(r.issues.map((i) => i.line), [1, 2, 3, 4, 5, 6])
  assert.deepEqual(r.value.services.map((s) => [s.address, s.port, s.scheduler]), [['10.96.0.1', null, 'rr'], ['10.96.0.2', 80, '']])
})
