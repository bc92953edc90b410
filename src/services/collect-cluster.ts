// Cluster mode: one short-lived probe pod per target node (DESIGN.md "Probe pods"). Preflight first, then at
// most `concurrency` pods at a time, followed by one watch for the whole run; each finished pod's log is read
// once and parsed; every pod of the run is deleted at the end, on failure and on interrupt. A node that cannot
// be probed becomes a failed node with its reason, never a crash of the run.
import {kubeRouterDeployment} from '../model/kube-router-config.js'
import {versionFromImage} from '../parsers/kube-router-version.js'
import {kubeRouterContainerName, kubeRouterPodStatuses, listKubeRouterPods} from './kube-router-pods.js'
import {interpretPod, lastLogLine, type PodOutcome} from '../model/pod-status.js'
import {PROBE_CONTAINER, probePodManifest, probePodName, probeScriptConfigMap, runSelector, scriptConfigMapName} from '../model/probe-pod.js'
import {apiserverTargets, serviceVipTargets} from '../expected/probe-targets.js'
import type {ClusterObjects, NodeCapture, NodeObject, Snapshot} from '../model/types.js'
import type {FailedNode, NodeFailureKind} from '../model/node-failure.js'
import {parseProbeOutput} from '../probe/framing.js'
import {probeEnvironment, type ProbeInputs} from '../probe/inputs.js'
import {InterruptedError, UserError} from '../model/errors.js'
import {KubeRequestError, type KubePort, type PodObject} from '../model/kube-port.js'
import {isPodSecurityRejection, preflight} from './preflight.js'
import {typedClusterObjects} from './cluster-objects.js'
import {matchesSelector, parseLabelSelector} from '../model/label-selector.js'
import type {NodePhase, ProgressSink} from '../model/progress.js'

export interface ClusterCollectOptions {
  nodeNames: readonly string[]
  selector: string | null
  /** probe image; null = the kube-router DaemonSet's image */
  image: string | null
  probeNamespace: string
  concurrency: number
  /** activeDeadlineSeconds of each probe pod; the run gives up on a pod a little after it */
  podTimeoutSec: number
  /** per-command timeout inside the probe */
  cmdTimeoutSec: number
  /** probe only the VIPs of Services in this namespace (null: every namespace) */
  serviceNamespace?: string | null
  runId: string
  script: string
  signal: AbortSignal
  warn(message: string): void
  now?(): number
  /** which of the read nodes to probe (dsr: the nodes that should program a Service); default all of them.
   * `kubeRouterNodes`: the nodes a kube-router pod of the DaemonSet runs on; null when that is unknown (no DaemonSet,
   * its pods not listable, none found) */
  chooseNodes?(cluster: ClusterObjects, kubeRouterNodes: ReadonlySet<string> | null): string[]
  /** what to probe on one node instead of doctor's default (every section, the API server and Service VIPs) */
  probeInputs?(node: string, cluster: ClusterObjects): Pick<ProbeInputs, 'sections' | 'targets' | 'dsrEndpoints'>
}

/** last log lines of a failed probe pod kept as evidence */
const LOG_EVIDENCE_LINES = 10

type ProbeFailure = {error: string; kind: NodeFailureKind; evidence?: string[]; pod?: {namespace: string; name: string}}

/** The pod's phase and its probe container's state, as `kubectl get pod` / `describe` would show them. */
export function podStatusLines(pod: PodObject | null): string[] {
  if (!pod) return []
  const status = (pod as {status?: {phase?: string; reason?: string; message?: string; containerStatuses?: {name?: string; restartCount?: number; state?: Record<string, {reason?: string; message?: string; exitCode?: number} | undefined>}[]}}).status
  if (!status) return []
  const lines = [`status: pod ${pod.metadata?.name ?? '?'} ${status.phase ?? 'Unknown'}${status.reason ? ` (${status.reason})` : ''}${status.message ? `: ${status.message}` : ''}`]
  for (const c of status.containerStatuses ?? []) {
    const [state, detail] = Object.entries(c.state ?? {}).find(([, v]) => v !== undefined) ?? ['unknown', undefined]
    const why = [detail?.reason, detail?.exitCode !== undefined ? `exit code ${detail.exitCode}` : undefined].filter(Boolean).join(', ')
    lines.push(`status: container ${c.name ?? '?'} ${state}${why ? ` (${why})` : ''}${detail?.message ? `: ${detail.message}` : ''}${c.restartCount ? `, ${c.restartCount} restarts` : ''}`)
  }
  return lines
}

/** consecutive failed watches (with backoff 0.2, 0.4, 0.8 s) before the API server counts as gone */
const MAX_WATCH_FAILURES = 3

type Settled = PodOutcome & {state: 'finished' | 'failed'}

interface NodeJob {
  node: string
  pod: string
  phase: NodePhase
  detail: string | null
  /** the kubelet said the image pull failed (and retries): a timeout then is an image-pull failure */
  pullFailing: boolean
  /** the pod as the watch last showed it: its status is evidence when the probe fails */
  lastPod: PodObject | null
  settled: boolean
  settle(outcome: Settled): void
  done: Promise<Settled>
}

export async function collectCluster(kube: KubePort, opts: ClusterCollectOptions, progress: ProgressSink): Promise<{snapshot: Snapshot; issues: string[]}> {
  const now = opts.now ?? Date.now
  const step = (message: string) => progress({kind: 'step', message, at: now()})
  const issues: string[] = []
  const selector = opts.selector === null ? null : parseLabelSelector(opts.selector)
  if (selector && 'error' in selector) throw new UserError(`-l: ${selector.error}`)
  throwIfAborted(opts.signal)

  step(`connecting to ${kube.server}`)
  await kube.serverVersion()
  step('checking permissions and Pod Security of the probe namespace')
  const kubeRouterNamespace = 'kube-system'
  const access = await preflight(kube, opts.probeNamespace, kubeRouterNamespace)
  for (const w of access.warnings) opts.warn(w)
  throwIfAborted(opts.signal)

  step('reading nodes, services, endpoint slices and the kube-router DaemonSet')
  // every node is read: --node and -l choose the nodes to probe, while checks compare a node with all the others
  // (pod-routes, node-ips-ipset), as in bundle mode
  const cluster = typedClusterObjects(await kube.fetchClusterObjects(), 'api', opts.warn)
  const known = new Set(cluster.nodes.map((n) => n.metadata.name))
  const unknown = opts.nodeNames.filter((n) => !known.has(n))
  if (unknown.length) throw new UserError(`node${unknown.length > 1 ? 's' : ''} not found: ${unknown.join(', ')} (see \`kubectl get nodes\`)`)
  const selected = cluster.nodes
    .filter((n) => (opts.nodeNames.length === 0 || opts.nodeNames.includes(n.metadata.name)) && (selector === null || matchesSelector(selector.requirements, n.metadata.labels ?? {})))
    .map((n) => n.metadata.name)
  if (selected.length === 0) throw new UserError(opts.selector ? `no node matches the selector "${opts.selector}"` : 'the cluster has no nodes')
  const deployment = kubeRouterDeployment(cluster.kubeRouter)
  const image = opts.image ?? deployment.image
  if (!image) {
    throw new UserError(
      'no kube-router DaemonSet found (label k8s-app=kube-router in kube-system, or a DaemonSet running a kube-router image) to take the probe image from: pass --image with kube-router\'s image',
    )
  }
  const routerPods = await listKubeRouterPods(kube, cluster, access.allowed({verb: 'list', resource: 'pods', namespace: deployment.namespace ?? kubeRouterNamespace}), opts.warn)
  const logDirs = kubeRouterLogDirs(cluster, routerPods)
  if (routerPods !== null) cluster.kubeRouterPods = await kubeRouterPodStatuses(kube, cluster, routerPods)
  throwIfAborted(opts.signal)

  const nodes = opts.chooseNodes ? opts.chooseNodes(cluster, logDirs.size ? new Set(logDirs.keys()) : null) : selected
  progress({kind: 'run-started', mode: 'cluster', context: kube.context, nodes, at: now()})
  if (nodes.length === 0) {
    return {snapshot: {mode: 'cluster', context: kube.context, bundle: null, createdAt: new Date(now()).toISOString(), cluster, nodes: [], failedNodes: []}, issues}
  }
  const runner = new ProbeRun(kube, opts, cluster, image, logDirs, progress, now)
  const {captures, failed, interrupted, lost, fatal} = await runner.run(nodes)
  const deleted = await runner.cleanup(access.allowed({verb: 'deletecollection', resource: 'pods', namespace: opts.probeNamespace}))

  if (interrupted) throw new InterruptedError(deleted === null ? `probe pods of run ${opts.runId} could not all be deleted; they stop by their deadline, and \`kubectl kr cleanup\` deletes them` : `deleted ${deleted} probe pod${deleted === 1 ? '' : 's'}`)
  if (fatal) throw fatal
  if (lost && captures.length === 0) throw new UserError(`${lost.connectionLost ? 'lost the API server during the run' : 'the API server stopped the run'}: ${lost.message}`)
  issues.push(...runner.issues)
  const snapshot: Snapshot = {
    mode: 'cluster',
    context: kube.context,
    bundle: null,
    createdAt: new Date(now()).toISOString(),
    cluster,
    nodes: orderLike(nodes, captures, (c) => c.name),
    failedNodes: orderLike(nodes, failed, (f) => f.name),
  }
  return {snapshot, issues}
}

class ProbeRun {
  private readonly jobs = new Map<string, NodeJob>()
  private readonly created = new Set<string>()
  private stopped = false
  private lost: KubeRequestError | null = null
  private fatal: UserError | null = null
  private watch: {stop(): void} | null = null
  private watchGeneration = 0
  private watchFailures = 0
  private scriptCreated = false
  readonly issues: string[] = []
  private readonly notReady: Map<string, string>
  private readonly withoutKubelet: Set<string>

  constructor(
    private readonly kube: KubePort,
    private readonly opts: ClusterCollectOptions,
    private readonly cluster: ClusterObjects,
    private readonly image: string,
    private readonly logDirs: Map<string, string>,
    private readonly progress: ProgressSink,
    private readonly now: () => number,
  ) {
    this.notReady = new Map(cluster.nodes.flatMap((n) => notReadyReason(n)))
    this.withoutKubelet = new Set(cluster.nodes.filter(kubeletGone).map((n) => n.metadata.name))
  }

  async run(nodes: string[]) {
    const captures: NodeCapture[] = []
    const failed: FailedNode[] = []
    const onAbort = () => this.stop(null)
    this.opts.signal.addEventListener('abort', onAbort, {once: true})
    try {
      await this.startWatch()
      await this.createScript()
      const queue = this.stopped ? [] : [...nodes]
      for (const node of this.stopped ? nodes : []) failed.push({name: node, error: this.stopReason(), kind: 'other'})
      const worker = async () => {
        for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
          if (this.stopped) {
            failed.push({name: node, error: this.stopReason(), kind: 'other'})
            this.node(node, 'failed', this.stopReason())
            continue
          }
          const result = await this.probe(node)
          if ('capture' in result) {
            captures.push(result.capture)
            this.node(node, 'collected', null)
          } else {
            failed.push({name: node, error: result.error, kind: result.kind, ...(result.evidence?.length ? {evidence: result.evidence} : {}), ...(result.pod ? {pod: result.pod} : {})})
            this.node(node, 'failed', result.error)
          }
        }
      }
      await Promise.all(Array.from({length: Math.max(1, Math.min(this.opts.concurrency, nodes.length))}, worker))
    } catch (error) {
      if (!(error instanceof KubeRequestError)) throw error
      this.lost ??= error
      for (const node of nodes) {
        if (!captures.some((c) => c.name === node) && !failed.some((f) => f.name === node)) failed.push({name: node, error: `lost the API server: ${error.message}`, kind: 'other'})
      }
    } finally {
      this.opts.signal.removeEventListener('abort', onAbort)
      this.watch?.stop()
      this.watch = null
    }
    return {captures, failed, interrupted: this.opts.signal.aborted, lost: this.lost, fatal: this.fatal}
  }

  private async createScript(): Promise<void> {
    this.scriptCreated = true // before the request: an interrupt during it must still delete it
    try {
      await this.kube.createConfigMap(this.opts.probeNamespace, probeScriptConfigMap({runId: this.opts.runId, namespace: this.opts.probeNamespace, script: this.opts.script}))
    } catch (error) {
      if (!(error instanceof KubeRequestError) || error.connectionLost) throw error
      this.scriptCreated = false
      this.fatal ??= new UserError(`cannot create the probe script ConfigMap in namespace ${this.opts.probeNamespace}: ${error.message}`)
      this.stop(null)
    }
  }

  /** Deletes every pod of the run and its script; null when that failed (reported as a warning). Bounded: each
   * request has its deadline, deletion stops at the first one that fails, and when the API server did not answer
   * the script ConfigMap is not tried either; the warning says what is left and that the pods end by their
   * deadline anyway. */
  async cleanup(collection: boolean): Promise<number | null> {
    const pods = await this.deletePods(collection)
    const left: string[] = []
    let reason = 'error' in pods ? pods.error : null
    if (this.scriptCreated) {
      const script = scriptConfigMapName(this.opts.runId)
      if ('error' in pods && pods.unanswered) left.push(`its script ConfigMap ${script}`)
      else {
        try {
          await this.kube.deleteConfigMap(this.opts.probeNamespace, script)
        } catch (error) {
          if (!(error instanceof KubeRequestError && error.code === 404)) {
            left.push(`its script ConfigMap ${script}`)
            reason ??= errorText(error)
          }
        }
      }
    }
    if ('error' in pods) {
      this.opts.warn(
        `could not delete the probe pods of run ${this.opts.runId} (${nameList(pods.left)})${left.length ? ` and ${left.join(', ')}` : ''}: ${reason}; ` +
          `the pods end by their deadline (activeDeadlineSeconds ${this.opts.podTimeoutSec}s) anyway, and \`kubectl kr cleanup\` deletes what is left`,
      )
    } else if (left.length) {
      this.opts.warn(`could not delete ${left.join(', ').replace(/^its /, '')} of run ${this.opts.runId}: ${reason}; \`kubectl kr cleanup\` deletes it`)
    }
    return 'error' in pods ? null : pods.deleted
  }

  private async deletePods(collection: boolean): Promise<{deleted: number} | {error: string; unanswered: boolean; left: string[]}> {
    if (this.created.size === 0) return {deleted: 0}
    this.progress({kind: 'step', message: `deleting ${this.created.size} probe pod${this.created.size === 1 ? '' : 's'}`, at: this.now()})
    const left = new Set(this.created)
    try {
      if (collection) {
        await this.kube.deletePods(this.opts.probeNamespace, runSelector(this.opts.runId))
        return {deleted: this.created.size}
      }
      let n = 0
      for (const pod of this.created) {
        try {
          await this.kube.deletePod(this.opts.probeNamespace, pod)
          n++
        } catch (error) {
          if (!(error instanceof KubeRequestError && error.code === 404)) throw error
        }
        left.delete(pod)
      }
      return {deleted: n}
    } catch (error) {
      return {error: errorText(error), unanswered: error instanceof KubeRequestError && error.connectionLost, left: [...left]}
    }
  }

  private stopReason(): string {
    if (this.opts.signal.aborted) return 'interrupted before its probe finished'
    if (this.fatal) return `not probed: ${this.fatal.message.split('\n')[0]}`
    if (this.lost && !this.lost.connectionLost) return `the API server stopped the run: ${this.lost.message}`
    return `lost the API server: ${this.lost?.message ?? 'connection closed'}`
  }

  private stop(lost: KubeRequestError | null) {
    if (lost) this.lost ??= lost
    this.stopped = true
    for (const job of this.jobs.values()) job.settle({state: 'failed', kind: 'other', reason: this.stopReason()})
  }

  private node(node: string, phase: NodePhase, detail: string | null) {
    this.progress({kind: 'node', node, phase, detail, at: this.now()})
  }

  private async startWatch(): Promise<void> {
    const generation = ++this.watchGeneration
    this.watch = await this.kube.watchPods(this.opts.probeNamespace, runSelector(this.opts.runId), {
      event: (type, pod) => {
        this.watchFailures = 0
        this.onPodEvent(type, pod)
      },
      done: (error) => {
        if (generation !== this.watchGeneration || this.stopped) return
        // The server ends watches now and then; a new one starts with the current state of every pod.
        // Failing again and again (the watch call itself resolves even when nothing answers) means the server is gone.
        if (error) this.watchFailures++
        if (this.watchFailures > MAX_WATCH_FAILURES) {
          this.stop(error)
          return
        }
        const delay = error ? 200 * 2 ** (this.watchFailures - 1) : 0
        setTimeout(() => {
          if (this.stopped) return
          this.startWatch().catch((again: unknown) => this.stop(again instanceof KubeRequestError ? again : new KubeRequestError(String(again), null)))
        }, delay)
      },
    })
  }

  private onPodEvent(type: string, pod: PodObject) {
    const job = this.jobs.get(pod.metadata?.name ?? '')
    if (job && type !== 'DELETED') job.lastPod = pod
    if (!job || job.settled) return
    if (type === 'DELETED') {
      job.settle({state: 'failed', kind: 'other', reason: 'the probe pod was deleted before it finished (by someone else, or with its node)'})
      return
    }
    const outcome = interpretPod(pod)
    if (outcome.state === 'progress') {
      if (outcome.phase !== job.phase || outcome.detail !== job.detail) {
        job.phase = outcome.phase
        job.detail = outcome.detail
        job.pullFailing = outcome.pullFailing === true
        this.node(job.node, outcome.phase, outcome.detail)
      }
      return
    }
    job.settle(outcome)
  }

  private newJob(node: string): NodeJob {
    let settle!: (o: Settled) => void
    const done = new Promise<Settled>((resolve) => (settle = resolve))
    const job: NodeJob = {
      node,
      pod: probePodName(this.opts.runId, node),
      phase: 'waiting',
      detail: null,
      pullFailing: false,
      lastPod: null,
      settled: false,
      settle: (o) => {
        if (job.settled) return
        job.settled = true
        settle(o)
      },
      done,
    }
    return job
  }

  /**
   * What a failed probe pod shows before it is deleted (issue 14): its status, its events and the last lines of its
   * log, so the node-probe finding carries them; the pod itself is gone by the time anyone reads the report. Never
   * asked for once the run stops (interrupt, API server lost): nothing would answer.
   */
  private async podEvidence(job: NodeJob, log: string | null): Promise<string[]> {
    if (this.stopped) return []
    const lines = podStatusLines(job.lastPod)
    try {
      for (const e of await this.kube.podEvents(this.opts.probeNamespace, job.pod)) {
        lines.push(`event: ${e.type} ${e.reason}${e.count > 1 ? ` (${e.count} times)` : ''}: ${e.message}`)
      }
    } catch (error) {
      if (!(error instanceof KubeRequestError) || error.connectionLost) return lines
      lines.push(`event: cannot list the pod's events (${error.message})`)
    }
    let text = log
    if (text === null) {
      try {
        text = await this.kube.podLog(this.opts.probeNamespace, job.pod, PROBE_CONTAINER, {tailLines: LOG_EVIDENCE_LINES})
      } catch {
        // a container that never started has no log; that is said by its status above
        text = ''
      }
    }
    const tail = text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '').slice(-LOG_EVIDENCE_LINES)
    for (const l of tail) lines.push(`log: ${l}`)
    return lines
  }

  private async failure(job: NodeJob, kind: NodeFailureKind, error: string, log: string | null = null): Promise<ProbeFailure> {
    return {kind, error, evidence: await this.podEvidence(job, log), pod: {namespace: this.opts.probeNamespace, name: job.pod}}
  }

  private async probe(node: string): Promise<{capture: NodeCapture} | ProbeFailure> {
    if (this.withoutKubelet.has(node)) {
      return {
        kind: 'node-not-ready',
        error: `the node is NotReady (${this.notReady.get(node)}): no kubelet there starts a probe pod, so none was created; run again once it is back, or \`sudo kubectl kr doctor --local\` on the node`,
      }
    }
    const job = this.newJob(node)
    this.jobs.set(job.pod, job)
    const env = probeEnvironment({
      hostRoot: '/host',
      sections: 'all',
      targets: [...apiserverTargets(this.cluster), ...serviceVipTargets(this.cluster, node, versionFromImage(kubeRouterDeployment(this.cluster.kubeRouter).image ?? ''), this.opts.serviceNamespace ?? null)],
      cmdTimeoutSec: this.opts.cmdTimeoutSec,
      kubeRouterLogDir: this.logDirs.get(node),
      ...this.opts.probeInputs?.(node, this.cluster),
    })
    const manifest = probePodManifest({
      runId: this.opts.runId,
      nodeName: node,
      namespace: this.opts.probeNamespace,
      image: this.image,
      scriptConfigMap: scriptConfigMapName(this.opts.runId),
      env,
      deadlineSeconds: this.opts.podTimeoutSec,
    })
    try {
      this.created.add(job.pod) // before the request: an interrupt during it must still delete the pod
      await this.kube.createPod(this.opts.probeNamespace, manifest)
    } catch (error) {
      this.jobs.delete(job.pod)
      if (!(error instanceof KubeRequestError)) throw error
      if (error.connectionLost) {
        this.stop(error)
        return {kind: 'other', error: `lost the API server: ${error.message}`}
      }
      // the server accepted it but its answer is garbage: the pod may exist, and stays among those to delete
      if (error.unreadableAnswer) return {kind: 'other', error: `cannot tell whether the probe pod was created: ${error.message}`}
      this.created.delete(job.pod)
      if (isPodSecurityRejection(error) || error.code === 403 || error.code === 401) {
        this.fatal ??= podCreateRefusal(error, this.opts.probeNamespace)
        this.stop(null)
        return {kind: 'other', error: `the API server refused the probe pod: ${error.message}`}
      }
      return {kind: 'other', error: `the API server refused the probe pod: ${error.message}`}
    }
    if (this.stopped) job.settle({state: 'failed', kind: 'other', reason: this.stopReason()})
    this.node(node, 'scheduled', null)
    job.phase = 'scheduled'

    // past the deadline, a pod the kubelet never reports on (node down) gets a grace period, then counts as failed
    const waitMs = this.opts.podTimeoutSec * 1000 + Math.min(15_000, this.opts.podTimeoutSec * 1000)
    const timer = setTimeout(() => {
      const where = job.detail ? `${job.phase}: ${job.detail}` : job.phase
      const notReady = this.notReady.get(node)
      job.settle({
        state: 'failed',
        kind: job.pullFailing ? 'image-pull' : 'timeout',
        reason: `the probe pod did not finish within ${Math.round(waitMs / 1000)}s (last state: ${where})${notReady ? `; the node is NotReady (${notReady})` : ''}`,
      })
    }, waitMs)
    const outcome = await job.done
    clearTimeout(timer)
    this.jobs.delete(job.pod)
    if (outcome.state === 'failed') {
      const notReady = this.notReady.get(node)
      const kind = notReady && outcome.kind === 'other' ? 'node-not-ready' : outcome.kind
      return this.failure(job, kind, notReady && !outcome.reason.includes('NotReady') ? `${outcome.reason}; the node is NotReady (${notReady})` : outcome.reason)
    }
    if (this.stopped) return {kind: 'other', error: this.stopReason()}
    this.node(node, 'running', 'reading the probe output')
    let log: string
    try {
      log = await this.kube.podLog(this.opts.probeNamespace, job.pod, PROBE_CONTAINER)
    } catch (error) {
      if (error instanceof KubeRequestError && error.connectionLost) {
        this.stop(error)
        return {kind: 'other', error: `lost the API server: ${error.message}`}
      }
      return this.failure(job, 'other', `cannot read the probe pod's log: ${error instanceof Error ? error.message : String(error)}`, '')
    }
    const parsed = parseProbeOutput(log, node)
    if (!parsed.started && outcome.exitCode !== 0) {
      return this.failure(job, 'other', `the probe exited with code ${outcome.exitCode ?? 'unknown'} before finishing: ${lastLogLine(log) || '(no output)'}`, log)
    }
    if (!parsed.started) {
      return this.failure(job, 'other', `unreadable probe output (exit code ${outcome.exitCode ?? 'unknown'}): ${parsed.issues[0] ?? 'no KR-PROBE header'}; last line: ${lastLogLine(log) || '(empty)'}`, log)
    }
    if (outcome.exitCode !== 0 && !parsed.complete) {
      return this.failure(job, 'other', `the probe exited with code ${outcome.exitCode ?? 'unknown'} before finishing: ${lastLogLine(log) || '(no output)'}`, log)
    }
    for (const issue of parsed.issues) this.issues.push(`node ${node}: ${issue}`)
    return {capture: parsed.capture}
  }
}

function podCreateRefusal(error: KubeRequestError, namespace: string): UserError {
  if (isPodSecurityRejection(error)) {
    return new UserError(
      [
        `Pod Security Admission rejected the probe pod in namespace ${namespace}: ${error.message}`,
        `  fix: kubectl label namespace ${namespace} pod-security.kubernetes.io/enforce=privileged --overwrite`,
        '  or pass --probe-namespace with a namespace whose Pod Security level is privileged',
      ].join('\n'),
    )
  }
  return new UserError(`cannot create probe pods in namespace ${namespace}: ${error.message}`)
}

/** node -> kubelet log directory of its kube-router container, relative to the host root. */
function kubeRouterLogDirs(cluster: ClusterObjects, pods: PodObject[] | null): Map<string, string> {
  const dirs = new Map<string, string>()
  const container = kubeRouterContainerName(cluster)
  for (const pod of pods ?? []) {
    const node = pod.spec?.nodeName
    const name = pod.metadata?.name
    const uid = pod.metadata?.uid
    const namespace = pod.metadata?.namespace ?? cluster.kubeRouter?.metadata.namespace ?? 'kube-system'
    const c = container ?? pod.spec?.containers?.[0]?.name
    if (node && name && uid && c) dirs.set(node, `var/log/pods/${namespace}_${name}_${uid}/${c}`)
  }
  return dirs
}

/** Nodes whose kubelet stopped posting status (Ready=Unknown): no kubelet there will start a probe pod, so the
 * run does not wait the pod timeout for them. Ready=False alone (say, the CNI is not ready, as when kube-router is
 * down) still runs a hostNetwork probe pod, and such a node is probed. */
function kubeletGone(node: NodeObject): boolean {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready') as {status?: string} | undefined
  return ready?.status === 'Unknown'
}

function notReadyReason(node: NodeObject): [string, string][] {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready') as {status?: string; reason?: string; message?: string} | undefined
  if (!ready || ready.status === 'True') return []
  return [[node.metadata.name, [ready.reason, ready.message].filter(Boolean).join(': ') || `Ready=${ready.status}`]]
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** "a, b, c" or "a, b, c, d, e and 7 more" */
function nameList(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ')
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown
}

function orderLike<T>(order: string[], items: T[], name: (t: T) => string): T[] {
  const index = new Map(order.map((n, i) => [n, i]))
  return [...items].sort((a, b) => (index.get(name(a)) ?? 0) - (index.get(name(b)) ?? 0))
}

function throwIfAborted(signal: AbortSignal) {
  if (signal.aborted) throw new InterruptedError('no probe pod was created')
}
