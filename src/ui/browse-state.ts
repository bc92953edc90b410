// What the results browser is showing, and how a key press changes it. Pure: the component feeds keys in and
// carries out the effects (quit, save a bundle, write the report) that come back.
import {nextSeverityFilter, type SeverityFilter} from './browse-model.js'
import type {Finding} from '../model/report.js'

export type Pane = 'findings' | 'matrix'

export type Screen =
  | {kind: 'list'}
  | {kind: 'finding'; finding: Finding}
  | {kind: 'cell'; node: string | null; check: string | null}

export type PromptKind = 'filter' | 'bundle' | 'report'

export interface BrowseState {
  pane: Pane
  screen: Screen
  help: boolean
  /** findings list: selected index and first visible row */
  findingIndex: number
  findingTop: number
  /** matrix: selected row and column, first visible row */
  row: number
  col: number
  rowTop: number
  /** detail screens: first visible line */
  detailTop: number
  severity: SeverityFilter
  filter: string
  prompt: {kind: PromptKind; text: string} | null
  status: {text: string; tone: 'info' | 'error' | 'busy'} | null
}

export type Effect = {kind: 'quit'} | {kind: 'save-bundle'; path: string} | {kind: 'write-report'; path: string}

/** The subset of Ink's Key the browser reads. */
export interface KeyPress {
  upArrow?: boolean
  downArrow?: boolean
  leftArrow?: boolean
  rightArrow?: boolean
  pageUp?: boolean
  pageDown?: boolean
  home?: boolean
  end?: boolean
  return?: boolean
  escape?: boolean
  ctrl?: boolean
  meta?: boolean
  shift?: boolean
  tab?: boolean
  backspace?: boolean
  delete?: boolean
}

/** What the last render knew: list sizes and viewport heights. */
export interface KeyContext {
  findingCount: number
  rowCount: number
  colCount: number
  /** visible findings rows / matrix rows / detail lines */
  listHeight: number
  gridHeight: number
  detailHeight: number
  detailLines: number
  /** the finding under the cursor in the findings list */
  selectedFinding: Finding | null
  /** the matrix cell under the cursor */
  selectedCell: {node: string | null; check: string | null} | null
  defaultBundlePath: string
  defaultReportPath: string
}

export function initialBrowseState(): BrowseState {
  return {
    pane: 'findings',
    screen: {kind: 'list'},
    help: false,
    findingIndex: 0,
    findingTop: 0,
    row: 0,
    col: 0,
    rowTop: 0,
    detailTop: 0,
    severity: 'all',
    filter: '',
    prompt: null,
    status: null,
  }
}

const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, n))

/** The first visible row that keeps `index` on screen, moving as little as possible. */
export function follow(index: number, top: number, height: number, count: number): number {
  const h = Math.max(1, height)
  let t = top
  if (index < t) t = index
  if (index >= t + h) t = index - h + 1
  return clamp(t, 0, Math.max(0, count - h))
}

export interface KeyOutcome {
  state: BrowseState
  effect?: Effect
}

// eslint-disable-next-line no-control-regex
const printable = (input: string): string => input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')

function promptKey(state: BrowseState, input: string, key: KeyPress): KeyOutcome {
  const prompt = state.prompt!
  const setText = (text: string): BrowseState =>
    prompt.kind === 'filter'
      ? {...state, prompt: {...prompt, text}, filter: text, findingIndex: 0, findingTop: 0, row: 0, rowTop: 0}
      : {...state, prompt: {...prompt, text}}
  if (key.escape) {
    if (prompt.kind === 'filter') return {state: {...state, prompt: null, filter: '', findingIndex: 0, findingTop: 0, row: 0, rowTop: 0}}
    return {state: {...state, prompt: null}}
  }
  if (key.return) {
    const text = prompt.text.trim()
    if (prompt.kind === 'filter') return {state: {...state, prompt: null, filter: text}}
    if (text === '') return {state: {...state, prompt: null}}
    const busy = prompt.kind === 'bundle' ? `saving bundle to ${text}` : `writing report to ${text}`
    return {
      state: {...state, prompt: null, status: {text: busy, tone: 'busy'}},
      effect: prompt.kind === 'bundle' ? {kind: 'save-bundle', path: text} : {kind: 'write-report', path: text},
    }
  }
  if (key.backspace || key.delete) return {state: setText(prompt.text.slice(0, -1))}
  if (key.ctrl && input === 'u') return {state: setText('')}
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return {state}
  const text = printable(input)
  return text === '' ? {state} : {state: setText(prompt.text + text)}
}

function moveList(state: BrowseState, delta: number | 'top' | 'bottom', ctx: KeyContext): BrowseState {
  if (state.pane === 'findings') {
    const count = ctx.findingCount
    if (count === 0) return state
    const index = delta === 'top' ? 0 : delta === 'bottom' ? count - 1 : clamp(Math.min(state.findingIndex, count - 1) + delta, 0, count - 1)
    return {...state, findingIndex: index, findingTop: follow(index, state.findingTop, ctx.listHeight, count)}
  }
  const count = ctx.rowCount
  if (count === 0) return state
  const row = delta === 'top' ? 0 : delta === 'bottom' ? count - 1 : clamp(Math.min(state.row, count - 1) + delta, 0, count - 1)
  return {...state, row, rowTop: follow(row, state.rowTop, ctx.gridHeight, count)}
}

function scrollDetail(state: BrowseState, delta: number | 'top' | 'bottom', ctx: KeyContext): BrowseState {
  const max = Math.max(0, ctx.detailLines - ctx.detailHeight)
  const top = delta === 'top' ? 0 : delta === 'bottom' ? max : clamp(state.detailTop + delta, 0, max)
  return {...state, detailTop: top}
}

const listReset = {findingIndex: 0, findingTop: 0, row: 0, rowTop: 0}

export function reduceKey(previous: BrowseState, input: string, key: KeyPress, ctx: KeyContext): KeyOutcome {
  // a status message lasts until the next key (a running save keeps its line until it reports)
  const state: BrowseState = previous.status && previous.status.tone !== 'busy' ? {...previous, status: null} : previous
  if (key.ctrl && input === 'c') return {state, effect: {kind: 'quit'}}
  if (state.prompt) return promptKey(state, input, key)

  if (state.help) {
    if (input === 'q') return {state, effect: {kind: 'quit'}}
    if (input === '?' || key.escape || key.return) return {state: {...state, help: false}}
    return {state}
  }
  if (input === 'q') return {state, effect: {kind: 'quit'}}
  if (input === '?') return {state: {...state, help: true}}
  if (input === '/') return {state: {...state, prompt: {kind: 'filter', text: state.filter}}}
  if (input === 's') return {state: {...state, prompt: {kind: 'bundle', text: ctx.defaultBundlePath}}}
  if (input === 'o') return {state: {...state, prompt: {kind: 'report', text: ctx.defaultReportPath}}}
  if (input === 'f') return {state: {...state, ...listReset, severity: nextSeverityFilter(state.severity)}}
  if (input === 'e') return {state: {...state, ...listReset, severity: 'error'}}
  if (input === 'w') return {state: {...state, ...listReset, severity: 'warning'}}
  if (input === 'a') return {state: {...state, ...listReset, severity: 'all'}}
  if (key.tab) {
    return {state: {...state, screen: {kind: 'list'}, pane: state.pane === 'findings' ? 'matrix' : 'findings'}}
  }

  const page = (h: number) => Math.max(1, h - 1)
  if (state.screen.kind !== 'list') {
    if (key.escape || key.backspace || key.delete || key.leftArrow || input === 'h') return {state: {...state, screen: {kind: 'list'}}}
    if (key.upArrow || input === 'k') return {state: scrollDetail(state, -1, ctx)}
    if (key.downArrow || input === 'j') return {state: scrollDetail(state, 1, ctx)}
    if (key.pageUp || input === 'b') return {state: scrollDetail(state, -page(ctx.detailHeight), ctx)}
    if (key.pageDown || input === ' ') return {state: scrollDetail(state, page(ctx.detailHeight), ctx)}
    if (key.home || input === 'g') return {state: scrollDetail(state, 'top', ctx)}
    if (key.end || input === 'G') return {state: scrollDetail(state, 'bottom', ctx)}
    return {state}
  }

  // list screens
  const height = state.pane === 'findings' ? ctx.listHeight : ctx.gridHeight
  if (key.escape) return {state: state.filter !== '' ? {...state, ...listReset, filter: ''} : state}
  if (key.upArrow || input === 'k') return {state: moveList(state, -1, ctx)}
  if (key.downArrow || input === 'j') return {state: moveList(state, 1, ctx)}
  if (key.pageUp || input === 'b') return {state: moveList(state, -page(height), ctx)}
  if (key.pageDown || input === ' ') return {state: moveList(state, page(height), ctx)}
  if (key.home || input === 'g') return {state: moveList(state, 'top', ctx)}
  if (key.end || input === 'G') return {state: moveList(state, 'bottom', ctx)}
  if (state.pane === 'matrix') {
    if (key.leftArrow || input === 'h') return {state: {...state, col: clamp(state.col - 1, 0, Math.max(0, ctx.colCount - 1))}}
    if (key.rightArrow || input === 'l') return {state: {...state, col: clamp(state.col + 1, 0, Math.max(0, ctx.colCount - 1))}}
    if (key.return && ctx.selectedCell) return {state: {...state, screen: {kind: 'cell', ...ctx.selectedCell}, detailTop: 0}}
    return {state}
  }
  if ((key.return || key.rightArrow || input === 'l') && ctx.selectedFinding) {
    return {state: {...state, screen: {kind: 'finding', finding: ctx.selectedFinding}, detailTop: 0}}
  }
  return {state}
}
