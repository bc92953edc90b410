// vip-reachability: the probe's curl of every Service VIP from the node itself, per family.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {assertHasExactLine, assertHasLine, assertQuietPass, assertSkippedFor, checkCase, onlyFinding, resultOf} from './run-case.js'

const ID = 'vip-reachability'

test('every IPv6 VIP times out while IPv4 VIPs answer (v2.1.2): error pointing at ipv6-vip-routes, fixed in v2.2.0', async () => {
  const report = await checkCase('probes-ipv6-vip-fail', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, 'IPv6 VIPs')
  assert.equal(f.title, '2 of 2 IPv6 Service VIPs are unreachable from the node')
  assert.equal(f.fixedIn, 'v2.2.0')
  assert.match(f.detail, /the signature of extra kernel routes on kube-dummy-if \(see ipv6-vip-routes\)/)
  assert.deepEqual(f.evidence, [
    'curl http://[fd00:10:96::a]:53/ from node-a (kube-system/kube-dns): failed: Connection timed out after 3001 milliseconds',
    'curl http://[fd00:10:96::50]:443/ from node-a (web/shop): failed: Connection timed out after 3001 milliseconds',
  ])
  assertHasExactLine(f.remediation, "ipvsadm -Ln -t '[fd00:10:96::a]:53'", 'remediation')
  assertHasLine(f.remediation, 'ip -6 route show table all | grep -F fd00:10:96::a', 'remediation')
})

test('one IPv6 VIP times out on a node whose routes are fine: error, the IPv6 subject bracketed, no FM2 hint', async () => {
  const report = await checkCase('probes-one-ipv6-vip-timeout', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, '[fd00:10:96::50]:443')
  assert.equal(f.title, 'Service VIP [fd00:10:96::50]:443 (web/shop) is unreachable from the node')
  assert.equal(f.fixedIn, null)
  assert.doesNotMatch(f.detail, /ipv6-vip-routes/)
  assert.deepEqual(f.evidence, ['curl http://[fd00:10:96::50]:443/ from node-a (web/shop): failed: Connection timed out after 3002 milliseconds'])
  assertHasExactLine(f.remediation, "ipvsadm -Ln -t '[fd00:10:96::50]:443'", 'remediation')
})

test('all VIPs answer: pass', async () => {
  const report = await checkCase('dsr-fwm-tunnel-programmed', ID)
  const result = assertQuietPass(report, ID)
  assert.equal(result.reason, '5 VIPs answered')
})

test('no probes.json: skipped, the reason names the file and why it is missing', async () => {
  const report = await checkCase('local-mode-no-cluster', ID)
  assertSkippedFor(report, ID, 'probes.json', 'no probe targets: no cluster objects and no IPVS services')
})
