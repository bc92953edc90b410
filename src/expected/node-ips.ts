// The members kube-router's routing controller keeps in [inet6:]kube-router-node-ips (accuracy-audit §3 #14;
// network_routes_controller.go syncNodeIPSets @ v2.11.1): every InternalIP and ExternalIP of every node that has a
// pod CIDR from any source (getPodCIDRsFromAllNodeSources: kube-router.io/pod-cidr, kube-router.io/pod-cidrs, the
// spec); nodes without one are skipped, so their addresses are legitimately absent. The set exempts traffic from
// pods to node IPs from the pod-egress MASQUERADE rule (routing/pod_egress.go).
import {canonicalIp, parseIp, parsePrefix} from '../model/ip.js'
import type {Family, NodeObject} from '../model/types.js'

export const NODE_IPS_SET = 'kube-router-node-ips'

function isCidr(text: string): boolean {
  return text.includes('/') && parsePrefix(text.trim()) !== null
}

export function hasAnyPodCidr(node: NodeObject): boolean {
  const a = node.metadata.annotations ?? {}
  if (a['kube-router.io/pod-cidr'] && isCidr(a['kube-router.io/pod-cidr'])) return true
  if (a['kube-router.io/pod-cidrs'] && a['kube-router.io/pod-cidrs'].split(',').some(isCidr)) return true
  return Boolean(node.spec?.podCIDRs?.length || node.spec?.podCIDR)
}

/** The node addresses kube-router puts into the set of `family`, per node. */
export function expectedNodeIps(nodes: NodeObject[], family: Family): {node: string; ip: string}[] {
  const out: {node: string; ip: string}[] = []
  for (const n of nodes) {
    if (!hasAnyPodCidr(n)) continue
    for (const a of n.status?.addresses ?? []) {
      if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && parseIp(a.address)?.family === family) out.push({node: n.metadata.name, ip: canonicalIp(a.address)})
    }
  }
  return out
}
