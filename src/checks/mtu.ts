// accuracy-audit §3 #5: kube-bridge and tunnel MTUs against the node's primary interface (expected/mtu.ts).
// - kube-bridge above the primary interface: pods send packets the node cannot send unfragmented (warning);
// - a tun-* tunnel whose MTU plus its encapsulation exceeds the primary interface (the NIC's MTU was lowered after
//   the tunnel was created): large packets to that peer are dropped on the wire (error);
// - pods' MTU (kube-bridge, = NIC MTU with --auto-mtu) above a tunnel's: cross-subnet traffic depends on path-MTU
//   discovery inside the node, which breaks for UDP with DF or when ICMP is filtered (info).
import {defineNodeCheck, type FindingInput} from './define.js'
import {sourceValue} from '../model/node-state.js'
import {canonicalIp} from '../model/ip.js'
import {BRIDGE_IF} from '../expected/node-facts.js'
import {familyOf, linkHolding, tunnelOverhead} from '../expected/mtu.js'
import type {Route} from '../model/types.js'

function mtuLine(name: string, mtu: number | null, what: string): string {
  return `${name}: mtu ${mtu ?? '?'} (${what})`
}

export const mtu = defineNodeCheck({
  id: 'mtu',
  title: 'kube-bridge and tunnel MTUs fit the primary interface',
  needs: ['ip-addr.json'],
  uses: ['ip-route.json', 'ip6-route.json'],
  evaluate({node, facts}) {
    const links = sourceValue(node, 'ip-addr.json')!
    const primary = linkHolding(links, facts.nodeIp[4]) ?? linkHolding(links, facts.nodeIp[6])
    if (!primary || primary.mtu === null) return {skip: 'the interface holding the node IP (and its MTU) is not known'}
    const bridge = links.find((l) => l.ifname === BRIDGE_IF) ?? null
    const tunnels = links.filter((l) => l.ifname.startsWith('tun-') && l.mtu !== null)
    if (!bridge && tunnels.length === 0) return {skip: "no kube-bridge and no tunnels: kube-router's routing controller does not run here"}
    const table77: Route[] = [...(sourceValue(node, 'ip-route.json') ?? []), ...(sourceValue(node, 'ip6-route.json') ?? [])].filter((r) => r.tableId === 77)
    const primaryText = mtuLine(primary.ifname, primary.mtu, `holds the node IP ${facts.nodeIp[4] ?? facts.nodeIp[6]}`)
    const findings: FindingInput[] = []

    if (bridge?.mtu != null && bridge.mtu > primary.mtu) {
      findings.push({
        severity: 'warning',
        subject: BRIDGE_IF,
        title: `${BRIDGE_IF} MTU ${bridge.mtu} is larger than ${primary.ifname}'s ${primary.mtu}`,
        detail: `Pods on ${BRIDGE_IF} use its MTU, so they send packets up to ${bridge.mtu} bytes that the node can only send out of ${primary.ifname} fragmented, or not at all with DF set (most TCP). kube-router with --auto-mtu sets ${BRIDGE_IF} to the primary interface's MTU; a larger value comes from the CNI configuration or --auto-mtu=false.`,
        evidence: [mtuLine(BRIDGE_IF, bridge.mtu, 'the pods\' MTU'), primaryText],
        remediation: [`Set the CNI configuration's "mtu" (/etc/cni/net.d/10-kuberouter.conflist) to at most ${primary.mtu}, or run kube-router with --auto-mtu=true, then restart kube-router and the pods on the node.`],
        fixedIn: null,
      })
    }

    let smallest: {name: string; mtu: number} | null = null
    for (const tun of tunnels) {
      const peer = table77.find((r) => r.dev === tun.ifname)
      const peerIp = peer ? canonicalIp(peer.dst.split('/')[0]) : null
      const overhead = tunnelOverhead(tun, peerIp ? familyOf(peerIp) : null)
      if (overhead === null) continue
      if (smallest === null || tun.mtu! < smallest.mtu) smallest = {name: tun.ifname, mtu: tun.mtu!}
      if (tun.mtu! + overhead <= primary.mtu) continue
      findings.push({
        severity: 'error',
        subject: tun.ifname,
        title: `${tun.ifname} MTU ${tun.mtu} plus ${overhead} bytes of encapsulation exceeds ${primary.ifname}'s ${primary.mtu}`,
        detail:
          `Packets that fill the tunnel's MTU leave ${primary.ifname} as ${tun.mtu! + overhead}-byte packets, larger than its MTU, and are dropped${peerIp ? ` on the way to ${peerIp}` : ''}: small requests work, large transfers to pods behind this tunnel hang. ` +
          `The kernel sets a tunnel's MTU from the underlying device when kube-router creates it and never updates it, so this follows a change of ${primary.ifname}'s MTU after the tunnel was made.`,
        evidence: [mtuLine(tun.ifname, tun.mtu, `${tun.kind ?? 'tunnel'}${tun.encap ? ` encap ${tun.encap}` : ''}, ${overhead} bytes overhead`), ...(peer ? [peer.text] : []), primaryText],
        remediation: [
          `Recreate the tunnel with the current MTU: ip link del ${tun.ifname}, then restart kube-router on ${node.name} (it creates its tunnels again).`,
        ],
        fixedIn: null,
      })
    }

    if (bridge?.mtu != null && smallest && bridge.mtu > smallest.mtu && bridge.mtu <= primary.mtu) {
      findings.push({
        severity: 'info',
        subject: BRIDGE_IF,
        title: `pods' MTU (${BRIDGE_IF} ${bridge.mtu}) is larger than the tunnel MTU (${smallest.mtu})`,
        detail: `Traffic to pods on nodes in other subnets goes through tunnels with a smaller MTU, so large packets rely on path-MTU discovery: the node answers with ICMP "fragmentation needed" and TCP adapts. UDP with DF set, or pods that drop ICMP, lose those packets (kube-router issues #630, #1033).`,
        evidence: [mtuLine(BRIDGE_IF, bridge.mtu, "the pods' MTU"), mtuLine(smallest.name, smallest.mtu, 'smallest tunnel'), primaryText],
        remediation: [`If cross-node UDP or ICMP-filtered traffic breaks: run kube-router with --auto-mtu=false and set the CNI configuration's "mtu" to ${smallest.mtu}, then restart the pods.`],
        fixedIn: null,
      })
    }
    return {findings}
  },
})
