// The three ways a doctor run gets its snapshot, behind one port (DESIGN.md "Collectors"): a saved bundle, this
// host (the probe run locally), or the cluster (one probe pod per node). Built from plain options, never flags.
import {readFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {randomBytes} from 'node:crypto'
import {UserError} from '../model/errors.js'
import type {ProgressSink} from '../model/progress.js'
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

/** Which cluster, as kubectl's --kubeconfig / --context pick it (null: kubectl's defaults), and how long each
 * request may go unanswered (--request-timeout). */
export interface KubeAccess {
  kubeconfig: string | null
  context: string | null
  requestTimeoutMs: number
}

export type CollectorOptions =
  | {
      mode: 'bundle'
      path: string
      /** limits on what is read from the bundle (--max-bundle-*); absent ones keep DEFAULT_BUNDLE_LIMITS */
      limits?: Partial<BundleLimits>
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
    }
  | ({
      mode: 'cluster'
      kube: KubeAccess & {qps: number; burst: number}
    } & Pick<ClusterCollectOptions, 'nodeNames' | 'selector' | 'image' | 'probeNamespace' | 'concurrency' | 'podTimeoutSec' | 'cmdTimeoutSec'>)

export interface CollectorEnv {
  /** aborted on SIGINT/SIGTERM: the cluster collector then deletes its pods */
  signal: AbortSignal
  warn(message: string): void
}

/** Checks what can be checked before anything runs (root for --local, the log file), then returns the collector. */
export async function openCollector(opts: CollectorOptions, env: CollectorEnv): Promise<Collector> {
  switch (opts.mode) {
    case 'bundle':
      return bundleCollector(opts.path, opts.limits ?? {})
    case 'local':
      return localCollector(opts, env)
    case 'cluster':
      return clusterCollector(opts, env)
  }
}

function bundleCollector(path: string, limits: Partial<BundleLimits>): Collector {
  return {
    collect: async () => {
      const {loadBundle} = await import('../infra/bundle.js')
      const {issueWarnings} = await import('./cluster-objects.js')
      const {snapshot, issues} = await loadBundle(path, limits)
      return {snapshot, issues: issueWarnings(issues)}
    },
  }
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
        cluster = typedClusterObjects(await kube.fetchClusterObjects({nodeNames: [nodeName], selector: null}), 'api', env.warn)
        if (!cluster.nodes.some((n) => n.metadata.name === nodeName)) {
          env.warn(`node "${nodeName}" is not in the cluster; pass --node with this host's Kubernetes node name`)
        }
      }
      const {runLocalProbe} = await import('../infra/local-probe.js')
      const {mergeCaptures} = await import('../probe/framing.js')
      const {collectLocal} = await import('./collect-local.js')
      return collectLocal(
        {run: (o) => runLocalProbe({...o, cmdTimeoutSec: opts.cmdTimeoutSec}), merge: mergeCaptures},
        {nodeName, hostRoot: opts.hostRoot, cluster, context, kubeRouterLog},
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
