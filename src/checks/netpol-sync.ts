// accuracy-audit §3 #10: kube-router's NetworkPolicy sync failing (expected/netpol-sync.ts). A failed sync leaves
// the previous rules and sets in force: new or changed policies, new pods and their IPs are not applied, so traffic
// that should flow is dropped (or the reverse). The log's "Aborting sync" lines are the proof; a TMP- set with
// entries shows a restore that stopped half way; an empty TMP set is a leftover of a restart (kube-router flushes and
// reuses it). A rule naming a set `ipset save` lacks can only come from a capture taken during a sync (the kernel
// refuses such rules), so it only supports the other evidence.
import {defineNodeCheck, type FindingInput} from './define.js'
import {kubeRouterLogs, restartKubeRouter} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {chainsWithRules} from '../parsers/iptables-save.js'
import {leftoverTmpSets, rulesNamingMissingSets, syncFailureLines} from '../expected/netpol-sync.js'

export const netpolSync = defineNodeCheck({
  id: 'netpol-sync',
  title: "kube-router's NetworkPolicy rules and ipsets are in sync",
  needs: ['ipset.txt'],
  uses: ['kube-router.log', 'iptables.txt', 'ip6tables.txt'],
  evaluate({node, config, cluster}) {
    const ipsets = sourceValue(node, 'ipset.txt')!
    const rulesets = [sourceValue(node, 'iptables.txt'), sourceValue(node, 'ip6tables.txt')].filter((s) => s !== null)
    const firewallChains = rulesets.some((state) =>
      [...chainsWithRules(state)].some((c) => c === 'KUBE-ROUTER-FORWARD' || c.startsWith('KUBE-POD-FW-')) || state.rules.some((r) => r.target === 'KUBE-ROUTER-FORWARD'))
    const firewallOn = config && cluster?.kubeRouter ? config.runFirewall : firewallChains
    if (!firewallOn) return {skip: "kube-router's network-policy controller does not run on this node (--run-firewall=false, or no KUBE-ROUTER-FORWARD chain)"}
    const log = sourceValue(node, 'kube-router.log')
    const failures = log ? syncFailureLines(log) : []
    const tmp = leftoverTmpSets(ipsets)
    const filled = tmp.filter((t) => t.members > 0)
    const netpolRules = rulesets.flatMap(({rules}) => rules.filter((r) => r.chain.startsWith('KUBE-') && r.text.includes('--match-set')).map((r) => r.text))
    const missingSets = rulesNamingMissingSets(netpolRules, ipsets)
    const findings: FindingInput[] = []
    const midSync = missingSets.length ? [`rules name ${missingSets.length} set(s) ipset save lacks (${missingSets.slice(0, 4).join(', ')}): the capture was taken during a sync`] : []

    if (failures.length > 0) {
      findings.push({
        severity: 'error',
        subject: 'network policies',
        title: `kube-router's network-policy sync is failing (${failures.length} "Aborting sync" line(s) in the log)`,
        detail:
          'Every failed sync keeps the previous rules and ipsets: new or changed NetworkPolicies, and pods started since the last good sync, are not in the firewall, ' +
          'so their traffic is dropped by default-deny chains or let through by stale rules. ' +
          (filled.length ? `The ipset restore stopped half way: ${filled.map((t) => `${t.name} holds ${t.members} entries`).join(', ')}. ` : '') +
          'The log line names the cause: a rule or ipset the image\'s tools cannot write (version skew with the host, see iptables-backend), a set type or option the kernel lacks, or an invalid address in an object.',
        evidence: [...failures.slice(-5).map((l) => l.text), ...tmp.map((t) => t.createLine), ...midSync],
        remediation: [
          `Read the full error around these lines: ${kubeRouterLogs(node.name)}`,
          `After fixing the cause, restart kube-router on the node (it rebuilds all policy chains and sets): ${restartKubeRouter(node.name)}`,
        ],
        fixedIn: null,
      })
    } else if (tmp.length > 0) {
      findings.push({
        severity: filled.length ? 'warning' : 'info',
        subject: tmp[0].name,
        title: filled.length
          ? `an ipset restore stopped half way: ${filled.map((t) => t.name).join(', ')} still hold entries`
          : `empty temporary ipset(s) left from an interrupted sync: ${tmp.map((t) => t.name).join(', ')}`,
        detail: filled.length
          ? 'kube-router restores its policy ipsets through TMP- sets that it swaps in and destroys in the same restore; one that still holds entries means that restore failed or kube-router died during it, so some sets may hold old members. ' +
            (log ? 'The log shows no failure now, so a later sync may have succeeded.' : `The kube-router log was not collected (nodes/${node.name}/kube-router.log) to confirm.`)
          : 'kube-router flushes and reuses these sets on its next restore; an empty one is harmless.',
        evidence: [...tmp.map((t) => `${t.createLine} (${t.members} entries)`), ...midSync],
        remediation: filled.length ? [`Read kube-router's log for "Aborting sync": ${kubeRouterLogs(node.name)}`, `Restart kube-router on the node: ${restartKubeRouter(node.name)}`] : [],
        fixedIn: null,
      })
    }
    const note = findings.length === 0 && missingSets.length ? `${midSync[0]}; not evidence of a fault on its own` : undefined
    return {findings, ...(note ? {note} : {})}
  },
})
