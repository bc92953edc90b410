// Progress events: what a doctor run reports while it works. The service emits them; renderers (the stderr
// progress line, the TUI) consume them. Plain data, so a run can be replayed in tests.

/** Where one node is in a run. Cluster mode walks waiting → scheduled → pulling? → running → collected
 * (or failed at any point); local and bundle modes go straight to collected. */
export type NodePhase = 'waiting' | 'scheduled' | 'pulling' | 'running' | 'collected' | 'failed'

export type ProgressEvent =
  /** the target nodes are known; every one starts as waiting */
  | {kind: 'run-started'; mode: 'cluster' | 'local' | 'bundle'; context: string | null; nodes: string[]; at: number}
  | {kind: 'node'; node: string; phase: NodePhase; detail: string | null; at: number}
  /** a step of the run that is not about one node (reading cluster objects, preflight, cleanup...) */
  | {kind: 'step'; message: string; at: number}
  | {kind: 'analysing'; at: number}
  | {kind: 'run-finished'; at: number}

export type ProgressSink = (event: ProgressEvent) => void

export const ignoreProgress: ProgressSink = () => {}
