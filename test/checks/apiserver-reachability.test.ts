// apiserver-reachability: the kubernetes Service VIP and the API server endpoints reached from the node.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {assertHasExactLine, assertQuietPass, assertSkippedFor, checkCase, onlyFinding, resultOf} from './run-case.js'

const ID = 'apiserver-reachability'

test("the node's own IPv6 address refuses 6443 (FM3 on v2.1.2): error explaining local-ips, IPv6 subjects bracketed", async () => {
  const report = await checkCase('probes-apiserver-refused', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, '[fd00:10:96::1]:443, [fd00:56::11]:6443')
  assert.equal(f.title, 'The API server is unreachable from the node at [fd00:10:96::1]:443, [fd00:56::11]:6443')
  assert.equal(f.fixedIn, null)
  assert.match(f.detail, /^2 of 2 API server addresses did not accept a TCP connection/)
  assert.match(f.detail, /fd00:56::11 is this node's own address/)
  assert.match(f.detail, /kube-router-local-ips \(see local-ips-ipset\)/)
  assertHasExactLine(f.evidence,
    "curl https://[fd00:56::11]:6443/healthz from node-a: failed: Failed to connect to fd00:56::11 port 6443 after 0 ms: Couldn't connect to server (connection refused)")
  assertHasExactLine(f.evidence,
    'curl https://[fd00:10:96::1]:443/healthz from node-a (default/kubernetes): failed: Connection timed out after 3001 milliseconds')
  assertHasExactLine(f.remediation, "curl -k --connect-timeout 3 'https://[fd00:56::11]:6443/healthz'", 'remediation')
})

test('both API server addresses answer: pass', async () => {
  const report = await checkCase('dsr-fwm-tunnel-programmed', ID)
  const result = assertQuietPass(report, ID)
  assert.equal(result.reason, '2 API server addresses answered')
})

test('local mode: no kubernetes Service to probe: skipped, saying it needs the cluster', async () => {
  const report = await checkCase('dsr-vip-absent-from-dummy', ID)
  const result = resultOf(report, ID)
  assert.equal(result.status, 'skipped')
  assert.equal(result.reason, "no API server target was probed (needs the cluster's kubernetes Service: run with a kubeconfig)")
})

test('no probes.json: skipped, the reason names the file', async () => {
  const report = await checkCase('local-mode-no-cluster', ID)
  assertSkippedFor(report, ID, 'probes.json', 'no probe targets')
})
