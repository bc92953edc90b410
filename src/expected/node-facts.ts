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
  /** nodeIp is the Node object's address (kube-router's own choice); false: a guess from the node's routes */
  nodeIpFromNode: Record<Family, boolean>
  /**
   * Every global address on the node except kube-dummy-if's VIPs, `lo` included, with its interface: the addresses
   * that can be node IPs in kube-router-svip whatever the interface name (accuracy-audit.md §1.6).
   */
  hostAddresses: Record<Family, {address: string; ifname: string}[]>
  /** the Node object's InternalIP/ExternalIP addresses of each family (empty without the Node object) */
  nodeAddresses: Record<Family, string[]>
  /** global addresses on interfaces kube-router counts as local (kube-router-facts §5.1: names without dummy/kube/docker) */
  localAddresses: Record<Family, string[]>
  /** addresses on kube-dummy-if */
  dummyVips: Record<Family, string[]>
  hasDummyIf: boolean
  podCidrs: Record<Family, string[]>
  /** annotation = kube-router.io/pod-cidrs (or -cidr), which kube-router reads before spec.podCIDRs */
  podCidrSource: 'annotation' | 'cluster' | 'kube-bridge' | null
  /** the families kube-router programs: the Node has an address of the family (accuracy-audit.md §0) */
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

const POD_CIDRS_ANNOTATION = 'kube-router.io/pod-cidrs'
const POD_CIDR_ANNOTATION = 'kube-router.io/pod-cidr'

/**
 * The node's pod CIDRs in kube-router's order (pkg/utils/pod_cidr.go GetPodCIDRsFromNodeSpecDualStack, same
 * v2.1.2-v2.11.1; accuracy-audit.md §0): the kube-router.io/pod-cidrs annotation wins over spec.podCIDRs. The
 * singular annotation and spec.podCIDR are the single-stack fallbacks.
 */
export function clusterPodCidrsWithSource(node: NodeObject | null): {cidrs: string[]; source: 'annotation' | 'cluster' | null} {
  if (!node) return {cidrs: [], source: null}
  const split = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean)
  const plural = node.metadata.annotations?.[POD_CIDRS_ANNOTATION]
  if (plural !== undefined && split(plural).length) return {cidrs: split(plural), source: 'annotation'}
  if (node.spec?.podCIDRs?.length) return {cidrs: node.spec.podCIDRs, source: 'cluster'}
  const singular = node.metadata.annotations?.[POD_CIDR_ANNOTATION]
  if (singular !== undefined && split(singular).length) return {cidrs: split(singular), source: 'annotation'}
  if (node.spec?.podCIDR) return {cidrs: [node.spec.podCIDR], source: 'cluster'}
  return {cidrs: [], source: null}
}

export function clusterPodCidrs(node: NodeObject | null): string[] {
  return clusterPodCidrsWithSource(node).cidrs
}

function nodeObjectAddresses(node: NodeObject | null, family: Family): string[] {
  return (node?.status?.addresses ?? [])
    .filter((a) => (a.type === 'InternalIP' || a.type === 'ExternalIP') && parseIp(a.address)?.family === family)
    .map((a) => a.address)
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
  const nodeIpFromNode: Record<Family, boolean> = {4: false, 6: false}
  const hostAddresses: Record<Family, {address: string; ifname: string}[]> = {4: [], 6: []}
  const nodeAddresses: Record<Family, string[]> = {4: nodeObjectAddresses(nodeObject, 4), 6: nodeObjectAddresses(nodeObject, 6)}

  for (const family of FAMILIES) {
    for (const link of links) {
      if (link.ifname === DUMMY_IF) continue
      for (const a of link.addresses) {
        if (a.family === family && !isLinkLocal(a.local)) hostAddresses[family].push({address: hostOf(a.local), ifname: link.ifname})
      }
    }
    localAddresses[family] = addressesOf(links, (l) => !excludedFromLocalIps(l.ifname) && l.ifname !== 'lo', family)
      .filter((a) => !isLinkLocal(a))
    // the kernel's fe80::/64 address of kube-dummy-if is not a Service VIP
    dummyVips[family] = addressesOf(links, (l) => l.ifname === DUMMY_IF, family).filter((a) => !isLinkLocal(a))

    const fromCluster = clusterNodeIp(nodeObject, family)
    if (fromCluster) {
      nodeIp[family] = fromCluster
      nodeIpSource[family] = `node ${state.name} status.addresses`
      nodeIpFromNode[family] = true
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

  const {cidrs: fromClusterCidrs, source: clusterCidrSource} = clusterPodCidrsWithSource(nodeObject)
  let podCidrSource: NodeFacts['podCidrSource'] = null
  if (fromClusterCidrs.length) {
    podCidrSource = clusterCidrSource
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
  if (nodeObject) {
    // kube-router is capable of a family when the Node has an InternalIP/ExternalIP of it, whatever --enable-ipv6
    // says (pkg/utils/node.go@v2.11.1:122-130; the flag only makes startup fail without one): accuracy-audit.md §0
    families[4] = nodeAddresses[4].length > 0
    families[6] = nodeAddresses[6].length > 0
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
    name: state.name, nodeObject, nodeIp, nodeIpSource, nodeIpFromNode, hostAddresses, nodeAddresses, localAddresses,
    dummyVips: {4: dummyVips[4].map(hostOf), 6: dummyVips[6].map(hostOf)},
    hasDummyIf, podCidrs, podCidrSource, families, proxyRunning, routerRunning, version, versionLine,
  }
}

export function isNodeIp(facts: NodeFacts, ip: string): boolean {
  return FAMILIES.some((f) => facts.nodeIp[f] !== null && sameIp(facts.nodeIp[f]!, ip))
}
