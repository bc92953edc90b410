// The results browser's view of a report: findings in severity order, the node × check matrix, filters.
// Pure: derived from the report alone (check titles included); no diagnosis happens here.
import {severityRank, sortFindings} from '../report/summary.js'
import type {CheckResult, DoctorReport, Finding, Severity} from '../model/report.js'
import {nodeLabel} from '../report/text.js'
import {groupFindings} from '../report/finding-groups.js'

/** An entry of the findings list: the same fault on several nodes is one entry (its first finding), naming them. */
export interface ListedFinding extends Finding {
  /** every node with this fault (null: the cluster) */
  nodes: (string | null)[]
}

export type SeverityFilter = 'all' | 'warning' | 'error'

export const SEVERITY_FILTERS: readonly SeverityFilter[] = ['all', 'warning', 'error']

export const SEVERITY_FILTER_LABEL: Record<SeverityFilter, string> = {all: 'all', warning: 'warnings+', error: 'errors'}

/** f cycles: all → warnings and errors → errors only → all */
export function nextSeverityFilter(f: SeverityFilter): SeverityFilter {
  return SEVERITY_FILTERS[(SEVERITY_FILTERS.indexOf(f) + 1) % SEVERITY_FILTERS.length]
}

export interface MatrixColumn {
  check: string
  title: string
}

export interface MatrixRow {
  /** null: the cluster-level row */
  node: string | null
  label: string
  /** the node could not be probed (or was skipped): why */
  problem: {status: 'failed' | 'skipped'; error: string} | null
  /** one per column; null where the check has no result for this node */
  cells: (CheckResult | null)[]
  /** the worst finding severity on this row */
  worst: Severity | null
}

export interface BrowseModel {
  report: DoctorReport
  /** severity order: error, warning, info */
  findings: Finding[]
  /** the findings list: grouped across nodes by fingerprint, severity order, the most widespread first */
  listed: ListedFinding[]
  columns: MatrixColumn[]
  rows: MatrixRow[]
  /** check id -> title, from the report */
  checkTitles: ReadonlyMap<string, string>
}

export const cellKey = (check: string, node: string | null): string => `${check}\u0000${node === null ? '\u0001' : node}`

function worse(a: Severity | null, b: Severity): Severity {
  return a === null || severityRank(b) < severityRank(a) ? b : a
}

export function buildModel(report: DoctorReport): BrowseModel {
  const findings = sortFindings(report.findings)
  const checkTitles = new Map((report.checks ?? []).map((c) => [c.id, c.title]))
  // columns: the report's check order (the registry's), then checks only the results name
  const inResults = new Set(report.results.map((r) => r.check))
  const columns: MatrixColumn[] = []
  for (const [check, title] of checkTitles) if (inResults.has(check)) columns.push({check, title})
  for (const r of report.results) {
    if (!columns.some((c) => c.check === r.check)) columns.push({check: r.check, title: checkTitles.get(r.check) ?? r.check})
  }
  const byCell = new Map<string, CheckResult>()
  for (const r of report.results) if (!byCell.has(cellKey(r.check, r.node))) byCell.set(cellKey(r.check, r.node), r)
  const worstByNode = new Map<string | null, Severity>()
  for (const f of findings) worstByNode.set(f.node, worse(worstByNode.get(f.node) ?? null, f.severity))

  const names: (string | null)[] = []
  if (report.results.some((r) => r.node === null) || findings.some((f) => f.node === null)) names.push(null)
  for (const n of report.nodes) if (!names.includes(n.name)) names.push(n.name)
  for (const r of report.results) if (r.node !== null && !names.includes(r.node)) names.push(r.node)

  const rows: MatrixRow[] = names.map((node) => {
    const nodeReport = node === null ? undefined : report.nodes.find((n) => n.name === node)
    const problem =
      nodeReport && nodeReport.status !== 'probed'
        ? {status: nodeReport.status, error: nodeReport.error ?? (nodeReport.status === 'failed' ? 'could not be probed' : 'not probed')}
        : null
    return {
      node,
      label: nodeLabel(node),
      problem,
      cells: columns.map((c) => byCell.get(cellKey(c.check, node)) ?? null),
      worst: worstByNode.get(node) ?? null,
    }
  })
  const listed = groupFindings(report.findings).map((g) => ({...g.finding, nodes: g.nodes}))
  return {report, findings, listed, columns, rows, checkTitles}
}

function atLeast(severity: Severity, filter: SeverityFilter): boolean {
  if (filter === 'all') return true
  return severityRank(severity) <= severityRank(filter)
}

function matchesText(f: Finding | ListedFinding, needle: string): boolean {
  const nodes = 'nodes' in f ? f.nodes.map(nodeLabel) : [nodeLabel(f.node)]
  return [f.check, ...nodes, f.subject ?? '', f.title].some((t) => t.toLowerCase().includes(needle))
}

/** The findings list after the severity and text filters (text: case-insensitive, in check, nodes, subject, title). */
export function visibleFindings(model: BrowseModel, severity: SeverityFilter, text: string): ListedFinding[] {
  const needle = text.trim().toLowerCase()
  return model.listed.filter((f) => atLeast(f.severity, severity) && (needle === '' || matchesText(f, needle)))
}

/**
 * The matrix rows after the filters: the text matches the node name or any of the row's findings; the severity
 * filter keeps rows with a finding at or above it, an error result, or a node that could not be probed.
 */
export function visibleRows(model: BrowseModel, severity: SeverityFilter, text: string): MatrixRow[] {
  const needle = text.trim().toLowerCase()
  return model.rows.filter((row) => {
    if (severity !== 'all') {
      const serious =
        (row.worst !== null && atLeast(row.worst, severity)) || row.problem !== null || row.cells.some((c) => c?.status === 'error')
      if (!serious) return false
    }
    if (needle === '') return true
    return row.label.toLowerCase().includes(needle) || model.findings.some((f) => f.node === row.node && matchesText(f, needle))
  })
}

export function findingsOfCell(model: BrowseModel, check: string, node: string | null): Finding[] {
  return model.findings.filter((f) => f.check === check && f.node === node)
}

export function worstOfCell(model: BrowseModel, check: string, node: string | null): Severity | null {
  let w: Severity | null = null
  for (const f of findingsOfCell(model, check, node)) w = worse(w, f.severity)
  return w
}

/** "20261122-170949": local time, sortable, safe in a file name. */
export function fileStamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`
}

export function defaultBundlePath(now: Date): string {
  return `kr-bundle-${fileStamp(now)}.tar.gz`
}

export function defaultReportPath(now: Date): string {
  return `kr-report-${fileStamp(now)}.json`
}
