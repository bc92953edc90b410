// The ip rules kube-router should have installed on a node (kube-router-facts.md §2.2): `from <pod CIDR> lookup 77`
// per pod CIDR when the overlay is on (routing controller, only at startup: never healed), and
// `32765: from all lookup 79` per capable family when the service proxy runs (every IPVS sync, even without DSR).
// The per-DSR-tuple `32764: fwmark <mark> lookup 78` rules are in expected/dsr-programming.ts.
import {EXTERNAL_IP_RULE_PRIORITY, EXTERNAL_IP_TABLE, OVERLAY_TABLE, TABLE_NAMES} from './route-tables.js'
import {sourceValue, type NodeState} from '../model/node-state.js'
import type {KubeRouterConfig} from '../model/kube-router-config.js'
import type {NodeFacts} from './node-facts.js'
import type {Family} from '../model/types.js'

export interface ExpectedPolicyRule {
  family: Family
  /** the selector: a pod CIDR, or 'all' */
  from: string
  table: number
  /** null: kube-router gives none and the kernel picks one, so match by selector and table, never by priority */
  priority: number | null
  /** kube-router puts it back by itself at its next sync */
  heals: boolean
  /**
   * Expected only because --enable-overlay defaults to true: the DaemonSet is unknown and the node shows no sign of
   * the overlay either way (accuracy-audit.md §1.9 s02). A missing assumed rule is no evidence of a fault.
   */
  assumed: boolean
}

/**
 * The node's signs that kube-router's overlay is on, whatever the flags: a `tun-*` link, a route in table 77, or a
 * `lookup 77` rule of either family (kube-router adds them only with --enable-overlay, and removes the rules at
 * start when it is off). Empty: no sign, which is also what an overlay-on cluster in one subnet looks like.
 */
export function overlayEvidence(node: NodeState): string[] {
  const out: string[] = []
  for (const link of sourceValue(node, 'ip-addr.json') ?? []) if (link.ifname.startsWith('tun-')) out.push(`link ${link.ifname}`)
  for (const file of ['ip-route.json', 'ip6-route.json'] as const) {
    for (const r of sourceValue(node, file) ?? []) if (r.tableId === OVERLAY_TABLE) out.push(r.text)
  }
  for (const file of ['ip-rule.json', 'ip6-rule.json'] as const) {
    for (const r of sourceValue(node, file) ?? []) if (r.tableId === OVERLAY_TABLE) out.push(r.text)
  }
  return out
}

/**
 * In family order (IPv4 first), per family the pod-CIDR rules, then the external-IP rule. `config` null = the
 * DaemonSet is unknown: the overlay rules are expected when `evidence` shows the overlay, else marked `assumed`.
 */
export function expectedPolicyRules(
  facts: Pick<NodeFacts, 'families' | 'podCidrs' | 'routerRunning' | 'proxyRunning'>,
  config: KubeRouterConfig | null,
  evidence: string[] = [],
): ExpectedPolicyRule[] {
  const out: ExpectedPolicyRule[] = []
  const overlay = (config?.enableOverlay ?? true) && facts.routerRunning
  const assumed = config === null && evidence.length === 0
  for (const family of [4, 6] as Family[]) {
    if (!facts.families[family]) continue
    if (overlay) {
      for (const cidr of facts.podCidrs[family]) out.push({family, from: cidr, table: OVERLAY_TABLE, priority: null, heals: false, assumed})
    }
    if (facts.proxyRunning) {
      out.push({family, from: 'all', table: EXTERNAL_IP_TABLE, priority: EXTERNAL_IP_RULE_PRIORITY, heals: true, assumed: false})
    }
  }
  return out
}

/** As `ip rule` lists it, with the table's name: "32765: from all lookup external_ip (79)". */
export function policyRuleText(rule: ExpectedPolicyRule): string {
  const priority = rule.priority === null ? '' : `${rule.priority}: `
  return `${priority}from ${rule.from} lookup ${TABLE_NAMES[rule.table] ?? rule.table} (${rule.table})`
}

/** The arguments of `ip rule add` that restore it: "priority 32765 from all lookup 79". */
/** `word` quotes a value for the shell (the `from` prefix may come from a Node annotation). */
export function policyRuleAddArgs(rule: ExpectedPolicyRule, word: (value: string) => string = (v) => v): string {
  const priority = rule.priority === null ? '' : `priority ${rule.priority} `
  return `${priority}from ${word(rule.from)} lookup ${rule.table}`
}
