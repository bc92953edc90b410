// parsers/dsr-endpoints: the records probe.sh writes for DSR endpoint pods (text as the probe printed it on a test
// node: test/e2e/dsr-status-probe.test.ts runs the real thing).
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {parseDsrEndpoints} from '../../src/parsers/dsr-endpoints.js'

const TEXT = [
  '# requested: 10.244.9.9 10.244.9.8 fd00:10:244:9:0::9',
  'endpoint 10.244.9.9 pid 31936 net:[4026532247]',
  'link 1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
  'link 3: eth0@x0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether ae:24:a6:59:ba:ed brd ff:ff:ff:ff:ff:ff',
  'link 5: kube-tunnel-if@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/ipip 10.244.9.9 brd 0.0.0.0',
  'addr 1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  'addr 3: eth0    inet 10.244.9.9/24 scope global eth0\\       valid_lft forever preferred_lft forever',
  'addr 5: kube-tunnel-if    inet 203.0.113.10/32 scope global kube-tunnel-if\\       valid_lft forever preferred_lft forever',
  'net.ipv4.conf.all.rp_filter = 0',
  'net.ipv4.conf.kube-tunnel-if.rp_filter = 2',
  'endpoint 10.244.9.9 error nsenter ip link failed: rc=1: setns: Operation not permitted',
  'endpoint 10.244.9.8 not-found no process on this node is in a network namespace holding 10.244.9.8',
  'endpoint fd00:10:244:9::9 error nsenter not found: cannot read inside the pod network namespaces',
  '',
].join('\n')

test('records: the namespace found with its links, addresses and rp_filter values; not-found and error records', () => {
  const {value, issues, fatal} = parseDsrEndpoints(TEXT)
  assert.equal(fatal, false)
  assert.deepEqual(issues, [])
  assert.deepEqual(value.requested, ['10.244.9.9', '10.244.9.8', 'fd00:10:244:9::9'])
  assert.equal(value.pods.length, 1)
  const [pod] = value.pods
  assert.deepEqual([pod.ip, pod.pid, pod.netns], ['10.244.9.9', 31936, 'net:[4026532247]'])
  assert.deepEqual(pod.links.map((l) => l.ifname), ['lo', 'eth0', 'kube-tunnel-if'])
  assert.deepEqual(pod.addresses.map((a) => `${a.ifname} ${a.family} ${a.address}/${a.prefixlen}`), ['lo 4 127.0.0.1/8', 'eth0 4 10.244.9.9/24', 'kube-tunnel-if 4 203.0.113.10/32'])
  assert.equal(pod.addresses[2].line, '5: kube-tunnel-if    inet 203.0.113.10/32 scope global kube-tunnel-if\\       valid_lft forever preferred_lft forever')
  assert.deepEqual([...pod.rpFilter].map(([k, v]) => `${k}=${v.value}`), ['all=0', 'kube-tunnel-if=2'])
  assert.deepEqual(pod.errors, ['nsenter ip link failed: rc=1: setns: Operation not permitted'])
  assert.deepEqual([...value.notRead], [
    ['10.244.9.8', 'no process on this node is in a network namespace holding 10.244.9.8'],
    ['fd00:10:244:9::9', 'nsenter not found: cannot read inside the pod network namespaces'],
  ])
})

test('no endpoint pods requested, empty input and stray lines', () => {
  assert.deepEqual(parseDsrEndpoints('# no endpoint pods requested\n').value.pods, [])
  assert.equal(parseDsrEndpoints('').fatal, false)
  const stray = parseDsrEndpoints('addr 1: lo    inet 127.0.0.1/8 scope host lo\nendpoint 10.0.0.1 pid 1 net:[1]\nwhat is this\n')
  assert.deepEqual(stray.issues.map((i) => `${i.line}: ${i.message}`), ['1: line outside an endpoint record', '3: unknown line'])
})
