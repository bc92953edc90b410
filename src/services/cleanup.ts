// `kubectl kr cleanup`: find what this tool left behind (probe pods of killed runs, their script ConfigMaps) and
// delete it. Only what this tool creates is deleted: a pod or ConfigMap needs our run label *and* the shape
// probePodManifest / probeScriptConfigMap give it; anything else carrying our managed-by label is reported and
// kept. It looks in the probe namespace unless asked for all namespaces. Finding and deleting are separate so
// the command can show the list and ask first; both are bounded by the request timeout of each call.
import {ALL_PROBE_PODS_SELECTOR, NODE_ANNOTATION, notAProbePod, notAProbeScript, RUN_LABEL} from '../model/probe-pod.js'
import {KubeRequestError, type ConfigMapSummary, type KubePort} from '../model/kube-port.js'
import type {KubeAccess} from './collectors.js'

export interface LeftoverPod {
  namespace: string
  name: string
  node: string | null
  run: string | null
  phase: string | null
}

export interface LeftoverConfigMap {
  namespace: string
  name: string
}

/** Something labelled as ours that cleanup leaves alone, and why. */
export interface NotOurs {
  kind: 'pod' | 'configmap'
  namespace: string
  name: string
  reason: string
}

export interface Found {
  pods: LeftoverPod[]
  configMaps: LeftoverConfigMap[]
  notOurs: NotOurs[]
  /** "namespace kube-system", "all namespaces", or the fallback with why */
  scope: string
}

export interface CleanupScope {
  /** the namespace to look in (the probe namespace); ignored when allNamespaces */
  namespace: string
  allNamespaces: boolean
}

/** The probe pods and probe script ConfigMaps in the scope, and what carries our label without being one. When
 * listing all namespaces is not allowed, only the given namespace is searched (and the scope says so). */
export async function findLeftovers(kube: KubePort, scope: CleanupScope): Promise<Found> {
  let where: string | null = scope.allNamespaces ? null : scope.namespace
  let described = where ? `namespace ${where}` : 'all namespaces'
  let pods
  try {
    pods = await kube.listPods({namespace: where, labelSelector: ALL_PROBE_PODS_SELECTOR})
  } catch (error) {
    if (where || !(error instanceof KubeRequestError && error.code === 403)) throw error
    where = scope.namespace
    described = `namespace ${where} (not allowed to list pods in all namespaces)`
    pods = await kube.listPods({namespace: where, labelSelector: ALL_PROBE_PODS_SELECTOR})
  }
  let configMaps: ConfigMapSummary[] = []
  try {
    configMaps = await kube.listConfigMaps({namespace: where, labelSelector: ALL_PROBE_PODS_SELECTOR})
  } catch (error) {
    if (!(error instanceof KubeRequestError && error.code === 403)) throw error
  }
  const found: Found = {scope: described, pods: [], configMaps: [], notOurs: []}
  for (const p of pods) {
    const namespace = p.metadata?.namespace ?? where ?? scope.namespace
    const name = p.metadata?.name ?? ''
    const reason = notAProbePod({name, labels: p.metadata?.labels ?? {}, annotations: p.metadata?.annotations, containers: p.spec?.containers ?? []})
    if (reason) {
      found.notOurs.push({kind: 'pod', namespace, name, reason})
      continue
    }
    found.pods.push({
      namespace,
      name,
      node: p.metadata?.annotations?.[NODE_ANNOTATION] ?? p.spec?.nodeName ?? null,
      run: p.metadata?.labels?.[RUN_LABEL] ?? null,
      phase: p.status?.phase ?? null,
    })
  }
  for (const cm of configMaps) {
    const reason = notAProbeScript(cm)
    if (reason) found.notOurs.push({kind: 'configmap', namespace: cm.namespace, name: cm.name, reason})
    else found.configMaps.push({namespace: cm.namespace, name: cm.name})
  }
  return found
}

export interface Deleted {
  deleted: number
  alreadyGone: number
  configMapsDeleted: number
  /** one line per object that could not be deleted */
  errors: string[]
  /** some request got no answer (the API server is unreachable or hangs) */
  unanswered: boolean
}

/** Deletes all of them at once (the API rate limiter paces the requests), so a server that does not answer costs
 * one request timeout, not one per object. */
export async function deleteLeftovers(kube: KubePort, pods: readonly LeftoverPod[], configMaps: readonly LeftoverConfigMap[] = []): Promise<Deleted> {
  const result: Deleted = {deleted: 0, alreadyGone: 0, configMapsDeleted: 0, errors: [], unanswered: false}
  const failed = (what: string, error: unknown) => {
    if (error instanceof KubeRequestError && error.connectionLost) result.unanswered = true
    result.errors.push(`not deleted: ${what}: ${error instanceof Error ? error.message : String(error)}`)
  }
  await Promise.all([
    ...pods.map(async (p) => {
      try {
        await kube.deletePod(p.namespace, p.name)
        result.deleted++
      } catch (error) {
        if (error instanceof KubeRequestError && error.code === 404) result.alreadyGone++
        else failed(`pod ${p.namespace}/${p.name}`, error)
      }
    }),
    ...configMaps.map(async (cm) => {
      try {
        await kube.deleteConfigMap(cm.namespace, cm.name)
        result.configMapsDeleted++
      } catch (error) {
        if (!(error instanceof KubeRequestError && error.code === 404)) failed(`configmap ${cm.namespace}/${cm.name}`, error)
      }
    }),
  ])
  return result
}

export interface Leftovers extends Found {
  delete(): Promise<Deleted>
}

/** The leftovers in the cluster `access` picks, ready to be shown, then deleted. */
export async function openLeftovers(access: KubeAccess, scope: CleanupScope): Promise<Leftovers> {
  const {openKube} = await import('../infra/kube-api.js')
  const kube = openKube(access)
  const found = await findLeftovers(kube, scope)
  return {...found, delete: () => deleteLeftovers(kube, found.pods, found.configMaps)}
}
