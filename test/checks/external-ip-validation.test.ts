// external-ip-validation (accuracy-audit §3 #15): externalIPs / LoadBalancer IPs kube-router v2.8.0+ drops under
// strict validation: from its rejection warnings in a node's log, and from the DaemonSet's flags unless a node's
// IPVS serves the IP anyway.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {clusterCase} from './cluster-case.js'
import {assertHasLine, assertQuietPass, checkCase, findingsOf, resultOf} from './run-case.js'

const ID = 'external-ip-validation'

test('externalIP outside --service-external-ip-range and no --loadbalancer-ip-range: a warning per IP, the log line as evidence', async () => {
  const report = await clusterCase('external-ip-rejected', ID)
  assert.equal(resultOf(report, ID, null).status, 'fail')
  const found = findingsOf(report, ID, null)
  assert.deepEqual(found.map((f) => [f.severity, f.title]), [
    ['warning', 'web/frontend: externalIP 199.27.151.9 is dropped by strict external-IP validation'],
    ['warning', 'web/frontend: every LoadBalancer IP is dropped by strict external-IP validation'],
  ])
  const [ext, lb] = found
  assert.match(ext.detail, /not within any configured --service-external-ip-range/)
  assert.match(ext.detail, /IPVS on node-a has no virtual service for it/)
  assertHasLine(ext.evidence, 'nodes/node-a/kube-router.log: W1101 09:40:03.114902       1 validator.go:221] Service web/frontend: rejecting externalIP 199.27.151.9')
  assertHasLine(ext.remediation, '--service-external-ip-range=<CIDR holding 199.27.151.9>', 'remediation')
  assert.match(lb.detail, /no --loadbalancer-ip-range is configured/)
  assertHasLine(lb.remediation, '--loadbalancer-ip-range', 'remediation')
})

test('trap: both IPs inside their ranges and served by IPVS: pass', async () => {
  assertQuietPass(await clusterCase('external-ip-in-ranges', ID), ID, null)
})

test('trap: the flags would reject the IPs, but the node\'s IPVS serves them (kube-router not restarted since): no finding', async () => {
  assertQuietPass(await clusterCase('external-ip-served-despite-flags', ID), ID, null)
})

test('before v2.8.0 there is no strict validation: skipped with the reason', async () => {
  const r = resultOf(await checkCase('node-ip-in-svip-healthy', ID), ID, null)
  assert.equal(r.status, 'skipped')
  assert.match(r.reason ?? '', /kube-router v2\.6\.2 has no strict external-IP validation \(it exists from v2\.8\.0\)/)
})
