// The three ways a doctor run gets its snapshot, behind one port (DESIGN.md "Collectors"): a saved bundle, this
// host (the probe run locally), or the cluster (one probe pod per node). Built from plain options, never flags.
import {readFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {randomBytes} from 'node:crypto'
import {UserError} from '../model/errors.js'
import {matchesSelector, parseLabelSelector} from '../model/label-selector.js'
import type {ProgressSink} from '../model/progress.js'
import type {KubeOverrides} from '../model/kube-port.js'
import type {Snapshot} from '../model/types.js'
import type {ClusterCollectOptions} from './collect-cluster.js'
import type {BundleLimits} from '../infra/bundle-limits.js'

export interface Collection {
  snapshot: Snapshot
  /** problems worth a warning that did not stop the collection */
  issues: string[]
}

export interface Collector {
  collect(progress: ProgressSink): Promise<Collection>
}

/** Which cluster, as kubectl's --kubeconfig / --context pick it (null: kubectl's defaults) and its other flags
 * override, how long each request may go unanswered (--request-timeout), and how much to log (-v). */
export interface KubeAccess {
  kubeconfig: string | null
  context: string | null
  requestTimeoutMs: number
  overrides?: KubeOverrides
  /** kubectl's -v: 0 quiet; 6 and up logs each API request (what, status, time) on stderr */
  verbosity?: number
}

export type CollectorOptions =
  | {
      mode: 'bundle'
      path: string
      /** limits on what is read from the bundle (--max-bundle-*); absent ones keep DEFAULT_BUNDLE_LIMITS */
      limits?: Partial<BundleLimits>
      /** analyse only these of the bundle's nodes (empty: all) and those whose labels match the selector */
      nodeNames?: readonly string[]
      selector?: string | null
    }
  | {
      mode: 'local'
      /** this host's Kubernetes node name (null: the host name) */
      nodeName: string | null
      hostRoot: string
      /** a file holding the node's recent kube-router log */
      kubeRouterLogPath: string | null
      /** where to read Services, EndpointSlices, Nodes and the DaemonSet from; null: no cluster objects */
      cluster: KubeAccess | null
      cmdTimeoutSec: number
      /** probe only the VIPs of Services in this namespace (null: every namespace) */
      serviceNamespace: string | null
    }
  | ({
      mode: 'cluster'
      kube: KubeAccess & {qps: number; burst: number}
    } & Pick<ClusterCollectOptions, 'nodeNames' | 'selector' | 'image' | 'probeNamespace' | 'concurrency' | 'podTimeoutSec' | 'cmdTimeoutSec' | 'serviceNamespace'>)

export interface CollectorEnv {
  /** aborted on SIGINT/SIGTERM: the cluster collector then deletes its pods */
  signal: AbortSignal
  warn(message: string): void
}

/** Checks what can be checked before anything runs (root for --local, the log file), then returns the collector. */
export async function openCollector(opts: CollectorOptions, env: CollectorEnv): Promise<Collector> {
  switch (opts.mode) {
    case 'bundle':
      return bundleCollector(opts.path, opts.limits ?? {}, opts.nodeNames ?? [], opts.selector ?? null)
    case 'local':
      return localCollector(opts, env)
    case 'cluster':
      return clusterCollector(opts, env)
  }
}

function bundleCollector(path: string, limits: Partial<BundleLimits>, nodeNames: readonly string[], selector: string | null): Collector {
  const requirements = selector === null ? null : parseLabelSelector(selector)
  if (requirements && 'error' in requirements) throw new UserError(`-l: ${requirements.error}`)
  return {
    collect: async () => {
      const {loadBundle} = await import('../infra/bundle.js')
      const {issueWarnings} = await import('./cluster-objects.js')
      const {snapshot, issues} = await loadBundle(path, limits)
      return {snapshot: selectBundleNodes(snapshot, nodeNames, requirements?.requirements ?? null), issues: issueWarnings(issues)}
    },
  }
}

/** The bundle's captured nodes that --node and -l pick (the cluster objects stay whole: checks compare a node with
 * the others). An unknown --node name or a selector matching nothing is a UserError, as in cluster mode. */
export function selectBundleNodes(snapshot: Snapshot, nodeNames: readonly string[], requirements: Parameters<typeof matchesSelector>[0] | null): Snapshot {
  if (nodeNames.length === 0 && requirements === null) return snapshot
  const captured = [...snapshot.nodes.map((n) => n.name), ...snapshot.failedNodes.map((n) => n.name)]
  const unknown = nodeNames.filter((n) => !captured.includes(n))
  if (unknown.length) {
    throw new UserError(`node${unknown.length > 1 ? 's' : ''} not in the bundle: ${unknown.join(', ')} (it holds ${captured.join(', ') || 'no node'})`)
  }
  const labels = new Map((snapshot.cluster?.nodes ?? []).map((n) => [n.metadata.name, n.metadata.labels ?? {}]))
  const picked = (name: string) =>
    (nodeNames.length === 0 || nodeNames.includes(name)) && (requirements === null || matchesSelector(requirements, labels.get(name) ?? {}))
  const nodes = snapshot.nodes.filter((n) => picked(n.name))
  const failedNodes = snapshot.failedNodes.filter((n) => picked(n.name))
  if (nodes.length + failedNodes.length === 0) throw new UserError('no node of the bundle matches the selector (labels come from the bundle\'s cluster/nodes.json)')
  return {...snapshot, nodes, failedNodes}
}

async function localCollector(opts: Extract<CollectorOptions, {mode: 'local'}>, env: CollectorEnv): Promise<Collector> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new UserError('doctor --local reads ipsets, iptables and IPVS state and needs root: run it with sudo (or use --from-bundle)')
  }
  const nodeName = opts.nodeName ?? hostname()
  let kubeRouterLog: string | null = null
  if (opts.kubeRouterLogPath) {
    try {
      kubeRouterLog = await readFile(opts.kubeRouterLogPath, 'utf8')
    } catch (error) {
      throw new UserError(`cannot read --kube-router-log ${opts.kubeRouterLogPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
  }
  return {
    collect: async () => {
      let cluster = null
      let context: string | null = null
      if (opts.cluster) {
        const {openKube} = await import('../infra/kube-api.js')
        const kube = openKube(opts.cluster)
        context = kube.context
        const {typedClusterObjects} = await import('./cluster-objects.js')
        cluster = typedClusterObjects(await kube.fetchClusterObjects(), 'api', env.warn)
        if (!cluster.nodes.some((n) => n.metadata.name === nodeName)) {
          env.warn(`node "${nodeName}" is not in the cluster; pass --node with this host's Kubernetes node name`)
        }
      }
      const {runLocalProbe} = await import('../infra/local-probe.js')
      const {mergeCaptures} = await import('../probe/framing.js')
      const {collectLocal} = await import('./collect-local.js')
      return collectLocal(
        {run: (o) => runLocalProbe({...o, cmdTimeoutSec: opts.cmdTimeoutSec}), merge: mergeCaptures},
        {nodeName, hostRoot: opts.hostRoot, cluster, context, kubeRouterLog, serviceNamespace: opts.serviceNamespace},
      )
    },
  }
}

function clusterCollector(opts: Extract<CollectorOptions, {mode: 'cluster'}>, env: CollectorEnv): Collector {
  return {
    collect: async (progress) => {
      const {openKube} = await import('../infra/kube-api.js')
      const {collectCluster} = await import('./collect-cluster.js')
      const {readProbeScript, compactScript} = await import('../probe/script-path.js')
      const kube = openKube(opts.kube)
      return collectCluster(
        kube,
        {
          nodeNames: opts.nodeNames,
          selector: opts.selector,
          image: opts.image,
          probeNamespace: opts.probeNamespace,
          concurrency: opts.concurrency,
          podTimeoutSec: opts.podTimeoutSec,
          cmdTimeoutSec: opts.cmdTimeoutSec,
          serviceNamespace: opts.serviceNamespace,
          runId: randomBytes(3).toString('hex'),
          script: compactScript(await readProbeScript()),
          signal: env.signal,
          warn: env.warn,
        },
        progress,
      )
    },
  }
}
