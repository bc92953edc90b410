// MTUs kube-router sets up (accuracy-audit §3 #5; kube-router #165, #630, #1033). With --auto-mtu (default true)
// kube-router sets kube-bridge's MTU to the MTU of the interface holding the node's primary IP, no overhead
// subtracted (network_routes_controller.go initCNIConfig/setupKubeBridge, utils GetNodeMTU / GetMTUFromNodeIP,
// v2.0.0-v2.11.1). Tunnels are created without an MTU (pkg/tunnels): the kernel derives it from the device that
// reaches the peer minus the encapsulation, and never changes it afterwards when that device's MTU changes.
import {canonicalIp, parseIp} from '../model/ip.js'
import type {Family, Link} from '../model/types.js'

/** Bytes a tunnel adds to every packet: the outer IP header (20 IPv4 ipip, 40 IPv6 ip6tnl), plus 8 for fou's UDP. */
export function tunnelOverhead(link: Link, peerFamily: Family | null): number | null {
  const outer = link.kind === 'ipip' ? 20 : link.kind === 'ip6tnl' ? 40 : peerFamily === 4 ? 20 : peerFamily === 6 ? 40 : null
  if (outer === null) return null
  return outer + (link.encap === 'fou' || link.encap === 'gue' ? 8 : 0)
}

/** The link that holds the address. */
export function linkHolding(links: Link[], ip: string | null): Link | null {
  if (!ip) return null
  const want = canonicalIp(ip)
  return links.find((l) => l.addresses.some((a) => a.local === want)) ?? null
}

export function familyOf(ip: string): Family | null {
  return parseIp(ip)?.family ?? null
}
