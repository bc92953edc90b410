// kube-proxy's footprint on a node (accuracy-audit §3 #4; kube-router docs/troubleshoot.md calls kube-proxy
// leftovers "one of the most common causes"). What belongs to kube-proxy only: the kubelet creates KUBE-FIREWALL,
// KUBE-MARK-DROP/-MASQ, KUBE-POSTROUTING (before Kubernetes 1.24), KUBE-IPTABLES-HINT and KUBE-KUBELET-CANARY on
// every node, whatever the service proxy, so those are not kube-proxy's.
import type {IptablesState, IpSetState, Link} from '../model/types.js'
import type {IptablesBackendSave} from '../model/failure-mode-sources.js'

const KUBE_PROXY_CHAIN = /^(KUBE-SERVICES|KUBE-NODEPORTS|KUBE-EXTERNAL-SERVICES|KUBE-PROXY-FIREWALL|KUBE-PROXY-CANARY|KUBE-FORWARD|KUBE-LOAD-BALANCER|KUBE-NODE-PORT|KUBE-SVC-\w+|KUBE-SEP-\w+|KUBE-EXT-\w+|KUBE-FW-\w+|KUBE-XLB-\w+|KUBE-SVL-\w+)$/

/** kube-proxy's IPVS-mode ipsets (pkg/proxy/ipvs/ipset.go). */
const KUBE_PROXY_IPSETS = new Set([
  'KUBE-CLUSTER-IP', 'KUBE-LOOP-BACK', 'KUBE-EXTERNAL-IP', 'KUBE-EXTERNAL-IP-LOCAL', 'KUBE-LOAD-BALANCER',
  'KUBE-LOAD-BALANCER-LOCAL', 'KUBE-LOAD-BALANCER-FW', 'KUBE-LOAD-BALANCER-SOURCE-IP', 'KUBE-LOAD-BALANCER-SOURCE-CIDR',
  'KUBE-NODE-PORT-TCP', 'KUBE-NODE-PORT-LOCAL-TCP', 'KUBE-NODE-PORT-UDP', 'KUBE-NODE-PORT-LOCAL-UDP',
  'KUBE-NODE-PORT-SCTP-HASH', 'KUBE-NODE-PORT-LOCAL-SCTP-HASH', 'KUBE-HEALTH-CHECK-NODE-PORT',
])

const BUILT_IN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'])

/** kube-proxy's IPVS-mode interface holding every Service IP. */
export const KUBE_PROXY_IPVS_IF = 'kube-ipvs0'

export function isKubeProxyChain(name: string): boolean {
  return KUBE_PROXY_CHAIN.test(name)
}

export interface KubeProxyFootprint {
  /** "<source>: table/chain" of kube-proxy chains */
  chains: string[]
  /** jumps from built-in chains into kube-proxy chains, verbatim: traffic goes through them */
  jumps: string[]
  ipsets: string[]
  /** the kube-ipvs0 link, with its address count */
  ipvsLink: string | null
}

/** kube-proxy's chains and jumps in one ruleset as the probe saved it (the backend holding kube-router's chains). */
function fromRuleset(label: string, state: IptablesState, out: KubeProxyFootprint): void {
  for (const [table, chains] of state.chains) for (const name of chains.keys()) if (isKubeProxyChain(name)) out.chains.push(`${label}: ${table}/${name}`)
  for (const rule of state.rules) {
    // the chain first: it is a field, the target is read off the rule's text
    if (BUILT_IN_CHAINS.has(rule.chain) && rule.target && isKubeProxyChain(rule.target)) out.jumps.push(rule.text)
  }
}

/** The same from a backend summary (iptables-backends.txt), for the backend the full ruleset did not come from. */
function fromBackend(save: IptablesBackendSave, out: KubeProxyFootprint): void {
  if (!save.available) return
  const label = `${save.tool}-${save.backend}`
  for (const [table, chains] of save.chains) for (const name of chains) if (isKubeProxyChain(name)) out.chains.push(`${label}: ${table}/${name}`)
  for (const rule of save.rules) {
    const target = /\s-j\s+(\S+)/.exec(rule)?.[1]
    if (target && isKubeProxyChain(target)) out.jumps.push(`${label}: ${rule}`)
  }
}

export function kubeProxyFootprint(input: {
  links: Link[] | null
  iptables: IptablesState | null
  ip6tables: IptablesState | null
  backends: IptablesBackendSave[] | null
  ipsets: IpSetState | null
}): KubeProxyFootprint {
  const out: KubeProxyFootprint = {chains: [], jumps: [], ipsets: [], ipvsLink: null}
  const covered = new Set<string>()
  for (const [tool, state] of [['iptables', input.iptables], ['ip6tables', input.ip6tables]] as const) {
    if (!state) continue
    fromRuleset(`${tool}${state.backend ? `-${state.backend}` : ''}`, state, out)
    if (state.backend) covered.add(`${tool}-${state.backend}`)
  }
  for (const save of input.backends ?? []) if (!covered.has(`${save.tool}-${save.backend}`)) fromBackend(save, out)
  for (const name of input.ipsets?.sets.keys() ?? []) if (KUBE_PROXY_IPSETS.has(name)) out.ipsets.push(name)
  const link = input.links?.find((l) => l.ifname === KUBE_PROXY_IPVS_IF)
  if (link) out.ipvsLink = `${link.ifname}: ${link.addresses.length} address(es)${link.addresses.length ? ` (${link.addresses.slice(0, 4).map((a) => a.local).join(', ')}${link.addresses.length > 4 ? ', ...' : ''})` : ''}`
  return out
}
