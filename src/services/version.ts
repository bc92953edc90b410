// `kubectl kr version` with a reachable cluster: the API server's version and kube-router's, both as the
// DaemonSet's image says it and as the running pods say it (kube-router logs its `--version` line first thing at
// start-up: kube-router-facts.md §7.2). Never sees flags; never renders.
import {kubeRouterContainer, kubeRouterDeployment} from '../model/kube-router-config.js'
import {KubeRequestError} from '../model/kube-port.js'
import {parseKubeRouterVersionOutput, versionFromImage} from '../parsers/kube-router-version.js'
import {typedClusterObjects} from './cluster-objects.js'
import type {KubeAccess} from './collectors.js'

/** pods whose first log lines are read; more would make `version` slow on a big cluster for little news */
const MAX_PODS_READ = 50
/** the start-up line is among the first few hundred bytes */
const LOG_HEAD_BYTES = 4096

export interface ServerSide {
  context: string
  serverVersion: {gitVersion: string}
  kubeRouter: {
    /** the DaemonSet found, null when the cluster has none */
    daemonSet: string | null
    image: string | null
    /** the version of the image tag; null when untagged or not a version (`latest`) */
    imageVersion: string | null
    /** each version the running kube-router pods logged at start-up (`kube-router --version`), with its pods */
    running: {version: string; line: string; pods: string[]}[]
    /** pods whose log had no version line (not started, log rotated, no permission) */
    unknownPods: string[]
    /** kube-router pods beyond MAX_PODS_READ, not read */
    podsNotRead: number
  }
}

export async function serverSide(access: KubeAccess, warn: (message: string) => void): Promise<ServerSide> {
  const {openKube} = await import('../infra/kube-api.js')
  const kube = openKube(access)
  const gitVersion = await kube.serverVersion()
  const raw = await kube.kubeRouterDaemonSet()
  const {kubeRouter: ds} = typedClusterObjects({nodes: [], services: [], endpointSlices: [], kubeRouter: raw}, 'api', warn)
  const deployment = kubeRouterDeployment(ds)
  const side: ServerSide = {
    context: kube.context,
    serverVersion: {gitVersion},
    kubeRouter: {
      daemonSet: ds ? `${ds.metadata.namespace ?? 'kube-system'}/${ds.metadata.name}` : null,
      image: deployment.image,
      imageVersion: deployment.image ? (versionFromImage(deployment.image)?.text ?? null) : null,
      running: [],
      unknownPods: [],
      podsNotRead: 0,
    },
  }
  if (!ds) return side
  const match = (ds as {spec?: {selector?: {matchLabels?: Record<string, string>}}}).spec?.selector?.matchLabels ?? {}
  const labelSelector = Object.entries(match).map(([k, v]) => `${k}=${v}`).join(',')
  const container = kubeRouterContainer(ds)?.name
  if (!labelSelector || !container) return side
  let pods
  try {
    pods = await kube.listPods({namespace: ds.metadata.namespace ?? 'kube-system', labelSelector})
  } catch (error) {
    if (!(error instanceof KubeRequestError) || error.connectionLost) throw error
    warn(`cannot list the kube-router pods (${error.message}): only the image's version is shown`)
    return side
  }
  const names = pods.map((p) => p.metadata?.name ?? '').filter(Boolean).sort()
  side.kubeRouter.podsNotRead = Math.max(0, names.length - MAX_PODS_READ)
  const byVersion = new Map<string, {line: string; pods: string[]}>()
  await Promise.all(
    names.slice(0, MAX_PODS_READ).map(async (name) => {
      let head = ''
      try {
        head = await kube.podLog(ds.metadata.namespace ?? 'kube-system', name, container, {limitBytes: LOG_HEAD_BYTES})
      } catch (error) {
        if (!(error instanceof KubeRequestError) || error.connectionLost) throw error
      }
      const parsed = parseKubeRouterVersionOutput(head)
      const version = parsed.fatal ? null : parsed.value.version
      if (!version) {
        side.kubeRouter.unknownPods.push(name)
        return
      }
      const entry = byVersion.get(version.text) ?? {line: parsed.value.line ?? '', pods: []}
      entry.pods.push(name)
      byVersion.set(version.text, entry)
    }),
  )
  side.kubeRouter.unknownPods.sort()
  side.kubeRouter.running = [...byVersion].map(([version, {line, pods: p}]) => ({version, line: line.trim(), pods: p.sort()})).sort((a, b) => b.pods.length - a.pods.length || (a.version < b.version ? -1 : 1))
  return side
}
