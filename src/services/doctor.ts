// The doctor use case: collect a snapshot (through whichever collector the command picked), optionally save it
// as a bundle, analyse it, and hand back the report. Never sees flags; never renders.
import {analyse} from './analyse.js'
import type {Check} from '../checks/define.js'
import type {Snapshot} from '../model/types.js'
import type {DoctorReport} from '../report/types.js'

export interface DoctorPorts {
  collect(): Promise<{snapshot: Snapshot; issues: string[]}>
  saveBundle?(snapshot: Snapshot): Promise<void>
  warn(message: string): void
}

export async function runDoctor(ports: DoctorPorts, checks: readonly Check[]): Promise<DoctorReport> {
  const {snapshot, issues} = await ports.collect()
  for (const issue of issues) ports.warn(issue)
  if (ports.saveBundle) await ports.saveBundle(snapshot)
  const {report, sourceWarnings} = analyse(snapshot, checks)
  for (const w of sourceWarnings) ports.warn(`${w}; checks that need it report error`)
  return report
}
