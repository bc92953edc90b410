// What kube-router should have programmed on a node for each DSR (external/LB IP, protocol, port) of a Service
// annotated kube-router.io/service.dsr=tunnel, director side (kube-router-facts.md §3.1,
// `setupExternalIPForDSRService` @ v2.11.1): mangle PREROUTING/OUTPUT MARK with the fwmark, rule
// `32764: fwmark <mark> lookup 78`, `local default dev lo` in table 78, and an IPVS FWM service with Tunnel
// destinations, and for TCP the TCPMSS clamp of the replies (MTU-60, IPv6 MTU-100 from v2.7.0). The IP is absent
// from kube-dummy-if (normal). The endpoint side (kube-tunnel-if in the pod) is not visible on the node; its
// failures show in the kube-router log (accuracy-audit.md §1.2).
import {canonicalIp, parseIp} from '../model/ip.js'
import type {KubeRouterConfig} from '../model/kube-router-config.js'
import {hasBehaviour} from './version-matrix.js'
import {DSR_FWMARK_RULE_PRIORITY, DSR_TABLE} from './route-tables.js'
import {dsrTuplesOf, externalAndLbIps, isDsrService, isExternalTrafficLocal, isProxiedService, judgedConfig, readyEndpoints, rejectedByStrictValidation, schedulerOf, serviceKey, slicesOf, type DsrTuple} from './services.js'
import {defaultKubeRouterConfig} from '../model/kube-router-config.js'
import type {NodeFacts} from './node-facts.js'
import type {ClusterObjects, Family, ServiceObject, ServicePort, Version} from '../model/types.js'

export interface ExpectedDsrDestination {
  /** canonical endpoint IP */
  address: string
  /** the endpoint port (EndpointSlice port of the same name as the Service port) */
  port: number
  nodeName: string | null
}

export interface DsrDirectorProgramming {
  /** iptables/ip6tables by family: `-d <ip> -p <proto> -m <proto> --dport <port> -j MARK --set-mark <fwmark>` */
  mark: {table: 'mangle'; chains: readonly ['PREROUTING', 'OUTPUT']; fwmark: number}
  /** `32764: from all fwmark <mark> lookup kube-router-dsr (78)` in the tuple's family */
  rule: {priority: number; fwmark: number; table: number}
  /** `local default dev lo` in table 78 of the tuple's family, so IPVS accepts the marked packets without the VIP */
  localRoute: {table: number; type: 'local'; dst: 'default'; dev: 'lo'}
  /** IPVS firewall-mark service; new ones start as `rr` and switch to the annotated scheduler on a later sync */
  ipvs: {fwmark: number; scheduler: string; forward: 'Tunnel'; destinations: ExpectedDsrDestination[]}
  /**
   * TCP only: mangle PREROUTING `-s <ip>/32 -i kube-bridge -p tcp --sport <port> --tcp-flags SYN,RST SYN -j TCPMSS
   * --set-mss <mss>`; `mss` = MTU of the node IP's interface minus the overhead, null when that MTU is unknown
   */
  tcpmss: {table: 'mangle'; chain: 'PREROUTING'; inInterface: 'kube-bridge'; overhead: number; mss: number | null} | null
}

interface ExpectedDsrTupleBase {
  service: string
  ip: string
  family: Family
  protocol: DsrTuple['protocol']
  port: number
  targetPort: number | string | null
  /** the computed mark; kube-router rehashes on collisions, so the node's MARK rule is the authority for the mark in use */
  fwmark: number
  scheduler: string
  /** port differs from targetPort: DSR cannot remap ports (docs/dsr.md, kube-router-facts.md §3.2) */
  remapsPort: boolean
  /**
   * Ready endpoints that are Node addresses, i.e. pods with hostNetwork: true: kube-router logs "DSR does not work
   * with hostNetwork: true pods, skipping!" and programs nothing for the Service (setupExternalIPForDSRService).
   */
  hostNetworkEndpoints: string[]
  /**
   * kube-router v2.8.0+ may have dropped the IP by strict external-IP validation, but the DaemonSet (its ranges) is
   * unknown: only the node can tell (programming present = accepted).
   */
  validationUnknown: boolean
}

/**
 * - `programmed`: the node should hold `director`.
 * - `not-on-node`: externalTrafficPolicy: Local (or service.local) without a ready endpoint on the node:
 *   kube-router sets up none of the Service's external IPs there, by design (`setupExternalIPServices`).
 * - `rejected`: strict external-IP validation drops the IP (BEHAVIOUR_CHANGES): programmed nowhere.
 */
export type ExpectedDsrTuple = ExpectedDsrTupleBase & (
  | {disposition: 'programmed'; director: DsrDirectorProgramming}
  | {disposition: 'not-on-node'; director: null}
  | {disposition: 'rejected'; director: null}
)

export interface ExpectedDsrService {
  service: string
  scheduler: string
  externalTrafficPolicyLocal: boolean
  /** nodes with a ready endpoint of the Service */
  readyEndpointNodes: string[]
  /** one per (external/LB IP, Service port); empty when the Service has no such IP */
  tuples: ExpectedDsrTuple[]
}

/** The ready endpoints IPVS forwards a DSR tuple to: same family as the IP; only the node's own with ETP Local (§3.2). */
export function dsrDestinations(cluster: ClusterObjects, svc: ServiceObject, port: ServicePort, family: Family, onlyNode: string | null): ExpectedDsrDestination[] {
  const out: ExpectedDsrDestination[] = []
  const seen = new Set<string>()
  const protocol = (port.protocol ?? 'TCP').toUpperCase()
  for (const slice of slicesOf(cluster, svc)) {
    const slicePort = slice.ports?.find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP').toUpperCase() === protocol)
    if (slicePort?.port === undefined) continue
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue
      if (onlyNode !== null && ep.nodeName !== onlyNode) continue
      for (const address of ep.addresses) {
        if (parseIp(address)?.family !== family) continue
        const key = `${canonicalIp(address)}|${slicePort.port}`
        if (seen.has(key)) continue
        seen.add(key)
        out.push({address: canonicalIp(address), port: slicePort.port, nodeName: ep.nodeName ?? null})
      }
    }
  }
  return out
}

/** TCPMSS overhead: 2 IP headers + the minimal TCP header; IPv6 only from v2.7.0 (before, the IPv4 value). */
export function dsrMssOverhead(family: Family, version: Version | null): number {
  return family === 6 && (version === null || hasBehaviour(version, 'dsr-ipv6-mss-minus-100')) ? 100 : 60
}

function director(t: DsrTuple, destinations: ExpectedDsrDestination[], mtu: number | null, version: Version | null): DsrDirectorProgramming {
  const overhead = dsrMssOverhead(t.family, version)
  return {
    mark: {table: 'mangle', chains: ['PREROUTING', 'OUTPUT'], fwmark: t.fwmark},
    rule: {priority: DSR_FWMARK_RULE_PRIORITY, fwmark: t.fwmark, table: DSR_TABLE},
    localRoute: {table: DSR_TABLE, type: 'local', dst: 'default', dev: 'lo'},
    ipvs: {fwmark: t.fwmark, scheduler: t.scheduler, forward: 'Tunnel', destinations},
    tcpmss: t.protocol === 'tcp' ? {table: 'mangle', chain: 'PREROUTING', inInterface: 'kube-bridge', overhead, mss: mtu === null ? null : mtu - overhead} : null,
  }
}

/**
 * The DSR programming kube-router should have put on `node`, per DSR Service and tuple. `config` null = the
 * DaemonSet is unknown: kube-router's defaults. `version` null = unknown: no version-dependent behaviour applies.
 */
export function expectedDsrProgramming(
  cluster: ClusterObjects,
  config: KubeRouterConfig | null,
  version: Version | null,
  node: Pick<NodeFacts, 'name'>,
  /** MTU of the interface holding the node's primary IP (kube-router's GetNodeMTU), null when unknown */
  mtu: number | null = null,
): ExpectedDsrService[] {
  const flags = judgedConfig(config)
  const nodeAddresses = new Set(cluster.nodes.flatMap((n) => (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => canonicalIp(a.address))))
  const out: ExpectedDsrService[] = []
  for (const svc of cluster.services) {
    if (!isDsrService(svc) || !isProxiedService(svc)) continue
    const externalTrafficPolicyLocal = isExternalTrafficLocal(svc)
    const ready = readyEndpoints(cluster, svc)
    const readyEndpointNodes = [...new Set(ready.map((e) => e.nodeName).filter((n): n is string => n !== null))]
    const hostNetworkEndpoints = [...new Set(ready.map((e) => canonicalIp(e.address)).filter((a) => nodeAddresses.has(a)))]
    const unjudged = new Set(config === null ? externalAndLbIps(svc).filter((i) => rejectedByStrictValidation(i.ip, i.kind, defaultKubeRouterConfig(), version)).map((i) => i.ip) : [])
    const tuples = dsrTuplesOf(cluster, svc, flags, version).map((t): ExpectedDsrTuple => {
      const base: ExpectedDsrTupleBase = {
        service: t.service, ip: t.ip, family: t.family, protocol: t.protocol, port: t.port, targetPort: t.targetPort,
        fwmark: t.fwmark, scheduler: t.scheduler, remapsPort: t.targetPort !== null && t.targetPort !== t.port,
        hostNetworkEndpoints, validationUnknown: unjudged.has(t.ip),
      }
      if (t.externalTrafficPolicyLocal && !t.readyEndpointNodes.includes(node.name)) return {...base, disposition: 'not-on-node', director: null}
      if (t.rejectedByValidation) return {...base, disposition: 'rejected', director: null}
      // (port, protocol) is unique among a Service's ports (API validation)
      const port = svc.spec!.ports!.find((p) => p.port === t.port && (p.protocol ?? 'TCP').toLowerCase() === t.protocol)!
      const destinations = dsrDestinations(cluster, svc, port, t.family, externalTrafficPolicyLocal ? node.name : null)
      return {...base, disposition: 'programmed', director: director(t, destinations, mtu, version)}
    })
    out.push({service: serviceKey(svc), scheduler: schedulerOf(svc), externalTrafficPolicyLocal, readyEndpointNodes, tuples})
  }
  return out
}

/** Every tuple of every DSR Service, in Service order. */
export function expectedDsrTuples(services: ExpectedDsrService[]): ExpectedDsrTuple[] {
  return services.flatMap((s) => s.tuples)
}
