// The exit code is a pure function of the report and --fail-on (CONTRACT §2).
// Exit 2 (could not diagnose at all) is decided by the command, never here.
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
