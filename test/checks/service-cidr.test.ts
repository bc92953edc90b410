// service-cidr (accuracy-audit §3 #6): Service ClusterIPs outside kube-router's --service-cluster-ip-range, from the
// DaemonSet's flags (kube-router's default when absent) or from the nodes' KUBE-ROUTER-INPUT RETURN rules.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {clusterCase} from './cluster-case.js'
import {assertHasExactLine, assertHasLine, assertQuietPass, checkCase, findingsOf, onlyFinding, resultOf} from './run-case.js'

const ID = 'service-cidr'

test('--service-cluster-ip-range=10.96.0.0/16 while Services use 10.96.0.0/12: warning listing the IPv4 ClusterIPs outside it', async () => {
  const report = await clusterCase('service-cidr-narrow-range', ID)
  assert.equal(resultOf(report, ID, null).status, 'fail')
  const f = onlyFinding(report, ID, null)
  assert.equal(f.severity, 'warning')
  assert.equal(f.subject, '10.96.0.0/16')
  assert.equal(f.title, "2 IPv4 ClusterIP(s) outside kube-router's --service-cluster-ip-range (10.96.0.0/16)")
  assertHasExactLine(f.evidence, 'web/frontend 10.109.40.12')
  assertHasExactLine(f.evidence, 'web/shop 10.103.7.80')
  assertHasExactLine(f.evidence, '--service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/112 (kube-router DaemonSet)')
  assert.match(f.detail, /egress/)
  assertHasLine(f.remediation, 'kube-apiserver flag --service-cluster-ip-range', 'remediation')
})

test('trap: both families inside their ranges; headless (None) and ExternalName Services have no ClusterIP to check: pass', async () => {
  assertQuietPass(await clusterCase('service-cidr-matching-ranges', ID), ID, null)
})

test('no flag in the DaemonSet: kube-router\'s own default 10.96.0.0/12 applies, and k3s-style 10.43.x ClusterIPs are outside', async () => {
  const f = onlyFinding(await clusterCase('service-cidr-default-range', ID), ID, null)
  assert.equal(f.title, "2 IPv4 ClusterIP(s) outside kube-router's --service-cluster-ip-range (10.96.0.0/12)")
  assertHasExactLine(f.evidence, "--service-cluster-ip-range not set: kube-router's default 10.96.0.0/12")
})

test('DaemonSet unknown and no node rule: skipped, the range is unknown', async () => {
  const report = await clusterCase('service-cidr-range-unknown', ID)
  const r = resultOf(report, ID, null)
  assert.equal(r.status, 'skipped')
  assert.match(r.reason ?? '', /--service-cluster-ip-range is unknown/)
  assert.deepEqual(findingsOf(report, ID, null), [])
})

test('trap, no DaemonSet (k3s): the range comes from the node\'s KUBE-ROUTER-INPUT RETURN rule, and 10.43.x is inside it: pass', async () => {
  assertQuietPass(await checkCase('k3s-netpol-only', ID), ID, null)
})
