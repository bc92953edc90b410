// dsr-route-noise (FM1): v2.0.0-v2.5.x log "Failed to add route for <IP> in custom route table for external IP's"
// every sync on IPv6-enabled nodes although the route is in table 79.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {assertHasExactLine, assertHasLine, assertSkippedFor, checkCase, onlyFinding, resultOf} from './run-case.js'

const ID = 'dsr-route-noise'
const LOG_LINE = "E1101 09:47:15.118930       1 linux_networking.go:534] Failed to add route for 199.27.151.9 in custom route table for external IP's due to: exit status 1"

test('FM1 seed: the route is in table 79: info, benign, fixed in v2.6.0 (the result passes)', async () => {
  const report = await checkCase('dsr-route-noise-benign', ID)
  assert.equal(resultOf(report, ID).status, 'pass')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'info')
  assert.equal(f.subject, '199.27.151.9')
  assert.equal(f.fixedIn, 'v2.6.0')
  assert.equal(f.title, '"Failed to add route for 199.27.151.9" is benign noise: the route is in table 79')
  assert.equal(f.evidence[0], LOG_LINE)
  assertHasLine(f.evidence, '(3 times in the recent log; last: E1101 09:57:15.331930', 'evidence')
  assertHasExactLine(f.evidence, '199.27.151.9 dev kube-bridge table 79 scope link')
  assert.match(f.detail, /FWM virtual services with Tunnel destinations/)
  assert.deepEqual(f.remediation, [
    'Nothing to fix; upgrade kube-router to v2.6.0 or later to silence the message.',
    'kubectl kr dsr status web/frontend   # per-node DSR state of the Service',
  ])
})

test('the route really is missing from table 79: warning with the command that adds it', async () => {
  const report = await checkCase('dsr-route-noise-route-missing', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'warning')
  assert.equal(f.subject, '199.27.151.9')
  assert.equal(f.fixedIn, null)
  assert.equal(f.evidence[0], LOG_LINE)
  assertHasExactLine(f.evidence, '(no 199.27.151.9 route in table 79)')
  assertHasExactLine(f.remediation, 'ip route add 199.27.151.9 dev kube-bridge table 79', 'remediation')
  assertHasExactLine(f.remediation, 'kubectl kr dsr status web/frontend   # per-node DSR state of the Service', 'remediation')
})

test('trap: an empty table 79 on v2.6.2 is normal; the message cannot occur there: skipped by version', async () => {
  const report = await checkCase('empty-table-79-v2.6.2', ID)
  const result = resultOf(report, ID)
  assert.equal(result.status, 'skipped')
  assert.equal(result.reason, 'does not apply to kube-router v2.6.2: the message cannot occur from v2.6.0 on (table 79 is no longer filled)')
  assert.deepEqual(report.findings.filter((f) => f.check === ID), [])
})

test('no kube-router log collected: skipped, the reason names the file', async () => {
  const report = await checkCase('dsr-maglev-sloppy-0-v2.1.2', ID)
  assertSkippedFor(report, ID, 'kube-router.log', 'not collected')
})
