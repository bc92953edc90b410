// kube-router's strict external-IP validation (v2.8.0+, BEHAVIOUR_CHANGES 'strict-external-ip-validation';
// pkg/svcip/validator.go FilterExternalIPs / FilterLoadBalancerIPs @ v2.8.0-v2.11.1, unchanged): with
// --strict-external-ip-validation (default true) an externalIP must lie in a --service-external-ip-range and a
// LoadBalancer IP in a --loadbalancer-ip-range, and neither may lie in a --service-cluster-ip-range; with no range
// of the kind configured every such IP is rejected. Rejected IPs are not programmed, and each rejection is logged
// as a warning ("Service ns/name: rejecting externalIP …").
import {parseIp, parsePrefix, prefixContains} from '../model/ip.js'
import type {KubeRouterConfig} from '../model/kube-router-config.js'
import type {LogLine} from '../model/types.js'

export type IpKind = 'external-ip' | 'load-balancer-ip'

export const KIND_FLAG: Record<IpKind, string> = {'external-ip': '--service-external-ip-range', 'load-balancer-ip': '--loadbalancer-ip-range'}

function inRanges(ip: string, ranges: string[]): boolean {
  const addr = parseIp(ip)
  return addr !== null && ranges.some((r) => {
    const p = parsePrefix(r)
    return p !== null && prefixContains(p, addr)
  })
}

/** Why the validator rejects the IP under `config`, or null when it accepts it. */
export function rejection(ip: string, kind: IpKind, config: KubeRouterConfig): string | null {
  if (!config.strictExternalIpValidation) return null
  const ranges = kind === 'external-ip' ? config.serviceExternalIpRanges : config.loadBalancerIpRanges
  if (ranges.length === 0) return `no ${KIND_FLAG[kind]} is configured (strict mode default-deny)`
  if (!parseIp(ip)) return 'not a valid IP address'
  if (inRanges(ip, config.serviceClusterIpRanges)) return 'conflicts with cluster IP range'
  if (!inRanges(ip, ranges)) return `not within any configured ${KIND_FLAG[kind]}`
  return null
}

export interface LoggedRejection {
  service: string
  kind: IpKind
  /** the IP, or null for "rejecting all N …" lines */
  ip: string | null
  reason: string
  line: LogLine
}

const ONE = /Service (\S+): rejecting (externalIP|loadBalancerIP) "?(\S+?)"?: (.+)$/
const ALL = /Service (\S+): rejecting all \d+ (externalIPs|loadBalancerIPs) because (.+)$/

export function loggedRejections(log: LogLine[]): LoggedRejection[] {
  const out: LoggedRejection[] = []
  for (const line of log) {
    const one = ONE.exec(line.message)
    if (one) {
      out.push({service: one[1], kind: one[2] === 'externalIP' ? 'external-ip' : 'load-balancer-ip', ip: one[3], reason: one[4], line})
      continue
    }
    const all = ALL.exec(line.message)
    if (all) out.push({service: all[1], kind: all[2] === 'externalIPs' ? 'external-ip' : 'load-balancer-ip', ip: null, reason: all[3], line})
  }
  return out
}
