// A check is a declared value: id, title, the sources it needs, the versions it applies to, and a pure evaluator.
import type {NodeState} from '../model/node-state.js'
import type {NodeFacts} from '../expected/node-facts.js'
import type {KubeRouterConfig} from '../model/kube-router-config.js'
import type {ClusterObjects, SourceName, Version} from '../model/types.js'
import type {FindingBody} from '../model/report.js'

/** Everything a finding must carry; the engine adds check id and node. */
export type FindingInput = Omit<FindingBody, 'check' | 'node'>

export type Outcome =
  | {skip: string}
  | {findings: FindingInput[]; note?: string}

export interface NodeCheckContext {
  node: NodeState
  facts: NodeFacts
  /** null in local mode without a kubeconfig */
  cluster: ClusterObjects | null
  /** kube-router flags from the DaemonSet, null when the DaemonSet is unknown */
  config: KubeRouterConfig | null
}

export interface ClusterCheckContext {
  nodes: {node: NodeState; facts: NodeFacts}[]
  cluster: ClusterObjects | null
  config: KubeRouterConfig | null
  image: string | null
}

interface CheckBase {
  id: string
  title: string
  /** sources without which the check cannot say anything: it reports `skipped` with the reason */
  needs: readonly SourceName[]
  /** sources it reads when present */
  uses?: readonly SourceName[]
  /** the kube-router versions the check applies to; outside them it reports `skipped` */
  versions?: {from?: string; before?: string; why: string}
}

export interface NodeCheck extends CheckBase {
  scope: 'node'
  evaluate(ctx: NodeCheckContext): Outcome
}

export interface ClusterCheck extends CheckBase {
  scope: 'cluster'
  evaluate(ctx: ClusterCheckContext): Outcome
}

export type Check = NodeCheck | ClusterCheck

export function defineNodeCheck(check: Omit<NodeCheck, 'scope'>): NodeCheck {
  return {...check, scope: 'node'}
}

export function defineClusterCheck(check: Omit<ClusterCheck, 'scope'>): ClusterCheck {
  return {...check, scope: 'cluster'}
}

export type {Version}
