// FM4 (kube-router-facts.md "FM4"): systemd-networkd (>= v248) deletes routing-policy rules it did not create
// (ManageForeignRoutingPolicyRules=yes by default) and, with ManageForeignRoutes=yes, foreign routes. kube-router
// never re-adds the overlay pod-CIDR rule. Exposed when networkd is active and either option is absent or yes.
// Not fixed in kube-router as of v2.11.1 (documented in docs/troubleshoot.md since v2.8.0).
// By systemd version (accuracy-audit.md §1.8): ManageForeignRoutes= from 246; foreign rule removal from 248 (also in
// 247-stable); ManageForeignRoutingPolicyRules= from 249. An unknown version is judged as a current one.
import {defineNodeCheck} from './define.js'
import {missingPolicyRules} from './policy-routing-rules.js'
import {policyRuleText} from '../expected/policy-rules.js'
import {restartKubeRouter} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {effectiveNetworkdSetting, networkdBoolean} from '../parsers/networkd.js'

const OPTIONS = ['ManageForeignRoutingPolicyRules', 'ManageForeignRoutes'] as const
type Option = (typeof OPTIONS)[number]

const ROUTES_MANAGED_FROM = 246
const RULES_REMOVED_FROM = 247
const RULES_OPTION_FROM = 249

/** Whether this systemd removes what the option is about at all, and whether the option exists to stop it. */
function optionApplies(option: Option, version: number | null): {removes: boolean; settable: boolean} {
  if (version === null) return {removes: true, settable: true}
  if (option === 'ManageForeignRoutes') return {removes: version >= ROUTES_MANAGED_FROM, settable: version >= ROUTES_MANAGED_FROM}
  return {removes: version >= RULES_REMOVED_FROM, settable: version >= RULES_OPTION_FROM}
}
const DROP_IN = '/etc/systemd/networkd.conf.d/10-kube-router.conf'

export const networkdForeignRules = defineNodeCheck({
  id: 'networkd-foreign-rules',
  title: "systemd-networkd leaves kube-router's rules and routes alone",
  needs: ['networkd.txt'],
  uses: ['ip-rule.json', 'ip6-rule.json', 'ip-addr.json'],
  evaluate(ctx) {
    const state = sourceValue(ctx.node, 'networkd.txt')!
    const {facts} = ctx
    if (!facts.proxyRunning && !(facts.routerRunning && (facts.podCidrs[4].length > 0 || facts.podCidrs[6].length > 0))) {
      return {skip: "no sign of kube-router's proxy or routing controller on this node (no kube-dummy-if, no kube-router ipsets, no kube-bridge with a pod CIDR)"}
    }
    if (state.active === false) return {findings: [], note: 'systemd-networkd is not active on this node'}
    const version = state.systemdVersion
    if (version !== null && version < ROUTES_MANAGED_FROM) {
      return {findings: [], note: `systemd ${version}: networkd removes no foreign routes (from ${ROUTES_MANAGED_FROM}) or rules (from 248)`}
    }
    const exposed: string[] = []
    const evidence: string[] = [`# active: ${state.active === null ? 'unknown' : 'yes'}`, ...(version !== null ? [`# systemd-version: ${version}`] : [])]
    let rulesWithoutOption = false
    for (const option of OPTIONS) {
      const {removes, settable} = optionApplies(option, version)
      if (!removes) continue
      const setting = effectiveNetworkdSetting(state, `Network.${option}`)
      if (setting) evidence.push(`${setting.path}: ${setting.line}`)
      if (!settable) {
        // systemd 247-248 removes foreign rules and has no option to stop it
        rulesWithoutOption = true
        exposed.push(`foreign rule removal (systemd ${version} has no ${option}=)`)
        continue
      }
      if (!setting || networkdBoolean(setting.value) !== false) exposed.push(`${option}=${setting ? setting.value : 'yes (default)'}`)
    }
    if (exposed.length === 0) return {findings: [], note: `networkd is configured not to manage foreign rules and routes${version !== null ? ` (systemd ${version})` : ''}`}
    if (state.files.length === 0) evidence.push('(no networkd.conf and no networkd.conf.d drop-in on the node: networkd defaults apply)')
    else evidence.push(...state.files.map((f) => `# file: ${f.path}`))

    // rules expected only by a default flag are no evidence that anything was deleted
    const wiped = missingPolicyRules(ctx).filter((r) => !r.assumed)
    const severity = wiped.length > 0 && state.active === true ? ('error' as const) : ('warning' as const)
    return {
      findings: [{
        severity,
        subject: 'systemd-networkd',
        title: wiped.length && state.active
          ? "systemd-networkd manages foreign routing rules, and kube-router's rules are already gone"
          : "systemd-networkd will delete kube-router's ip rules (and routes) when it restarts",
        detail:
          `systemd-networkd runs with ${exposed.join(' and ')}. On every restart or reconfigure it removes ip rules${exposed.some((e) => e.startsWith('ManageForeignRoutes=')) ? ' and routes' : ''} it did not create. ` +
          'kube-router re-adds its DSR rules at the next IPVS sync and BGP routes within a minute, but never the overlay rule `from <pod CIDR> lookup kube-router`, so pod traffic to other nodes and to the API server breaks until kube-router restarts.' +
          (state.active === null ? ' Whether networkd is running could not be determined.' : '') +
          (wiped.length ? ` Missing now: ${wiped.map(policyRuleText).join(', ')}.` : ''),
        evidence,
        remediation: [
          ...(rulesWithoutOption ? [`systemd ${version} cannot be told to keep foreign rules: upgrade systemd to ${RULES_OPTION_FROM} or later, or stop using systemd-networkd for the node's interfaces.`] : []),
          `mkdir -p /etc/systemd/networkd.conf.d && printf '[Network]\\nManageForeignRoutingPolicyRules=no\\nManageForeignRoutes=no\\n' > ${DROP_IN}`,
          'systemctl restart systemd-networkd',
          restartKubeRouter(ctx.node.name),
        ],
        fixedIn: null,
      }],
    }
  },
})
