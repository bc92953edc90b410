import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parseIpsetSave} from '../../src/parsers/ipset.js'
import {fixture} from './fixture.js'

test('ipset: real dual-stack kube-router sets', () => {
  const r = parseIpsetSave(fixture('ipset/kube-router-dual-stack-healthy.txt'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.issues, [])
  const local6 = r.value.sets.get('inet6:kube-router-local-ips')!
  assert.equal(local6.type, 'hash:ip')
  assert.equal(local6.family, 'inet6')
  assert.ok(local6.createLine.startsWith('create inet6:kube-router-local-ips hash:ip family inet6 hashsize 1024 maxelem 65536 timeout 0'))
  assert.deepEqual([...local6.members.keys()].sort(), ['::1', 'fd00:56::11', 'fd00:56::abcd'])
  assert.equal(local6.members.get('fd00:56::11'), 'add inet6:kube-router-local-ips fd00:56::11 timeout 0')

  const prt = r.value.sets.get('kube-router-svip-prt')!
  assert.equal(prt.type, 'hash:ip,port')
  assert.equal(prt.family, 'inet')
  assert.deepEqual([...prt.members.keys()].sort(), ['10.96.0.1,tcp:443', '10.96.0.10,tcp:53', '10.96.0.10,udp:53', '192.168.56.11,tcp:30080'])
  assert.ok(r.value.sets.get('inet6:kube-router-svip-prt')!.members.has('fd00:10:96::a,udp:53'))
  assert.ok(r.value.sets.get('kube-router-pod-subnets')!.members.has('10.244.1.0/24'))
  assert.equal(r.value.sets.get('KUBE-SRC-HD4XLYZQ5BXMSI3M')!.members.get('10.244.1.5'), 'add KUBE-SRC-HD4XLYZQ5BXMSI3M 10.244.1.5 timeout 0 comment "default/web-0"')
  assert.equal(r.value.sets.get('plain-set')!.members.get('10.1.2.3'), 'add plain-set 10.1.2.3')
  assert.equal(r.value.sets.size, 12)
})

test('ipset: FM3 state, IPv6 local-ips set exists but is empty', () => {
  const r = parseIpsetSave(fixture('ipset/local-ips-missing-ipv6.txt'))
  assert.equal(r.fatal, false)
  assert.equal(r.value.sets.get('inet6:kube-router-local-ips')!.members.size, 0)
  assert.ok(r.value.sets.get('kube-router-local-ips')!.members.has('192.168.56.11'))
  assert.ok(r.value.sets.get('inet6:kube-router-svip')!.members.has('fd00:56::11'))
})

test('ipset: member keys are canonical', () => {
  // the key a member is found under, for the member token of an `add` line
  const memberKey = (token: string): string => [...parseIpsetSave(`create s hash:ip\nadd s ${token}\n`).value.sets.get('s')!.members.keys()][0]
  assert.equal(memberKey('FD00:10:96:0:0:0:0:A'), 'fd00:10:96::a')
  assert.equal(memberKey('fd00:10:96:0:0:0:0:a,udp:53'), 'fd00:10:96::a,udp:53')
  assert.equal(memberKey('fd00:244:1:0::/64'), 'fd00:244:1::/64')
  assert.equal(memberKey('10.0.0.1,tcp:80,10.1.0.0/16'), '10.0.0.1,tcp:80,10.1.0.0/16')
  assert.equal(memberKey('aa:bb:cc:dd:ee:ff'), 'aa:bb:cc:dd:ee:ff')
  const r = parseIpsetSave('create s hash:ip family inet6 timeout 0\nadd s FD00::0A timeout 0\n')
  assert.equal(r.value.sets.get('s')!.members.get('fd00::a'), 'add s FD00::0A timeout 0')
})

test('ipset: add without create, error lines', () => {
  const r = parseIpsetSave(fixture('ipset/add-without-create.txt'))
  assert.equal(r.fatal, false)
  const local = r.value.sets.get('kube-router-local-ips')!
  assert.equal(local.type, 'hash:ip', 'a later create line fills in the set')
  assert.deepEqual([...local.members.keys()], ['192.168.56.11', '127.0.0.1'])
  const svip = r.value.sets.get('kube-router-svip')!
  assert.equal(svip.type, 'unknown')
  assert.equal(svip.createLine, '')
  assert.deepEqual(r.issues.map((i) => [i.line, i.raw]), [
    [1, 'add kube-router-local-ips 192.168.56.11 timeout 0'],
    [4, 'add kube-router-svip 10.96.0.1 timeout 0'],
    [5, 'ipset v7.17: Kernel error received: Operation not permitted'],
  ])
  assert.ok(r.issues.every((i) => i.source === 'ipset.txt'))
})

test('ipset: truncated and garbage', () => {
  const r = parseIpsetSave(fixture('ipset/truncated.txt'))
  assert.equal(r.fatal, false)
  // the cut create line still has name and type
  assert.ok(r.value.sets.has('inet6:kube-router-svip-prt'))
  assert.ok(r.value.sets.get('kube-router-svip')!.members.has('10.96.0.10'))

  const g = parseIpsetSave('garbage\n\u0000\u00ff\nadd\n')
  assert.equal(g.fatal, true)
  assert.deepEqual(g.issues.map((i) => i.raw), ['garbage', '\u0000\u00ff', 'add'])
  assert.deepEqual(parseIpsetSave(''), {value: {sets: new Map()}, issues: [], fatal: false}, 'no sets is a valid state')
})
