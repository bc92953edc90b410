// The kube-router pods as cluster mode reads them (the kube-router-pods check): per pod its node, readiness,
// restarts, what it waits on, how its previous container ended and that container's last log lines. Plain data;
// the collector builds it from the API (services/collect-cluster.ts), a bundle keeps it in
// cluster/kube-router-pods.json, parsers/kube-router-pods.ts checks it.

export interface ContainerTermination {
  reason: string | null
  exitCode: number | null
  message: string | null
  finishedAt: string | null
}

export interface KubeRouterPodStatus {
  name: string
  namespace: string
  node: string | null
  phase: string | null
  /** the pod's Ready condition; null when not reported */
  ready: boolean | null
  restarts: number
  /** the kube-router container's waiting state (CrashLoopBackOff, ImagePullBackOff, …) */
  waiting: {reason: string | null; message: string | null} | null
  /** how the previous kube-router container ended (lastState.terminated) */
  lastTermination: ContainerTermination | null
  /** the previous container's last log lines; null when not read (with the reason in previousLogError) */
  previousLog: string[] | null
  previousLogError: string | null
}

export const KUBE_ROUTER_PODS_KIND = 'KubeRouterPodList'
/** how many lines of the previous container's log are kept */
export const PREVIOUS_LOG_LINES = 20
