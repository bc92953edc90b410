// `kubectl kr dsr status`: the DSR state of Services as the API objects tell it — which Services carry the DSR
// annotation, the IPs and (ip, proto, port) tuples kube-router programs for them with their fwmarks
// (kube-router-facts.md §3.1), and the requirements of §3.2 (expected/dsr-requirements.ts) — and, unless --no-probe,
// what probe pods find on the nodes (services/dsr-verify.ts, expectation 'enabled').
import {UserError} from '../model/errors.js'
import {parseIp} from '../model/ip.js'
import {defaultKubeRouterConfig, kubeRouterDeployment, parseKubeRouterArgs} from '../model/kube-router-config.js'
import {dsrRequirements, readyForDsr} from '../expected/dsr-requirements.js'
import {fwmarkHex} from '../expected/fwmark.js'
import {DSR_ANNOTATION, dsrTuplesOf, externalAndLbIps, isExternalTrafficLocal, isProxiedService, rejectedByStrictValidation, schedulerOf} from '../expected/services.js'
import {versionFromImage} from '../parsers/kube-router-version.js'
import {typedClusterObjects} from './cluster-objects.js'
import {verifyDsr, type DsrVerifyOptions} from './dsr-verify.js'
import type {DsrServiceNodeState, DsrServiceStatus, DsrStatusDocument} from '../model/dsr-status.js'
import type {DsrServiceVerification} from '../model/dsr-verification.js'
import type {KubePort} from '../model/kube-port.js'
import type {ClusterObjects, ServiceObject, Version} from '../model/types.js'
import type {KubeAccess} from './collectors.js'

/** Which Services: one (`name` or `ns/name`), or every DSR Service of a namespace (or of all with allNamespaces). */
export interface DsrStatusQuery {
  service: string | null
  /** -n; null: the kubeconfig context's namespace */
  namespace: string | null
  allNamespaces: boolean
}

const SCHEDFLAGS_ANNOTATION = 'kube-router.io/service.schedflags'

function nsOf(svc: ServiceObject): string {
  return svc.metadata.namespace ?? 'default'
}

/** The Services the query names, and the namespace it looked in (null: all). A named Service that does not exist is
 * a UserError (exit 2: could not look). */
export function selectServices(services: readonly ServiceObject[], query: DsrStatusQuery, contextNamespace: string): {services: ServiceObject[]; namespace: string | null} {
  if (query.service !== null) {
    const parts = query.service.split('/')
    if (parts.length > 2 || parts.some((p) => p === '')) throw new UserError(`SERVICE must be NAME or NAMESPACE/NAME, not "${query.service}"`)
    const [ns, name] = parts.length === 2 ? parts : [query.namespace ?? contextNamespace, parts[0]]
    if (parts.length === 2 && query.namespace !== null && query.namespace !== ns) throw new UserError(`${query.service} names namespace ${ns} but -n says ${query.namespace}`)
    if (query.allNamespaces) throw new UserError('SERVICE and -A do not go together: name the Service as NAMESPACE/NAME or with -n')
    const found = services.find((s) => nsOf(s) === ns && s.metadata.name === name)
    if (!found) throw new UserError(`service ${ns}/${name} not found`)
    return {services: [found], namespace: ns}
  }
  const namespace = query.allNamespaces ? null : (query.namespace ?? contextNamespace)
  const selected = services
    .filter((s) => (namespace === null || nsOf(s) === namespace) && s.metadata.annotations?.[DSR_ANNOTATION] !== undefined)
    .sort((a, b) => nsOf(a).localeCompare(nsOf(b)) || a.metadata.name.localeCompare(b.metadata.name))
  return {services: selected, namespace}
}

function serviceStatus(cluster: ClusterObjects, svc: ServiceObject, version: Version | null): DsrServiceStatus {
  const config = cluster.kubeRouter ? parseKubeRouterArgs(kubeRouterDeployment(cluster.kubeRouter).args) : null
  const requirements = dsrRequirements({cluster, service: svc, config, version})
  const proxied = isProxiedService(svc)
  const skippedIps: {ip: string; reason: string}[] = []
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip && ing.ipMode === 'Proxy') skippedIps.push({ip: ing.ip, reason: 'LoadBalancer ingress with ipMode: Proxy'})
    else if (ing.ip && 'kube-router.io/service.skiplbips' in (svc.metadata.annotations ?? {})) skippedIps.push({ip: ing.ip, reason: 'kube-router.io/service.skiplbips is set'})
  }
  const dsrIps: DsrServiceStatus['dsrIps'] = []
  for (const {ip, kind} of externalAndLbIps(svc)) {
    if (!proxied) skippedIps.push({ip, reason: 'kube-router does not proxy this Service'})
    else if (config && rejectedByStrictValidation(ip, kind, config, version)) skippedIps.push({ip, reason: 'outside the allowed ranges: dropped by strict external-IP validation'})
    else dsrIps.push({ip, family: parseIp(ip)!.family, kind})
  }
  // no DaemonSet: kube-router's defaults (the tuples do not depend on flags but for strict validation)
  const tuples = dsrTuplesOf(cluster, svc, config ?? defaultKubeRouterConfig(), version).filter((t) => !t.rejectedByValidation)
  const schedFlags = (svc.metadata.annotations?.[SCHEDFLAGS_ANNOTATION] ?? '').split(',').map((f) => f.trim()).filter(Boolean)
  return {
    namespace: nsOf(svc),
    name: svc.metadata.name,
    annotation: svc.metadata.annotations?.[DSR_ANNOTATION] ?? null,
    ready: readyForDsr(requirements),
    scheduler: schedulerOf(svc),
    schedFlags: schedulerOf(svc) === 'mh' ? schedFlags : [],
    externalTrafficPolicy: isExternalTrafficLocal(svc) ? 'Local' : 'Cluster',
    dsrIps,
    skippedIps,
    tuples: tuples.map((t) => ({ip: t.ip, protocol: t.protocol, port: t.port, targetPort: t.targetPort, fwmark: t.fwmark, fwmarkHex: fwmarkHex(t.fwmark)})),
    requirements,
    nodeState: 'not probed',
    nodes: null,
  }
}

/** The Service's node state from its verification (none: kube-router does not program DSR for it). */
export function serviceNodeState(verification: DsrServiceVerification | null): DsrServiceNodeState {
  if (!verification) return 'not programmed'
  const states = verification.nodes.map((n) => n.state)
  if (states.includes('broken')) return 'not programmed'
  if (states.includes('unknown') || states.includes('not-probed')) return 'unknown'
  return states.includes('programmed') ? 'programmed' : 'not programmed'
}

/** The document with what the nodes showed: one verification per DSR Service (annotation tunnel) of the document. */
export function withNodeVerdicts(doc: DsrStatusDocument, verifications: readonly DsrServiceVerification[]): DsrStatusDocument {
  const services = doc.services.map((s): DsrServiceStatus => {
    const v = verifications.find((x) => x.namespace === s.namespace && x.name === s.name) ?? null
    return {...s, nodeState: serviceNodeState(v), nodes: v ? v.nodes : []}
  })
  return {...doc, probed: true, services, summary: {...doc.summary, programmed: services.filter((s) => s.nodeState === 'programmed').length}}
}

/** The status document from typed cluster objects: pure. */
export function dsrStatusDocument(cluster: ClusterObjects, query: DsrStatusQuery, where: {context: string; namespace: string}): DsrStatusDocument {
  const {services, namespace} = selectServices(cluster.services, query, where.namespace)
  const image = kubeRouterDeployment(cluster.kubeRouter).image
  const version = image ? versionFromImage(image) : null
  const statuses = services.map((svc) => serviceStatus(cluster, svc, version))
  const ready = statuses.filter((s) => s.ready).length
  return {
    apiVersion: 'kr.kube-router.io/v1',
    kind: 'DsrStatus',
    context: where.context,
    namespace,
    kubeRouter: {image, version: version?.text ?? null},
    probed: false,
    services: statuses,
    summary: {services: statuses.length, ready, notReady: statuses.length - ready, programmed: null},
  }
}

/** How to probe the nodes (doctor's cluster options); null = --no-probe. */
export type DsrStatusProbe = Omit<DsrVerifyOptions, 'runId' | 'script'>

/** Reads the cluster objects through the port and builds the document; with `probe`, probes the nodes too. */
export async function dsrStatus(kube: KubePort, query: DsrStatusQuery, warn: (message: string) => void, probe: DsrStatusProbe | null = null): Promise<DsrStatusDocument> {
  const raw = await kube.fetchClusterObjects()
  const cluster = typedClusterObjects(raw, 'api', warn)
  const doc = dsrStatusDocument(cluster, query, {context: kube.context, namespace: kube.namespace})
  if (!probe) return doc
  const dsr = doc.services.filter((s) => s.annotation === 'tunnel').map((s) => ({namespace: s.namespace, name: s.name}))
  const verifications = dsr.length ? await verifyDsr(kube, {services: dsr, expectation: 'enabled'}, probe) : []
  return withNodeVerdicts(doc, verifications)
}

/** Opens the cluster the access picks and reads the status. */
export async function openDsrStatus(access: KubeAccess, query: DsrStatusQuery, warn: (message: string) => void, probe: DsrStatusProbe | null = null): Promise<DsrStatusDocument> {
  const {openKube} = await import('../infra/kube-api.js')
  return dsrStatus(openKube(access), query, warn, probe)
}

/**
 * CONTRACT §2. --no-probe: 0 every listed Service ready for DSR, 1 not. Probed: 1 a Service not ready or not
 * programmed on a node that should program it; else 2 when a node could not be probed or could not tell (could not
 * look); else 0.
 */
export function dsrStatusExitCode(doc: DsrStatusDocument): 0 | 1 | 2 {
  if (!doc.services.every((s) => s.ready)) return 1
  if (!doc.probed) return 0
  if (doc.services.some((s) => s.nodeState === 'not programmed')) return 1
  return doc.services.some((s) => s.nodeState === 'unknown') ? 2 : 0
}
