// cluster/kube-router-pods.json: {"kind": "KubeRouterPodList", "items": [KubeRouterPodStatus, …]} (model/kube-router-pods.ts).
// Total: an item without a name is dropped with an issue; wrong-typed fields become null.
import type {Parsed, ParseIssue} from '../model/types.js'
import {KUBE_ROUTER_PODS_KIND, type ContainerTermination, type KubeRouterPodStatus} from '../model/kube-router-pods.js'
import {isRecord, issue, num, safeStringify, str} from './common.js'

function termination(v: unknown): ContainerTermination | null {
  if (!isRecord(v)) return null
  return {reason: str(v.reason), exitCode: num(v.exitCode), message: str(v.message), finishedAt: str(v.finishedAt)}
}

export function parseKubeRouterPods(raw: unknown, source: string): Parsed<KubeRouterPodStatus[]> {
  const issues: ParseIssue[] = []
  if (!isRecord(raw) || !Array.isArray(raw.items)) {
    return {value: [], issues: [issue(source, null, `not a ${KUBE_ROUTER_PODS_KIND} (no "items" array)`, safeStringify(raw).slice(0, 200))], fatal: true}
  }
  const out: KubeRouterPodStatus[] = []
  for (const item of raw.items) {
    const name = isRecord(item) ? str(item.name) : null
    if (!isRecord(item) || !name) {
      issues.push(issue(source, null, 'kube-router pod without a name', safeStringify(item).slice(0, 200)))
      continue
    }
    const waiting = isRecord(item.waiting) ? {reason: str(item.waiting.reason), message: str(item.waiting.message)} : null
    const log = Array.isArray(item.previousLog) ? item.previousLog.filter((l): l is string => typeof l === 'string') : null
    out.push({
      name,
      namespace: str(item.namespace) ?? 'kube-system',
      node: str(item.node),
      phase: str(item.phase),
      ready: typeof item.ready === 'boolean' ? item.ready : null,
      restarts: num(item.restarts) ?? 0,
      waiting,
      lastTermination: termination(item.lastTermination),
      previousLog: log,
      previousLogError: str(item.previousLogError),
    })
  }
  return {value: out, issues, fatal: false}
}
