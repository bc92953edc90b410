// The ordered registry of checks (CONTRACT.md §4). Ids are stable once published.
import type {Check} from './define.js'
import {kubeRouterVersion} from './kube-router-version.js'
import {dsrProgramming} from './dsr-programming.js'
import {dsrRouteNoise} from './dsr-route-noise.js'
import {ipv6VipRoutes} from './ipv6-vip-routes.js'
import {vipReachability} from './vip-reachability.js'
import {localIpsIpset} from './local-ips-ipset.js'
import {apiserverReachability} from './apiserver-reachability.js'
import {networkdForeignRules} from './networkd-foreign-rules.js'
import {policyRoutingRules} from './policy-routing-rules.js'
import {dsrSloppyTcp} from './dsr-sloppy-tcp.js'
import {kubeRouterPresent} from './kube-router-present.js'
import {iptablesBackend} from './iptables-backend.js'
import {kubeProxyLeftovers} from './kube-proxy-leftovers.js'
import {podRoutes} from './pod-routes.js'
import {serviceCidr} from './service-cidr.js'
import {podCidr} from './pod-cidr.js'
import {mtu} from './mtu.js'
import {hairpin} from './hairpin.js'
import {nodeIpsIpset} from './node-ips-ipset.js'
import {netpolSync} from './netpol-sync.js'
import {externalIpValidation} from './external-ip-validation.js'
import {kubeRouterLog} from './kube-router-log.js'
import {kubeRouterPods} from './kube-router-pods.js'

export const CHECKS: readonly Check[] = [
  kubeRouterVersion,
  dsrProgramming,
  dsrRouteNoise,
  ipv6VipRoutes,
  vipReachability,
  localIpsIpset,
  apiserverReachability,
  networkdForeignRules,
  policyRoutingRules,
  dsrSloppyTcp,
  kubeRouterPresent,
  iptablesBackend,
  kubeProxyLeftovers,
  podRoutes,
  serviceCidr,
  podCidr,
  mtu,
  hairpin,
  nodeIpsIpset,
  netpolSync,
  externalIpValidation,
  kubeRouterLog,
  kubeRouterPods,
]

export const CHECK_IDS: readonly string[] = CHECKS.map((c) => c.id)

export class UnknownCheckError extends Error {}

/** --check and --skip together leave nothing to run: a usage error (exit 2), never an empty green report. */
export class NoCheckSelectedError extends UnknownCheckError {}

/** The checks to run given --check and --skip (both repeatable); unknown ids are an error naming the valid ones. */
export function selectChecks(only: string[], skip: string[]): Check[] {
  for (const id of [...only, ...skip]) {
    if (!CHECK_IDS.includes(id)) throw new UnknownCheckError(`unknown check id "${id}"; valid ids: ${CHECK_IDS.join(', ')}`)
  }
  const selected = CHECKS.filter((c) => (only.length === 0 || only.includes(c.id)) && !skip.includes(c.id))
  if (selected.length === 0) {
    throw new NoCheckSelectedError(`--check ${only.join(',') || '(all)'} and --skip ${skip.join(',')} leave no check to run; drop a --skip or pick another --check`)
  }
  return selected
}
