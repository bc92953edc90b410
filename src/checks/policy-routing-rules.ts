// The ip rules kube-router needs (kube-router-facts.md §2.2): `from <pod CIDR> lookup 77` per pod CIDR when
// the overlay is on (installed only at startup: never healed), and `32765: from all lookup 79` per family when
// the service proxy runs (healed at the next IPVS sync). Rules are matched by selector and table, never by
// priority. Traps: an empty table 79 on >= v2.6.0 and stale fwmark rules are normal and not reported.
import {defineNodeCheck, type NodeCheckContext} from './define.js'
import {familyName, ipCmd, restartKubeRouter, rulesOf} from './util.js'
import {networkOf} from '../model/ip.js'
import {sourceProblem, type SourceProblem} from '../model/node-state.js'
import type {Family, SourceName} from '../model/types.js'

function ruleSource(family: Family): SourceName {
  return family === 4 ? 'ip-rule.json' : 'ip6-rule.json'
}

export interface MissingRule {
  family: Family
  rule: string
  /** arguments of `ip rule add` that restore it */
  add: string
  /** kube-router puts it back by itself at its next sync */
  heals: boolean
}

export function missingPolicyRules(ctx: NodeCheckContext): MissingRule[] {
  const {facts, node, config} = ctx
  const missing: MissingRule[] = []
  const overlay = (config?.enableOverlay ?? true) && facts.routerRunning
  for (const family of [4, 6] as Family[]) {
    if (!facts.families[family]) continue
    // without that family's `ip rule` output nothing can be said to be missing
    if (sourceProblem(node, ruleSource(family)) !== null) continue
    const rules = rulesOf(node, family)
    if (overlay) {
      for (const cidr of facts.podCidrs[family]) {
        const present = rules.some((r) => r.tableId === 77 && r.fwmark === null && r.src !== 'all' && networkOf(r.src) === networkOf(cidr))
        if (!present) missing.push({family, rule: `from ${cidr} lookup kube-router (77)`, add: `from ${cidr} lookup 77`, heals: false})
      }
    }
    if (facts.proxyRunning) {
      const present = rules.some((r) => r.tableId === 79 && r.src === 'all' && r.fwmark === null)
      if (!present) missing.push({family, rule: '32765: from all lookup external_ip (79)', add: 'priority 32765 from all lookup 79', heals: true})
    }
  }
  return missing
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
      const assumed = config === null && gone.some((m) => m.rule.includes('lookup kube-router'))
      findings.push({
        severity: neverHeals ? ('error' as const) : ('warning' as const),
        subject: `${familyName(family)} rules`,
        title: `${gone.length === 1 ? 'A policy routing rule' : 'Policy routing rules'} kube-router needs ${gone.length === 1 ? 'is' : 'are'} missing (${familyName(family)}): ${gone.map((m) => m.rule).join(', ')}`,
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
          `Or re-add them by hand now: ${gone.map((m) => `${ipCmd(family)} rule add ${m.add}`).join(' && ')}`,
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
