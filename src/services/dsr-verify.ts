// Verifies on the nodes what kube-router programmed for DSR Services: `dsr status` (expectation 'enabled') and the
// verification step of `dsr enable` / `dsr disable`. One doctor-style cluster run (collect-cluster.ts: preflight,
// image choice, bounded concurrency, one watch, every pod deleted at the end, at most one probe pod per node at a
// time) over only the nodes that should program the Services, with the endpoint pods' IPs of each node passed to
// its probe (KR_DSR_ENDPOINTS); each node's capture is then judged by expected/dsr-node-verdict.ts.
import {randomBytes} from 'node:crypto'
import {kubeRouterDeployment, parseKubeRouterArgs} from '../model/kube-router-config.js'
import {UserError} from '../model/errors.js'
import {ignoreProgress, type ProgressSink} from '../model/progress.js'
import {dsrNodePlan, dsrNodeVerdict, notExpectedReason, type DsrNodePlan} from '../expected/dsr-node-verdict.js'
import {parseNodeCapture} from '../parsers/node-capture.js'
import {collectCluster} from './collect-cluster.js'
import type {DsrExpectation, DsrServiceVerification} from '../model/dsr-verification.js'
import type {KubePort} from '../model/kube-port.js'
import type {ClusterObjects, ServiceObject} from '../model/types.js'

export interface DsrVerifyRequest {
  services: {namespace: string; name: string}[]
  expectation: DsrExpectation
}

export interface DsrVerifyOptions {
  /** probe image; null = the kube-router DaemonSet's image (as doctor) */
  image: string | null
  probeNamespace: string
  /** probe pods alive at a time (never more than one per node) */
  concurrency: number
  /** activeDeadlineSeconds of each probe pod; the run gives up on a pod a little after it */
  podTimeoutSec: number
  /** per-command timeout inside the probe */
  cmdTimeoutSec: number
  /** aborted on SIGINT/SIGTERM: the probe pods are deleted and verifyDsr rejects with InterruptedError */
  signal: AbortSignal
  onProgress?: ProgressSink
  warn?(message: string): void
  /** default: a random one */
  runId?: string
  /** the probe script; default: probe.sh as shipped */
  script?: string
}

function findService(cluster: ClusterObjects, ref: {namespace: string; name: string}): ServiceObject {
  const svc = cluster.services.find((s) => (s.metadata.namespace ?? 'default') === ref.namespace && s.metadata.name === ref.name)
  if (!svc) throw new UserError(`service ${ref.namespace}/${ref.name} not found`)
  return svc
}

interface ServicePlan {
  ref: {namespace: string; name: string}
  svc: ServiceObject
  nodes: DsrNodePlan[]
}

function planOf(cluster: ClusterObjects, request: DsrVerifyRequest, kubeRouterNodes: ReadonlySet<string> | null): ServicePlan[] {
  return request.services.map((ref) => {
    const svc = findService(cluster, ref)
    return {ref, svc, nodes: dsrNodePlan(cluster, svc, kubeRouterNodes)}
  })
}

/** Nodes that should program (or, disabled, serve) at least one of the Services, in the cluster's node order. */
function nodesToProbe(cluster: ClusterObjects, plans: ServicePlan[], expectation: DsrExpectation): string[] {
  const wanted = new Set<string>()
  for (const p of plans) for (const n of p.nodes) if (notExpectedReason(cluster, p.svc, n, expectation) === null) wanted.add(n.node)
  return cluster.nodes.map((n) => n.metadata.name).filter((n) => wanted.has(n))
}

/** The endpoint pod IPs whose insides the probe on `node` reads (only when DSR is expected there). */
function endpointIps(cluster: ClusterObjects, plans: ServicePlan[], expectation: DsrExpectation, node: string): string[] {
  if (expectation !== 'enabled') return []
  const ips = new Set<string>()
  for (const p of plans) {
    const n = p.nodes.find((x) => x.node === node)
    if (n && notExpectedReason(cluster, p.svc, n, expectation) === null) for (const ip of n.localEndpoints) ips.add(ip)
  }
  return [...ips]
}

export async function verifyDsr(kube: KubePort, request: DsrVerifyRequest, options: DsrVerifyOptions): Promise<DsrServiceVerification[]> {
  const progress = options.onProgress ?? ignoreProgress
  const warn = options.warn ?? (() => {})
  const script = options.script ?? (await (async () => {
    const {readProbeScript, compactScript} = await import('../probe/script-path.js')
    return compactScript(await readProbeScript())
  })())
  let plans: ServicePlan[] = []
  try {
    const {snapshot, issues} = await collectCluster(
      kube,
      {
        nodeNames: [],
        selector: null,
        image: options.image,
        probeNamespace: options.probeNamespace,
        concurrency: options.concurrency,
        podTimeoutSec: options.podTimeoutSec,
        cmdTimeoutSec: options.cmdTimeoutSec,
        runId: options.runId ?? randomBytes(3).toString('hex'),
        script,
        signal: options.signal,
        warn,
        chooseNodes: (cluster, kubeRouterNodes) => {
          plans = planOf(cluster, request, kubeRouterNodes)
          return nodesToProbe(cluster, plans, request.expectation)
        },
        probeInputs: (node, cluster) => ({sections: 'passive', targets: [], dsrEndpoints: endpointIps(cluster, plans, request.expectation, node)}),
      },
      progress,
    )
    for (const issue of issues) warn(issue)
    progress({kind: 'analysing', at: Date.now()})
    const cluster = snapshot.cluster!
    const deployment = kubeRouterDeployment(cluster.kubeRouter)
    const config = cluster.kubeRouter ? parseKubeRouterArgs(deployment.args) : null
    const captures = new Map(snapshot.nodes.map((c) => [c.name, parseNodeCapture(c)]))
    const failed = new Map(snapshot.failedNodes.map((f) => [f.name, f.error]))
    return plans.map((p): DsrServiceVerification => {
      const nodes = p.nodes.map((plan) =>
        dsrNodeVerdict({
          cluster, service: p.svc, config, image: deployment.image, expectation: request.expectation, plan,
          capture: captures.get(plan.node) ?? {notProbed: failed.get(plan.node) ?? 'not probed'},
        }))
      const good = request.expectation === 'enabled' ? 'programmed' : 'undone'
      return {
        namespace: p.ref.namespace,
        name: p.ref.name,
        expectation: request.expectation,
        nodes,
        // DSR programmed nowhere (annotation gone, no node expected to program it) is no verified DSR
        verified: nodes.every((n) => n.state === good || n.state === 'not-expected') && (request.expectation === 'disabled' || nodes.some((n) => n.state === good)),
      }
    })
  } finally {
    progress({kind: 'run-finished', at: Date.now()})
  }
}
