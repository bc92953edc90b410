// kube-router's flags as the DaemonSet passes them, with kube-router's defaults
// (kube-router-facts.md §7.1, pkg/options/options.go @ v2.11.1). pflag syntax: `--f=v`, `--f v`;
// booleans only as bare `--f` or `--f=false`; slice flags take comma lists or repetition.
import type {DaemonSetContainer, DaemonSetObject} from './types.js'

export interface KubeRouterConfig {
  runRouter: boolean
  runFirewall: boolean
  runServiceProxy: boolean
  runLoadBalancer: boolean
  enableIpv4: boolean
  enableIpv6: boolean
  enableOverlay: boolean
  overlayType: string
  /** --overlay-encap: ipip (default) or fou */
  overlayEncap: string
  bgpGracefulRestart: boolean
  ipvsPermitAll: boolean
  serviceClusterIpRanges: string[]
  serviceExternalIpRanges: string[]
  loadBalancerIpRanges: string[]
  strictExternalIpValidation: boolean
  excludedCidrs: string[]
  runtimeEndpoint: string
  hostnameOverride: string | null
  /** flags that were given explicitly (name without dashes) */
  explicit: Set<string>
}

const BOOLEAN_FLAGS: Record<string, keyof KubeRouterConfig> = {
  'run-router': 'runRouter',
  'run-firewall': 'runFirewall',
  'run-service-proxy': 'runServiceProxy',
  'run-loadbalancer': 'runLoadBalancer',
  'enable-ipv4': 'enableIpv4',
  'enable-ipv6': 'enableIpv6',
  'enable-overlay': 'enableOverlay',
  'bgp-graceful-restart': 'bgpGracefulRestart',
  'ipvs-permit-all': 'ipvsPermitAll',
  'strict-external-ip-validation': 'strictExternalIpValidation',
}

const LIST_FLAGS: Record<string, keyof KubeRouterConfig> = {
  'service-cluster-ip-range': 'serviceClusterIpRanges',
  'service-external-ip-range': 'serviceExternalIpRanges',
  'loadbalancer-ip-range': 'loadBalancerIpRanges',
  'excluded-cidrs': 'excludedCidrs',
}

const STRING_FLAGS: Record<string, keyof KubeRouterConfig> = {
  'overlay-type': 'overlayType',
  'overlay-encap': 'overlayEncap',
  'runtime-endpoint': 'runtimeEndpoint',
  'hostname-override': 'hostnameOverride',
}

export function defaultKubeRouterConfig(): KubeRouterConfig {
  return {
    runRouter: true,
    runFirewall: true,
    runServiceProxy: true,
    runLoadBalancer: false,
    enableIpv4: true,
    enableIpv6: false,
    enableOverlay: true,
    overlayType: 'subnet',
    overlayEncap: 'ipip',
    bgpGracefulRestart: false,
    ipvsPermitAll: true,
    serviceClusterIpRanges: ['10.96.0.0/12'],
    serviceExternalIpRanges: [],
    loadBalancerIpRanges: [],
    strictExternalIpValidation: true,
    excludedCidrs: [],
    runtimeEndpoint: '',
    hostnameOverride: null,
    explicit: new Set(),
  }
}

function parseBool(value: string): boolean | null {
  const v = value.toLowerCase()
  if (['true', '1', 't', 'yes'].includes(v)) return true
  if (['false', '0', 'f', 'no'].includes(v)) return false
  return null
}

export function parseKubeRouterArgs(args: string[]): KubeRouterConfig {
  const config = defaultKubeRouterConfig()
  const lists = new Map<string, string[]>()
  const cfg = config as unknown as Record<string, unknown>
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (!arg.startsWith('-')) continue
    const body = arg.replace(/^--?/, '')
    const eq = body.indexOf('=')
    const name = eq >= 0 ? body.slice(0, eq) : body
    const inline = eq >= 0 ? body.slice(eq + 1) : null
    if (name in BOOLEAN_FLAGS) {
      const value = inline === null ? true : parseBool(inline)
      if (value !== null) cfg[BOOLEAN_FLAGS[name]] = value
      config.explicit.add(name)
      continue
    }
    const takeValue = (): string | null => {
      if (inline !== null) return inline
      const next = args[i + 1]
      if (next === undefined || next.startsWith('--')) return null
      i++
      return next
    }
    if (name in LIST_FLAGS) {
      const value = takeValue()
      if (value === null) continue
      const items = value.split(',').map((s) => s.trim()).filter(Boolean)
      lists.set(name, [...(lists.get(name) ?? []), ...items])
      config.explicit.add(name)
    } else if (name in STRING_FLAGS) {
      const value = takeValue()
      if (value !== null) cfg[STRING_FLAGS[name]] = value
      config.explicit.add(name)
    }
  }
  for (const [name, items] of lists) cfg[LIST_FLAGS[name]] = items
  return config
}

export interface KubeRouterDeployment {
  image: string | null
  args: string[]
  namespace: string | null
}

/** The kube-router container of the DaemonSet (named kube-router, else the one whose image mentions kube-router). */
export function kubeRouterDeployment(ds: DaemonSetObject | null): KubeRouterDeployment {
  const container = kubeRouterContainer(ds)
  if (!container) return {image: null, args: [], namespace: ds?.metadata.namespace ?? null}
  const command = container.command ?? []
  const args = [...command.slice(1).filter((a) => a.startsWith('-')), ...(container.args ?? [])]
  return {image: container.image ?? null, args, namespace: ds?.metadata.namespace ?? null}
}

/** The kube-router container of the DaemonSet: named kube-router, else the one whose image mentions kube-router, else the first. */
export function kubeRouterContainer(ds: DaemonSetObject | null): DaemonSetContainer | null {
  const containers = ds?.spec?.template?.spec?.containers ?? []
  return containers.find((c) => c.name === 'kube-router') ?? containers.find((c) => (c.image ?? '').includes('kube-router')) ?? containers[0] ?? null
}
