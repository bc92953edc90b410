import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parseSysctl} from '../../src/parsers/sysctl.js'
import {fixture} from './fixture.js'

test('sysctl: key = value and key=value', () => {
  const r = parseSysctl(fixture('sysctl/dsr-mh-sloppy-tcp-off.txt'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.issues, [])
  assert.equal(r.value.values.get('net.ipv4.vs.sloppy_tcp'), '0')
  assert.equal(r.value.lines.get('net.ipv4.vs.sloppy_tcp'), 'net.ipv4.vs.sloppy_tcp = 0')
  assert.equal(r.value.values.get('net.ipv4.conf.kube-dummy-if.rp_filter'), '2')
  assert.equal(r.value.values.get('net.ipv4.ip_local_port_range'), '32768\t60999')
  assert.equal(r.value.values.get('net.bridge.bridge-nf-call-iptables'), '1')
  assert.equal(r.value.values.size, 13)
})

test('sysctl: real output when ip_vs is not loaded', () => {
  const r = parseSysctl(fixture('sysctl/ipvs-not-loaded.txt'))
  assert.equal(r.fatal, false)
  assert.equal(r.value.values.get('net.ipv4.conf.all.rp_filter'), '0')
  assert.equal(r.value.values.has('net.ipv4.vs.sloppy_tcp'), false)
  assert.deepEqual(r.issues.map((i) => [i.line, i.raw]), [
    [1, 'sysctl: cannot stat /proc/sys/net/ipv4/vs/sloppy_tcp: No such file or directory'],
    [2, 'sysctl: cannot stat /proc/sys/net/ipv4/vs/conntrack: No such file or directory'],
  ])
  assert.equal(r.issues[0].message, 'sysctl key net.ipv4.vs.sloppy_tcp does not exist on the node')
  // every key sysctl could not stat is named by its issue
  assert.deepEqual(r.issues.map((i) => i.message), [
    'sysctl key net.ipv4.vs.sloppy_tcp does not exist on the node',
    'sysctl key net.ipv4.vs.conntrack does not exist on the node',
  ])
})

test('sysctl: slashes, comments, garbage', () => {
  const r = parseSysctl('# comment\n; other\nnet/ipv4/vs/sloppy_tcp = 1\nno equals here\n= 5\n')
  assert.equal(r.value.values.get('net.ipv4.vs.sloppy_tcp'), '1')
  assert.deepEqual(r.issues.map((i) => i.raw), ['no equals here', '= 5'])
  assert.equal(parseSysctl('\u0000\u00ff').fatal, true)
})
