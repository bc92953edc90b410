// The whole results screen for a size: exactly `rows` lines, plus what the key handler needs to know about it.
// Pure; the component renders `lines` and feeds `ctx` to reduceKey.
import {visibleFindings, visibleRows, type BrowseModel} from './browse-model.js'
import {follow, type BrowseState, type KeyContext} from './browse-state.js'
import {
  cellDetailLines,
  cellInfoLine,
  findingDetailLines,
  findingListLines,
  footerLine,
  headerLines,
  helpLines,
  matrixGeometry,
  matrixLines,
  tabLine,
} from './results-lines.js'
import {nodeLabel, oneLine, type Marks} from '../report/text.js'
import {seg, truncateLine, type Line} from './text.js'

export interface ScreenSize {
  columns: number
  rows: number
}

export interface ResultsScreen {
  lines: Line[]
  /** the state with every index clamped to what is on screen */
  state: BrowseState
  ctx: Omit<KeyContext, 'defaultBundlePath' | 'defaultReportPath'>
}

/** Fixed lines around the body: 3 header, 1 tab bar, 1 info, 1 footer. */
const CHROME = 6

export function computeScreen(model: BrowseModel, input: BrowseState, size: ScreenSize, marks: Marks): ResultsScreen {
  const width = Math.max(20, size.columns)
  const height = Math.max(CHROME + 2, size.rows)
  const body = height - CHROME
  const findings = visibleFindings(model, input.severity, input.filter)
  const rows = visibleRows(model, input.severity, input.filter)
  const clampIndex = (i: number, n: number) => Math.max(0, Math.min(i, n - 1))

  const state: BrowseState = {...input}
  state.findingIndex = clampIndex(state.findingIndex, findings.length)
  state.findingTop = follow(state.findingIndex, state.findingTop, body, findings.length)
  state.row = clampIndex(state.row, rows.length)
  state.col = clampIndex(state.col, model.columns.length)
  const geometry = matrixGeometry(model, rows, state.col, width, body, marks)
  state.rowTop = follow(state.row, state.rowTop, geometry.gridHeight, rows.length)

  let bodyLines: Line[]
  let detailLines = 0
  if (state.help) {
    bodyLines = helpLines(marks, width)
  } else if (state.screen.kind !== 'list') {
    const all =
      state.screen.kind === 'finding'
        ? findingDetailLines(state.screen.finding, model.checkTitles.get(state.screen.finding.check), width, marks)
        : cellDetailLines(model, state.screen.node, state.screen.check, width, marks)
    detailLines = all.length
    state.detailTop = Math.max(0, Math.min(state.detailTop, all.length - body))
    bodyLines = all.slice(state.detailTop, state.detailTop + body)
  } else if (state.pane === 'findings') {
    bodyLines = findingListLines(findings, state.findingIndex, state.findingTop, body, width, marks)
  } else {
    bodyLines = matrixLines(model, rows, state, geometry, width, marks)
  }
  bodyLines = bodyLines.slice(0, body)
  while (bodyLines.length < body) bodyLines.push([])

  const lines: Line[] = [
    ...headerLines(model.report, marks, width),
    tabLine(state, model, {findings: findings.length, rows: rows.length}, marks, width),
    ...bodyLines,
    infoLine(model, state, findings, rows, detailLines, body, marks, width),
    footerLine(state, marks, width),
  ]
  const selectedRow = rows[state.row]
  return {
    lines,
    state,
    ctx: {
      findingCount: findings.length,
      rowCount: rows.length,
      colCount: model.columns.length,
      listHeight: body,
      gridHeight: geometry.gridHeight,
      detailHeight: body,
      detailLines,
      selectedFinding: findings[state.findingIndex] ?? null,
      selectedCell: selectedRow ? {node: selectedRow.node, check: model.columns[state.col]?.check ?? null} : null,
    },
  }
}

function infoLine(
  model: BrowseModel,
  state: BrowseState,
  findings: ReturnType<typeof visibleFindings>,
  rows: ReturnType<typeof visibleRows>,
  detailLines: number,
  body: number,
  marks: Marks,
  width: number,
): Line {
  if (state.prompt) {
    const label = state.prompt.kind === 'filter' ? '/' : state.prompt.kind === 'bundle' ? 'save bundle to: ' : 'write JSON report to: '
    return truncateLine([seg(label, {bold: true, tone: 'cyan'}), seg(oneLine(state.prompt.text, 'expand')), seg(' ', {inverse: true})], width, marks.ellipsis)
  }
  if (state.status) {
    const tone = state.status.tone === 'error' ? 'red' : state.status.tone === 'busy' ? 'cyan' : 'green'
    const text = state.status.tone === 'busy' ? `${state.status.text}${marks.ellipsis}` : state.status.text
    return truncateLine([seg(oneLine(text, 'expand'), {tone, bold: true})], width, marks.ellipsis)
  }
  if (state.help) return []
  if (state.screen.kind !== 'list') {
    if (detailLines <= body) return [seg(`${detailLines} lines`, {dim: true})]
    const last = Math.min(detailLines, state.detailTop + body)
    const more = last < detailLines ? `  ${marks.down} more below` : ''
    return [seg(`lines ${state.detailTop + 1}-${last} of ${detailLines}${more}`, {dim: true})]
  }
  if (state.pane === 'matrix') return cellInfoLine(model, rows[state.row], state.col, marks, width)
  const f = findings[state.findingIndex]
  if (!f) {
    return [seg(model.findings.length === 0 ? `${marks.result.pass} no problems found` : 'no findings match the filters', {dim: model.findings.length > 0, tone: model.findings.length === 0 ? 'green' : undefined})]
  }
  const parts = [`${state.findingIndex + 1}/${findings.length}`, f.check, nodeLabel(f.node), ...(f.subject !== null ? [f.subject] : [])]
  return truncateLine([seg(oneLine(parts.join(` ${marks.sep} `), 'expand'), {dim: true}), seg(`  ${marks.enter} details`, {dim: true})], width, marks.ellipsis)
}
