// Snapshot -> report: parse every node's capture, derive facts, run the checks, summarise. Pure.
import type {NodeState} from '../model/node-state.js'
import {SOURCE_NAMES, type SourceName} from '../model/sources.js'
import {nodeFailureKind, type FailedNode, type NodeFailureKind} from '../model/node-failure.js'
import {parseNodeCapture} from '../parsers/node-capture.js'
import {deriveNodeFacts} from '../expected/node-facts.js'
import {kubeRouterDeployment, parseKubeRouterArgs} from '../model/kube-router-config.js'
import {runChecks} from '../checks/run.js'
import {summarise, sortFindings} from '../report/summary.js'
import type {Check, NodeCheckContext} from '../checks/define.js'
import type {ProbeResult, Snapshot} from '../model/types.js'
import type {DoctorReport, FindingBody, NodeReport} from '../model/report.js'
import {fingerprintOf, type NodeIdentity} from '../report/fingerprint.js'

export interface Analysis {
  report: DoctorReport
  /** one line per source that could not be read: "nodes/a/ip-route.json: not valid JSON (...)" */
  sourceWarnings: string[]
}

/** missing: not collected; unreadable: collected, nothing usable in it; partly-unreadable: some lines unread. */
type SourceIssueKind = 'missing' | 'unreadable' | 'partly-unreadable'

interface SourceIssue {
  file: SourceName
  kind: SourceIssueKind
  text: string
}

function sourceIssues(state: NodeState): SourceIssue[] {
  const out: SourceIssue[] = []
  for (const file of SOURCE_NAMES) {
    const s = state.sources[file]
    if (!s.present) out.push({file, kind: 'missing', text: s.reason})
    else if (s.parsed.fatal) out.push({file, kind: 'unreadable', text: `unreadable: ${s.parsed.issues[0]?.message ?? 'no usable content'}`})
    else if (s.parsed.issues.length) out.push({file, kind: 'partly-unreadable', text: `${s.parsed.issues.length} unreadable line(s), first: ${s.parsed.issues[0].message}`})
  }
  return out
}

export interface AnalysisScope {
  /** report only the probed VIPs of Services in this namespace (doctor -n); null: every namespace */
  serviceNamespace?: string | null
}

export function analyse(snapshot: Snapshot, checks: readonly Check[], now: Date = new Date(), scope: AnalysisScope = {}): Analysis {
  const deployment = kubeRouterDeployment(snapshot.cluster?.kubeRouter ?? null)
  const config = snapshot.cluster?.kubeRouter ? parseKubeRouterArgs(deployment.args) : null
  const contexts: NodeCheckContext[] = snapshot.nodes.map((capture) => {
    const node = limitServiceProbes(parseNodeCapture(capture), scope.serviceNamespace ?? null)
    return {node, facts: deriveNodeFacts(node, snapshot.cluster, config, deployment.image), cluster: snapshot.cluster, config}
  })
  const run = runChecks(checks, contexts, {
    nodes: contexts.map(({node, facts}) => ({node, facts})),
    cluster: snapshot.cluster,
    config,
    image: deployment.image,
  })

  const sourceWarnings: string[] = []
  const nodes: NodeReport[] = contexts.map(({node, facts}) => {
    const issues = sourceIssues(node)
    for (const {file, kind, text} of issues) if (kind !== 'missing') sourceWarnings.push(`nodes/${node.name}/${file}: ${text}`)
    const byFile = Object.fromEntries(issues.map(({file, text}) => [file, text]))
    return {name: node.name, status: 'probed', error: null, kubeRouterVersion: facts.version?.text ?? null, sourceIssues: byFile}
  })
  for (const failed of snapshot.failedNodes) nodes.push({name: failed.name, status: 'failed', error: failed.error})
  const failedNodeFindings = snapshot.failedNodes.map(nodeProbeFinding)
  const failedNodeResults = snapshot.failedNodes.flatMap((failed) =>
    checks
      .filter((c) => c.scope === 'node')
      .map((c) => ({check: c.id, node: failed.name, status: 'skipped' as const, reason: `node not probed: ${failed.error}`})),
  )

  const versions = [...new Set(contexts.map((c) => c.facts.version?.text).filter((v): v is string => Boolean(v)))]
  const identities = nodeIdentities(snapshot, contexts)
  const findings = sortFindings([...run.findings, ...failedNodeFindings].map((f) => ({...f, fingerprint: fingerprintOf(f, f.node === null ? null : (identities.get(f.node) ?? {name: f.node, addresses: []}))})))
  return {
    sourceWarnings,
    report: {
      apiVersion: 'kr.kube-router.io/v1',
      kind: 'DoctorReport',
      generatedAt: now.toISOString(),
      source: {mode: snapshot.mode, context: snapshot.context, bundle: snapshot.bundle},
      kubeRouter: {version: versions.length === 1 ? versions[0] : versions.length > 1 ? versions.join(',') : null, image: deployment.image, args: deployment.args},
      nodes,
      results: [...run.results, ...failedNodeResults],
      findings,
      checks: checks.map(({id, title}) => ({id, title})),
      summary: summarise(findings, nodes),
    },
  }
}

/** Each node's name and own addresses (from its Node object and its interfaces): what the fingerprint leaves out. */
function nodeIdentities(snapshot: Snapshot, contexts: readonly NodeCheckContext[]): Map<string, NodeIdentity> {
  const identities = new Map<string, NodeIdentity>()
  for (const node of snapshot.cluster?.nodes ?? []) {
    const addresses = (node.status?.addresses ?? []).filter((a) => a.type !== 'Hostname').map((a) => a.address)
    identities.set(node.metadata.name, {name: node.metadata.name, addresses})
  }
  for (const {facts} of contexts) {
    const known = identities.get(facts.name)?.addresses ?? []
    const own = [facts.nodeIp[4], facts.nodeIp[6], ...facts.localAddresses[4], ...facts.localAddresses[6]].filter((a): a is string => Boolean(a))
    identities.set(facts.name, {name: facts.name, addresses: [...known, ...own]})
  }
  return identities
}

/** Drops the Service VIP probes of other namespaces (and of VIPs whose Service is unknown) when -n limits them. */
function limitServiceProbes(node: NodeState, namespace: string | null): NodeState {
  const probes = node.sources['probes.json']
  if (namespace === null || !probes.present) return node
  const inScope = (p: ProbeResult) => p.kind !== 'service-vip' || (p.service !== null && p.service.split('/')[0] === namespace)
  return {...node, sources: {...node.sources, 'probes.json': {...probes, parsed: {...probes.parsed, value: probes.parsed.value.filter(inScope)}}}}
}

/** A node that could not be probed is a finding (CONTRACT §2: partial failures are findings, not exit 2). */
export const NODE_PROBE_CHECK = 'node-probe'

/** The first step for each kind of node failure: what still makes sense once the run has deleted its pod. */
function firstStep(kind: NodeFailureKind, node: string): string {
  switch (kind) {
    case 'image-pull':
      return 'pass --image with an image the node can pull (it needs sh, ip, ipset, iptables; the kube-router image has them)'
    case 'timeout':
      return 'raise --pod-timeout, or run `sudo kubectl kr doctor --local` on the node'
    case 'node-not-ready':
      return `kubectl describe node ${node}`
    case 'other':
      return `run \`sudo kubectl kr doctor --local --node ${node}\` on the node`
  }
}

/** The cause in the title, so the same failure on many nodes is one problem and different ones stay apart. */
const FAILURE_TITLE: Record<NodeFailureKind, string> = {
  'image-pull': 'the probe image could not be pulled',
  timeout: 'the probe pod did not finish in time',
  'node-not-ready': 'the node is NotReady',
  other: 'the probe failed',
}

function nodeProbeFinding(failed: FailedNode): FindingBody {
  const {name: node, error, pod} = failed
  const kind = nodeFailureKind(failed)
  const remediation = [firstStep(kind, node)]
  // the probe pod is deleted with the run; its events stay in the API for about an hour
  if (pod) remediation.push(`kubectl get events -n ${pod.namespace} --field-selector involvedObject.name=${pod.name}`)
  remediation.push(`kubectl kr doctor --node ${node}   (again, once the cause is fixed)`)
  return {
    check: NODE_PROBE_CHECK,
    severity: 'warning',
    node,
    subject: null,
    title: `node ${node} could not be probed: ${FAILURE_TITLE[kind]}`,
    detail: `No check ran on ${node}: ${error}${failed.evidence?.length ? ' The evidence is what the probe pod showed before the run deleted it.' : ''}`,
    evidence: [error, ...(failed.evidence ?? [])],
    remediation,
    fixedIn: null,
  }
}
