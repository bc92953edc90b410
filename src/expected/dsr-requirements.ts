// What a Service and the kube-router DaemonSet need for DSR to work, judged from the API objects alone
// (kube-router-facts.md §3.2, the operator checklist; §3.1 for the mechanics; accuracy-audit.md §2 for the version
// ranges, which live in version-matrix.ts only). One ordered list: `dsr status` shows it, `dsr enable` refuses on a
// failed requirement that `blocksEnable`. Pure: objects in, requirements out.
import {parseIp, canonicalIp} from '../model/ip.js'
import {kubeRouterContainer, type KubeRouterConfig} from '../model/kube-router-config.js'
import {DSR_ANNOTATION, externalAndLbIps, isExternalTrafficLocal, isProxiedService, readyEndpoints, rejectedByStrictValidation, schedulerOf, slicesOf} from './services.js'
import {compareVersions, parseVersionText} from '../parsers/kube-router-version.js'
import {BEHAVIOUR_CHANGES, bugsAffecting, hasBehaviour, isAffectedBy, knownBug} from './version-matrix.js'
import type {DsrRequirement, DsrRequirementId, RequirementSeverity, RequirementStatus} from '../model/dsr-status.js'
import type {ClusterObjects, DaemonSetObject, ServiceObject, Version} from '../model/types.js'

export interface DsrRequirementInput {
  cluster: ClusterObjects
  service: ServiceObject
  /** kube-router's flags from the DaemonSet; null when no DaemonSet was found */
  config: KubeRouterConfig | null
  /** the kube-router version (image tag or node); null when unknown */
  version: Version | null
}

const MANAGERS: {label: string; value?: string; who: string}[] = [
  {label: 'app.kubernetes.io/managed-by', value: 'Helm', who: 'Helm'},
  {label: 'argocd.argoproj.io/instance', who: 'Argo CD'},
  // Argo CD's default resource tracking (annotation) since 3.0; the label above is the older default
  {label: 'argocd.argoproj.io/tracking-id', who: 'Argo CD'},
  {label: 'kustomize.toolkit.fluxcd.io/name', who: 'Flux'},
  {label: 'helm.toolkit.fluxcd.io/name', who: 'Flux'},
]
const MANAGED_FIELD_MANAGERS: {pattern: RegExp; who: string}[] = [
  {pattern: /^helm/i, who: 'Helm'},
  {pattern: /^argocd/i, who: 'Argo CD'},
  {pattern: /^(kustomize-controller|helm-controller|flux)/i, who: 'Flux'},
]

/** The rt_tables files kube-router looks for, first found wins (kube-router-facts.md §2.3). */
const RT_TABLES_FILES = ['/etc/iproute2/rt_tables', '/usr/lib/iproute2/rt_tables', '/usr/share/iproute2/rt_tables']

function req(
  id: DsrRequirementId,
  title: string,
  severity: RequirementSeverity,
  blocksEnable: boolean,
  status: RequirementStatus,
  evidence: string[],
  fix: string[] = [],
): DsrRequirement {
  return {id, title, status, severity, blocking: severity === 'error', blocksEnable: severity === 'error' && blocksEnable, evidence, fix: status === 'pass' ? [] : fix}
}

function nsName(svc: ServiceObject): {ns: string; name: string} {
  return {ns: svc.metadata.namespace ?? 'default', name: svc.metadata.name}
}

/** §3.2: the annotation must be present with the value `tunnel`; anything else is not DSR-programmed. */
function annotation(svc: ServiceObject): DsrRequirement {
  const {ns, name} = nsName(svc)
  const value = svc.metadata.annotations?.[DSR_ANNOTATION]
  const fix = [`kubectl annotate service -n ${ns} ${name} ${DSR_ANNOTATION}=tunnel --overwrite`]
  const title = `annotation ${DSR_ANNOTATION}=tunnel`
  if (value === 'tunnel') return req('dsr-annotation', title, 'error', false, 'pass', [`${DSR_ANNOTATION}: tunnel`])
  if (value === undefined) return req('dsr-annotation', title, 'error', false, 'fail', [`no ${DSR_ANNOTATION} annotation: the Service is not DSR`], fix)
  return req('dsr-annotation', title, 'error', false, 'fail', [`${DSR_ANNOTATION}: ${value} (misconfigured: only "tunnel" enables DSR; kube-router ignores other values)`], fix)
}

/** §3.2: DSR applies only to externalIPs and LoadBalancer ingress IPs (ipMode Proxy and skiplbips excluded). */
function externalIps(svc: ServiceObject): DsrRequirement {
  const {ns, name} = nsName(svc)
  const ips = externalAndLbIps(svc)
  const evidence = ips.map((i) => `${i.kind === 'external-ip' ? 'spec.externalIPs' : 'status.loadBalancer.ingress'}: ${i.ip}`)
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip && ing.ipMode === 'Proxy') evidence.push(`status.loadBalancer.ingress: ${ing.ip} skipped (ipMode: Proxy)`)
    else if (!ing.ip && ing.hostname) evidence.push(`status.loadBalancer.ingress: hostname ${ing.hostname} skipped (DSR needs an IP)`)
  }
  if ('kube-router.io/service.skiplbips' in (svc.metadata.annotations ?? {}) && (svc.status?.loadBalancer?.ingress ?? []).length > 0) {
    evidence.push('LoadBalancer IPs skipped: kube-router.io/service.skiplbips is set')
  }
  const title = 'external or LoadBalancer IPs present'
  if (!isProxiedService(svc)) {
    return req('external-ips', title, 'error', true, 'fail', [...evidence, 'kube-router does not proxy this Service (headless, no cluster IP, ExternalName, or another service-proxy-name): nothing is programmed'], [
      'give the Service a cluster IP and no service.kubernetes.io/service-proxy-name label other than kube-router',
    ])
  }
  if (ips.length > 0) return req('external-ips', title, 'error', true, 'pass', evidence)
  return req('external-ips', title, 'error', true, 'fail', evidence.length ? evidence : ['no spec.externalIPs and no status.loadBalancer.ingress IP: ClusterIP and NodePort are never DSR'], [
    `kubectl patch service -n ${ns} ${name} --type merge -p '{"spec":{"externalIPs":["<IP>"]}}'   (or make it type LoadBalancer with an IP from your load-balancer controller)`,
  ])
}

/** §3.2 (docs/dsr.md): DSR cannot remap ports; a named targetPort is resolved through the EndpointSlice ports. */
function portsMatch(cluster: ClusterObjects, svc: ServiceObject): DsrRequirement {
  const title = 'port equals targetPort on every port'
  const evidence: string[] = []
  const wrong: string[] = []
  let unresolved = false
  const slices = slicesOf(cluster, svc)
  for (const p of svc.spec?.ports ?? []) {
    const label = `port ${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol ?? 'TCP'}`
    const target = p.targetPort ?? p.port
    if (typeof target === 'number') {
      evidence.push(`${label} -> targetPort ${target}`)
      if (target !== p.port) wrong.push(`${p.name || p.port}: targetPort ${target} -> ${p.port}`)
      continue
    }
    const numeric = /^\d+$/.test(target) ? Number(target) : null
    if (numeric !== null) {
      evidence.push(`${label} -> targetPort ${target}`)
      if (numeric !== p.port) wrong.push(`${p.name || p.port}: targetPort ${target} -> ${p.port}`)
      continue
    }
    const resolved = [...new Set(slices.flatMap((s) => (s.ports ?? []).filter((sp) => (sp.name ?? '') === (p.name ?? '') && sp.port !== undefined).map((sp) => sp.port!)))]
    if (resolved.length === 0) {
      unresolved = true
      evidence.push(`${label} -> targetPort "${target}" (named; no EndpointSlice port resolves it)`)
    } else {
      evidence.push(`${label} -> targetPort "${target}" = ${resolved.join(', ')} (EndpointSlice)`)
      if (resolved.some((r) => r !== p.port)) wrong.push(`${p.name || p.port}: the container port named "${target}" (${resolved.join(', ')}) -> ${p.port}`)
    }
  }
  if (wrong.length) {
    return req('port-equals-target-port', title, 'error', true, 'fail', evidence, [
      `DSR cannot remap ports: make the Service port equal to the container port (${wrong.join('; ')}), or make the container listen on the Service port`,
    ])
  }
  if (unresolved) return req('port-equals-target-port', title, 'error', true, 'unknown', evidence, ['check that the named targetPort resolves to the Service port (no ready endpoint to read it from)'])
  return req('port-equals-target-port', title, 'error', true, 'pass', evidence.length ? evidence : ['no ports'])
}

/** §3.2: a hostNetwork endpoint pod makes kube-router skip the whole Service (v2.1.1+, "DSR does not work with
 * hostNetwork: true pods"). Pods are not read here: a hostNetwork pod shows as an endpoint at its node's IP. */
function hostNetwork(cluster: ClusterObjects, svc: ServiceObject): DsrRequirement {
  const title = 'no hostNetwork endpoint pod'
  const nodeIps = new Map<string, string>()
  for (const n of cluster.nodes) for (const a of n.status?.addresses ?? []) if (parseIp(a.address)) nodeIps.set(canonicalIp(a.address), n.metadata.name)
  const onNodeIp = readyEndpoints(cluster, svc).filter((e) => parseIp(e.address) && nodeIps.has(canonicalIp(e.address)))
  if (onNodeIp.length) {
    return req('no-host-network-endpoints', title, 'error', true, 'fail',
      onNodeIp.map((e) => `endpoint ${e.address} is the address of node ${nodeIps.get(canonicalIp(e.address))}: a hostNetwork pod (kube-router skips the Service: "DSR does not work with hostNetwork: true pods")`),
      ['run the endpoint pods without hostNetwork: true, or do not use DSR for this Service'])
  }
  // A hostNetwork pod's IP is its node's IP, which the Node lists among its addresses: an endpoint on a listed node
  // (with addresses) at none of them is a pod with its own network namespace.
  const endpoints = readyEndpoints(cluster, svc)
  const addressesOf = (node: string | null) => (node === null ? [] : (cluster.nodes.find((n) => n.metadata.name === node)?.status?.addresses ?? []))
  const unplaced = endpoints.filter((e) => addressesOf(e.nodeName).length === 0)
  if (endpoints.length > 0 && unplaced.length === 0) {
    return req('no-host-network-endpoints', title, 'error', true, 'pass', [
      `${endpoints.length === 1 ? 'the ready endpoint is' : `all ${endpoints.length} ready endpoints are`} on listed nodes at none of their addresses: no hostNetwork pod`,
    ])
  }
  return req('no-host-network-endpoints', title, 'error', true, 'unknown', [
    endpoints.length === 0
      ? 'no ready endpoint yet: a hostNetwork endpoint pod would show only once it is ready'
      : `${unplaced.map((e) => `${e.address} (${e.nodeName === null ? 'no nodeName' : `node ${e.nodeName} not listed or without addresses`})`).join(', ')}: cannot tell a hostNetwork pod from its address`,
  ], [`check the Service's pods: kubectl get pods -n ${nsName(svc).ns}${selectorOf(svc)} -o custom-columns=NAME:.metadata.name,HOSTNETWORK:.spec.hostNetwork`])
}

function selectorOf(svc: ServiceObject): string {
  const sel = Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
  return sel ? ` -l '${sel}'` : ''
}

/** §3.2 and BEHAVIOUR_CHANGES: v2.8.0+ with --strict-external-ip-validation (default) drops IPs outside
 * --service-external-ip-range / --loadbalancer-ip-range or inside the cluster IP range. */
function ipRanges(svc: ServiceObject, config: KubeRouterConfig | null, version: Version | null): DsrRequirement {
  const title = 'IPs inside --service-external-ip-range / --loadbalancer-ip-range (strict validation)'
  const ips = externalAndLbIps(svc)
  if (ips.length === 0) return req('ips-in-allowed-ranges', title, 'error', true, 'pass', ['no external or LoadBalancer IP to validate'])
  if (!config) return req('ips-in-allowed-ranges', title, 'error', true, 'unknown', ['kube-router DaemonSet not found: its ranges are unknown'], ['check the DaemonSet args for --service-external-ip-range / --loadbalancer-ip-range'])
  if (version && !hasBehaviour(version, 'strict-external-ip-validation')) {
    return req('ips-in-allowed-ranges', title, 'error', true, 'pass', [`kube-router ${version.text}: no strict external-IP validation before ${BEHAVIOUR_CHANGES['strict-external-ip-validation'].since}`])
  }
  if (!config.strictExternalIpValidation) return req('ips-in-allowed-ranges', title, 'error', true, 'pass', ['--strict-external-ip-validation=false'])
  const ranges = [
    `--service-external-ip-range: ${config.serviceExternalIpRanges.join(',') || '(none)'}`,
    `--loadbalancer-ip-range: ${config.loadBalancerIpRanges.join(',') || '(none)'}`,
  ]
  // with the version unknown, judge as v2.8.0+ would, and say the verdict depends on it
  const judged = version ?? {major: 2, minor: 8, patch: 0, suffix: '', text: BEHAVIOUR_CHANGES['strict-external-ip-validation'].since}
  const dropped = ips.filter((i) => rejectedByStrictValidation(i.ip, i.kind, config, judged))
  const fix = dropped.map((i) =>
    `add --${i.kind === 'external-ip' ? 'service-external-ip-range' : 'loadbalancer-ip-range'}=${i.ip}/${parseIp(i.ip)!.family === 4 ? 32 : 128} (or a range holding it) to the kube-router DaemonSet args`)
  if (dropped.length === 0) return req('ips-in-allowed-ranges', title, 'error', true, 'pass', [...ranges, ...ips.map((i) => `${i.ip}: inside`)])
  const evidence = [...ranges, ...dropped.map((i) => `${i.ip}: outside the ${i.kind === 'external-ip' ? 'external-IP' : 'LoadBalancer'} ranges (or inside the cluster IP range): dropped`)]
  if (!version) return req('ips-in-allowed-ranges', title, 'error', true, 'unknown', [...evidence, `kube-router version unknown: dropped only from ${BEHAVIOUR_CHANGES['strict-external-ip-validation'].since} on`], fix)
  return req('ips-in-allowed-ranges', title, 'error', true, 'fail', evidence, fix)
}

function noDaemonSet(id: DsrRequirementId, title: string): DsrRequirement {
  return req(id, title, 'error', true, 'unknown', ['kube-router DaemonSet not found (looked for k8s-app=kube-router in kube-system, then an image named kube-router)'], [])
}

/** §7.1: DSR is programmed by the service proxy controller. */
function serviceProxy(ds: DaemonSetObject | null, config: KubeRouterConfig | null): DsrRequirement {
  const title = 'kube-router runs the service proxy (--run-service-proxy)'
  if (!ds || !config) return noDaemonSet('service-proxy', title)
  if (config.runServiceProxy) return req('service-proxy', title, 'error', true, 'pass', [config.explicit.has('run-service-proxy') ? '--run-service-proxy=true' : '--run-service-proxy not given (default true)'])
  return req('service-proxy', title, 'error', true, 'fail', ['--run-service-proxy=false'], [`set --run-service-proxy=true in the DaemonSet args: kubectl -n ${ds.metadata.namespace ?? 'kube-system'} edit ds/${ds.metadata.name}`])
}

/** §3.2 (DSR manifest): hostPID and hostIPC, so kube-router can enter each endpoint pod's network namespace. */
function hostPidIpc(ds: DaemonSetObject | null): DsrRequirement {
  const title = 'DaemonSet has hostPID and hostIPC'
  if (!ds) return noDaemonSet('host-pid-ipc', title)
  const spec = ds.spec?.template?.spec
  const evidence = [`hostPID: ${spec?.hostPID === true}`, `hostIPC: ${spec?.hostIPC === true}`]
  const missing = [spec?.hostPID === true ? null : '"hostPID":true', spec?.hostIPC === true ? null : '"hostIPC":true'].filter((m): m is string => m !== null)
  if (missing.length === 0) return req('host-pid-ipc', title, 'error', true, 'pass', evidence)
  return req('host-pid-ipc', title, 'error', true, 'fail', evidence, [
    `kubectl -n ${ds.metadata.namespace ?? 'kube-system'} patch ds/${ds.metadata.name} --type merge -p '{"spec":{"template":{"spec":{${missing.join(',')}}}}}'`,
  ])
}

function mountCovering(ds: DaemonSetObject, path: string): {mountPath: string; hostPath: string | null; readOnly: boolean} | null {
  const container = kubeRouterContainer(ds)
  const volumes = ds.spec?.template?.spec?.volumes ?? []
  let best: {mountPath: string; hostPath: string | null; readOnly: boolean} | null = null
  for (const m of container?.volumeMounts ?? []) {
    const mp = m.mountPath.replace(/\/+$/, '') || '/'
    if (!(path === mp || path.startsWith(mp === '/' ? '/' : `${mp}/`))) continue
    if (best && best.mountPath.length >= mp.length) continue
    best = {mountPath: mp, hostPath: volumes.find((v) => v.name === m.name)?.hostPath?.path ?? null, readOnly: m.readOnly === true}
  }
  return best
}

/** §3.2: containerd / cri-o need --runtime-endpoint and the socket's directory mounted; Docker uses its socket. */
function containerRuntime(ds: DaemonSetObject | null, config: KubeRouterConfig | null): DsrRequirement {
  const title = 'container runtime reachable: --runtime-endpoint with its socket directory mounted (or the Docker socket)'
  if (!ds || !config) return noDaemonSet('container-runtime', title)
  const where = `kubectl -n ${ds.metadata.namespace ?? 'kube-system'} edit ds/${ds.metadata.name}`
  const endpoint = config.runtimeEndpoint
  if (endpoint) {
    const socket = endpoint.replace(/^unix:\/\//, '')
    const evidence = [`--runtime-endpoint=${endpoint}`]
    if (!socket.startsWith('/')) return req('container-runtime', title, 'error', true, 'unknown', [...evidence, 'not a unix socket path: cannot tell whether it is reachable'], [])
    const dir = socket.slice(0, socket.lastIndexOf('/')) || '/'
    const mount = mountCovering(ds, socket)
    if (mount?.hostPath) {
      return req('container-runtime', title, 'error', true, 'pass', [...evidence, `${mount.mountPath} mounted from host ${mount.hostPath}`])
    }
    return req('container-runtime', title, 'error', true, 'fail', [...evidence, `no hostPath volume mounted at ${dir} (or above it): the socket is not in the container`], [
      `mount the socket's directory: add a hostPath volume {"name":"cri-socket","hostPath":{"path":"${dir}"}} and the mount {"name":"cri-socket","mountPath":"${dir}"} to the kube-router container (${where})`,
    ])
  }
  const dockerHost = kubeRouterContainer(ds)?.env?.find((e) => e.name === 'DOCKER_HOST')?.value
  const dockerSocket = (dockerHost ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '')
  const dockerMount = dockerSocket.startsWith('/') ? mountCovering(ds, dockerSocket) : null
  if (dockerMount?.hostPath) {
    return req('container-runtime', title, 'error', true, 'pass', [`no --runtime-endpoint; Docker socket ${dockerSocket} mounted from host ${dockerMount.hostPath}`])
  }
  return req('container-runtime', title, 'error', true, 'fail', [`no --runtime-endpoint and no Docker socket (${dockerSocket}) mounted: kube-router logs "runtimeEndpoint is not specified"`], [
    `add --runtime-endpoint=unix:///run/containerd/containerd.sock (cri-o: unix:///var/run/crio/crio.sock) to the kube-router args and mount that socket's directory as a hostPath (${where})`,
  ])
}

/** §2.3: kube-router appends `78 kube-router-dsr` (and 77, 79) to the first rt_tables file found, so it must be
 * writable; a read-only host file works only when the host file already has the entries. */
function rtTables(ds: DaemonSetObject | null): DsrRequirement {
  const title = 'an rt_tables file kube-router can write (host /etc/iproute2 mounted read-write)'
  if (!ds) return noDaemonSet('rt-tables', title)
  const container = kubeRouterContainer(ds)
  for (const file of RT_TABLES_FILES) {
    const mount = mountCovering(ds, file)
    if (!mount) continue
    const what = `${mount.mountPath} mounted from ${mount.hostPath ? `host ${mount.hostPath}` : 'a non-hostPath volume'}${mount.readOnly ? ' read-only' : ''}`
    if (!mount.readOnly) return req('rt-tables', title, 'error', true, 'pass', [what, `kube-router writes ${file}`])
    return req('rt-tables', title, 'error', true, 'unknown', [what, `kube-router cannot append to ${file}: DSR setup works only if the host file already has "78 kube-router-dsr" (and "77 kube-router", "79 external_ip")`], [
      `mount ${mount.mountPath} read-write (drop readOnly: true), or add the three lines to the host's rt_tables on every node`,
    ])
  }
  if (container?.securityContext?.readOnlyRootFilesystem === true) {
    return req('rt-tables', title, 'error', true, 'fail', ['no rt_tables mounted and readOnlyRootFilesystem: true: kube-router cannot write the image\'s copy'], [
      'mount the host\'s /etc/iproute2 read-write into the kube-router container (hostPath volume, mountPath /etc/iproute2)',
    ])
  }
  return req('rt-tables', title, 'error', true, 'pass', [
    'no host rt_tables mounted: kube-router writes the image\'s copy in its writable container layer (the host\'s `ip rule` then shows numbers: lookup 78)',
  ])
}

/** KNOWN_BUGS with a DSR condition (accuracy-audit.md §2); sloppy_tcp has its own requirement below. */
function versionBugs(svc: ServiceObject, version: Version | null): DsrRequirement {
  const title = 'kube-router version has no DSR-breaking bug'
  if (!version) return req('version-bugs', title, 'warning', false, 'unknown', ['kube-router version unknown (the image carries no version tag)'], ['run `kubectl kr doctor` to read the version from the nodes'])
  const ipv6 = externalAndLbIps(svc).some((i) => parseIp(i.ip)?.family === 6)
  const bugs = bugsAffecting(version).filter((b) => b.when === 'dsr' || b.when === 'dsr-shared-ip' || b.when === 'dsr-cri' || (b.when === 'dsr-ipv6' && ipv6))
  const breaking = bugs.filter((b) => b.severity === 'warning')
  const evidence = [`kube-router ${version.text}`, ...bugs.map((b) => `${b.id}: ${b.title} (fixed in ${b.fixedIn})`)]
  if (breaking.length === 0) return req('version-bugs', title, 'warning', false, 'pass', evidence)
  const fixedIn = breaking.map((b) => b.fixedIn).sort((a, b) => compareVersions(parseVersionText(a)!, parseVersionText(b)!)).at(-1)!
  return req('version-bugs', title, 'warning', false, 'fail', evidence, [`upgrade kube-router to ${fixedIn} or later`])
}

/** FM5 (kube-router-facts.md): DSR + Maglev before v2.6.0 needs net.ipv4.vs.sloppy_tcp=1 on every node. */
function maglev(svc: ServiceObject, version: Version | null): DsrRequirement {
  const title = 'Maglev (mh): net.ipv4.vs.sloppy_tcp=1 on every node'
  const scheduler = schedulerOf(svc)
  if (scheduler !== 'mh') return req('maglev-sloppy-tcp', title, 'warning', false, 'pass', [`scheduler ${scheduler}: not Maglev`])
  const bug = knownBug('dsr-maglev-sloppy-tcp')
  const fix = ['on every node: sysctl -w net.ipv4.vs.sloppy_tcp=1 and persist it (echo net.ipv4.vs.sloppy_tcp=1 > /etc/sysctl.d/90-ipvs-sloppy-tcp.conf)', `or upgrade kube-router to ${bug.fixedIn}+, which sets it itself`]
  if (!version) return req('maglev-sloppy-tcp', title, 'warning', false, 'unknown', ['scheduler mh; kube-router version unknown: it sets sloppy_tcp itself only from ' + bug.fixedIn], fix)
  if (!isAffectedBy(version, 'dsr-maglev-sloppy-tcp')) return req('maglev-sloppy-tcp', title, 'warning', false, 'pass', [`scheduler mh; kube-router ${version.text} sets net.ipv4.vs.sloppy_tcp itself`])
  return req('maglev-sloppy-tcp', title, 'warning', false, 'fail', [`scheduler mh; kube-router ${version.text} does not set net.ipv4.vs.sloppy_tcp (fixed in ${bug.fixedIn}): not checked on the nodes (not probed)`], fix)
}

/** §3.2: externalTrafficPolicy Local (or service.local) adds only the node's own endpoints. */
function trafficPolicy(cluster: ClusterObjects, svc: ServiceObject): DsrRequirement {
  const title = 'externalTrafficPolicy'
  if (!isExternalTrafficLocal(svc)) return req('external-traffic-policy', title, 'info', false, 'pass', [`externalTrafficPolicy: ${svc.spec?.externalTrafficPolicy ?? 'Cluster'}: every node directs to every ready endpoint`])
  const nodes = [...new Set(readyEndpoints(cluster, svc).map((e) => e.nodeName).filter((n): n is string => n !== null))]
  const why = svc.spec?.externalTrafficPolicy === 'Local' ? 'externalTrafficPolicy: Local' : 'kube-router.io/service.local: "true"'
  return req('external-traffic-policy', title, 'info', false, 'pass', [`${why}: only nodes with a ready endpoint program the DSR IPs (${nodes.length ? nodes.join(', ') : 'none now'}); route traffic only to them`])
}

/** A controller (Helm, Argo CD, Flux) re-applies its manifest and removes an annotation added by hand. */
function gitops(svc: ServiceObject): DsrRequirement {
  const title = 'not managed by Helm, Argo CD or Flux (changes would be reverted)'
  const found: string[] = []
  const labels = svc.metadata.labels ?? {}
  const annotations = svc.metadata.annotations ?? {}
  for (const m of MANAGERS) {
    const v = labels[m.label] ?? annotations[m.label]
    if (v !== undefined && (m.value === undefined || v === m.value)) found.push(`${m.who}: ${m.label}=${v}`)
  }
  for (const f of svc.metadata.managedFields ?? []) {
    const manager = typeof f.manager === 'string' ? f.manager : ''
    const hit = MANAGED_FIELD_MANAGERS.find((m) => m.pattern.test(manager))
    if (hit) found.push(`${hit.who}: managedFields manager ${manager}`)
  }
  const unique = [...new Set(found)]
  if (unique.length === 0) return req('gitops-managed', title, 'warning', false, 'pass', ['no Helm, Argo CD or Flux labels or field managers'])
  const annotationsWanted = [`${DSR_ANNOTATION}: tunnel`]
  const sched = svc.metadata.annotations?.['kube-router.io/service.scheduler']
  if (sched) annotationsWanted.push(`kube-router.io/service.scheduler: ${sched}`)
  return req('gitops-managed', title, 'warning', false, 'fail', unique, [
    `put the annotation in the Service's manifest (chart values, Git source) or its controller reverts it:\n  metadata:\n    annotations:\n${annotationsWanted.map((a) => `      ${a}`).join('\n')}`,
  ])
}

/** Every requirement for one Service, in a fixed order. */
export function dsrRequirements(input: DsrRequirementInput): DsrRequirement[] {
  const {cluster, service, config, version} = input
  const ds = cluster.kubeRouter
  return [
    annotation(service),
    externalIps(service),
    portsMatch(cluster, service),
    hostNetwork(cluster, service),
    ipRanges(service, config, version),
    serviceProxy(ds, ds ? config : null),
    hostPidIpc(ds),
    containerRuntime(ds, ds ? config : null),
    rtTables(ds),
    versionBugs(service, version),
    maglev(service, version),
    trafficPolicy(cluster, service),
    gitops(service),
  ]
}

/** DSR works for the Service as far as the objects tell: no blocking requirement fails. */
export function readyForDsr(requirements: readonly DsrRequirement[]): boolean {
  return !requirements.some((r) => r.blocking && r.status === 'fail')
}

/** `dsr enable` refuses: a failed requirement that blocks enable. */
export function enableBlockers(requirements: readonly DsrRequirement[]): DsrRequirement[] {
  return requirements.filter((r) => r.blocksEnable && r.status === 'fail')
}

