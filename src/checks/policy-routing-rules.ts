// Compares a node's ip rules with the ones kube-router needs (expected/policy-rules.ts, kube-router-facts.md §2.2).
// Rules are matched by selector and table, never by priority. Traps: an empty table 79 on >= v2.6.0 and stale
// fwmark rules are normal and not reported. What a missing rule means depends on the version and on evidence
// (accuracy-audit.md §1.9): the overlay rule without the DaemonSet's flags is only expected when the node shows the
// overlay; the 79 rule is inert from v2.6.0; two cases never heal (rt_tables missing on v2.1.0, the "79" substring
// test before v2.6.0).
import {defineNodeCheck, type FindingInput, type NodeCheckContext} from './define.js'
import {familyName, ipCmd, restartKubeRouter, routesOf, rulesOf, shellWord} from './util.js'
import {networkOf} from '../model/ip.js'
import {expectedPolicyRules, overlayEvidence, policyRuleAddArgs, policyRuleText, type ExpectedPolicyRule} from '../expected/policy-rules.js'
import {DSR_TABLE, EXTERNAL_IP_TABLE, OVERLAY_TABLE} from '../expected/route-tables.js'
import {BEHAVIOUR_CHANGES, hasBehaviour, isAffectedBy, knownBug} from '../expected/version-matrix.js'
import {sourceProblem, sourceValue, type SourceProblem} from '../model/node-state.js'
import type {Family, Rule, SourceName} from '../model/types.js'

/** kube-router v2.1.0's error when it cannot write its table names (kube-router #1616). */
const RT_TABLES_FAILURE = /failed to update rt_tables file/

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
  return expectedPolicyRules(facts, config, overlayEvidence(node)).filter((rule) => readable(rule.family) && !isPresent(rule, rulesOf(node, rule.family)))
}

/** Why a missing rule is missing, and whether kube-router puts it back. */
type Cause =
  | {kind: 'assumed'} // overlay rule expected only by the default flag
  | {kind: 'inert'} // the 79 rule on >= v2.6.0
  | {kind: 'rt-tables'} // v2.1.0 without rt_tables: never set up
  | {kind: 'substring'; blockers: string[]} // < v2.6.0: another rule contains "79"/"external_ip"
  | {kind: 'startup-only'} // the overlay rule: only at routing-controller start
  | {kind: 'next-sync'} // the 79 rule: the next IPVS sync re-adds it

function causeOf(rule: ExpectedPolicyRule, ctx: NodeCheckContext): Cause {
  const {version} = ctx.facts
  if (rule.assumed) return {kind: 'assumed'}
  // #1616: RouteTableAdd fails before the 78 route, so an empty table 78 is the footprint, but only where the service
  // proxy runs (only its sync fills table 78); kube-router's log saying so is the footprint anywhere
  const logged = (sourceValue(ctx.node, 'kube-router.log') ?? []).some((l) => RT_TABLES_FAILURE.test(l.message))
  const table78Empty = ctx.facts.proxyRunning && !routesOf(ctx.node, rule.family).some((r) => r.tableId === DSR_TABLE && r.type === 'local')
  const rtTables = version !== null && isAffectedBy(version, 'rt-tables-missing') && (logged || table78Empty)
  if (rtTables) return {kind: 'rt-tables'}
  if (rule.table === OVERLAY_TABLE) return {kind: 'startup-only'}
  if (version !== null && hasBehaviour(version, 'table-79-unused')) return {kind: 'inert'}
  if (version !== null && isAffectedBy(version, 'external-ip-rule-substring')) {
    const blockers = rulesOf(ctx.node, rule.family).map((r) => r.text).filter((t) => t.includes('79') || t.includes('external_ip'))
    if (blockers.length) return {kind: 'substring', blockers}
  }
  return {kind: 'next-sync'}
}

function causeText(cause: Cause, ctx: NodeCheckContext): string {
  switch (cause.kind) {
    case 'rt-tables':
      return `kube-router ${ctx.facts.version!.text} fails to write its table names into /etc/iproute2/rt_tables when the file does not exist (kube-router issue #1616): every sync stops before table 78 and the \`lookup 79\` rule, and the routing controller never adds the pod-CIDR rule, so they never appear and restarting does not help (table 78 is empty here too). `
    case 'substring':
      return `kube-router ${ctx.facts.version!.text} re-adds \`from all lookup 79\` only when \`ip rule list\` contains neither "external_ip" nor "79" anywhere, and these rules contain it: ${cause.blockers.join('; ')}. So it never comes back by itself. `
    case 'startup-only':
      return 'kube-router installs the pod CIDR rule only when it starts, so it stays missing until the kube-router pod on this node restarts; pod traffic that should use the overlay (table 77) goes out the main table. '
    case 'next-sync':
      return 'The `lookup external_ip` rule is re-added at the next IPVS sync (--ipvs-sync-period, default 5m); missing right after a host network change it heals by itself. '
    default:
      return ''
  }
}

export const policyRoutingRules = defineNodeCheck({
  id: 'policy-routing-rules',
  title: "kube-router's ip rules are present",
  needs: ['ip-rule.json', 'ip-addr.json'],
  uses: ['ip6-rule.json', 'ip-route.json', 'ip6-route.json', 'kube-router.log'],
  evaluate(ctx) {
    const {facts, node, config} = ctx
    if (!facts.proxyRunning && !(facts.routerRunning && (facts.podCidrs[4].length > 0 || facts.podCidrs[6].length > 0))) {
      return {skip: "no sign of kube-router's proxy or routing controller on this node (no kube-dummy-if, no kube-router ipsets, no kube-bridge with a pod CIDR)"}
    }
    const missing = missingPolicyRules(ctx).map((rule) => ({rule, cause: causeOf(rule, ctx)}))
    const evidence = overlayEvidence(node)
    const findings: FindingInput[] = []
    for (const family of [4, 6] as Family[]) {
      const gone = missing.filter((m) => m.rule.family === family && m.cause.kind !== 'assumed' && m.cause.kind !== 'inert')
      if (gone.length === 0) continue
      const neverHeals = gone.some((m) => m.cause.kind !== 'next-sync')
      const present = rulesOf(node, family).map((r) => r.text)
      const causes = [...new Set(gone.map((m) => causeText(m.cause, ctx)))]
      const rtTables = gone.some((m) => m.cause.kind === 'rt-tables')
      const substring = gone.some((m) => m.cause.kind === 'substring')
      const overlayFromEvidence = config === null && gone.some((m) => m.rule.table === OVERLAY_TABLE)
      const rules = gone.map((m) => m.rule)
      findings.push({
        severity: neverHeals ? 'error' : 'warning',
        subject: `${familyName(family)} rules`,
        title: `${rules.length === 1 ? 'A policy routing rule' : 'Policy routing rules'} kube-router needs ${rules.length === 1 ? 'is' : 'are'} missing (${familyName(family)}): ${rules.map(policyRuleText).join(', ')}`,
        detail:
          causes.join('') +
          (rtTables || substring ? '' : 'Something deleted them: systemd-networkd restarts are the usual cause (see networkd-foreign-rules).') +
          (overlayFromEvidence ? ` The DaemonSet is unknown, but the node shows the overlay is on: ${evidence.slice(0, 3).join('; ')}.` : '') +
          (facts.podCidrSource === 'kube-bridge' ? ' The pod CIDR was read from the kube-bridge address.' : ''),
        evidence: present.length ? present : [`(no ${familyName(family)} rules besides the defaults)`],
        remediation: rtTables
          ? [`Upgrade kube-router to ${knownBug('rt-tables-missing').fixedIn} or later, or mount the host's /etc/iproute2/rt_tables into the kube-router container (hostPath), then restart it: ${restartKubeRouter(node.name)}`]
          : [
              ...(substring ? [`Upgrade kube-router to ${knownBug('external-ip-rule-substring').fixedIn} or later; until then re-add the rule by hand after every deletion.`] : [restartKubeRouter(node.name)]),
              `Or re-add them by hand now: ${rules.map((m) => `${ipCmd(family)} rule add ${policyRuleAddArgs(m, shellWord)}`).join(' && ')}`,
            ],
        fixedIn: rtTables ? knownBug('rt-tables-missing').fixedIn : substring ? knownBug('external-ip-rule-substring').fixedIn : null,
      })
    }
    const assumed = missing.filter((m) => m.cause.kind === 'assumed').map((m) => m.rule)
    if (assumed.length) {
      findings.push({
        severity: 'info',
        subject: 'overlay rules',
        title: `No overlay pod-CIDR rule (${assumed.map(policyRuleText).join(', ')}); the overlay is probably off`,
        detail:
          'kube-router adds `from <pod CIDR> lookup 77` only with --enable-overlay (the default) and removes it at start when the overlay is off. ' +
          'The DaemonSet is unknown, so its flags cannot tell, and the node shows no overlay either: no tun-* link, no route in table 77, no `lookup 77` rule in either family. ' +
          'That is what --enable-overlay=false looks like; with the overlay on, the rule was deleted (systemd-networkd restarts) and only a kube-router restart brings it back.',
        evidence: rulesOf(node, 4).concat(rulesOf(node, 6)).map((r) => r.text),
        remediation: ['Give a kubeconfig (or a bundle with cluster/kube-router.json) so the DaemonSet flags decide.', `If the overlay is on: ${restartKubeRouter(node.name)}`],
        fixedIn: null,
      })
    }
    const inert = missing.filter((m) => m.cause.kind === 'inert').map((m) => m.rule)
    if (inert.length) {
      findings.push({
        severity: 'info',
        subject: 'external_ip rule',
        title: `The \`from all lookup 79\` rule is missing (${[...new Set(inert.map((r) => familyName(r.family)))].join(', ')}); inert on kube-router ${facts.version!.text}`,
        detail:
          `From ${BEHAVIOUR_CHANGES['table-79-unused'].since} kube-router empties table ${EXTERNAL_IP_TABLE} at every sync and never fills it, so the rule is inert: nothing breaks without it. kube-router still re-adds it at its next IPVS sync; if it was deleted, other rules may be gone too (see networkd-foreign-rules).`,
        evidence: inert.map(policyRuleText),
        remediation: [`Nothing is needed; to restore it now: ${inert.map((m) => `${ipCmd(m.family)} rule add ${policyRuleAddArgs(m, shellWord)}`).join(' && ')}`],
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
