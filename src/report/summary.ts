// The report's summary counts and the canonical order of findings.
import type {DoctorReport, Finding, NodeReport, Severity} from '../model/report.js'

const SEVERITY_RANK: Record<Severity, number> = {error: 0, warning: 1, info: 2}

/** Rank of a severity: 0 for the most severe. */
export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity] ?? 3
}

/** Code-point comparison: the same order on every machine and locale. null sorts first. */
function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  return a < b ? -1 : 1
}

/** Findings ordered by severity (error > warning > info), then node (cluster-level first), check, subject. Returns a new array. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      compareText(a.node, b.node) ||
      compareText(a.check, b.check) ||
      compareText(a.subject, b.subject),
  )
}

/** The `summary` object of CONTRACT §3. */
export function summarise(findings: readonly Finding[], nodes: readonly NodeReport[]): DoctorReport['summary'] {
  const summary = {errors: 0, warnings: 0, infos: 0, nodesProbed: 0, nodesFailed: 0}
  for (const finding of findings) {
    if (finding.severity === 'error') summary.errors++
    else if (finding.severity === 'warning') summary.warnings++
    else if (finding.severity === 'info') summary.infos++
  }
  for (const node of nodes) {
    if (node.status === 'probed') summary.nodesProbed++
    else if (node.status === 'failed') summary.nodesFailed++
  }
  return summary
}
