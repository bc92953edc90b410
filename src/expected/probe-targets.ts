// What the probe curls from the node itself (vip-reachability, apiserver-reachability).
// DSR VIPs are left out: from a node or pod they are not a reliable probe (kube-router-facts FM1 traps, other modes 8).
import {canonicalIp, parseIp} from '../model/ip.js'
import {clusterIpIsNodeLocal, isDsrService, isProxiedService, readyEndpoints, serviceKey, slicesOf} from './services.js'
import type {ClusterObjects, Family, IpvsState, Version} from '../model/types.js'

export interface ProbeTarget {
  kind: 'service-vip' | 'apiserver'
  family: Family
  address: string
  port: number
  service: string | null
}

export const MAX_SERVICE_TARGETS = 48

export function apiserverTargets(cluster: ClusterObjects): ProbeTarget[] {
  const out: ProbeTarget[] = []
  const svc = cluster.services.find((s) => s.metadata.name === 'kubernetes' && (s.metadata.namespace ?? 'default') === 'default')
  if (!svc) return out
  const port = svc.spec?.ports?.find((p) => (p.protocol ?? 'TCP') === 'TCP')?.port ?? 443
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : []
  for (const ip of ips) {
    const p = parseIp(ip)
    if (p) out.push({kind: 'apiserver', family: p.family, address: canonicalIp(ip), port, service: 'default/kubernetes'})
  }
  for (const slice of slicesOf(cluster, svc)) {
    const epPort = slice.ports?.find((p) => (p.protocol ?? 'TCP') === 'TCP')?.port
    if (!epPort) continue
    for (const ep of slice.endpoints ?? []) {
      for (const address of ep.addresses) {
        const p = parseIp(address)
        if (p) out.push({kind: 'apiserver', family: p.family, address: canonicalIp(address), port: epPort, service: null})
      }
    }
  }
  return dedupe(out)
}

/**
 * The ClusterIPs to curl from `nodeName`. `version` (kube-router's, when known before probing: the DaemonSet image
 * tag) decides which Services keep their ClusterIP node-local (clusterIpIsNodeLocal, accuracy-audit.md §1.5); the
 * vip-reachability check applies the same rule again with the version the node reports.
 `namespace` limits them to that namespace's Services (doctor -n).
 */
export function serviceVipTargets(cluster: ClusterObjects, nodeName: string, version: Version | null = null, namespace: string | null = null): ProbeTarget[] {
  const out: ProbeTarget[] = []
  for (const svc of cluster.services) {
    if (namespace !== null && (svc.metadata.namespace ?? 'default') !== namespace) continue
    if (!isProxiedService(svc) || isDsrService(svc)) continue
    if (svc.metadata.name === 'kubernetes' && (svc.metadata.namespace ?? 'default') === 'default') continue
    const port = svc.spec?.ports?.find((p) => (p.protocol ?? 'TCP') === 'TCP')?.port
    if (!port) continue
    const endpoints = readyEndpoints(cluster, svc)
    if (endpoints.length === 0) continue // no ready endpoints: an IPVS service without destinations is expected to refuse
    if (clusterIpIsNodeLocal(svc, version) && !endpoints.some((e) => e.nodeName === nodeName)) continue
    const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : []
    for (const ip of ips) {
      const p = parseIp(ip)
      if (p) out.push({kind: 'service-vip', family: p.family, address: canonicalIp(ip), port, service: serviceKey(svc)})
    }
  }
  return dedupe(out).slice(0, MAX_SERVICE_TARGETS)
}

/** Local mode without cluster objects: the TCP virtual services IPVS holds for addresses on kube-dummy-if. */
export function targetsFromIpvs(ipvs: IpvsState, dummyVips: string[]): ProbeTarget[] {
  const vips = new Set(dummyVips.map(canonicalIp))
  const out: ProbeTarget[] = []
  for (const s of ipvs.services) {
    if (s.protocol !== 'TCP' || !s.address || s.port === null || !vips.has(canonicalIp(s.address))) continue
    if (s.destinations.length === 0) continue
    const p = parseIp(s.address)
    if (p) out.push({kind: 'service-vip', family: p.family, address: canonicalIp(s.address), port: s.port, service: null})
  }
  return dedupe(out).slice(0, MAX_SERVICE_TARGETS)
}

function dedupe(targets: ProbeTarget[]): ProbeTarget[] {
  const seen = new Set<string>()
  return targets.filter((t) => {
    const key = `${t.kind}|${t.address}|${t.port}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
