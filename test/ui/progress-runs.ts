// Progress events of a cluster run, shared by the live-phase tests.
import type {ProgressEvent} from '../../src/model/progress.js'

export const T0 = 1_000_000

export function clusterRun(): ProgressEvent[] {
  return [
    {kind: 'step', message: 'reading cluster objects', at: T0},
    {kind: 'run-started', mode: 'cluster', context: 'prod-eu', nodes: ['node-a', 'node-b', 'node-c', 'node-d'], at: T0 + 100},
    {kind: 'node', node: 'node-a', phase: 'scheduled', detail: null, at: T0 + 200},
    {kind: 'node', node: 'node-b', phase: 'scheduled', detail: null, at: T0 + 250},
    {kind: 'node', node: 'node-a', phase: 'pulling', detail: 'docker.io/cloudnativelabs/kube-router:v2.1.2', at: T0 + 300},
    {kind: 'node', node: 'node-b', phase: 'running', detail: null, at: T0 + 400},
    {kind: 'node', node: 'node-b', phase: 'collected', detail: null, at: T0 + 1400},
    {kind: 'node', node: 'node-c', phase: 'failed', detail: 'probe pod did not start: ImagePullBackOff', at: T0 + 1500},
  ]
}
