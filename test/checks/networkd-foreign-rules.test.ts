// networkd-foreign-rules (FM4): systemd-networkd deletes routing-policy rules (and routes) it did not create.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {assertHasExactLine, assertQuietPass, checkCase, findingsOf, onlyFinding, resultOf} from './run-case.js'

const ID = 'networkd-foreign-rules'
const DROP_IN = "mkdir -p /etc/systemd/networkd.conf.d && printf '[Network]\\nManageForeignRoutingPolicyRules=no\\nManageForeignRoutes=no\\n' > /etc/systemd/networkd.conf.d/10-kube-router.conf"

test('FM4 seed: networkd active with the default options, rules still present: warning with the drop-in', async () => {
  const report = await checkCase('networkd-active-default-options', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'warning')
  assert.equal(f.subject, 'systemd-networkd')
  assert.equal(f.title, "systemd-networkd will delete kube-router's ip rules (and routes) when it restarts")
  assert.equal(f.fixedIn, null)
  assert.match(f.detail, /ManageForeignRoutingPolicyRules=yes \(default\) and ManageForeignRoutes=yes \(default\)/)
  assertHasExactLine(f.evidence, '# active: yes')
  assertHasExactLine(f.evidence, '# file: /etc/systemd/networkd.conf')
  assert.deepEqual(f.remediation, [
    DROP_IN,
    'systemctl restart systemd-networkd',
    'kubectl -n kube-system delete pod -l k8s-app=kube-router --field-selector spec.nodeName=node-a',
  ])
})

test('FM4 seed: the rules are already gone: error naming what is missing', async () => {
  const report = await checkCase('rules-wiped-after-networkd', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.title, "systemd-networkd manages foreign routing rules, and kube-router's rules are already gone")
  assert.match(f.detail, /Missing now: from 10\.244\.1\.0\/24 lookup kube-router \(77\), from fd00:244:1::\/64 lookup kube-router \(77\)\./)
  assertHasExactLine(f.remediation, DROP_IN, 'remediation')
})

test('a drop-in sets both options to no: pass', async () => {
  const report = await checkCase('networkd-dropin-disables', ID)
  const result = assertQuietPass(report, ID)
  assert.equal(result.reason, 'networkd is configured not to manage foreign rules and routes')
})

test('networkd is not active: pass', async () => {
  const report = await checkCase('networkd-inactive', ID)
  const result = assertQuietPass(report, ID)
  assert.equal(result.reason, 'systemd-networkd is not active on this node')
})

test('k3s (netpol-only kube-router, networkd active): kube-router has no rules there to lose: skipped', async () => {
  const report = await checkCase('k3s-netpol-only', ID)
  const result = resultOf(report, ID)
  assert.equal(result.status, 'skipped')
  assert.match(result.reason ?? '', /no sign of kube-router's proxy or routing controller/)
  assert.deepEqual(findingsOf(report, ID), [])
})
