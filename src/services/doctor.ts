// The doctor use case: collect a snapshot (through whichever collector the command picked), optionally save it
// as a bundle, analyse it, and hand back the report. Never sees flags; never renders.
import {analyse} from './analyse.js'
import type {Check} from '../checks/define.js'
import type {Snapshot} from '../model/types.js'
import type {DoctorReport} from '../model/report.js'
import {ignoreProgress, type ProgressSink} from '../model/progress.js'

export interface DoctorPorts {
  /** collectors that probe nodes one by one (cluster mode) report node progress themselves */
  collect(progress: ProgressSink): Promise<{snapshot: Snapshot; issues: string[]}>
  saveBundle?(snapshot: Snapshot): Promise<void>
  warn(message: string): void
  progress?: ProgressSink
  now?(): number
}

export async function runDoctor(ports: DoctorPorts, checks: readonly Check[]): Promise<{report: DoctorReport; snapshot: Snapshot}> {
  const progress = ports.progress ?? ignoreProgress
  const now = ports.now ?? Date.now
  const {snapshot, issues} = await ports.collect(progress)
  if (snapshot.mode !== 'cluster') {
    const names = [...snapshot.nodes.map((n) => n.name), ...snapshot.failedNodes.map((n) => n.name)]
    progress({kind: 'run-started', mode: snapshot.mode, context: snapshot.context, nodes: names, at: now()})
    for (const n of snapshot.nodes) progress({kind: 'node', node: n.name, phase: 'collected', detail: null, at: now()})
    for (const n of snapshot.failedNodes) progress({kind: 'node', node: n.name, phase: 'failed', detail: n.error, at: now()})
  }
  for (const issue of issues) ports.warn(issue)
  if (ports.saveBundle) await ports.saveBundle(snapshot)
  progress({kind: 'analysing', at: now()})
  const {report, sourceWarnings} = analyse(snapshot, checks)
  for (const w of sourceWarnings) ports.warn(`${w}; checks that need it report error`)
  progress({kind: 'run-finished', at: now()})
  return {report, snapshot}
}
