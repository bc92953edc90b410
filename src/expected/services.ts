// What kube-router programs for the cluster's Services (kube-router-facts.md §3-4):
// which Services it proxies, DSR (ip, proto, port) tuples with their fwmark, and ready endpoints.
import {canonicalIp, parseIp, parsePrefix, prefixContains} from '../model/ip.js'
import {dsrFwmark} from './fwmark.js'
import {hasBehaviour, isAffectedBy} from './version-matrix.js'
import {defaultKubeRouterConfig, type KubeRouterConfig} from '../model/kube-router-config.js'
import type {ClusterObjects, EndpointSliceObject, Family, ServiceObject, Version} from '../model/types.js'

export const DSR_ANNOTATION = 'kube-router.io/service.dsr'
export const SCHEDULER_ANNOTATION = 'kube-router.io/service.scheduler'
export const LOCAL_ANNOTATION = 'kube-router.io/service.local'
const VALID_SCHEDULERS = new Set(['rr', 'lc', 'dh', 'sh', 'mh'])

export interface DsrTuple {
  service: string
  ip: string
  family: Family
  protocol: 'tcp' | 'udp' | 'sctp'
  port: number
  targetPort: number | string | null
  fwmark: number
  scheduler: string
  /** true when kube-router's strict external-IP validation (v2.8.0+) drops the IP (outside the configured ranges) */
  rejectedByValidation: boolean
  /** externalTrafficPolicy: Local (or kube-router.io/service.local=true): kube-router sets up no external IP of the
   * Service on a node without a ready local endpoint (`setupExternalIPServices`, kube-router-facts "General traps") */
  externalTrafficPolicyLocal: boolean
  /** nodes with a ready endpoint of the Service */
  readyEndpointNodes: string[]
}

export function serviceKey(svc: ServiceObject): string {
  return `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`
}

/** Services kube-router's proxy handles: not headless, not owned by another service proxy. */
export function isProxiedService(svc: ServiceObject): boolean {
  const labels = svc.metadata.labels ?? {}
  const proxyName = labels['service.kubernetes.io/service-proxy-name']
  if (proxyName !== undefined && proxyName !== 'kube-router') return false
  if ('service.kubernetes.io/headless' in labels) return false
  const type = svc.spec?.type ?? 'ClusterIP'
  if (type === 'ExternalName') return false
  // kube-router's buildServicesInfo skips every Service without a cluster IP, externalIPs or not
  const clusterIp = svc.spec?.clusterIP
  return !(clusterIp === 'None' || clusterIp === '' || clusterIp === undefined)
}

/** externalTrafficPolicy: Local, or the kube-router.io/service.local=true annotation that forces it. */
export function isExternalTrafficLocal(svc: ServiceObject): boolean {
  return svc.spec?.externalTrafficPolicy === 'Local' || svc.metadata.annotations?.[LOCAL_ANNOTATION] === 'true'
}

/**
 * kube-router leaves the Service's ClusterIP out on a node without a ready local endpoint (accuracy-audit.md §1.5):
 * spec.internalTrafficPolicy: Local; before v2.4.0 also kube-router.io/service.local=true (service-local-cluster-ip);
 * in v2.0.x the annotation with any value or externalTrafficPolicy: Local (external-traffic-local-cluster-ip).
 * `version` null: only the version-independent rule applies.
 */
export function clusterIpIsNodeLocal(svc: ServiceObject, version: Version | null): boolean {
  if (svc.spec?.internalTrafficPolicy === 'Local') return true
  if (!version) return false
  const annotation = svc.metadata.annotations?.[LOCAL_ANNOTATION]
  if (isAffectedBy(version, 'external-traffic-local-cluster-ip')) return annotation !== undefined || svc.spec?.externalTrafficPolicy === 'Local'
  return isAffectedBy(version, 'service-local-cluster-ip') && annotation === 'true'
}

export function schedulerOf(svc: ServiceObject): string {
  const s = svc.metadata.annotations?.[SCHEDULER_ANNOTATION]
  return s && VALID_SCHEDULERS.has(s) ? s : 'rr'
}

export function isDsrService(svc: ServiceObject): boolean {
  return svc.metadata.annotations?.[DSR_ANNOTATION] === 'tunnel'
}

/** externalIPs and LB ingress IPs (ipMode Proxy and skiplbips excluded), canonical. */
export function externalAndLbIps(svc: ServiceObject): {ip: string; kind: 'external-ip' | 'load-balancer-ip'}[] {
  const out: {ip: string; kind: 'external-ip' | 'load-balancer-ip'}[] = []
  for (const ip of svc.spec?.externalIPs ?? []) if (parseIp(ip)) out.push({ip: canonicalIp(ip), kind: 'external-ip'})
  const skipLb = 'kube-router.io/service.skiplbips' in (svc.metadata.annotations ?? {})
  if (!skipLb) {
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
      if (ing.ip && ing.ipMode !== 'Proxy' && parseIp(ing.ip)) out.push({ip: canonicalIp(ing.ip), kind: 'load-balancer-ip'})
    }
  }
  return out
}

function inRanges(ip: string, ranges: string[]): boolean {
  const parsed = parseIp(ip)
  if (!parsed) return false
  return ranges.some((r) => {
    const p = parsePrefix(r)
    return p !== null && prefixContains(p, parsed)
  })
}

/** Strict external-IP validation (BEHAVIOUR_CHANGES, kube-router-facts "Other failure modes" 1). */
export function rejectedByStrictValidation(ip: string, kind: 'external-ip' | 'load-balancer-ip', config: KubeRouterConfig, version: Version | null): boolean {
  if (!version || !hasBehaviour(version, 'strict-external-ip-validation') || !config.strictExternalIpValidation) return false
  const ranges = kind === 'external-ip' ? config.serviceExternalIpRanges : config.loadBalancerIpRanges
  return !inRanges(ip, ranges) || inRanges(ip, config.serviceClusterIpRanges)
}

/**
 * The flags to judge a cluster by: the DaemonSet's, or kube-router's defaults with strict external-IP validation
 * off. Without the DaemonSet the ranges validation checks against are unknown, and assuming empty ones would call
 * every DSR IP rejected on nodes that show it programmed (accuracy-audit.md §1.2 s12).
 */
export function judgedConfig(config: KubeRouterConfig | null): KubeRouterConfig {
  return config ?? {...defaultKubeRouterConfig(), strictExternalIpValidation: false}
}

/** The DSR tuples of one Service: one per (external/LB IP, Service port); none unless DSR and proxied. */
export function dsrTuplesOf(cluster: ClusterObjects, svc: ServiceObject, config: KubeRouterConfig, version: Version | null): DsrTuple[] {
  if (!isDsrService(svc) || !isProxiedService(svc)) return []
  const out: DsrTuple[] = []
  const externalTrafficPolicyLocal = isExternalTrafficLocal(svc)
  const readyEndpointNodes = [...new Set(readyEndpoints(cluster, svc).map((e) => e.nodeName).filter((n): n is string => n !== null))]
  for (const {ip, kind} of externalAndLbIps(svc)) {
    const family = parseIp(ip)!.family
    for (const port of svc.spec?.ports ?? []) {
      const protocol = (port.protocol ?? 'TCP').toLowerCase() as DsrTuple['protocol']
      out.push({
        service: serviceKey(svc), ip, family, protocol, port: port.port,
        targetPort: port.targetPort ?? null,
        fwmark: dsrFwmark(ip, protocol, port.port),
        scheduler: schedulerOf(svc),
        rejectedByValidation: rejectedByStrictValidation(ip, kind, config, version),
        externalTrafficPolicyLocal,
        readyEndpointNodes,
      })
    }
  }
  return out
}

export function dsrTuples(cluster: ClusterObjects, config: KubeRouterConfig, version: Version | null): DsrTuple[] {
  return cluster.services.flatMap((svc) => dsrTuplesOf(cluster, svc, config, version))
}

export function slicesOf(cluster: ClusterObjects, svc: ServiceObject): EndpointSliceObject[] {
  const ns = svc.metadata.namespace ?? 'default'
  return cluster.endpointSlices.filter(
    (s) => (s.metadata.namespace ?? 'default') === ns && s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name,
  )
}

export function readyEndpoints(cluster: ClusterObjects, svc: ServiceObject): {address: string; nodeName: string | null}[] {
  const out: {address: string; nodeName: string | null}[] = []
  for (const slice of slicesOf(cluster, svc)) {
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue
      for (const address of ep.addresses) out.push({address, nodeName: ep.nodeName ?? null})
    }
  }
  return out
}
