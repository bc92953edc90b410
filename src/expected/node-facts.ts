// What a node is, derived from its capture and (when available) the cluster objects:
// node IPs, local addresses, VIPs on kube-dummy-if, pod CIDRs, enabled families, version.
import {hostOf, isLinkLocal, networkOf, parseIp, sameIp} from '../model/ip.js'
import {sourceValue, type NodeState} from '../model/node-state.js'
import {versionFromImage} from '../parsers/kube-router-version.js'
import type {KubeRouterConfig} from '../model/kube-router-config.js'
import type {ClusterObjects, Family, Link, NodeObject, Version} from '../model/types.js'

export const DUMMY_IF = 'kube-dummy-if'
export const BRIDGE_IF = 'kube-bridge'

export interface NodeFacts {
  name: string
  nodeObject: NodeObject | null
  /** primary node IP per family */
  nodeIp: Record<Family, string | null>
  /** how nodeIp was found, for evidence */
  nodeIpSource: Record<Family, string | null>
  /** global addresses on interfaces kube-router counts as local (kube-router-facts §5.1: names without dummy/kube/docker) */
  localAddresses: Record<Family, string[]>
  /** addresses on kube-dummy-if */
  dummyVips: Record<Family, string[]>
  hasDummyIf: boolean
  podCidrs: Record<Family, string[]>
  podCidrSource: 'cluster' | 'kube-bridge' | null
  families: Record<Family, boolean>
  /** whether kube-router's service proxy is running on the node (config, else evidence on the node) */
  proxyRunning: boolean
  /** whether kube-router's routing controller (pod network, overlay) runs on the node (config, else kube-bridge) */
  routerRunning: boolean
  version: Version | null
  versionLine: string | null
}

const FAMILIES: Family[] = [4, 6]

function excludedFromLocalIps(ifname: string): boolean {
  return /dummy|kube|docker/.test(ifname)
}

function addressesOf(links: Link[], match: (l: Link) => boolean, family: Family): string[] {
  const out: string[] = []
  for (const link of links) {
    if (!match(link)) continue
    for (const a of link.addresses) if (a.family === family) out.push(a.local)
  }
  return out
}

/** Addresses the kernel would pick as a source: global, not deprecated (preferred_lft 0), not tentative (DAD). */
function preferredAddressesOf(links: Link[], match: (l: Link) => boolean, family: Family): string[] {
  const out: string[] = []
  for (const link of links) {
    if (!match(link)) continue
    for (const a of link.addresses) {
      if (a.family !== family || isLinkLocal(a.local)) continue
      if (a.flags.includes('deprecated') || a.flags.includes('tentative') || a.flags.includes('dadfailed')) continue
      out.push(a.local)
    }
  }
  return out
}

function clusterNodeIp(node: NodeObject | null, family: Family): string | null {
  for (const type of ['InternalIP', 'ExternalIP']) {
    const hit = node?.status?.addresses?.find((a) => a.type === type && parseIp(a.address)?.family === family)
    if (hit) return hit.address
  }
  return null
}

export function findNodeObject(cluster: ClusterObjects | null, name: string): NodeObject | null {
  return cluster?.nodes.find((n) => n.metadata.name === name) ?? null
}

export function clusterPodCidrs(node: NodeObject | null): string[] {
  if (!node) return []
  const fromSpec = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : []
  if (fromSpec.length) return fromSpec
  const annotation = node.metadata.annotations?.['kube-router.io/pod-cidrs'] ?? node.metadata.annotations?.['kube-router.io/pod-cidr']
  return annotation ? annotation.split(',').map((s) => s.trim()).filter(Boolean) : []
}

export function deriveNodeFacts(
  state: NodeState,
  cluster: ClusterObjects | null,
  config: KubeRouterConfig | null,
  clusterImage: string | null,
): NodeFacts {
  const links = sourceValue(state, 'ip-addr.json') ?? []
  const nodeObject = findNodeObject(cluster, state.name)
  const nodeIp: Record<Family, string | null> = {4: null, 6: null}
  const nodeIpSource: Record<Family, string | null> = {4: null, 6: null}
  const localAddresses: Record<Family, string[]> = {4: [], 6: []}
  const dummyVips: Record<Family, string[]> = {4: [], 6: []}
  const podCidrs: Record<Family, string[]> = {4: [], 6: []}

  for (const family of FAMILIES) {
    localAddresses[family] = addressesOf(links, (l) => !excludedFromLocalIps(l.ifname) && l.ifname !== 'lo', family)
      .filter((a) => !isLinkLocal(a))
    // the kernel's fe80::/64 address of kube-dummy-if is not a Service VIP
    dummyVips[family] = addressesOf(links, (l) => l.ifname === DUMMY_IF, family).filter((a) => !isLinkLocal(a))

    const fromCluster = clusterNodeIp(nodeObject, family)
    if (fromCluster) {
      nodeIp[family] = fromCluster
      nodeIpSource[family] = `node ${state.name} status.addresses`
      continue
    }
    const routes = sourceValue(state, family === 4 ? 'ip-route.json' : 'ip6-route.json') ?? []
    const defaultRoute = routes.find((r) => r.dst === 'default' && (r.table === 'main' || r.tableId === 254) && r.type === 'unicast')
    // like the kernel's source selection, skip deprecated (temporary SLAAC) and tentative addresses
    const viaDefault = defaultRoute?.prefsrc ??
      (defaultRoute?.dev ? preferredAddressesOf(links, (l) => l.ifname === defaultRoute.dev, family)[0] : undefined)
    const preferredLocal = preferredAddressesOf(links, (l) => !excludedFromLocalIps(l.ifname) && l.ifname !== 'lo', family)
    const candidate = viaDefault ?? preferredLocal[0] ?? localAddresses[family][0] ?? null
    if (candidate) {
      nodeIp[family] = candidate
      nodeIpSource[family] = defaultRoute && viaDefault ? `address behind the default route: ${defaultRoute.text}` : 'first global address of the node'
    }
  }

  const fromClusterCidrs = clusterPodCidrs(nodeObject)
  let podCidrSource: NodeFacts['podCidrSource'] = null
  if (fromClusterCidrs.length) {
    podCidrSource = 'cluster'
    for (const c of fromClusterCidrs) {
      const fam = parseIp(c.split('/')[0])?.family
      if (fam) podCidrs[fam].push(networkOf(c) ?? c)
    }
  } else {
    // kube-bridge carries the first address of the node's pod CIDR with the CIDR's length (kube-router-facts §1).
    for (const link of links) {
      if (link.ifname !== BRIDGE_IF) continue
      for (const a of link.addresses) {
        if (isLinkLocal(a.local)) continue
        const net = networkOf(`${a.local}/${a.prefixlen}`)
        if (net) podCidrs[a.family].push(net)
      }
    }
    if (podCidrs[4].length || podCidrs[6].length) podCidrSource = 'kube-bridge'
  }

  const ipsets = sourceValue(state, 'ipset.txt')
  const hasDummyIf = links.some((l) => l.ifname === DUMMY_IF)
  const families: Record<Family, boolean> = {4: true, 6: false}
  if (config && (config.explicit.has('enable-ipv4') || config.explicit.has('enable-ipv6') || cluster?.kubeRouter)) {
    families[4] = config.enableIpv4
    // IPv6 also needs an IPv6 node address (kube-router-facts §7.1)
    families[6] = config.enableIpv6 && nodeIp[6] !== null
  } else {
    families[4] = nodeIp[4] !== null
    families[6] = nodeIp[6] !== null && (
      dummyVips[6].length > 0 || podCidrs[6].length > 0 ||
      [...(ipsets?.sets.keys() ?? [])].some((n) => n.startsWith('inet6:kube-router')))
  }

  const proxyRunning = config && cluster?.kubeRouter ? config.runServiceProxy :
    hasDummyIf || (ipsets?.sets.has('kube-router-svip') ?? false) || (ipsets?.sets.has('inet6:kube-router-svip') ?? false)

  // without the DaemonSet, kube-bridge is the routing controller's footprint (k3s embeds only the netpol controller)
  const routerRunning = config && cluster?.kubeRouter ? config.runRouter : links.some((l) => l.ifname === BRIDGE_IF)

  const versionInfo = sourceValue(state, 'kube-router-version.txt')
  let version = versionInfo?.version ?? null
  let versionLine = versionInfo?.line ?? null
  if (!version && clusterImage) {
    version = versionFromImage(clusterImage)
    if (version) versionLine = `image ${clusterImage}`
  }

  return {
    name: state.name, nodeObject, nodeIp, nodeIpSource, localAddresses,
    dummyVips: {4: dummyVips[4].map(hostOf), 6: dummyVips[6].map(hostOf)},
    hasDummyIf, podCidrs, podCidrSource, families, proxyRunning, routerRunning, version, versionLine,
  }
}

export function isNodeIp(facts: NodeFacts, ip: string): boolean {
  return FAMILIES.some((f) => facts.nodeIp[f] !== null && sameIp(facts.nodeIp[f]!, ip))
}
