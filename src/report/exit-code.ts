// The exit code is a pure function of the report and --fail-on (CONTRACT §2).
// Exit 2 (could not diagnose at all) is decided by the command; nothingDiagnosed says when a report is such a run.
import {severityRank} from './summary.js'
import type {DoctorReport, FailOn} from '../model/report.js'

/**
 * 1 when a finding is at or above `failOn`, or when a check could not evaluate
 * (result status `error`) and `failOn` is `error` or `warning`; otherwise 0.
 * `none` never fails.
 */
export function exitCodeFor(report: Pick<DoctorReport, 'findings' | 'results'>, failOn: FailOn): 0 | 1 {
  if (failOn === 'none') return 0
  const threshold = severityRank(failOn)
  if (report.findings.some((finding) => severityRank(finding.severity) <= threshold)) return 1
  if (report.results.some((result) => result.status === 'error')) return 1
  return 0
}

/**
 * Why nothing was diagnosed, or null when something was: no node was probed, or no check could evaluate any
 * probed node (every source missing or unreadable). Such a run is exit 2 (CONTRACT §2), never "no problems".
 */
export function nothingDiagnosed(report: Pick<DoctorReport, 'nodes' | 'results'>): string | null {
  const probed = report.nodes.filter((n) => n.status === 'probed')
  if (probed.length === 0) {
    const failed = report.nodes.filter((n) => n.status === 'failed')
    if (report.nodes.length === 0) return 'the capture holds no node'
    return failed.length > 0 ? `no node could be probed (${failed.length === 1 ? `${failed[0].name}: ${failed[0].error ?? 'failed'}` : `all ${failed.length} failed; see the report`})` : 'no node was probed'
  }
  const evaluated = (node: string) => report.results.some((r) => r.node === node && (r.status === 'pass' || r.status === 'fail'))
  if (probed.some((n) => evaluated(n.name))) return null
  return `no check could evaluate ${probed.length === 1 ? `node ${probed[0].name}` : `any of the ${probed.length} probed nodes`}: their sources are missing or unreadable (see the warnings)`
}
