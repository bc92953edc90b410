// The same fault on many nodes, shown once: findings grouped by fingerprint (CONTRACT §3), for the text, TUI and
// Markdown renderers (JSON keeps one finding per node). Also the one-line summary every renderer starts with.
import {severityRank, sortFindings} from './summary.js'
import type {DoctorReport, Finding} from '../model/report.js'

export interface FindingGroup {
  /** the first finding of the group (by node name): its text stands for the group */
  finding: Finding
  /** every finding of the group, one per node (or the cluster) */
  findings: Finding[]
  nodes: (string | null)[]
}

/** A finding without a fingerprint (a report from an older version) groups with its exact copies only. */
function groupKey(f: Finding): string {
  return f.fingerprint ?? JSON.stringify([f.check, f.severity, f.subject, f.title, f.detail, f.evidence, f.remediation, f.fixedIn])
}

/** Groups in severity order, the ones on most nodes first, then in the order of their first finding. */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>()
  for (const finding of sortFindings(findings)) {
    const key = `${finding.severity}\u0000${groupKey(finding)}`
    const group = groups.get(key)
    if (group) {
      group.findings.push(finding)
      group.nodes.push(finding.node)
    } else groups.set(key, {finding, findings: [finding], nodes: [finding.node]})
  }
  // severity first, the most widespread first; otherwise the report's order (node, check, subject): sort is stable
  return [...groups.values()].sort((a, b) => severityRank(a.finding.severity) - severityRank(b.finding.severity) || b.nodes.length - a.nodes.length)
}

/** "node-a", "node-a, node-b", or "node-a, node-b, node-c, … +40" (null is the cluster). */
export function nodeList(nodes: readonly (string | null)[], shown = 3, ellipsis = '…'): string {
  const names = nodes.map((n) => n ?? 'cluster')
  if (names.length <= shown + 1) return names.join(', ')
  return `${names.slice(0, shown).join(', ')}, ${ellipsis} +${names.length - shown}`
}

/** "on 43 nodes: node-a, node-b, node-c, … +40", "on node-a", "cluster-wide". */
export function whereText(nodes: readonly (string | null)[], ellipsis = '…'): string {
  if (nodes.length === 1) return nodes[0] === null ? 'cluster-wide' : `on ${nodes[0]}`
  return `on ${nodes.length} nodes: ${nodeList(nodes, 3, ellipsis)}`
}

export interface SummaryCounts {
  errors: number
  warnings: number
  infos: number
  /** distinct problems (groups) per severity */
  problems: {error: number; warning: number; info: number}
  nodes: number
  nodesFailed: number
  /** nodes with at least one error or warning */
  nodesAffected: number
}

export function summaryCounts(report: DoctorReport): SummaryCounts {
  const groups = groupFindings(report.findings)
  const problems = {error: 0, warning: 0, info: 0}
  for (const g of groups) problems[g.finding.severity]++
  const affected = new Set(report.findings.filter((f) => f.node !== null && f.severity !== 'info').map((f) => f.node))
  const skipped = report.nodes.filter((n) => n.status === 'skipped').length
  return {
    errors: report.summary.errors,
    warnings: report.summary.warnings,
    infos: report.summary.infos,
    problems,
    nodes: Math.max(report.nodes.length, report.summary.nodesProbed + report.summary.nodesFailed + skipped),
    nodesFailed: report.summary.nodesFailed,
    nodesAffected: affected.size,
  }
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** "2 errors (1 problem), 150 warnings (1 problem), 0 info on 200 nodes, 150 affected, 0 failed" */
export function summaryText(report: DoctorReport): string {
  const c = summaryCounts(report)
  const part = (n: number, word: string, problems: number) => (n > problems && problems > 0 ? `${count(n, word)} (${count(problems, 'problem')})` : count(n, word))
  const infos = c.infos > c.problems.info && c.problems.info > 0 ? `${c.infos} info (${count(c.problems.info, 'problem')})` : `${c.infos} info`
  return `${part(c.errors, 'error', c.problems.error)}, ${part(c.warnings, 'warning', c.problems.warning)}, ${infos} on ${count(c.nodes, 'node')}: ${c.nodesAffected} affected, ${c.nodesFailed} failed`
}
