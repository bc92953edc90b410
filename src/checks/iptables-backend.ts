// accuracy-audit §3 #1: the two iptables backends. Netfilter runs the hooks of both nf_tables and the legacy
// x_tables, so kube-router chains left in the backend kube-router no longer writes still filter and reject
// traffic (a kube-router image or host switched backends; another writer used the other one). And an iptables
// older than the one that wrote the rules reads them wrongly: iptables-nft says "incompatible" or "unsupported
// revision", or silently drops a match (KUBE-FIREWALL's mark match, kube-router #1370/#1588/#1777); kube-router's
// network-policy sync restores the filter table as it read it, which makes the corruption real.
import {defineNodeCheck, type FindingInput} from './define.js'
import {sourceValue} from '../model/node-state.js'
import {incompatibilityWarnings, kubeletHintChains, kubeRouterChains, rulesThatLostTheirMatch, savesOf, unsupportedRules} from '../expected/iptables-backends.js'
import type {IptablesBackendSave, IptablesTool} from '../model/failure-mode-sources.js'

const TOOLS: IptablesTool[] = ['iptables', 'ip6tables']

function label(save: IptablesBackendSave): string {
  return `${save.tool}-${save.backend}`
}

function describe(save: IptablesBackendSave, chains: string[]): string[] {
  return [
    `${label(save)}: ${save.versionLine ?? 'version unknown'}${save.header ? `; ${save.header}` : ''}`,
    `${label(save)}: ${chains.length} kube-router chain(s): ${chains.slice(0, 12).join(', ')}${chains.length > 12 ? ', ...' : ''}`,
  ]
}

function bothBackends(tool: IptablesTool, nft: IptablesBackendSave, legacy: IptablesBackendSave): FindingInput {
  const nftChains = kubeRouterChains(nft)
  const legacyChains = kubeRouterChains(legacy)
  const nftHint = kubeletHintChains(nft)
  const legacyHint = kubeletHintChains(legacy)
  // the kubelet's hint chains name the backend the node uses, when only one backend has them
  const live = nftHint.length > 0 && legacyHint.length === 0 ? nft : legacyHint.length > 0 && nftHint.length === 0 ? legacy : null
  const stale = live === nft ? legacy : live === legacy ? nft : null
  const warnings = [...nft.warnings, ...legacy.warnings].filter((w) => /tables present/i.test(w))
  return {
    severity: 'error',
    subject: tool,
    title: `kube-router chains in both the nft and the legacy ${tool} backend`,
    detail:
      `${tool}-nft holds ${nftChains.length} and ${tool}-legacy ${legacyChains.length} kube-router chain(s). The kernel runs both backends' hooks, ` +
      'so the rules of the backend kube-router no longer writes still act on every packet: stale network-policy chains drop traffic ' +
      'new policies allow, a stale KUBE-ROUTER-SERVICES rejects traffic to node IPs. This happens when kube-router (or its image\'s ' +
      'iptables) changed backend, or when another tool on the host writes the other backend. ' +
      (live && stale
        ? `The kubelet's hint chains (${kubeletHintChains(live).join(', ')}) are only in ${label(live)}: that is the backend the node uses, so ${label(stale)}'s kube-router chains are the stale ones.`
        : 'Which backend is live cannot be told from the node alone: kube-router uses the one its image\'s iptables is set to.'),
    evidence: [...describe(nft, nftChains), ...describe(legacy, legacyChains), ...warnings, ...(nftHint.length || legacyHint.length ? [`kubelet hint chains: nft ${nftHint.join(', ') || 'none'}; legacy ${legacyHint.join(', ') || 'none'}`] : [])],
    remediation: [
      'See which backend kube-router writes: kubectl -n kube-system exec ds/kube-router -- iptables --version (nf_tables or legacy).',
      `Keep a copy of the other backend, then clear it (this removes every rule in it, so only when nothing else on the node uses it): ${stale ? `${stale.tool}-${stale.backend}-save > /root/${stale.tool}-${stale.backend}.rules; for t in filter nat mangle raw; do ${stale.tool}-${stale.backend} -t $t -F; ${stale.tool}-${stale.backend} -t $t -X; done` : `${tool}-<other>-save > /root/${tool}-<other>.rules; for t in filter nat mangle raw; do ${tool}-<other> -t $t -F; ${tool}-<other> -t $t -X; done`}`,
      'Or reboot the node: neither backend keeps its rules across a reboot, and kube-router writes its own again on start.',
      'Make every component on the host (kubelet, kube-router, firewalld, CNI plugins) use the same backend.',
    ],
    fixedIn: null,
  }
}

function skew(save: IptablesBackendSave): FindingInput | null {
  const lost = rulesThatLostTheirMatch(save)
  const unsupported = unsupportedRules(save)
  const incompatible = incompatibilityWarnings(save)
  if (lost.length === 0 && unsupported.length === 0 && incompatible.length === 0) return null
  return {
    severity: lost.length > 0 ? 'error' : 'warning',
    subject: label(save),
    title:
      lost.length > 0
        ? `${label(save)} reads KUBE-FIREWALL's mark rule as an unconditional DROP: the rules were written by a different iptables version`
        : `${label(save)} cannot fully read the rules in its tables: they were written by a different iptables version`,
    detail:
      `The iptables in kube-router's image (${save.versionLine ?? 'version unknown'}) does not understand every rule in the ${save.backend} tables, ` +
      'which happens when the host (kubelet, firewalld) writes them with a newer iptables (1.8.8+ rules read by 1.8.7, kube-router issues #1370, #1777, #1788). ' +
      'kube-router\'s network-policy sync saves the filter table, edits it and restores it, so what it misreads it writes back: ' +
      (lost.length > 0
        ? 'here that is a KUBE-FIREWALL DROP without its mark match, which drops all traffic that reaches it.'
        : 'rules can lose matches or the restore can fail ("Aborting sync").'),
    evidence: [`${label(save)}: ${save.versionLine ?? 'version unknown'}`, ...(save.header ? [save.header] : []), ...incompatible, ...lost, ...unsupported.slice(0, 10)],
    remediation: [
      'Use a kube-router release whose image ships an iptables at least as new as the host\'s (compare `iptables --version` on the host and in the kube-router container).',
      'Or align the host\'s iptables with the one in the kube-router image.',
    ],
    fixedIn: null,
  }
}

export const iptablesBackend = defineNodeCheck({
  id: 'iptables-backend',
  title: 'kube-router\'s iptables rules live in one backend, readable by its iptables',
  needs: ['iptables-backends.txt'],
  evaluate({node}) {
    const {saves} = sourceValue(node, 'iptables-backends.txt')!
    const findings: FindingInput[] = []
    let withChains = 0
    for (const tool of TOOLS) {
      const {nft, legacy} = savesOf(saves, tool)
      const holding = [nft, legacy].filter((s): s is IptablesBackendSave => s !== null && kubeRouterChains(s).length > 0)
      withChains += holding.length
      if (nft && legacy && holding.length === 2) findings.push(bothBackends(tool, nft, legacy))
      for (const save of holding) {
        const f = skew(save)
        if (f) findings.push(f)
      }
    }
    if (withChains === 0) {
      const unavailable = saves.filter((s) => !s.available).map((s) => `${label(s)}: ${s.unavailableReason}`)
      return {skip: `no kube-router chains in any iptables backend${unavailable.length ? ` (${unavailable.join('; ')})` : ''}`}
    }
    return {findings}
  },
})
