// `-o text`: what an operator reads in a terminal or a CI log.
//
//   1 error, 0 warnings, 0 info on 3 nodes: 1 affected, 1 failed
//   source       bundle ./prod.tar.gz (context prod-eu), generated 2025-05-01T10:00:00Z
//   kube-router  v2.1.2, image docker.io/cloudnativelabs/kube-router:v2.1.2
//   nodes        2 probed, 1 failed
//                ✗ node-c: probe pod did not start: ImagePullBackOff
//
//   Errors (1)
//
//   ✗ [ipv6-vip-routes] node-a: IPv6 VIP fd00:10:96::a is unreachable from the node
//       detail, wrapped to the width
//   (the same fault on several nodes is one entry: "on 43 nodes: node-a, node-b, node-c, … +40", then the
//   evidence of the first of them)
//       evidence:
//         verbatim lines, never wrapped
//       fix:
//         commands, never wrapped
//       fixed in: v2.2.0
//
//   Results              node-a  node-b  cluster
//     ipv6-vip-routes    ✗       ✓
//     ...
//   Not evaluated
//     – [vip-reachability] node-a, node-b: reason
//
//   1 error, 0 warnings, 0 info on 3 nodes (1 failed)
//
// Pure: no I/O, no environment lookups (the caller passes what shouldUseColor /
// supportsUnicode decided).
import {severityRank} from './summary.js'
import {withoutNode} from './fingerprint.js'
import {groupFindings, summaryText, whereText, type FindingGroup} from './finding-groups.js'
import {marksFor, nodeLabel, oneLine, padTo, plural, safe, truncate, type Marks} from './text.js'
import type {CheckResult, DoctorReport, Finding, Severity} from '../model/report.js'

export interface TextOptions {
  color: boolean
  unicode: boolean
  /** columns to wrap prose to; default 100 */
  width?: number
}

type Env = Readonly<Record<string, string | undefined>>

/**
 * Whether to emit ANSI colours, in this order:
 * 1. `NO_COLOR` set to any non-empty value disables colour (https://no-color.org), even when
 *    FORCE_COLOR is also set: the user's standing opt-out wins.
 * 2. `FORCE_COLOR` set: `0` or `false` disables, any other value (including empty) enables,
 *    even when not a TTY (CI logs that render ANSI).
 * 3. `TERM=dumb` disables.
 * 4. Otherwise colour exactly when the output is a TTY.
 */
export function shouldUseColor(env: Env, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase())
  if (env.TERM === 'dumb') return false
  return isTTY
}

/**
 * Whether the terminal can show ✓ ✗ – and friends:
 * 1. Windows Terminal (`WT_SESSION`, also under WSL) can.
 * 2. The effective locale (first non-empty of LC_ALL, LC_CTYPE, LANG, as POSIX resolves it)
 *    decides when set: UTF-8 (`en_US.UTF-8`, `C.utf8`) yes, anything else (`C`, `POSIX`,
 *    `en_US.ISO-8859-1`) no.
 * 3. No locale at all: on Windows no (legacy console code pages); elsewhere yes when `TERM`
 *    names a real terminal emulator, no for the Linux virtual console (`TERM=linux`, whose
 *    fonts lack the glyphs), `TERM=dumb`, or no `TERM` (cron, CI runners without a locale).
 */
export function supportsUnicode(env: Env, platform: string = process.platform): boolean {
  if (env.WT_SESSION) return true
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG
  if (locale) return /utf-?8/i.test(locale)
  if (platform === 'win32') return false
  const term = env.TERM
  return term !== undefined && term !== '' && term !== 'linux' && term !== 'dumb'
}

// ---------- styling ----------

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan'

const SGR: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
}

const SEVERITY_STYLE: Record<Severity, Style> = {error: 'red', warning: 'yellow', info: 'cyan'}
const SEVERITY_HEADING: Record<Severity, string> = {error: 'Errors', warning: 'Warnings', info: 'Info'}

class Painter {
  constructor(private readonly enabled: boolean) {}

  paint(style: Style | null, text: string): string {
    if (!this.enabled || style === null || text === '') return text
    const [open, close] = SGR[style]
    return `\u001b[${open}m${text}\u001b[${close}m`
  }
}

// ---------- text helpers ----------

/** The lines of a verbatim block (evidence, remediation): split on newlines, nothing else changed. */
function verbatimLines(text: string): string[] {
  return text.split('\n').map((line) => safe(line.endsWith('\r') ? line.slice(0, -1) : line))
}

/** Word-wrap prose. Lines that start with whitespace are preformatted and kept as they are. */
function wrap(text: string, width: number): string[] {
  const out: string[] = []
  for (const raw of text.split('\n')) {
    const paragraph = safe(raw.endsWith('\r') ? raw.slice(0, -1) : raw)
    if (/^\s/.test(paragraph) || paragraph.length <= width) {
      out.push(paragraph.trimEnd())
      continue
    }
    let line = ''
    for (const word of paragraph.split(/ +/)) {
      if (word === '') continue
      if (line === '') line = word
      else if (line.length + 1 + word.length <= width) line += ` ${word}`
      else {
        out.push(line)
        line = word
      }
    }
    if (line !== '') out.push(line)
  }
  // no leading/trailing blank lines
  while (out.length > 0 && out[0] === '') out.shift()
  while (out.length > 0 && out[out.length - 1] === '') out.pop()
  return out
}

/** "a, b, c" or "a, b, c, d, e +7 more" */
function nameList(names: readonly string[], max = 6): string {
  if (names.length <= max) return names.join(', ')
  return `${names.slice(0, max - 1).join(', ')} +${names.length - (max - 1)} more`
}

// ---------- sections ----------

function header(report: DoctorReport, p: Painter, marks: Marks): string[] {
  const key = (k: string): string => p.paint('dim', k.padEnd(13))
  const {source} = report
  let where: string
  if (source.mode === 'bundle') {
    where = `bundle ${source.bundle ?? '(unknown path)'}`
    if (source.context !== null) where += ` (context ${source.context})`
  } else if (source.mode === 'local') {
    where = 'local host'
  } else {
    where = source.context !== null ? `cluster, context ${source.context}` : 'cluster (current context)'
  }
  const lines = [`${key('source')}${oneLine(where)}${p.paint('dim', `, generated ${oneLine(report.generatedAt)}`)}`]

  const {version, image} = report.kubeRouter
  // versions the nodes reported, when they differ from the DaemonSet's (or it is unknown)
  const byVersion = new Map<string, string[]>()
  for (const n of report.nodes) {
    const v = n.kubeRouterVersion
    if (v !== undefined && v !== null && v !== version) byVersion.set(v, [...(byVersion.get(v) ?? []), n.name])
  }
  let kr: string
  if (version === null && byVersion.size === 1) {
    kr = `${p.paint('bold', oneLine([...byVersion.keys()][0]))}${p.paint('dim', ' (as the nodes report it)')}`
    byVersion.clear()
  } else {
    kr = version !== null ? p.paint('bold', oneLine(version)) : 'version unknown'
  }
  if (image !== null) kr += `, image ${oneLine(image)}`
  if (byVersion.size > 0) {
    const parts = [...byVersion].map(([v, names]) => `${nameList(names)} ${names.length === 1 ? 'runs' : 'run'} ${v}`)
    kr += p.paint('yellow', ` (${oneLine(parts.join('; '))})`)
  }
  lines.push(`${key('kube-router')}${kr}`)

  const failed = report.nodes.filter((n) => n.status === 'failed')
  const skipped = report.nodes.filter((n) => n.status === 'skipped')
  const probedCount = report.nodes.length > 0 ? report.nodes.length - failed.length - skipped.length : report.summary.nodesProbed
  const failedCount = Math.max(failed.length, report.summary.nodesFailed)
  let counts = `${probedCount} probed, ${p.paint(failedCount > 0 ? 'red' : null, `${failedCount} failed`)}`
  if (skipped.length > 0) counts += `, ${skipped.length} skipped`
  lines.push(`${key('nodes')}${counts}`)
  const pad = ' '.repeat(13)
  for (const n of failed) {
    lines.push(`${pad}${p.paint('red', marks.nodeFailed)} ${oneLine(n.name)}: ${oneLine(n.error ?? 'could not be probed')}`)
  }
  for (const n of skipped) {
    lines.push(`${pad}${p.paint('dim', `${marks.nodeSkipped} ${oneLine(n.name)}${n.error !== null ? `: ${oneLine(n.error)}` : ''}`)}`)
  }
  return lines
}

function findingBlock({finding, findings, nodes}: FindingGroup, p: Painter, marks: Marks, width: number): string[] {
  const style = SEVERITY_STYLE[finding.severity]
  const mark = p.paint(style, marks.finding[finding.severity])
  // a group whose nodes differ in evidence or fix shows the first node's, and says so; -o json has every node's
  const whose = (part: 'evidence' | 'remediation') =>
    findings.every((f) => JSON.stringify(f[part]) === JSON.stringify(finding[part])) ? '' : ` (${oneLine(nodeLabel(nodes[0]))})`
  // up to 3 nodes are named in the head line; more get a line of their own, cut to "node-a, …, +40"
  const head = nodes.length <= 3 ? `${oneLine(nodes.map(nodeLabel).join(', '))}: ` : ''
  const lines = [`${mark} ${p.paint('dim', `[${finding.check}]`)} ${head}${p.paint('bold', oneLine(finding.title))}`]
  const indent = '    '
  const inner = Math.max(20, width - indent.length)
  if (nodes.length > 3) for (const line of wrap(whereText(nodes, marks.ellipsis), inner)) lines.push(`${indent}${p.paint('bold', line)}`)
  if (finding.detail) for (const line of wrap(finding.detail, inner)) lines.push(line === '' ? '' : `${indent}${line}`)
  if (finding.evidence.length > 0) {
    lines.push(`${indent}${p.paint('dim', `evidence${whose('evidence')}:`)}`)
    for (const item of finding.evidence) for (const line of verbatimLines(item)) lines.push(`${indent}  ${line}`)
  }
  if (finding.remediation.length > 0) {
    lines.push(`${indent}${p.paint('dim', `fix${whose('remediation')}:`)}`)
    for (const item of finding.remediation) for (const line of verbatimLines(item)) lines.push(`${indent}  ${line}`)
  }
  if (finding.fixedIn !== null) lines.push(`${indent}${p.paint('dim', 'fixed in:')} ${oneLine(finding.fixedIn)}`)
  return lines
}

function findingSections(report: DoctorReport, p: Painter, marks: Marks, width: number): string[] {
  const lines: string[] = []
  const groups = groupFindings(report.findings)
  for (const severity of ['error', 'warning', 'info'] as const) {
    const inSeverity = groups.filter((g) => g.finding.severity === severity)
    if (inSeverity.length === 0) continue
    const count = inSeverity.reduce((n, g) => n + g.nodes.length, 0)
    const problems = inSeverity.length < count ? `, ${plural(inSeverity.length, 'problem')}` : ''
    lines.push('', p.paint(SEVERITY_STYLE[severity], p.paint('bold', `${SEVERITY_HEADING[severity]} (${count}${problems})`)))
    for (const group of inSeverity) lines.push('', ...findingBlock(group, p, marks, width))
  }
  if (groups.length === 0 && report.results.length > 0) {
    lines.push('', `${p.paint('green', marks.result.pass)} no problems found`)
  }
  return lines
}

/** The mark of one matrix cell, coloured by what it means (a fail by its worst finding). */
function cell(result: CheckResult | undefined, worst: Severity | undefined, marks: Marks, p: Painter): {text: string; width: number} {
  if (result === undefined) return {text: '', width: 0}
  const text = marks.result[result.status]
  let style: Style | null
  switch (result.status) {
    case 'pass':
      style = 'green'
      break
    case 'fail':
      style = SEVERITY_STYLE[worst ?? 'error']
      break
    case 'skipped':
      style = 'dim'
      break
    default:
      style = 'red'
  }
  return {text: p.paint(style, text), width: text.length}
}

function matrix(report: DoctorReport, p: Painter, marks: Marks, width: number): string[] {
  if (report.results.length === 0) return []
  const checks: string[] = []
  const columns: (string | null)[] = []
  const seenColumn = new Set<string | null>()
  const byCell = new Map<string, CheckResult>()
  const cellKey = (check: string, node: string | null): string => `${check}\u0000${node ?? ''}\u0000${node === null}`
  for (const result of report.results) {
    if (!checks.includes(result.check)) checks.push(result.check)
    if (!byCell.has(cellKey(result.check, result.node))) byCell.set(cellKey(result.check, result.node), result)
  }
  // columns: nodes in report order, then nodes only named in results, then the cluster column
  const hasResult = new Set(report.results.map((r) => r.node))
  for (const n of report.nodes) if (hasResult.has(n.name) && !seenColumn.has(n.name)) {
    columns.push(n.name)
    seenColumn.add(n.name)
  }
  for (const r of report.results) if (r.node !== null && !seenColumn.has(r.node)) {
    columns.push(r.node)
    seenColumn.add(r.node)
  }
  if (hasResult.has(null)) columns.push(null)

  const worst = new Map<string, Severity>()
  for (const f of report.findings) {
    const k = cellKey(f.check, f.node)
    const w = worst.get(k)
    if (w === undefined || severityRank(f.severity) < severityRank(w)) worst.set(k, f.severity)
  }
  const cellOf = (check: string, node: string | null) =>
    cell(byCell.get(cellKey(check, node)), worst.get(cellKey(check, node)), marks, p)
  const markWidth = Math.max(...Object.values(marks.result).map((m) => m.length))
  const gap = '  '
  const lines: string[] = ['']

  // Layout 1: a row per check, a column per node, when it fits.
  const labelWidth = Math.max(6, ...checks.map((c) => c.length + 2))
  const colWidths = columns.map((c) => Math.max(nodeLabel(c).length, markWidth))
  const total = 2 + labelWidth + colWidths.reduce((n, w) => n + w + gap.length, 0)
  if (total <= width) {
    const head = columns.map((c, i) => (i === columns.length - 1 ? nodeLabel(c) : nodeLabel(c).padEnd(colWidths[i]))).join(gap)
    lines.push(`${p.paint('bold', 'Results'.padEnd(2 + labelWidth))}${p.paint('dim', oneLine(head))}`)
    for (const check of checks) {
      const cells = columns.map((c, i) => {
        const {text, width: w} = cellOf(check, c)
        return i === columns.length - 1 ? text : text + ' '.repeat(colWidths[i] - w)
      })
      lines.push(`  ${check.padEnd(labelWidth)}${cells.join(gap)}`.trimEnd())
    }
    return lines
  }

  // Layout 2 (many or long node names): a row per node, a numbered column per check.
  // Nodes whose rows are identical share one row, so a large healthy cluster stays short.
  const colWidth = Math.max(markWidth, String(checks.length).length)
  const rows = new Map<string, {names: string[]; cells: string[]}>()
  for (const c of columns) {
    const cells = checks.map((check) => {
      const {text, width: w} = cellOf(check, c)
      return text + ' '.repeat(colWidth - w)
    })
    const k = cells.join('\u0000')
    const row = rows.get(k)
    if (row) row.names.push(nodeLabel(c))
    else rows.set(k, {names: [nodeLabel(c)], cells})
  }
  const labels = [...rows.values()].map(({names}) => (names.length === 1 ? names[0] : `${names[0]} +${names.length - 1} alike`))
  const maxLabel = Math.max(20, Math.floor(width / 2))
  const rowLabelWidth = Math.min(maxLabel, Math.max('Results'.length, ...labels.map((l) => l.length))) + 2
  const head = checks.map((_, i) => String(i + 1).padEnd(colWidth)).join(gap)
  lines.push(`${p.paint('bold', 'Results'.padEnd(rowLabelWidth + 2))}${p.paint('dim', head.trimEnd())}`)
  let i = 0
  for (const {cells} of rows.values()) {
    const label = truncate(oneLine(labels[i++]), rowLabelWidth - 2, marks.ellipsis)
    lines.push(`  ${padTo(label, rowLabelWidth)}${cells.join(gap)}`.trimEnd())
  }
  const legend = checks.map((c, n) => `${n + 1} ${c}`).join('  ')
  for (const line of wrap(legend, Math.max(20, width - 2))) lines.push(`  ${p.paint('dim', line)}`)
  return lines
}

/** Skipped and error results with their reasons; one line per identical (check, status, reason). */
function reasons(report: DoctorReport, p: Painter, marks: Marks, width: number): string[] {
  const groups = new Map<string, {result: CheckResult; nodes: string[]}>()
  for (const status of ['error', 'skipped'] as const) {
    for (const result of report.results) {
      if (result.status !== status) continue
      // a reason naming its node ("nodes/node-a/ipvsadm.txt, which is missing") groups with the other nodes' alike
      const k = JSON.stringify([result.check, result.status, result.node === null ? result.reason : withoutNode(result.reason, {name: result.node, addresses: []})])
      const group = groups.get(k)
      if (group) group.nodes.push(nodeLabel(result.node))
      else groups.set(k, {result, nodes: [nodeLabel(result.node)]})
    }
  }
  if (groups.size === 0) return []
  const evaluatedOn = new Map<string, Set<string | null>>()
  for (const r of report.results) evaluatedOn.set(r.check, (evaluatedOn.get(r.check) ?? new Set()).add(r.node))
  const lines = ['', p.paint('bold', 'Not evaluated')]
  for (const {result, nodes} of groups.values()) {
    const style: Style = result.status === 'error' ? 'red' : 'dim'
    const mark = marks.result[result.status]
    const all = evaluatedOn.get(result.check)?.size ?? 0
    const where = nodes.length > 2 && nodes.length === all ? `all ${nodes.length} nodes` : nameList(nodes, 4)
    const reason = oneLine(result.reason ?? (result.status === 'error' ? 'check could not be evaluated' : 'skipped'))
    const plainHead = `${mark} [${result.check}] ${oneLine(where)}:`
    const head = `${p.paint(style, mark)} ${p.paint('dim', `[${result.check}]`)} ${oneLine(where)}:`
    if (2 + plainHead.length + 1 + reason.length <= width) {
      lines.push(`  ${head} ${reason}`)
    } else {
      lines.push(`  ${head}`, ...wrap(reason, Math.max(20, width - 6)).map((line) => `      ${line}`))
    }
  }
  return lines
}

function summaryLine(report: DoctorReport, p: Painter): string {
  const {errors, warnings, infos, nodesProbed, nodesFailed} = report.summary
  const skipped = report.nodes.filter((n) => n.status === 'skipped').length
  const nodeCount = Math.max(report.nodes.length, nodesProbed + nodesFailed + skipped)
  const counts = [
    p.paint(errors > 0 ? 'red' : null, plural(errors, 'error')),
    p.paint(warnings > 0 ? 'yellow' : null, plural(warnings, 'warning')),
    p.paint(infos > 0 ? 'cyan' : null, `${infos} info`),
  ].join(', ')
  let line = `${counts} on ${plural(nodeCount, 'node')} (${nodesFailed} failed${skipped > 0 ? `, ${skipped} skipped` : ''})`
  const broken = report.results.filter((r) => r.status === 'error').length
  if (broken > 0) line += `; ${p.paint('red', `${plural(broken, 'check')} could not run`)}`
  return line
}

/** The human-readable report. Ends with a newline. */
export function renderText(report: DoctorReport, opts: TextOptions): string {
  const p = new Painter(opts.color)
  const marks = marksFor(opts.unicode)
  const width = Math.max(40, opts.width ?? 100)
  const lines = [
    p.paint('bold', oneLine(summaryText(report))),
    ...header(report, p, marks),
    ...findingSections(report, p, marks, width),
    ...matrix(report, p, marks, width),
    ...reasons(report, p, marks, width),
    '',
    summaryLine(report, p),
  ]
  return `${lines.join('\n')}\n`
}
