// kube-router's service proxy ipsets (kube-router-facts.md §5.1, FM3). Which node addresses must be in
// [inet6:]kube-router-local-ips is asked by local-ips-ipset of every node address that [inet6:]kube-router-svip
// holds, on any interface (NodeFacts.hostAddresses, `lo` included): accuracy-audit.md §1.6.
import type {Family} from '../model/types.js'

export const LOCAL_IPS_SET = 'kube-router-local-ips'
export const SERVICE_VIPS_SET = 'kube-router-svip'

/** kube-router's IPv6 copy of a set carries the prefix `inet6:`. */
export function ipsetName(base: string, family: Family): string {
  return family === 4 ? base : `inet6:${base}`
}
