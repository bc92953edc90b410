// policy-routing-rules: `from <pod CIDR> lookup 77` per pod CIDR (never healed) and `from all lookup 79` per family.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CASES_DIR, assertHasExactLine, assertHasLine, assertQuietPass, checkCase, findingsOf, resultOf} from './run-case.js'

const ID = 'policy-routing-rules'
const RESTART = 'kubectl -n kube-system delete pod -l k8s-app=kube-router --field-selector spec.nodeName=node-a'

test('FM4 seed: the pod-CIDR rules are gone after a networkd restart: one error per family with the rule to re-add', async () => {
  const report = await checkCase('rules-wiped-after-networkd', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const findings = findingsOf(report, ID)
  assert.deepEqual(findings.map((f) => f.subject), ['IPv4 rules', 'IPv6 rules'])

  const [v4, v6] = findings
  assert.equal(v4.severity, 'error')
  assert.equal(v4.title, 'A policy routing rule kube-router needs is missing (IPv4): from 10.244.1.0/24 lookup kube-router (77)')
  assert.equal(v4.fixedIn, null)
  assert.match(v4.detail, /only when it starts/)
  assertHasExactLine(v4.evidence, '32765: from all lookup 79')
  assertHasExactLine(v4.evidence, '32764: from all fwmark 0x3742 lookup 78')
  assertHasExactLine(v4.remediation, RESTART, 'remediation')
  assertHasLine(v4.remediation, 'ip rule add from 10.244.1.0/24 lookup 77', 'remediation')

  assert.equal(v6.severity, 'error')
  assert.equal(v6.title, 'A policy routing rule kube-router needs is missing (IPv6): from fd00:244:1::/64 lookup kube-router (77)')
  assertHasLine(v6.remediation, 'ip -6 rule add from fd00:244:1::/64 lookup 77', 'remediation')
})

test('trap: an empty table 79 on v2.6.2 is normal while the `lookup 79` rule is there: pass', async () => {
  const report = await checkCase('empty-table-79-v2.6.2', ID)
  const routes = JSON.parse(await readFile(join(CASES_DIR, 'empty-table-79-v2.6.2/nodes/node-a/ip-route.json'), 'utf8')) as {table?: string}[]
  assert.deepEqual(routes.filter((r) => r.table === '79'), [], 'table 79 is empty')
  assertQuietPass(report, ID)
})

test('trap: stale fwmark rules are not reported', async () => {
  const report = await checkCase('stale-fwmark-rules', ID)
  assertQuietPass(report, ID)
})

test('ip6-rule.json not collected: the IPv6 rules are not reported missing; the reason says they were not checked', async () => {
  const report = await checkCase('ipv6-sources-not-collected', ID)
  const result = assertQuietPass(report, ID)
  assert.match(result.reason ?? '', /^IPv6 rules not checked: .*nodes\/node-a\/ip6-rule\.json.*ip -j -6 rule show: timed out after 10s/)
})

test('trap: k3s embeds only kube-router\'s netpol controller (no kube-bridge, no DaemonSet): no rule is expected, skipped', async () => {
  const report = await checkCase('k3s-netpol-only', ID)
  const result = resultOf(report, ID)
  assert.equal(result.status, 'skipped')
  assert.match(result.reason ?? '', /no sign of kube-router's proxy or routing controller/)
  assert.deepEqual(findingsOf(report, ID), [])
})

test('v2.1.0 without the service proxy, the overlay rule deleted: its empty table 78 is no sign of #1616 (only the proxy fills it): restart, not rt_tables', async () => {
  const report = await checkCase('overlay-rule-deleted-v2.1.0-no-proxy', ID)
  const findings = findingsOf(report, ID)
  assert.deepEqual(findings.map((f) => `${f.severity} ${f.subject}`), ['error IPv4 rules', 'error IPv6 rules'])
  for (const f of findings) {
    assert.doesNotMatch(f.detail, /rt_tables/)
    assert.match(f.detail, /only when it starts/)
    assert.equal(f.fixedIn, null)
    assertHasExactLine(f.remediation, RESTART, 'remediation')
  }
})

test('v2.1.0 without the service proxy whose log says it could not write rt_tables: #1616, fixed in v2.1.1', async () => {
  const report = await checkCase('rt-tables-missing-v2.1.0-no-proxy', ID)
  const findings = findingsOf(report, ID)
  assert.deepEqual(findings.map((f) => `${f.severity} ${f.subject}`), ['error IPv4 rules', 'error IPv6 rules'])
  for (const f of findings) {
    assert.match(f.detail, /rt_tables/)
    assert.equal(f.fixedIn, 'v2.1.1')
  }
})
