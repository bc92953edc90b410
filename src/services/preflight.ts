// Before a cluster run creates anything: can we do every call it needs (SelfSubjectAccessReview), and will
// Pod Security Admission let a host-network pod with hostPath volumes and NET_ADMIN into the probe namespace? Each refusal names what
// is missing and the command that fixes it.
import {UserError} from '../model/errors.js'
import type {AccessCheck, KubePort} from '../model/kube-port.js'
import {KubeRequestError} from '../model/kube-port.js'

export interface Permission {
  check: AccessCheck
  /** what the run loses without it */
  why: string
  /** without it nothing can run */
  essential: boolean
  /** the kubectl command granting it, when the doctor's roles do not (dsr's Service and Event permissions) */
  fix?: string
}

export function requiredPermissions(probeNamespace: string, kubeRouterNamespace: string): Permission[] {
  const pods = (verb: string, why: string, essential = true, subresource?: string): Permission => ({
    check: {verb, resource: 'pods', subresource, namespace: probeNamespace},
    why,
    essential,
  })
  return [
    {check: {verb: 'list', resource: 'nodes'}, why: 'to find the nodes to probe', essential: true},
    {check: {verb: 'list', resource: 'services'}, why: 'to know the Service VIPs', essential: true},
    {check: {verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io'}, why: 'to know Service endpoints', essential: true},
    {check: {verb: 'list', resource: 'daemonsets', group: 'apps', namespace: kubeRouterNamespace}, why: 'to read kube-router\'s image and flags', essential: false},
    pods('create', 'to start the probe pods'),
    pods('watch', 'to follow the probe pods'),
    pods('get', 'to read the probe output', true, 'log'),
    pods('delete', 'to delete the probe pods'),
    pods('deletecollection', 'to delete all probe pods of a run in one request (else one by one)', false),
    {check: {verb: 'create', resource: 'configmaps', namespace: probeNamespace}, why: 'to hand the probe script to the pods', essential: true},
    {check: {verb: 'delete', resource: 'configmaps', namespace: probeNamespace}, why: 'to delete the probe script afterwards', essential: true},
    {check: {verb: 'list', resource: 'pods', namespace: kubeRouterNamespace}, why: 'to find each node\'s kube-router pod and read its log', essential: false},
  ]
}

export function describePermission(c: AccessCheck): string {
  const resource = `${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.group ? `.${c.group}` : ''}`
  return `${c.verb} ${resource}${c.namespace ? ` in namespace ${c.namespace}` : ' (cluster-wide)'}`
}

const WHOAMI = "$(kubectl auth whoami -o jsonpath='{.status.userInfo.username}')"

/** The kubectl commands that grant the missing permissions. */
export function rbacFix(missing: readonly Permission[], probeNamespace: string): string[] {
  const fixes: string[] = []
  const inProbeNamespace = (p: Permission) => p.fix === undefined && p.check.namespace === probeNamespace && (p.check.resource === 'pods' || p.check.resource === 'configmaps')
  const clusterWide = missing.filter((p) => p.fix === undefined && !inProbeNamespace(p))
  if (clusterWide.length) {
    fixes.push(
      `kubectl create clusterrole kr-doctor-read --verb=get,list --resource=nodes,services,endpointslices.discovery.k8s.io,daemonsets.apps,pods && kubectl create clusterrolebinding kr-doctor-read --clusterrole=kr-doctor-read --user=${WHOAMI}`,
    )
  }
  if (missing.some(inProbeNamespace)) {
    fixes.push(
      `kubectl create role kr-probe -n ${probeNamespace} --verb=create,get,list,watch,delete,deletecollection --resource=pods,pods/log,configmaps && kubectl create rolebinding kr-probe -n ${probeNamespace} --role=kr-probe --user=${WHOAMI}`,
    )
  }
  for (const p of missing) if (p.fix !== undefined && !fixes.includes(p.fix)) fixes.push(p.fix)
  return fixes
}

export interface PreflightResult {
  allowed: (check: AccessCheck) => boolean
  warnings: string[]
}

const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce'

/** What `dsr enable` / `disable` need on the Service's namespace besides the probe run's permissions: read and
 * patch the Service (patch only when it changes it), and record Events on it (optional: they are printed anyway). */
export function dsrPermissions(serviceNamespace: string, change: boolean): Permission[] {
  const services = `kubectl create role kr-dsr -n ${serviceNamespace} --verb=get,patch --resource=services && kubectl create rolebinding kr-dsr -n ${serviceNamespace} --role=kr-dsr --user=${WHOAMI}`
  const events = `kubectl create role kr-dsr-events -n ${serviceNamespace} --verb=create --resource=events && kubectl create rolebinding kr-dsr-events -n ${serviceNamespace} --role=kr-dsr-events --user=${WHOAMI}`
  return [
    {check: {verb: 'get', resource: 'services', namespace: serviceNamespace}, why: 'to read the Service and the resourceVersion its change is guarded by', essential: true, fix: services},
    ...(change
      ? [
          {check: {verb: 'patch', resource: 'services', namespace: serviceNamespace}, why: 'to change the Service\'s annotations', essential: true, fix: services},
          {check: {verb: 'create', resource: 'events', namespace: serviceNamespace}, why: 'recording the change as an Event on the Service', essential: false, fix: events},
        ]
      : []),
  ]
}

export interface PreflightOptions {
  /** permissions checked besides the probe run's (dsrPermissions) */
  extra?: Permission[]
  /** what is refused: "run the doctor", "enable DSR on media/stream" */
  purpose?: string
  /** false: only `extra` (a run that creates no probe pod, like a server-side dry run) */
  probes?: boolean
}

export async function preflight(kube: KubePort, probeNamespace: string, kubeRouterNamespace: string, options: PreflightOptions = {}): Promise<PreflightResult> {
  const probes = options.probes ?? true
  const permissions = [...(probes ? requiredPermissions(probeNamespace, kubeRouterNamespace) : []), ...(options.extra ?? [])]
  const answers = await kube.canI(permissions.map((p) => p.check))
  const denied = permissions.filter((_, i) => !answers[i])
  const fatal = denied.filter((p) => p.essential)
  if (fatal.length) {
    const lines = [
      `not allowed to ${options.purpose ?? 'run the doctor'} with context "${kube.context}": missing ${fatal.map((p) => `${describePermission(p.check)} (${p.why})`).join('; ')}`,
      ...rbacFix(fatal, probeNamespace).map((f) => `  fix: ${f}`),
      ...(options.purpose === undefined ? ['  or analyse a bundle saved on a node with `sudo kubectl kr doctor --local --save-bundle FILE`'] : []),
    ]
    throw new UserError(lines.join('\n'))
  }
  const warnings = denied.map((p) => `not allowed to ${describePermission(p.check)}: ${p.why} is skipped${p.fix ? ` (fix: ${p.fix})` : ''}`)
  const key = (c: AccessCheck) => `${c.verb} ${c.resource}/${c.subresource ?? ''} ${c.group ?? ''} ${c.namespace ?? ''}`
  const deniedKeys = new Set(denied.map((p) => key(p.check)))
  if (!probes) return {allowed: (check) => !deniedKeys.has(key(check)), warnings}

  let labels: Record<string, string> | null
  try {
    labels = await kube.namespaceLabels(probeNamespace)
  } catch (error) {
    if (error instanceof KubeRequestError && error.code === 403) {
      warnings.push(`cannot read namespace ${probeNamespace} to check its Pod Security level; creating the probe pods will tell`)
      labels = {}
    } else throw error
  }
  if (labels === null) throw new UserError(`probe namespace "${probeNamespace}" does not exist: pass --probe-namespace with an existing namespace (default kube-system)`)
  const level = labels[PSA_ENFORCE]
  if (level && level !== 'privileged') {
    throw new UserError(
      [
        `namespace ${probeNamespace} enforces Pod Security "${level}" (label ${PSA_ENFORCE}=${level}); probe pods use the host network, read-only hostPath volumes and the NET_ADMIN and NET_RAW capabilities, which only the privileged level admits`,
        `  fix: kubectl label namespace ${probeNamespace} ${PSA_ENFORCE}=privileged --overwrite`,
        '  or pass --probe-namespace with a namespace whose Pod Security level is privileged',
      ].join('\n'),
    )
  }
  return {allowed: (check) => !deniedKeys.has(key(check)), warnings}
}

/** A pod creation refused by Pod Security Admission (403 with the admission plugin's message). */
export function isPodSecurityRejection(error: unknown): boolean {
  return error instanceof KubeRequestError && error.code === 403 && /violates PodSecurity/i.test(error.message)
}
