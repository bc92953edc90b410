// The results browser's screen, as styled lines: header, tab bar, findings list, node × check matrix, detail
// views, help, info and footer lines. Pure: width/height in, lines out; the Ink components only print them.
import {severityRank} from '../report/summary.js'
import type {DoctorReport, Finding, Severity} from '../model/report.js'
import {
  findingsOfCell,
  SEVERITY_FILTER_LABEL,
  worstOfCell,
  type BrowseModel,
  type ListedFinding,
  type MatrixRow,
} from './browse-model.js'
import type {BrowseState} from './browse-state.js'
import {resultTone, resultWords, SEVERITY_TONE} from './marks.js'
import {nodeLabel, oneLine, padTo, plural, truncate, type Marks} from '../report/text.js'
import {lineText, padLine, seg, truncateLine, wrapProse, type Line, wrapVerbatim} from './text.js'

const SEVERITY_WORD: Record<Severity, string> = {error: 'error', warning: 'warning', info: 'info'}

// ---------- header ----------

export function headerLines(report: DoctorReport, marks: Marks, width: number): Line[] {
  const {source, kubeRouter, summary} = report
  let where: string
  if (source.mode === 'bundle') where = `bundle ${source.bundle ?? '(unknown path)'}`
  else if (source.mode === 'local') where = 'local host'
  else where = 'cluster'
  const context = source.context !== null ? `context ${source.context}` : source.mode === 'cluster' ? 'current context' : null
  // the context first: a long bundle path is what gets cut on a narrow terminal
  const line1: Line = [seg('kubectl kr doctor', {bold: true})]
  if (context) line1.push(seg(` ${marks.sep} `, {dim: true}), seg(oneLine(context, 'expand'), {bold: true}))
  line1.push(seg(` ${marks.sep} `, {dim: true}), seg(oneLine(where, 'expand')))
  const versions = new Set(report.nodes.map((n) => n.kubeRouterVersion).filter((v): v is string => Boolean(v)))
  const version = kubeRouter.version ?? (versions.size === 1 ? [...versions][0] : null)
  const line2: Line = [seg('kube-router ', {dim: true}), seg(version !== null ? oneLine(version, 'expand') : 'version unknown', {bold: true})]
  if (kubeRouter.image !== null) line2.push(seg(` ${marks.sep} `, {dim: true}), seg('image ', {dim: true}), seg(oneLine(kubeRouter.image, 'expand')))
  const failed = report.nodes.filter((n) => n.status === 'failed').length
  const probed = report.nodes.length > 0 ? report.nodes.filter((n) => n.status === 'probed').length : summary.nodesProbed
  const failedCount = Math.max(failed, summary.nodesFailed)
  const line3: Line = [
    seg('nodes ', {dim: true}),
    seg(`${probed} probed`),
    seg(', '),
    seg(`${failedCount} failed`, failedCount > 0 ? {tone: 'red', bold: true} : {}),
    seg('   '),
    seg(`${marks.finding.error} ${plural(summary.errors, 'error')}`, {tone: 'red', bold: summary.errors > 0}),
    seg('  '),
    seg(`${marks.finding.warning} ${plural(summary.warnings, 'warning')}`, {tone: 'yellow', bold: summary.warnings > 0}),
    seg('  '),
    seg(`${marks.finding.info} ${summary.infos} info`, {tone: 'cyan'}),
  ]
  return [line1, line2, line3].map((l) => truncateLine(l, width, marks.ellipsis))
}

// ---------- tab bar ----------

export function tabLine(state: BrowseState, model: BrowseModel, counts: {findings: number; rows: number}, marks: Marks, width: number): Line {
  const active = (on: boolean) => (on ? {inverse: true, bold: true} : {dim: false})
  const onFindings = state.pane === 'findings'
  const findingsLabel =
    counts.findings === model.listed.length ? `Findings ${counts.findings}` : `Findings ${counts.findings}/${model.listed.length}`
  const matrixLabel = `Matrix ${counts.rows}${marks.times}${model.columns.length}`
  const line: Line = [seg(` ${findingsLabel} `, active(onFindings)), seg(' '), seg(` ${matrixLabel} `, active(!onFindings))]
  if (state.screen.kind === 'finding') {
    const f = state.screen.finding
    line.push(seg(` ${marks.arrowRight} ${f.check} ${marks.sep} ${nodeLabel(f.node)}`, {bold: true}))
  } else if (state.screen.kind === 'cell') {
    line.push(seg(` ${marks.arrowRight} ${nodeLabel(state.screen.node)}${state.screen.check ? ` ${marks.times} ${state.screen.check}` : ''}`, {bold: true}))
  }
  const right: Line = [seg('  severity: ', {dim: true}), seg(SEVERITY_FILTER_LABEL[state.severity], state.severity === 'all' ? {} : {bold: true, tone: 'yellow'})]
  if (state.filter !== '' || state.prompt?.kind === 'filter') right.push(seg('  filter: ', {dim: true}), seg(`/${oneLine(state.filter, 'expand')}`, {bold: true}))
  const leftWidth = lineText(line).length
  const rightWidth = lineText(right).length
  if (leftWidth + rightWidth <= width) return [...padLine(line, width - rightWidth), ...right]
  return truncateLine([...line, ...right], width, marks.ellipsis)
}

// ---------- findings list ----------

/** The node column of a list entry: the node, or "150 nodes" for a fault on many. */
function whereLabel(f: Finding | ListedFinding): string {
  return 'nodes' in f && f.nodes.length > 1 ? `${f.nodes.length} nodes` : nodeLabel(f.node)
}

export function findingListLines(findings: readonly (Finding | ListedFinding)[], index: number, top: number, height: number, width: number, marks: Marks): Line[] {
  if (findings.length === 0) return [[seg('  no findings match', {dim: true})]]
  const checkW = Math.min(24, Math.max(...findings.map((f) => f.check.length)))
  const nodeW = Math.min(16, Math.max(...findings.map((f) => whereLabel(f).length)))
  const markW = Math.max(...Object.values(marks.finding).map((m) => m.length))
  const lines: Line[] = []
  for (let i = top; i < Math.min(findings.length, top + height); i++) {
    const f = findings[i]
    const selected = i === index
    const base = selected ? {inverse: true} : {}
    const line: Line = [
      seg(selected ? `${marks.arrowRight} ` : '  ', {...base, bold: selected}),
      seg(padTo(marks.finding[f.severity], markW), {...base, tone: SEVERITY_TONE[f.severity], bold: true}),
      seg(' ', base),
      seg(padTo(truncate(f.check, checkW, marks.ellipsis), checkW), {...base, dim: !selected}),
      seg('  ', base),
      seg(padTo(truncate(whereLabel(f), nodeW, marks.ellipsis), nodeW), base),
      seg('  ', base),
      seg(oneLine(f.title, 'expand'), {...base, bold: selected}),
    ]
    lines.push(selected ? padLine(truncateLine(line, width, marks.ellipsis), width, base) : truncateLine(line, width, marks.ellipsis))
  }
  return lines
}

// ---------- matrix ----------

export interface MatrixGeometry {
  nameW: number
  cellW: number
  /** how many columns fit */
  visibleCols: number
  legend: Line[]
  gridHeight: number
}

export function matrixGeometry(model: BrowseModel, rows: readonly MatrixRow[], col: number, width: number, bodyHeight: number, marks: Marks): MatrixGeometry {
  const markW = Math.max(...Object.values(marks.result).map((m) => m.length))
  const cellW = Math.max(markW, String(model.columns.length).length) + 2
  const labels = rows.length > 0 ? rows.map((r) => r.label.length) : [4]
  const nameW = Math.min(Math.max(8, ...labels), Math.max(8, Math.floor(width * 0.3)))
  const visibleCols = Math.max(1, Math.floor((width - 2 - nameW - 1) / cellW))
  // legend: "1 kube-router-version  2 dsr-programming ...", the selected column highlighted
  const items: Line = model.columns.map((c, i) => seg(`${i + 1} ${c.check}`, i === col ? {bold: true, inverse: true} : {dim: true}))
  const legend: Line[] = []
  let current: Line = [seg('  ')]
  let currentW = 2
  for (const item of items) {
    if (currentW > 2 && currentW + 2 + item.text.length > width) {
      legend.push(current)
      current = [seg('  ')]
      currentW = 2
    }
    if (currentW > 2) {
      current.push(seg('  '))
      currentW += 2
    }
    current.push(item)
    currentW += item.text.length
  }
  if (currentW > 2) legend.push(current)
  // header row + grid + blank + legend; the legend goes when it would leave fewer than 3 grid rows
  let gridHeight = bodyHeight - 1 - (legend.length > 0 ? legend.length + 1 : 0)
  if (gridHeight < Math.min(3, rows.length)) {
    gridHeight = bodyHeight - 1
    legend.length = 0
  }
  return {nameW, cellW, visibleCols, legend, gridHeight: Math.max(1, gridHeight)}
}

export function matrixLines(
  model: BrowseModel,
  rows: readonly MatrixRow[],
  state: Pick<BrowseState, 'row' | 'col' | 'rowTop'>,
  geometry: MatrixGeometry,
  width: number,
  marks: Marks,
): Line[] {
  const {nameW, cellW, visibleCols, legend, gridHeight} = geometry
  const cols = model.columns.length
  const colLeft = Math.max(0, Math.min(state.col - visibleCols + 1, cols - visibleCols))
  const colRight = Math.min(cols, colLeft + visibleCols)
  const center = (text: string) => {
    const left = Math.floor((cellW - text.length) / 2)
    return padTo(' '.repeat(Math.max(0, left)) + text, cellW)
  }
  const head: Line = [seg(padTo(colLeft > 0 ? marks.ellipsis : '', 2 + nameW + 1), {dim: true})]
  for (let c = colLeft; c < colRight; c++) head.push(seg(center(String(c + 1)), c === state.col ? {bold: true, inverse: true} : {dim: true}))
  if (colRight < cols) head.push(seg(` ${marks.ellipsis}`, {dim: true}))
  const lines: Line[] = [truncateLine(head, width, marks.ellipsis)]
  if (rows.length === 0) {
    lines.push([seg('  no nodes match', {dim: true})])
    return lines
  }
  for (let r = state.rowTop; r < Math.min(rows.length, state.rowTop + gridHeight); r++) {
    const row = rows[r]
    const selectedRow = r === state.row
    const line: Line = [
      seg(selectedRow ? `${marks.arrowRight} ` : '  ', {bold: true}),
      seg(padTo(truncate(oneLine(row.label, 'expand'), nameW, marks.ellipsis), nameW), selectedRow ? {bold: true} : row.node === null ? {dim: true} : {}),
      seg(' '),
    ]
    if (row.problem !== null) {
      const text = `${marks.nodeFailed} ${row.problem.status}: ${oneLine(row.problem.error, 'expand')}`
      line.push(seg(` ${text}`, {tone: row.problem.status === 'failed' ? 'red' : 'gray', inverse: selectedRow}))
    } else {
      for (let c = colLeft; c < colRight; c++) {
        const result = row.cells[c]
        const selected = selectedRow && c === state.col
        if (result === null) {
          line.push(seg(center(selected ? marks.sep : ''), selected ? {inverse: true, dim: true} : {}))
          continue
        }
        const worst = result.status === 'fail' ? worstOfCell(model, result.check, row.node) : null
        line.push(seg(center(marks.result[result.status]), {tone: resultTone(result.status, worst), bold: result.status !== 'skipped', inverse: selected}))
      }
    }
    lines.push(truncateLine(line, width, marks.ellipsis))
  }
  if (legend.length > 0) lines.push([], ...legend.map((l) => truncateLine(l, width, marks.ellipsis)))
  return lines
}

/** The line under the matrix: what the selected cell says, including why it was skipped or failed. */
export function cellInfoLine(model: BrowseModel, row: MatrixRow | undefined, col: number, marks: Marks, width: number): Line {
  if (!row) return []
  const label = nodeLabel(row.node)
  if (row.problem !== null) {
    return truncateLine(
      [seg(label, {bold: true}), seg(`: ${row.problem.status}: `, {tone: 'red'}), seg(oneLine(row.problem.error, 'expand'))],
      width,
      marks.ellipsis,
    )
  }
  const column = model.columns[col]
  if (!column) return []
  const result = row.cells[col]
  const head: Line = [seg(`${label} ${marks.times} ${column.check}`, {bold: true}), seg(': ')]
  if (result === null) return truncateLine([...head, seg(row.node === null ? 'a per-node check' : 'a cluster-level check: see the cluster row', {dim: true})], width, marks.ellipsis)
  const worst = result.status === 'fail' ? worstOfCell(model, column.check, row.node) : null
  head.push(seg(resultWords(marks, result.status), {tone: resultTone(result.status, worst), bold: true}))
  const findings = findingsOfCell(model, column.check, row.node)
  if (result.reason !== null) head.push(seg(': '), seg(oneLine(result.reason, 'expand')))
  else if (findings.length > 0) head.push(seg(`, ${plural(findings.length, 'finding')} ${marks.sep} ${marks.enter} to open`, {dim: true}))
  else head.push(seg(` ${marks.sep} ${column.title}`, {dim: true}))
  return truncateLine(head, width, marks.ellipsis)
}

// ---------- detail views ----------

function block(label: string, items: readonly string[], width: number): Line[] {
  const lines: Line[] = [[seg(label, {dim: true, bold: true})]]
  for (const item of items) {
    for (const raw of item.split('\n')) {
      wrapVerbatim(oneLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, 'expand'), width - 2).forEach((piece, i) => lines.push([seg(i === 0 ? `  ${piece}` : `    ${piece}`)]))
    }
  }
  return lines
}

/** Everything a finding says: title, check, node, subject, detail, evidence verbatim, fix, fixed-in version. */
export function findingDetailLines(finding: Finding | ListedFinding, checkTitle: string | undefined, width: number, marks: Marks): Line[] {
  const tone = SEVERITY_TONE[finding.severity]
  const nodes = 'nodes' in finding ? finding.nodes : [finding.node]
  const meta = [finding.check, whereLabel(finding), ...(finding.subject !== null ? [finding.subject] : [])].map((t) => oneLine(t, 'expand')).join(` ${marks.sep} `)
  const lines: Line[] = [
    truncateLine([seg(`${marks.finding[finding.severity]} ${SEVERITY_WORD[finding.severity].toUpperCase()}`, {tone, bold: true}), seg('  '), seg(meta, {dim: true})], width, marks.ellipsis),
  ]
  for (const l of wrapProse(finding.title, width)) lines.push([seg(l, {bold: true})])
  if (nodes.length > 1) {
    // every node is named here (the list cuts them); evidence and fix below are the first node's
    for (const l of wrapProse(`on ${nodes.length} nodes: ${nodes.map(nodeLabel).join(', ')}`, width)) lines.push([seg(oneLine(l, 'expand'), {tone})])
    lines.push([seg(`evidence and fix as seen on ${oneLine(nodeLabel(nodes[0]), 'expand')}`, {dim: true})])
  }
  if (checkTitle) lines.push(truncateLine([seg('check: ', {dim: true}), seg(`${finding.check} ${marks.sep} ${oneLine(checkTitle, 'expand')}`)], width, marks.ellipsis))
  if (finding.detail.trim() !== '') {
    lines.push([])
    for (const l of wrapProse(finding.detail, width)) lines.push([seg(l)])
  }
  if (finding.evidence.length > 0) lines.push([], ...block('evidence:', finding.evidence, width))
  if (finding.remediation.length > 0) lines.push([], ...block('fix:', finding.remediation, width))
  if (finding.fixedIn !== null) lines.push([], [seg('fixed in: ', {dim: true, bold: true}), seg(oneLine(finding.fixedIn, 'expand'), {bold: true, tone: 'green'})])
  return lines
}

/** A matrix cell opened: its status and reason (or the node's error), then every finding of the cell in full. */
export function cellDetailLines(model: BrowseModel, node: string | null, check: string | null, width: number, marks: Marks): Line[] {
  const label = nodeLabel(node)
  const lines: Line[] = []
  const row = model.rows.find((r) => r.node === node)
  if (row?.problem) {
    lines.push([seg(label, {bold: true}), seg(`: ${row.problem.status}`, {tone: 'red', bold: true})])
    for (const l of wrapProse(row.problem.error, width - 2)) lines.push([seg(`  ${l}`)])
    lines.push([], [seg(`No check ran on ${label}: it could not be probed.`, {dim: true})])
    return lines
  }
  if (check === null) return [[seg(label, {bold: true})]]
  const result = model.report.results.find((r) => r.check === check && r.node === node)
  lines.push(truncateLine([seg(`${label} ${marks.times} ${check}`, {bold: true})], width, marks.ellipsis))
  const title = model.checkTitles.get(check)
  if (title) lines.push(truncateLine([seg('check: ', {dim: true}), seg(oneLine(title, 'expand'))], width, marks.ellipsis))
  if (!result) {
    const clusterLevel = model.report.results.some((r) => r.check === check && r.node === null)
    const why = clusterLevel ? 'a cluster-level check: see the cluster row' : node === null ? 'a per-node check: see the node rows' : `not evaluated on ${label}`
    lines.push([seg('status: ', {dim: true}), seg(why, {dim: true})])
    return lines
  }
  const findings = findingsOfCell(model, check, node)
  const worst = findings.reduce<Severity | null>((w, f) => (w === null || severityRank(f.severity) < severityRank(w) ? f.severity : w), null)
  lines.push([seg('status: ', {dim: true}), seg(resultWords(marks, result.status), {tone: resultTone(result.status, worst), bold: true})])
  if (result.reason !== null) {
    lines.push([seg('reason:', {dim: true})])
    for (const l of wrapProse(result.reason, width - 2)) lines.push([seg(`  ${l}`)])
  }
  if (findings.length > 0) {
    lines.push([], [seg(`${plural(findings.length, 'finding')}:`, {bold: true})])
    for (const f of findings) lines.push([], ...findingDetailLines(f, undefined, width, marks))
  }
  return lines
}

// ---------- help ----------

export const HELP_KEYS: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'move (findings, matrix rows) / scroll (details)'],
  ['← →  h l', 'matrix columns'],
  ['g G  PgUp PgDn', 'top, bottom, page up, page down'],
  ['tab', 'switch between findings and the node × check matrix'],
  ['enter', 'open the selected finding / matrix cell'],
  ['esc', 'back; in a list: clear the text filter'],
  ['/', 'filter by text (check, node, subject, title); enter keeps it, esc clears it'],
  ['f', 'cycle the severity filter: all → warnings+ → errors'],
  ['e  w  a', 'errors only / warnings and errors / all'],
  ['s', 'save a bundle of this run (asks for the path)'],
  ['o', 'write the JSON report (asks for the path)'],
  ['?', 'this help (esc or ? closes it)'],
  ['q  ctrl-c', 'quit'],
]

export function helpLines(marks: Marks, width: number): Line[] {
  const ascii = marks.up !== '↑'
  const fix = (s: string) => (ascii ? s.replace('↑ ↓', 'up down').replace('← →', 'left right').replaceAll('→', '->').replaceAll('×', marks.times) : s)
  const keyW = Math.max(...HELP_KEYS.map(([k]) => fix(k).length)) + 2
  const lines: Line[] = [[seg('Keys', {bold: true})], []]
  for (const [k, what] of HELP_KEYS) {
    const text = fix(what)
    const wrapped = wrapProse(text, Math.max(10, width - keyW - 2))
    wrapped.forEach((l, i) => lines.push([seg(`  ${padTo(i === 0 ? fix(k) : '', keyW)}`, {bold: true, tone: 'cyan'}), seg(l)]))
  }
  lines.push([], [seg('Marks  ', {bold: true}), seg(`${marks.result.pass} pass  ${marks.result.fail} fail  ${marks.result.skipped} skipped  ${marks.result.error} error (check could not run)`)])
  lines.push([seg('       '), seg(`${marks.finding.error} error  ${marks.finding.warning} warning  ${marks.finding.info} info`)])
  return lines.map((l) => truncateLine(l, width, marks.ellipsis))
}

// ---------- footer ----------

type KeyItem = [key: string, what: string, priority: number]

export function footerLine(state: BrowseState, marks: Marks, width: number): Line {
  if (state.prompt) {
    const filter = state.prompt.kind === 'filter'
    return keysLine([[marks.enter, filter ? 'keep filter' : 'confirm', 9], ['esc', filter ? 'clear filter' : 'cancel', 9], ['ctrl-u', 'erase', 5]], width, marks)
  }
  if (state.help) return keysLine([['esc', 'close help', 9], ['q', 'quit', 9]], width, marks)
  const move = marks.upDown
  const items: KeyItem[] =
    state.screen.kind === 'list'
      ? [[move, 'move', 1], [marks.enter, 'open', 8], ['tab', 'pane', 7], ['/', 'filter', 5], ['f', 'severity', 6], ['s', 'save', 3], ['o', 'report', 2], ['?', 'help', 9], ['q', 'quit', 9]]
      : [[move, 'scroll', 1], ['esc', 'back', 8], ['tab', 'pane', 7], ['f', 'severity', 6], ['s', 'save', 3], ['o', 'report', 2], ['?', 'help', 9], ['q', 'quit', 9]]
  return keysLine(items, width, marks)
}

function keysLine(items: KeyItem[], width: number, marks: Marks): Line {
  const render = (list: KeyItem[]): Line => list.flatMap(([k, what], i) => [seg(i === 0 ? '' : '  '), seg(k, {bold: true, tone: 'cyan'}), seg(` ${what}`, {dim: true})])
  let list = items
  // the least important keys go first until the line fits
  while (list.length > 2 && lineText(render(list)).length > width) {
    const lowest = list.reduce((lo, item, i) => (item[2] < list[lo][2] ? i : lo), 0)
    list = list.filter((_, i) => i !== lowest)
  }
  return truncateLine(render(list), width, marks.ellipsis)
}
