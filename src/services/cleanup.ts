// `kubectl kr cleanup`: find the probe pods this tool left behind (by label, in every namespace it may list) and
// delete them. Finding and deleting are separate so the command can show the list and ask first.
import {ALL_PROBE_PODS_SELECTOR, NODE_ANNOTATION, RUN_LABEL} from '../model/probe-pod.js'
import {KubeRequestError, type KubePort} from '../model/kube-port.js'

export interface LeftoverPod {
  namespace: string
  name: string
  node: string | null
  run: string | null
  phase: string | null
}

/** Every probe pod (and probe script ConfigMap) in the cluster; only in `fallbackNamespace` when listing
 * cluster-wide is not allowed. */
export async function findLeftovers(
  kube: KubePort,
  namespace: string | null,
  fallbackNamespace: string,
): Promise<{pods: LeftoverPod[]; configMaps: {namespace: string; name: string}[]; scope: string}> {
  let scope = namespace ? `namespace ${namespace}` : 'all namespaces'
  let where = namespace
  let pods
  try {
    pods = await kube.listPods({namespace, labelSelector: ALL_PROBE_PODS_SELECTOR})
  } catch (error) {
    if (namespace || !(error instanceof KubeRequestError && error.code === 403)) throw error
    scope = `namespace ${fallbackNamespace} (not allowed to list pods in all namespaces)`
    where = fallbackNamespace
    pods = await kube.listPods({namespace: fallbackNamespace, labelSelector: ALL_PROBE_PODS_SELECTOR})
  }
  let configMaps: {namespace: string; name: string}[] = []
  try {
    configMaps = await kube.listConfigMaps({namespace: where, labelSelector: ALL_PROBE_PODS_SELECTOR})
  } catch (error) {
    if (!(error instanceof KubeRequestError && error.code === 403)) throw error
  }
  return {
    scope,
    configMaps,
    pods: pods.map((p) => ({
      namespace: p.metadata?.namespace ?? namespace ?? fallbackNamespace,
      name: p.metadata?.name ?? '',
      node: p.metadata?.annotations?.[NODE_ANNOTATION] ?? p.spec?.nodeName ?? null,
      run: p.metadata?.labels?.[RUN_LABEL] ?? null,
      phase: p.status?.phase ?? null,
    })),
  }
}

export async function deleteLeftovers(
  kube: KubePort,
  pods: readonly LeftoverPod[],
  configMaps: readonly {namespace: string; name: string}[] = [],
): Promise<{deleted: number; alreadyGone: number; configMapsDeleted: number; errors: string[]}> {
  let configMapsDeleted = 0
  let deleted = 0
  let alreadyGone = 0
  const errors: string[] = []
  await Promise.all(
    pods.map(async (p) => {
      try {
        await kube.deletePod(p.namespace, p.name)
        deleted++
      } catch (error) {
        if (error instanceof KubeRequestError && error.code === 404) alreadyGone++
        else errors.push(`${p.namespace}/${p.name}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }),
  )
  for (const cm of configMaps) {
    try {
      await kube.deleteConfigMap(cm.namespace, cm.name)
      configMapsDeleted++
    } catch (error) {
      if (!(error instanceof KubeRequestError && error.code === 404)) errors.push(`configmap ${cm.namespace}/${cm.name}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return {deleted, alreadyGone, configMapsDeleted, errors}
}

export interface Leftovers {
  pods: LeftoverPod[]
  configMaps: {namespace: string; name: string}[]
  scope: string
  delete(): ReturnType<typeof deleteLeftovers>
}

/** The leftovers in the cluster `access` picks, ready to be shown, then deleted. */
export async function openLeftovers(access: {kubeconfig: string | null; context: string | null}, namespace: string | null, fallbackNamespace: string): Promise<Leftovers> {
  const {openKube} = await import('../infra/kube-api.js')
  const kube = openKube(access)
  const found = await findLeftovers(kube, namespace, fallbackNamespace)
  return {...found, delete: () => deleteLeftovers(kube, found.pods, found.configMaps)}
}
