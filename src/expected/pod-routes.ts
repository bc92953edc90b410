// What kube-router's routing controller programs for every other node's pod CIDR (accuracy-audit §3 #2, #12;
// pkg/controllers/routing/network_routes_controller.go injectRoute @ v2.11.1, same logic since v2.0.0):
// - peer in the node's own subnet (and overlay not "full"): `<CIDR> via <peer IP> proto 17`;
// - peer in another subnet with the overlay on (or overlay type "full"): a tunnel link `tun-<sha256(peer IP without
//   . and :)[0:11]>`, `<peer IP> dev tun-…` in table 77 (pkg/tunnels addTunnelRoute) and `<CIDR> dev tun-… src
//   <node IP> proto 17`;
// - peer in another subnet with the overlay off: nothing; BGP peers upstream must route it.
// proto 17 is kube-router's ZebraOriginator (0x11, pkg/routes/linux_routes.go).
import {createHash} from 'node:crypto'
import {canonicalIp, networkOf, parseIp, parsePrefix, prefixContains} from '../model/ip.js'
import type {Family, Link, NodeObject} from '../model/types.js'

export const KUBE_ROUTER_ROUTE_PROTOCOL = '17'
export const TUNNEL_TABLE = 77

/** kube-router's tunnel interface name for a peer (GenerateTunnelName: Go's IP string without '.' and ':'). */
export function tunnelName(peerIp: string): string {
  const stripped = canonicalIp(peerIp).replace(/[.:]/g, '')
  return `tun-${createHash('sha256').update(stripped).digest('hex').slice(0, 11)}`
}

/**
 * The pod CIDRs a node's kube-router advertises, per family: the `kube-router.io/pod-cidrs` annotation wins over
 * spec.podCIDRs (pkg/utils/pod_cidr.go GetPodCIDRsFromNodeSpecDualStack, accuracy-audit §0).
 */
export function advertisedPodCidrs(node: NodeObject): Record<Family, string[]> {
  const out: Record<Family, string[]> = {4: [], 6: []}
  const annotation = node.metadata.annotations?.['kube-router.io/pod-cidrs']
  const list = annotation !== undefined
    ? annotation.split(',').map((s) => s.trim()).filter(Boolean)
    : node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : []
  for (const cidr of list) {
    const net = networkOf(cidr)
    const family = parsePrefix(cidr)?.family
    if (net && family) out[family].push(net)
  }
  return out
}

/** The address a node peers from per family: its first InternalIP, else ExternalIP (utils FindBest…NodeAddress). */
export function peerAddress(node: NodeObject, family: Family): string | null {
  for (const type of ['InternalIP', 'ExternalIP']) {
    const hit = node.status?.addresses?.find((a) => a.type === type && parseIp(a.address)?.family === family)
    if (hit) return canonicalIp(hit.address)
  }
  return null
}

/** The subnet of the interface address that is the node IP (utils.GetNodeSubnet), or null when not on a link. */
export function nodeSubnet(links: Link[], nodeIp: string): string | null {
  for (const link of links) {
    for (const a of link.addresses) if (canonicalIp(a.local) === canonicalIp(nodeIp)) return networkOf(`${a.local}/${a.prefixlen}`)
  }
  return null
}

export function inSubnet(subnet: string | null, ip: string): boolean {
  const p = subnet ? parsePrefix(subnet) : null
  const addr = parseIp(ip)
  return p !== null && addr !== null && prefixContains(p, addr)
}

export type PeerRoute =
  | {kind: 'direct'; gateway: string}
  | {kind: 'tunnel'; tunnel: string}
  | {kind: 'upstream'}

/** How kube-router routes a peer's pod CIDR from this node. */
export function expectedPeerRoute(opts: {sameSubnet: boolean; overlay: boolean; overlayType: string; peerIp: string}): PeerRoute {
  if (opts.overlay && (opts.overlayType === 'full' || !opts.sameSubnet)) return {kind: 'tunnel', tunnel: tunnelName(opts.peerIp)}
  if (opts.sameSubnet) return {kind: 'direct', gateway: opts.peerIp}
  return {kind: 'upstream'}
}
