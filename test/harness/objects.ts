// Object builders and admission: nodes and namespaces from the options, pod defaulting,
// validation (422) and Pod Security admission (403), the way the real API server does them.
import {randomBytes} from 'node:crypto'
import {ApiError} from './status.js'
import {type KubeObject, timestamp} from './store.js'
import type {HarnessNode} from './types.js'

type Obj = Record<string, any>

export const DEFAULT_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system']

export function namespaceObject(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {name, labels: {'kubernetes.io/metadata.name': name, ...labels}},
    spec: {finalizers: ['kubernetes']},
    status: {phase: 'Active'},
  }
}

export function nodeObject(n: HarnessNode): KubeObject {
  const ready = n.ready !== false
  const now = timestamp()
  const cond = (type: string, status: string, reason: string, message: string) => ({type, status, lastHeartbeatTime: now, lastTransitionTime: now, reason, message})
  const taints: object[] = [...(n.taints ?? [])]
  if (!ready) {
    taints.push({key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule'})
    taints.push({key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: now})
  }
  const spec: Obj = {}
  if (n.podCIDRs?.length) {
    spec.podCIDR = n.podCIDRs[0]
    spec.podCIDRs = n.podCIDRs
  }
  if (taints.length) spec.taints = taints
  const resources = {cpu: '2', 'ephemeral-storage': '20134592Ki', 'hugepages-2Mi': '0', memory: '4008840Ki', pods: '110'}
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        ...n.labels,
      },
      annotations: {'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true'},
    },
    spec,
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        ready && n.networkNotReady
          ? cond('Ready', 'False', 'KubeletNotReady', 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized')
          : ready
          ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
          : // no kubelet acts on such a node: what the node controller sets once the kubelet stops posting
            cond('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'),
      ],
      addresses: n.addresses ?? [{type: 'Hostname', address: n.name}],
      daemonEndpoints: {kubeletEndpoint: {Port: 10250}},
      nodeInfo: {
        machineID: randomBytes(16).toString('hex'),
        systemUUID: randomBytes(16).toString('hex'),
        bootID: crypto.randomUUID(),
        kernelVersion: '6.1.0-31-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: 'v1.33.4',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
        ...n.nodeInfo,
      },
    },
  }
}

// ---------- pods ----------

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789'

/** The 5 random characters the API server appends to generateName. */
export function generateSuffix(): string {
  const bytes = randomBytes(5)
  return [...bytes].map((b) => NAME_CHARS[b % NAME_CHARS.length]).join('')
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

interface Cause {
  field: string
  reason: string
  message: string
}

/** 422 causes for a pod, like the real validation (the subset that matters here). */
export function validatePod(pod: Obj): Cause[] {
  const causes: Cause[] = []
  const md = pod.metadata ?? {}
  if (!md.name && !md.generateName) causes.push({field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required'})
  else if (md.name && (md.name.length > 253 || !DNS_SUBDOMAIN.test(md.name))) {
    causes.push({
      field: 'metadata.name',
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${md.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    })
  }
  const spec = pod.spec ?? {}
  const containers = spec.containers
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({field: 'spec.containers', reason: 'FieldValueRequired', message: 'Required value'})
  } else {
    containers.forEach((c: Obj, i: number) => {
      if (!c?.name) causes.push({field: `spec.containers[${i}].name`, reason: 'FieldValueRequired', message: 'Required value'})
      else if (!DNS_LABEL.test(c.name) || c.name.length > 63) {
        causes.push({field: `spec.containers[${i}].name`, reason: 'FieldValueInvalid', message: `Invalid value: "${c.name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`})
      }
      if (!c?.image) causes.push({field: `spec.containers[${i}].image`, reason: 'FieldValueRequired', message: 'Required value'})
      ;(c?.env ?? []).forEach((e: Obj, j: number) => {
        if (!e?.name) causes.push({field: `spec.containers[${i}].env[${j}].name`, reason: 'FieldValueRequired', message: 'Required value'})
      })
    })
  }
  if (spec.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) {
    causes.push({field: 'spec.restartPolicy', reason: 'FieldValueNotSupported', message: `Unsupported value: "${spec.restartPolicy}": supported values: "Always", "OnFailure", "Never"`})
  }
  if (spec.activeDeadlineSeconds !== undefined && !(Number.isInteger(spec.activeDeadlineSeconds) && spec.activeDeadlineSeconds > 0)) {
    causes.push({field: 'spec.activeDeadlineSeconds', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(spec.activeDeadlineSeconds)}: must be between 1 and 2147483647, inclusive`})
  }
  return causes
}

function qosClass(containers: Obj[]): string {
  let any = false
  let guaranteed = true
  for (const c of containers) {
    const req = c.resources?.requests ?? {}
    const lim = c.resources?.limits ?? {}
    if (Object.keys(req).length || Object.keys(lim).length) any = true
    for (const r of ['cpu', 'memory']) {
      const l = lim[r]
      const q = req[r] ?? l
      if (l === undefined || String(q) !== String(l)) guaranteed = false
    }
  }
  return !any ? 'BestEffort' : guaranteed ? 'Guaranteed' : 'Burstable'
}

function imagePullPolicy(image: string): string {
  const last = image.split('/').pop() ?? image
  if (image.includes('@')) return 'IfNotPresent'
  const tag = last.includes(':') ? last.split(':').pop() : undefined
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent'
}

/** Defaulting as the API server applies it on create. */
export function defaultPod(pod: Obj): void {
  const spec = (pod.spec ??= {})
  spec.restartPolicy ??= 'Always'
  spec.terminationGracePeriodSeconds ??= 30
  spec.dnsPolicy ??= 'ClusterFirst'
  spec.securityContext ??= {}
  spec.schedulerName ??= 'default-scheduler'
  spec.serviceAccountName ??= 'default'
  spec.serviceAccount ??= spec.serviceAccountName
  spec.enableServiceLinks ??= true
  spec.preemptionPolicy ??= 'PreemptLowerPriority'
  spec.priority ??= 0
  const tolerations: Obj[] = (spec.tolerations ??= [])
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerations.some((t) => t.key === key && t.effect === 'NoExecute') && !tolerations.some((t) => t.operator === 'Exists' && !t.key)) {
      tolerations.push({key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300})
    }
  }
  for (const c of spec.containers as Obj[]) {
    c.imagePullPolicy ??= imagePullPolicy(String(c.image))
    c.terminationMessagePath ??= '/dev/termination-log'
    c.terminationMessagePolicy ??= 'File'
    c.resources ??= {}
  }
  pod.status = {phase: 'Pending', qosClass: qosClass(spec.containers)}
}

// ---------- Pod Security admission ----------

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'])

function names(word: string, list: string[]): string {
  return `${list.length === 1 ? word : `${word}s`} ${list.map((n) => `"${n}"`).join(', ')}`
}

/** The violations Pod Security admission reports for `level`, in its order (empty = allowed). */
export function podSecurityViolations(pod: Obj, level: 'privileged' | 'baseline' | 'restricted'): string[] {
  if (level === 'privileged') return []
  const spec = pod.spec ?? {}
  const containers: Obj[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])]
  const out: string[] = []
  const hostNs = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true).map((k) => `${k}=true`)
  if (hostNs.length) out.push(`host namespaces (${hostNs.join(', ')})`)
  const priv = containers.filter((c) => c.securityContext?.privileged === true).map((c) => c.name)
  if (priv.length) out.push(`privileged (${names('container', priv)} must not set securityContext.privileged=true)`)
  const restricted = level === 'restricted'
  if (!restricted) {
    const caps: string[] = []
    const who: string[] = []
    for (const c of containers) {
      const bad = ((c.securityContext?.capabilities?.add ?? []) as string[]).filter((x) => !BASELINE_CAPS.has(x))
      if (bad.length) {
        who.push(c.name)
        for (const b of bad) if (!caps.includes(b)) caps.push(b)
      }
    }
    if (who.length) out.push(`non-default capabilities (${names('container', who)} must not include ${caps.map((c) => `"${c}"`).join(', ')} in securityContext.capabilities.add)`)
  }
  const hostPathVols = ((spec.volumes ?? []) as Obj[]).filter((v) => v.hostPath).map((v) => v.name)
  if (hostPathVols.length && !restricted) out.push(`hostPath volumes (${names('volume', hostPathVols)})`)
  const hostPorts: string[] = []
  for (const c of containers) for (const p of c.ports ?? []) if (p.hostPort) hostPorts.push(`container "${c.name}" uses hostPort ${p.hostPort}`)
  if (hostPorts.length) out.push(`hostPort (${hostPorts.join(', ')})`)
  if (!restricted) return out

  const noApe = containers.filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name)
  if (noApe.length) out.push(`allowPrivilegeEscalation != false (${names('container', noApe)} must set securityContext.allowPrivilegeEscalation=false)`)
  const capParts: string[] = []
  const noDrop = containers.filter((c) => !((c.securityContext?.capabilities?.drop ?? []) as string[]).includes('ALL')).map((c) => c.name)
  if (noDrop.length) capParts.push(`${names('container', noDrop)} must set securityContext.capabilities.drop=["ALL"]`)
  const addWho: string[] = []
  const addCaps: string[] = []
  for (const c of containers) {
    const bad = ((c.securityContext?.capabilities?.add ?? []) as string[]).filter((x) => x !== 'NET_BIND_SERVICE')
    if (bad.length) {
      addWho.push(c.name)
      for (const b of bad) if (!addCaps.includes(b)) addCaps.push(b)
    }
  }
  if (addWho.length) capParts.push(`${names('container', addWho)} must not include ${addCaps.map((c) => `"${c}"`).join(', ')} in securityContext.capabilities.add`)
  if (capParts.length) out.push(`unrestricted capabilities (${capParts.join('; ')})`)
  const restrictedVols = ((spec.volumes ?? []) as Obj[])
    .map((v) => [v.name, Object.keys(v).find((k) => k !== 'name' && !['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'].includes(k))] as const)
    .filter(([, type]) => type !== undefined)
  if (restrictedVols.length) {
    out.push(`restricted volume types (${restrictedVols.map(([n, t]) => `volume "${n}" uses restricted volume type "${t}"`).join(', ')})`)
  }
  const podNonRoot = spec.securityContext?.runAsNonRoot === true
  const notNonRoot = containers.filter((c) => (c.securityContext?.runAsNonRoot ?? (podNonRoot ? true : undefined)) !== true).map((c) => c.name)
  if (notNonRoot.length) out.push(`runAsNonRoot != true (pod or ${names('container', notNonRoot)} must set securityContext.runAsNonRoot=true)`)
  const rootUser = containers.filter((c) => (c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser) === 0).map((c) => c.name)
  if (rootUser.length) out.push(`runAsUser=0 (pod or ${names('container', rootUser)} must not set runAsUser=0)`)
  const podSeccomp = spec.securityContext?.seccompProfile?.type
  const noSeccomp = containers.filter((c) => !['RuntimeDefault', 'Localhost'].includes(c.securityContext?.seccompProfile?.type ?? podSeccomp)).map((c) => c.name)
  if (noSeccomp.length) out.push(`seccompProfile (pod or ${names('container', noSeccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`)
  return out
}

/** Namespace labels -> the enforce / warn verdicts for a pod. */
export function podSecurity(pod: Obj, nsLabels: Record<string, string>): {enforce?: string; warn?: string} {
  const result: {enforce?: string; warn?: string} = {}
  for (const mode of ['enforce', 'warn'] as const) {
    const level = nsLabels[`pod-security.kubernetes.io/${mode}`]
    if (level !== 'baseline' && level !== 'restricted') continue
    const version = nsLabels[`pod-security.kubernetes.io/${mode}-version`] ?? 'latest'
    const v = podSecurityViolations(pod, level)
    if (v.length) result[mode] = `violates PodSecurity "${level}:${version}": ${v.join(', ')}`
  }
  return result
}

// ---------- scheduling (pods created without spec.nodeName) ----------

function tolerates(tolerations: Obj[], taint: Obj): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false
    if (t.operator === 'Exists') return !t.key || t.key === taint.key
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '')
  })
}

function matchExpr(value: string | undefined, e: Obj): boolean {
  const vals: string[] = e.values ?? []
  switch (e.operator) {
    case 'In':
      return value !== undefined && vals.includes(value)
    case 'NotIn':
      return value === undefined || !vals.includes(value)
    case 'Exists':
      return value !== undefined
    case 'DoesNotExist':
      return value === undefined
    case 'Gt':
      return value !== undefined && Number(value) > Number(vals[0])
    case 'Lt':
      return value !== undefined && Number(value) < Number(vals[0])
    default:
      return false
  }
}

function affinityMatches(pod: Obj, node: Obj): boolean {
  const labels: Record<string, string> = node.metadata.labels ?? {}
  for (const [k, v] of Object.entries((pod.spec.nodeSelector ?? {}) as Record<string, string>)) if (labels[k] !== v) return false
  const terms: Obj[] | undefined = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  if (!terms?.length) return true
  return terms.some(
    (t) =>
      (t.matchExpressions ?? []).every((e: Obj) => matchExpr(labels[e.key], e)) &&
      (t.matchFields ?? []).every((e: Obj) => matchExpr(e.key === 'metadata.name' ? node.metadata.name : undefined, e)),
  )
}

/** The node the scheduler would bind the pod to, or the Unschedulable message. */
export function schedule(pod: Obj, nodes: Obj[]): {node: string} | {message: string} {
  let affinity = 0
  const tainted = new Map<string, number>()
  for (const node of nodes) {
    if (!affinityMatches(pod, node)) {
      affinity++
      continue
    }
    const bad = ((node.spec?.taints ?? []) as Obj[]).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod.spec.tolerations ?? [], t))
    if (bad) {
      const desc = `{${bad.key}: ${bad.value ?? ''}}`
      tainted.set(desc, (tainted.get(desc) ?? 0) + 1)
      continue
    }
    if (node.spec?.unschedulable) {
      tainted.set('{node.kubernetes.io/unschedulable: }', (tainted.get('{node.kubernetes.io/unschedulable: }') ?? 0) + 1)
      continue
    }
    return {node: node.metadata.name}
  }
  const parts: string[] = []
  if (affinity) parts.push(`${affinity} node(s) didn't match Pod's node affinity/selector`)
  for (const [desc, n] of tainted) parts.push(`${n} node(s) had untolerated taint ${desc}`)
  const total = nodes.length
  return {message: `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`}
}
