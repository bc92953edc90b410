// accuracy-audit §3 #2 and #12: every other node's pod CIDR must be routed on this node the way kube-router's
// routing controller injects it (expected/pod-routes.ts): `via <peer>` inside the node's subnet, a tun-* tunnel
// with its table-77 route across subnets when the overlay is on. A missing route means pods here cannot reach
// pods there; the usual cause is a BGP session that is not established (gobgp neighbor, read-only), or IPv6
// routes never exchanged (kube-router #1992: dual-stack without --bgp-graceful-restart before v2.7.0).
import {defineNodeCheck, type FindingInput} from './define.js'
import {familyName, ipCmd, kubeRouterLogs, restartKubeRouter} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {canonicalIp, networkOf, parsePrefix, prefixContains} from '../model/ip.js'
import {advertisedPodCidrs, expectedPeerRoute, inSubnet, KUBE_ROUTER_ROUTE_PROTOCOL, nodeSubnet, peerAddress, TUNNEL_TABLE} from '../expected/pod-routes.js'
import type {BgpNeighbor} from '../model/failure-mode-sources.js'
import type {Family, Link, NodeObject, Route} from '../model/types.js'
import type {KubeRouterConfig} from '../model/kube-router-config.js'

const FAMILIES: Family[] = [4, 6]

function isMain(r: Route): boolean {
  return r.table === 'main' || r.tableId === 254
}

function nodeReady(node: NodeObject): boolean | null {
  const c = node.status?.conditions?.find((x) => x.type === 'Ready')
  return c ? c.status === 'True' : null
}

/** Overlay on/off: the DaemonSet's flags when known, else the node's tunnels (tun-* links, table 77 routes), else unknown. */
function overlayState(config: KubeRouterConfig | null, haveDaemonSet: boolean, links: Link[], routes: Route[]): {on: boolean | null; type: string; why: string} {
  if (config && haveDaemonSet) return {on: config.enableOverlay, type: config.overlayType, why: `--enable-overlay=${config.enableOverlay} --overlay-type=${config.overlayType} (DaemonSet)`}
  const tunnels = links.filter((l) => l.ifname.startsWith('tun-'))
  if (tunnels.length > 0 || routes.some((r) => r.tableId === TUNNEL_TABLE)) return {on: true, type: 'subnet', why: `tunnels on the node (${tunnels.map((l) => l.ifname).join(', ') || 'table 77 routes'})`}
  return {on: null, type: 'subnet', why: 'the DaemonSet is unknown and the node has no tunnels'}
}

/** The most specific kube-router (proto 17) main-table route that contains `cidr` and is wider than it. */
function coveringKubeRouterRoute(routes: Route[], cidr: string): Route | null {
  const want = parsePrefix(cidr)
  if (!want) return null
  let best: {route: Route; length: number} | null = null
  for (const r of routes) {
    if (!isMain(r) || r.protocol !== KUBE_ROUTER_ROUTE_PROTOCOL || r.type !== 'unicast') continue
    const p = parsePrefix(r.dst === 'default' ? (want.family === 4 ? '0.0.0.0/0' : '::/0') : r.dst)
    if (!p || p.family !== want.family || p.length >= want.length) continue
    if (!prefixContains(p, {family: want.family, bytes: want.bytes})) continue
    if (!best || p.length > best.length) best = {route: r, length: p.length}
  }
  return best?.route ?? null
}

/** The notes of a big cluster stay short: the first few, then how many more. */
function summarise(notes: string[]): string | null {
  if (notes.length === 0) return null
  const shown = notes.slice(0, 4).join('; ')
  return notes.length > 4 ? `${shown}; and ${notes.length - 4} more like these` : shown
}

export const podRoutes = defineNodeCheck({
  id: 'pod-routes',
  title: "Every other node's pod CIDR is routed here as kube-router injects it",
  needs: ['ip-route.json', 'ip-addr.json'],
  uses: ['ip6-route.json', 'gobgp-neighbors.txt'],
  evaluate({node, facts, cluster, config}) {
    if (!cluster) return {skip: "needs the cluster's Node objects (the other nodes' pod CIDRs and addresses)"}
    if (!facts.routerRunning) return {skip: "kube-router's routing controller does not run on this node (--run-router=false, or no kube-bridge)"}
    const links = sourceValue(node, 'ip-addr.json')!
    const routesBy: Record<Family, Route[] | null> = {4: sourceValue(node, 'ip-route.json'), 6: sourceValue(node, 'ip6-route.json')}
    const overlay = overlayState(config, cluster.kubeRouter !== null, links, [...(routesBy[4] ?? []), ...(routesBy[6] ?? [])])
    const bgp = sourceValue(node, 'gobgp-neighbors.txt')
    const neighborOf = (ip: string): BgpNeighbor | undefined => bgp?.neighbors.find((n) => canonicalIp(n.peer) === ip)
    const findings: FindingInput[] = []
    const cited = new Set<string>()
    let checked = 0
    const notes: string[] = []

    for (const peer of cluster.nodes) {
      if (peer.metadata.name === node.name) continue
      const cidrs = advertisedPodCidrs(peer)
      for (const family of FAMILIES) {
        const routes = routesBy[family]
        const own = facts.nodeIp[family]
        const peerIp = peerAddress(peer, family)
        if (!routes || !own || !peerIp || cidrs[family].length === 0) continue
        const sameSubnet = inSubnet(nodeSubnet(links, own), peerIp)
        if (overlay.on === null && !sameSubnet) {
          notes.push(`${peer.metadata.name} ${familyName(family)}: another subnet, overlay setting unknown`)
          continue
        }
        const want = expectedPeerRoute({sameSubnet, overlay: overlay.on === true, overlayType: overlay.type, peerIp})
        for (const cidr of cidrs[family]) {
          checked++
          const route = routes.find((r) => isMain(r) && r.protocol === KUBE_ROUTER_ROUTE_PROTOCOL && networkOf(r.dst) === cidr)
          const problems: string[] = []
          const evidence: string[] = []
          if (want.kind === 'upstream') {
            if (!route) notes.push(`${cidr} of ${peer.metadata.name}: another subnet without overlay, left to the upstream routers`)
            continue
          }
          // a wider kube-router route (learned from an upstream BGP peer, e.g. a router advertising the pod range with
          // iBGP between nodes off) carries the traffic as well: the design's choice, not a fault
          const covering = route ? null : coveringKubeRouterRoute(routes, cidr)
          if (covering) {
            notes.push(`${cidr} of ${peer.metadata.name} is covered by ${covering.text}`)
            continue
          }
          if (!route) problems.push(`no \`${cidr} ${want.kind === 'direct' ? `via ${want.gateway}` : `dev ${want.tunnel}`} proto 17\` route in the main table`)
          else {
            evidence.push(route.text)
            if (want.kind === 'direct' && (route.gateway === null || canonicalIp(route.gateway) !== want.gateway)) problems.push(`the route goes ${route.gateway ? `via ${route.gateway}` : `dev ${route.dev}`}, not via ${want.gateway}`)
            if (want.kind === 'tunnel' && route.dev !== want.tunnel) problems.push(`the route goes ${route.dev ? `dev ${route.dev}` : 'elsewhere'}, not through the tunnel ${want.tunnel}`)
          }
          if (want.kind === 'tunnel') {
            const link = links.find((l) => l.ifname === want.tunnel)
            if (!link) problems.push(`no tunnel interface ${want.tunnel}`)
            else evidence.push(`${link.ifname}: ${link.kind ?? 'link'} mtu ${link.mtu ?? '?'} ${link.operstate ?? ''}`.trim())
            const t77 = routes.find((r) => r.tableId === TUNNEL_TABLE && canonicalIp(r.dst.split('/')[0]) === peerIp)
            if (!t77) problems.push(`no \`${peerIp} dev ${want.tunnel}\` route in table ${TUNNEL_TABLE}`)
            else evidence.push(t77.text)
          }
          if (problems.length === 0) continue
          const neighbor = neighborOf(peerIp)
          if (neighbor) {
            evidence.push(neighbor.text)
            cited.add(neighbor.peer)
          }
          const down = neighbor !== undefined && neighbor.state !== 'Establ'
          const ready = nodeReady(peer)
          findings.push({
            severity: ready === false ? 'warning' : 'error',
            subject: cidr,
            title: `${familyName(family)} pod CIDR ${cidr} of ${peer.metadata.name} is not routed as kube-router does it`,
            detail:
              `${problems.join('; ')}. ${peer.metadata.name} (${peerIp}) is ${sameSubnet ? 'in this node\'s subnet, so kube-router routes its pods via its node IP' : `in another subnet and the overlay is on (${overlay.why}), so kube-router routes its pods through an ipip/fou tunnel`}. ` +
              'Without it, pods on this node reach pods there only through the default route, which usually drops or misroutes them. ' +
              (down ? `The BGP session with ${peerIp} is ${neighbor!.state}, not established: kube-router learns the route from that session. ` : '') +
              (ready === false ? `${peer.metadata.name} is not Ready, which withdraws its routes. ` : '') +
              (family === 6 ? 'IPv6 pod routes were not exchanged on dual-stack clusters without --bgp-graceful-restart before kube-router v2.7.0 (issue #1992). ' : ''),
            evidence: [...evidence, `${peer.metadata.name} pod CIDRs: ${cidrs[family].join(', ')}; node IP ${peerIp}`],
            remediation: [
              `Look at the BGP sessions on this node: kubectl -n kube-system exec <kube-router pod on ${node.name}> -- gobgp neighbor`,
              `Read kube-router's log for route and tunnel errors: ${kubeRouterLogs(node.name)}`,
              `Check routes after kube-router re-syncs: ${ipCmd(family)} route show proto 17; restart it when they stay missing: ${restartKubeRouter(node.name)}`,
            ],
            fixedIn: null,
          })
        }
      }
    }

    for (const n of bgp?.neighbors ?? []) {
      if (n.state === 'Establ' || cited.has(n.peer)) continue
      const admin = n.state.startsWith('Idle(')
      findings.push({
        severity: admin ? 'info' : 'warning',
        subject: n.peer,
        title: `BGP session with ${n.peer} is ${n.state}`,
        detail: admin
          ? `The session is administratively down (${n.state}); no routes are learned from ${n.peer}.`
          : `kube-router's BGP session with ${n.peer} is not established (${n.state}, up/down ${n.upDown}). Routes learned from it are withdrawn, or kept as stale under graceful restart until it expires.`,
        evidence: [n.text],
        remediation: [
          `Check that TCP 179 between this node and ${n.peer} is open and that both sides agree on the ASN and peer address.`,
          `Read kube-router's log: ${kubeRouterLogs(node.name)}`,
        ],
        fixedIn: null,
      })
    }
    const note = summarise(notes)
    if (checked === 0 && findings.length === 0) return {findings: [], note: note ?? 'no other node with a pod CIDR in a family this node has'}
    return {findings, ...(note ? {note} : {})}
  },
})
