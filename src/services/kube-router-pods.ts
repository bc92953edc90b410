// kube-router's own pods, read in cluster mode: the DaemonSet's pods (their kubelet log directories feed the probe,
// services/collect-cluster.ts) and, for the kube-router-pods check, each pod's health with the previous container's
// last log lines when it restarted.
import {KubeRequestError, type KubePort, type PodObject} from '../model/kube-port.js'
import {PREVIOUS_LOG_LINES, type KubeRouterPodStatus} from '../model/kube-router-pods.js'
import type {ClusterObjects} from '../model/types.js'

/** The kube-router DaemonSet's pods (its selector in its namespace); null when unknown or not readable. */
export async function listKubeRouterPods(kube: KubePort, cluster: ClusterObjects, allowed: boolean, warn: (m: string) => void): Promise<PodObject[] | null> {
  const ds = cluster.kubeRouter as (ClusterObjects['kubeRouter'] & {spec?: {selector?: {matchLabels?: Record<string, string>}}}) | null
  if (!ds || !allowed) return null
  const namespace = ds.metadata.namespace ?? 'kube-system'
  const match = ds.spec?.selector?.matchLabels ?? {}
  const labelSelector = Object.entries(match).map(([k, v]) => `${k}=${v}`).join(',')
  if (!labelSelector) return null
  try {
    return await kube.listPods({namespace, labelSelector})
  } catch (error) {
    if (error instanceof KubeRequestError && !error.connectionLost) {
      warn(`cannot list the kube-router pods (${error.message}); kube-router logs are not collected`)
      return null
    }
    throw error
  }
}

/** The name of the kube-router container in the DaemonSet's pods. */
export function kubeRouterContainerName(cluster: ClusterObjects): string | undefined {
  return (cluster.kubeRouter?.spec?.template?.spec?.containers ?? []).find((c) => c.name === 'kube-router' || (c.image ?? '').includes('kube-router'))?.name
}

interface RouterContainerStatus {
  name?: string
  ready?: boolean
  restartCount?: number
  state?: {waiting?: {reason?: string; message?: string}}
  lastState?: {terminated?: {reason?: string; exitCode?: number; message?: string; finishedAt?: string}}
}

/** Each kube-router pod's health for the kube-router-pods check; the previous container's last log lines of pods
 * that restarted (a read that fails is recorded with its reason, not fatal). */
export async function kubeRouterPodStatuses(kube: KubePort, cluster: ClusterObjects, pods: PodObject[]): Promise<KubeRouterPodStatus[]> {
  const container = kubeRouterContainerName(cluster)
  const out: KubeRouterPodStatus[] = []
  for (const pod of pods) {
    const name = pod.metadata?.name
    if (!name) continue
    const namespace = pod.metadata?.namespace ?? cluster.kubeRouter?.metadata.namespace ?? 'kube-system'
    const statuses = (pod.status?.containerStatuses ?? []) as RouterContainerStatus[]
    const c = container ?? pod.spec?.containers?.[0]?.name
    const st = statuses.find((s) => s.name === c) ?? statuses[0]
    const ready = pod.status?.conditions?.find((x) => x.type === 'Ready')
    const terminated = st?.lastState?.terminated
    const status: KubeRouterPodStatus = {
      name, namespace, node: pod.spec?.nodeName ?? null, phase: pod.status?.phase ?? null,
      ready: ready ? ready.status === 'True' : null,
      restarts: st?.restartCount ?? 0,
      waiting: st?.state?.waiting ? {reason: st.state.waiting.reason ?? null, message: st.state.waiting.message ?? null} : null,
      lastTermination: terminated ? {reason: terminated.reason ?? null, exitCode: terminated.exitCode ?? null, message: terminated.message ?? null, finishedAt: terminated.finishedAt ?? null} : null,
      previousLog: null,
      previousLogError: null,
    }
    if (status.restarts > 0 && c) {
      try {
        const text = await kube.podLog(namespace, name, c, {previous: true, tailLines: PREVIOUS_LOG_LINES})
        status.previousLog = text.split('\n').filter((l) => l.trim() !== '').slice(-PREVIOUS_LOG_LINES)
      } catch (error) {
        if (error instanceof KubeRequestError && error.connectionLost) throw error
        status.previousLogError = errorText(error)
      }
    }
    out.push(status)
  }
  return out
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
