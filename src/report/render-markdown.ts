// `-o markdown`: a report made to paste into a GitHub issue (a kube-router bug report): the versions, the cluster
// and its nodes, then each problem once (the same fault on many nodes grouped, node list collapsed) with its detail,
// evidence in a collapsed code block, remediation and the fixed-in version; the results per check and what could not
// be evaluated come last, collapsed. Pure.
import {groupFindings, nodeList, summaryText, type FindingGroup} from './finding-groups.js'
import {nodeLabel, oneLine, safe} from './text.js'
import type {DoctorReport, Severity} from '../model/report.js'

export interface MarkdownOptions {
  /** kubectl-kr's version, for the versions table */
  toolVersion: string
}

const SEVERITY_MARK: Record<Severity, string> = {error: '🔴 error', warning: '🟡 warning', info: '🔵 info'}
/** node lists longer than this are collapsed */
const OPEN_NODES = 3

/** Prose in Markdown: one line, control characters shown, Markdown and HTML syntax taken literally. */
function text(s: string): string {
  return oneLine(s).replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`)
}

/** Inline code that cannot be broken out of: a backtick run longer than any inside. */
function code(s: string): string {
  const line = oneLine(s)
  const fence = '`'.repeat(Math.max(0, ...[...line.matchAll(/`+/g)].map((m) => m[0].length)) + 1)
  const pad = line.startsWith('`') || line.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${line}${pad}${fence}`
}

/** A fenced block that its content cannot end: a fence longer than any backtick run inside. */
function block(lines: readonly string[], lang = ''): string[] {
  const body = lines.flatMap((l) => safe(l).split('\n'))
  const longest = Math.max(0, ...body.flatMap((l) => [...l.matchAll(/`+/g)].map((m) => m[0].length)))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return [`${fence}${lang}`, ...body, fence]
}

function details(summary: string, content: string[]): string[] {
  return ['<details>', `<summary>${summary}</summary>`, '', ...content, '', '</details>']
}

function header(report: DoctorReport, opts: MarkdownOptions): string[] {
  const {source, kubeRouter} = report
  const where =
    source.mode === 'bundle' ? `bundle ${code(source.bundle ?? '(unknown path)')}` : source.mode === 'local' ? 'local host' : 'cluster'
  const context = source.context !== null ? `, context ${code(source.context)}` : ''
  const nodeVersions = [...new Set(report.nodes.map((n) => n.kubeRouterVersion).filter((v): v is string => Boolean(v)))]
  const failed = report.nodes.filter((n) => n.status === 'failed')
  const rows: [string, string][] = [
    ['kube-router', `${kubeRouter.version !== null ? code(kubeRouter.version) : 'unknown'}${kubeRouter.image !== null ? `, image ${code(kubeRouter.image)}` : ''}`],
    ...(nodeVersions.length > 1 ? [['kube-router on the nodes', nodeVersions.map(code).join(', ')] as [string, string]] : []),
    ['kubectl-kr', code(opts.toolVersion)],
    ['source', `${where}${context}`],
    ['nodes', `${report.nodes.length - failed.length} probed, ${failed.length} failed`],
    ['generated', code(report.generatedAt)],
  ]
  const lines = ['## kubectl kr doctor report', '', `**${text(summaryText(report))}**`, '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)]
  if (kubeRouter.args.length > 0) lines.push('', ...details('kube-router arguments', block(kubeRouter.args)))
  if (failed.length > 0) {
    lines.push('', ...details(`${failed.length} node${failed.length === 1 ? '' : 's'} could not be probed`, failed.map((n) => `- ${code(n.name)}: ${text(n.error ?? 'could not be probed')}`)))
  }
  return lines
}

function findingSection(group: FindingGroup): string[] {
  const {finding, findings, nodes} = group
  const lines = [`### ${SEVERITY_MARK[finding.severity]} · ${code(finding.check)} · ${text(finding.title)}`, '']
  const names = nodes.map(nodeLabel)
  if (nodes.length === 1) lines.push(nodes[0] === null ? 'Cluster-wide.' : `On ${code(names[0])}.`)
  else if (nodes.length <= OPEN_NODES) lines.push(`On ${nodes.length} nodes: ${names.map(code).join(', ')}.`)
  else lines.push(`On ${nodes.length} nodes: ${text(nodeList(nodes))}.`, '', ...details(`all ${nodes.length} nodes`, [names.map(code).join(', ')]))
  if (finding.subject !== null) lines.push('', `Subject: ${code(finding.subject)}`)
  if (finding.detail.trim() !== '') lines.push('', ...finding.detail.split('\n').map((l) => text(l)))
  const same = (part: 'evidence' | 'remediation') => findings.every((f) => JSON.stringify(f[part]) === JSON.stringify(finding[part]))
  const whose = (part: 'evidence' | 'remediation') => (same(part) || nodes.length === 1 ? '' : ` (as seen on ${names[0]})`)
  if (finding.evidence.length > 0) lines.push('', ...details(`Evidence${whose('evidence')}`, block(finding.evidence)))
  if (finding.remediation.length > 0) lines.push('', `**Fix**${whose('remediation')}:`, '', ...block(finding.remediation))
  if (finding.fixedIn !== null) lines.push('', `Fixed in kube-router ${code(finding.fixedIn)}.`)
  return lines
}

function resultsSection(report: DoctorReport): string[] {
  if (report.results.length === 0) return []
  const counts = new Map<string, Record<'pass' | 'fail' | 'skipped' | 'error', number>>()
  for (const r of report.results) {
    const c = counts.get(r.check) ?? {pass: 0, fail: 0, skipped: 0, error: 0}
    c[r.status]++
    counts.set(r.check, c)
  }
  const table = ['| check | pass | fail | skipped | error |', '|---|---:|---:|---:|---:|', ...[...counts].map(([check, c]) => `| ${code(check)} | ${c.pass} | ${c.fail} | ${c.skipped} | ${c.error} |`)]
  const reasons = new Map<string, {check: string; status: string; reason: string; nodes: (string | null)[]}>()
  for (const r of report.results) {
    if (r.status !== 'skipped' && r.status !== 'error') continue
    const reason = r.reason ?? r.status
    const key = JSON.stringify([r.check, r.status, r.node === null ? reason : reason.split(r.node).join('\u0000')])
    const entry = reasons.get(key) ?? {check: r.check, status: r.status, reason, nodes: []}
    entry.nodes.push(r.node)
    reasons.set(key, entry)
  }
  const notEvaluated = [...reasons.values()].map((e) => `- ${code(e.check)} ${e.status} on ${text(nodeList(e.nodes))}: ${text(e.reason)}`)
  return ['', '### Results per check', '', ...details(`${counts.size} checks`, table), ...(notEvaluated.length ? ['', ...details('not evaluated', notEvaluated)] : [])]
}

export function renderMarkdown(report: DoctorReport, opts: MarkdownOptions): string {
  const groups = groupFindings(report.findings)
  const lines = [...header(report, opts), '']
  if (groups.length === 0) lines.push('No problems found.')
  for (const group of groups) lines.push(...findingSection(group), '')
  lines.push(...resultsSection(report), '', '<sub>Made with `kubectl kr doctor -o markdown`.</sub>')
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`
}
