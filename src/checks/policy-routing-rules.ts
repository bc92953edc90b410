// Compares a node's ip rules with the ones kube-router needs (expected/policy-rules.ts, kube-router-facts.md §2.2).
// Rules are matched by selector and table, never by priority. Traps: an empty table 79 on >= v2.6.0 and stale
// fwmark rules are normal and not reported.
import {defineNodeCheck, type NodeCheckContext} from './define.js'
import {familyName, ipCmd, restartKubeRouter, rulesOf, shellWord} from './util.js'
import {networkOf} from '../model/ip.js'
import {expectedPolicyRules, policyRuleAddArgs, policyRuleText, type ExpectedPolicyRule} from '../expected/policy-rules.js'
import {OVERLAY_TABLE} from '../expected/route-tables.js'
import {sourceProblem, type SourceProblem} from '../model/node-state.js'
import type {Family, Rule, SourceName} from '../model/types.js'

function ruleSource(family: Family): SourceName {
  return family === 4 ? 'ip-rule.json' : 'ip6-rule.json'
}

/** A rule without fwmark that selects the same source (the same network for a CIDR) and looks up the same table. */
function isPresent(expected: ExpectedPolicyRule, rules: Rule[]): boolean {
  return rules.some((r) => r.tableId === expected.table && r.fwmark === null &&
    (expected.from === 'all' ? r.src === 'all' : r.src !== 'all' && networkOf(r.src) === networkOf(expected.from)))
}

/** The expected rules the node lacks, leaving out families whose `ip rule` output is not usable. */
export function missingPolicyRules(ctx: NodeCheckContext): ExpectedPolicyRule[] {
  const {facts, node, config} = ctx
  // without that family's `ip rule` output nothing can be said to be missing
  const readable = (family: Family) => sourceProblem(node, ruleSource(family)) === null
  return expectedPolicyRules(facts, config).filter((rule) => readable(rule.family) && !isPresent(rule, rulesOf(node, rule.family)))
}

export const policyRoutingRules = defineNodeCheck({
  id: 'policy-routing-rules',
  title: "kube-router's ip rules are present",
  needs: ['ip-rule.json', 'ip-addr.json'],
  uses: ['ip6-rule.json'],
  evaluate(ctx) {
    const {facts, node, config} = ctx
    if (!facts.proxyRunning && !(facts.routerRunning && (facts.podCidrs[4].length > 0 || facts.podCidrs[6].length > 0))) {
      return {skip: "no sign of kube-router's proxy or routing controller on this node (no kube-dummy-if, no kube-router ipsets, no kube-bridge with a pod CIDR)"}
    }
    const missing = missingPolicyRules(ctx)
    const findings = []
    for (const family of [4, 6] as Family[]) {
      const gone = missing.filter((m) => m.family === family)
      if (gone.length === 0) continue
      const neverHeals = gone.some((m) => !m.heals)
      const present = rulesOf(node, family).map((r) => r.text)
      const assumed = config === null && gone.some((m) => m.table === OVERLAY_TABLE)
      findings.push({
        severity: neverHeals ? ('error' as const) : ('warning' as const),
        subject: `${familyName(family)} rules`,
        title: `${gone.length === 1 ? 'A policy routing rule' : 'Policy routing rules'} kube-router needs ${gone.length === 1 ? 'is' : 'are'} missing (${familyName(family)}): ${gone.map(policyRuleText).join(', ')}`,
        detail:
          (neverHeals
            ? 'kube-router installs the pod CIDR rule only when it starts, so it stays missing until the kube-router pod on this node restarts; pod traffic that should use the overlay (table 77) goes out the main table. '
            : '') +
          (gone.some((m) => m.heals)
            ? 'The `lookup external_ip` rule is re-added at the next IPVS sync (--ipvs-sync-period, default 5m); missing right after a host network change it heals by itself. '
            : '') +
          'Something deleted them: systemd-networkd restarts are the usual cause (see networkd-foreign-rules).' +
          (assumed ? ' Expected rules assume kube-router defaults (--enable-overlay=true); give a kubeconfig to read the DaemonSet flags.' : '') +
          (facts.podCidrSource === 'kube-bridge' ? ' The pod CIDR was read from the kube-bridge address.' : ''),
        evidence: present.length ? present : [`(no ${familyName(family)} rules besides the defaults)`],
        remediation: [
          restartKubeRouter(node.name),
          `Or re-add them by hand now: ${gone.map((m) => `${ipCmd(family)} rule add ${policyRuleAddArgs(m, shellWord)}`).join(' && ')}`,
        ],
        fixedIn: null,
      })
    }
    const unchecked = ([4, 6] as Family[])
      .filter((f) => facts.families[f])
      .map((f) => ({family: f, problem: sourceProblem(node, ruleSource(f))}))
      .filter((u): u is {family: Family; problem: SourceProblem} => u.problem !== null)
    const note = unchecked.map((u) => `${familyName(u.family)} rules not checked: ${u.problem.text}`).join('; ')
    return {findings, note: note || undefined}
  },
})
