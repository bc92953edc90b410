// Which iptables backend holds what (accuracy-audit §3 #1). Pure helpers over iptables-backends.txt.
import type {IptablesBackendSave, IptablesTool} from '../model/failure-mode-sources.js'

/** Chains kube-router creates: its own KUBE-ROUTER-*, and the network-policy chains (pod firewall, policies). */
const KUBE_ROUTER_CHAIN = /^(KUBE-ROUTER|KUBE-POD-FW-|KUBE-NWPLCY-)/

/** The chains the kubelet creates in the backend it uses (the iptables-wrapper in kube-router's image picks by them). */
const KUBELET_HINT_CHAIN = /^(KUBE-IPTABLES-HINT|KUBE-KUBELET-CANARY)$/

function chainsMatching(save: IptablesBackendSave, re: RegExp): string[] {
  const out: string[] = []
  for (const [table, chains] of save.chains) for (const c of chains) if (re.test(c)) out.push(`${table}/${c}`)
  return out
}

export function kubeRouterChains(save: IptablesBackendSave): string[] {
  return save.available ? chainsMatching(save, KUBE_ROUTER_CHAIN) : []
}

export function kubeletHintChains(save: IptablesBackendSave): string[] {
  return save.available ? chainsMatching(save, KUBELET_HINT_CHAIN) : []
}

export function savesOf(saves: readonly IptablesBackendSave[], tool: IptablesTool): {nft: IptablesBackendSave | null; legacy: IptablesBackendSave | null} {
  return {
    nft: saves.find((s) => s.tool === tool && s.backend === 'nft') ?? null,
    legacy: saves.find((s) => s.tool === tool && s.backend === 'legacy') ?? null,
  }
}

/**
 * KUBE-FIREWALL's "dropping marked packets" rule as an older iptables prints a rule a newer one wrote: the mark
 * match is gone, leaving an unconditional DROP. Restoring the table as read (kube-router's network-policy sync
 * saves and restores the whole filter table) would install exactly that.
 */
export function rulesThatLostTheirMatch(save: IptablesBackendSave): string[] {
  return save.rules.filter((r) => r.startsWith('-A KUBE-FIREWALL ') && /dropping marked packets/.test(r) && !/--mark\b/.test(r))
}

/** Rules the save tool could not decode ("[unsupported revision]"), and its incompatibility warnings. */
export function unsupportedRules(save: IptablesBackendSave): string[] {
  return save.rules.filter((r) => /unsupported revision/.test(r))
}

export function incompatibilityWarnings(save: IptablesBackendSave): string[] {
  return save.warnings.filter((w) => /incompatible|unsupported/i.test(w))
}
