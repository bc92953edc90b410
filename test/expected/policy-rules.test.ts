// expected/policy-rules: the ip rules kube-router should have installed, from the check cases' real node facts.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {loadCaseNode} from './load-case.js'
import {expectedPolicyRules, overlayEvidence, policyRuleAddArgs, policyRuleText} from '../../src/expected/policy-rules.js'
import {parseKubeRouterArgs} from '../../src/model/kube-router-config.js'
import {rulesOf} from '../../src/checks/util.js'

test('dual-stack node with proxy and overlay: per family the pod-CIDR rule (table 77) then `32765 … lookup 79`', async () => {
  const {facts, config} = await loadCaseNode('rules-wiped-after-networkd')
  assert.deepEqual(expectedPolicyRules(facts, config), [
    {family: 4, from: '10.244.1.0/24', table: 77, priority: null, heals: false, assumed: false},
    {family: 4, from: 'all', table: 79, priority: 32765, heals: true, assumed: false},
    {family: 6, from: 'fd00:244:1::/64', table: 77, priority: null, heals: false, assumed: false},
    {family: 6, from: 'all', table: 79, priority: 32765, heals: true, assumed: false},
  ])
})

test('DaemonSet unknown: the pod-CIDR rules are expected on overlay evidence (tun-* link, table 77), else only assumed', async () => {
  const shown = await loadCaseNode('overlay-tunnel-rules-wiped-daemonset-unknown')
  const evidence = overlayEvidence(shown.node)
  assert.ok(evidence.includes('link tun-c0a8390d'), evidence.join('\n'))
  assert.ok(evidence.some((e) => e.startsWith('192.168.57.13 dev tun-c0a8390d')), evidence.join('\n'))
  assert.deepEqual(expectedPolicyRules(shown.facts, null, evidence).filter((r) => r.table === 77).map((r) => r.assumed), [false, false])
  const none = await loadCaseNode('overlay-off-daemonset-unknown')
  assert.deepEqual(overlayEvidence(none.node), [])
  assert.deepEqual(expectedPolicyRules(none.facts, null, []).filter((r) => r.table === 77).map((r) => r.assumed), [true, true])
})

test('the healthy case holds every expected rule, by selector and table (table 79 empty on v2.6.2 notwithstanding)', async () => {
  const {node, facts, config} = await loadCaseNode('empty-table-79-v2.6.2')
  const expected = expectedPolicyRules(facts, config)
  assert.equal(expected.length, 4)
  for (const rule of expected) {
    const present = rulesOf(node, rule.family).some((r) => r.tableId === rule.table && r.fwmark === null && (rule.from === 'all' ? r.src === 'all' : r.src === rule.from))
    assert.ok(present, `${policyRuleText(rule)} on node-a`)
  }
})

test('--enable-overlay=false: no pod-CIDR rule is expected; the proxy\'s rule still is', async () => {
  const {facts} = await loadCaseNode('rules-wiped-after-networkd')
  const noOverlay = parseKubeRouterArgs(['--enable-overlay=false'])
  assert.deepEqual(expectedPolicyRules(facts, noOverlay).map((r) => [r.family, r.table]), [[4, 79], [6, 79]])
})

test('k3s with only kube-router\'s netpol controller: no rule is expected', async () => {
  const {facts, config} = await loadCaseNode('k3s-netpol-only')
  assert.deepEqual(expectedPolicyRules(facts, config), [])
})

test('rule text as `ip rule` names it, and the `ip rule add` arguments that restore it', async () => {
  const {facts, config} = await loadCaseNode('rules-wiped-after-networkd')
  const [overlay, externalIp] = expectedPolicyRules(facts, config)
  assert.equal(policyRuleText(overlay), 'from 10.244.1.0/24 lookup kube-router (77)')
  assert.equal(policyRuleAddArgs(overlay), 'from 10.244.1.0/24 lookup 77')
  assert.equal(policyRuleText(externalIp), '32765: from all lookup external_ip (79)')
  assert.equal(policyRuleAddArgs(externalIp), 'priority 32765 from all lookup 79')
})
