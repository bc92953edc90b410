// The members kube-router should keep in [inet6:]kube-router-local-ips (kube-router-facts.md §5.1, FM3): the
// addresses of local interfaces whose names contain none of dummy/kube/docker (NodeFacts.localAddresses).
// The doctor leaves out `lo` and link-local addresses, which kube-router does include (accuracy-audit.md §1.6).
import {canonicalIp} from '../model/ip.js'
import type {NodeFacts} from './node-facts.js'
import type {Family} from '../model/types.js'

export const LOCAL_IPS_SET = 'kube-router-local-ips'
export const SERVICE_VIPS_SET = 'kube-router-svip'

/** kube-router's IPv6 copy of a set carries the prefix `inet6:`. */
export function ipsetName(base: string, family: Family): string {
  return family === 4 ? base : `inet6:${base}`
}

export interface ExpectedIpsetMembers {
  family: Family
  set: string
  /** canonical addresses */
  members: string[]
}

/** Per family (IPv4 first), whether or not the family is enabled: the check goes by the sets the node has. */
export function expectedLocalIps(facts: Pick<NodeFacts, 'localAddresses'>): ExpectedIpsetMembers[] {
  return ([4, 6] as Family[]).map((family) => ({
    family,
    set: ipsetName(LOCAL_IPS_SET, family),
    members: facts.localAddresses[family].map(canonicalIp),
  }))
}
