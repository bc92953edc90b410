// Text helpers shared by the renderers (-o text, the progress line) and the TUI: terminal-safe text, display
// width, truncation, counts, and the marks (Unicode and ASCII). Pure; no Ink, no environment lookups.
import stringWidth from 'string-width'
import type {ResultStatus, Severity} from '../model/report.js'

// ---------- terminal-safe text ----------

/** What happens to tabs: kept (a stream: the terminal's tab stops apply) or two spaces (a grid of cells, the TUI). */
export type Tabs = 'keep' | 'expand'

/** Characters a terminal interprets instead of showing: C0/C1 controls (ESC, BEL, CSI…) and the bidi controls that
 * reorder what follows (U+202E RIGHT-TO-LEFT OVERRIDE and its kin). Newline and tab are handled by the callers. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

function visible(c: string): string {
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * Node- or API-supplied text made safe for a terminal: control characters and bidi overrides are shown as \xNN /
 * \uNNNN instead of being interpreted, so nothing can move the cursor, recolour or retitle the screen, or make text
 * read in another order. Newlines stay; tabs stay unless `tabs` is 'expand'.
 */
export function safe(text: string, tabs: Tabs = 'keep'): string {
  const t = tabs === 'expand' ? text.replace(/\t/g, '  ') : text
  return t.replace(UNSAFE, visible)
}

/** Whether the text holds a character a terminal would interpret (see UNSAFE). */
export function hasUnsafe(text: string): boolean {
  UNSAFE.lastIndex = 0
  return UNSAFE.test(text)
}

/** Each unsafe character replaced by `escape(codePoint)`: JSON and YAML \uNNNN, XML &#xNNNN;. The data stays the
 * same for a program reading the document; a person reading it on a terminal sees the escape. */
export function escapeUnsafe(text: string, escape: (code: number) => string): string {
  return text.replace(UNSAFE, (c) => escape(c.charCodeAt(0)))
}

export const hex4 = (code: number): string => code.toString(16).padStart(4, '0')

/** One line of safe text: newlines become spaces. */
export function oneLine(text: string, tabs: Tabs = 'keep'): string {
  return safe(text.replace(/\r?\n/g, ' '), tabs)
}

// ---------- display width ----------

/** Columns the text takes on a terminal (wide CJK and emoji count 2, combining marks 0). */
export function displayWidth(text: string): number {
  return stringWidth(text)
}

let segmenter: Intl.Segmenter | null = null

/** The longest prefix of whole graphemes that fits in `width` columns. */
function fit(text: string, width: number): string {
  segmenter ??= new Intl.Segmenter()
  let out = ''
  let used = 0
  for (const {segment} of segmenter.segment(text)) {
    const w = stringWidth(segment)
    if (used + w > width) break
    out += segment
    used += w
  }
  return out
}

/** Cut to `width` columns, ending in the ellipsis when something was cut. */
export function truncate(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return ''
  if (stringWidth(text) <= width) return text
  const room = width - stringWidth(ellipsis)
  if (room <= 0) return fit(text, width)
  return fit(text, room) + ellipsis
}

/** Pad with spaces to `width` columns (never cuts). */
export function padTo(text: string, width: number): string {
  const w = stringWidth(text)
  return w >= width ? text : text + ' '.repeat(width - w)
}

// ---------- words ----------

/** "1 node", "3 nodes" */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`
}

/** What a report row or finding without a node is called. */
export const nodeLabel = (node: string | null): string => node ?? 'cluster'

// ---------- marks ----------

/** Glyphs in a Unicode and an ASCII set (ok FAIL - ERR when the locale lacks UTF-8). */
export interface Marks {
  result: Record<ResultStatus, string>
  finding: Record<Severity, string>
  /** a node collected / failed / skipped (node rows, the text header) */
  nodeDone: string
  nodeFailed: string
  nodeSkipped: string
  spinner: readonly string[]
  rule: string
  ellipsis: string
  times: string
  up: string
  down: string
  /** up and down together, for the footer */
  upDown: string
  enter: string
  sep: string
  arrowRight: string
}

export const UNICODE_MARKS: Marks = {
  result: {pass: '✓', fail: '✗', skipped: '–', error: '!'},
  finding: {error: '✗', warning: '▲', info: '•'},
  nodeDone: '✓',
  nodeFailed: '✗',
  nodeSkipped: '–',
  spinner: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'],
  rule: '─',
  ellipsis: '…',
  times: '×',
  up: '↑',
  down: '↓',
  upDown: '↑↓',
  enter: '⏎',
  sep: '·',
  arrowRight: '›',
}

export const ASCII_MARKS: Marks = {
  result: {pass: 'ok', fail: 'FAIL', skipped: '-', error: 'ERR'},
  finding: {error: 'x', warning: '!', info: 'i'},
  nodeDone: 'ok',
  nodeFailed: 'x',
  nodeSkipped: '-',
  spinner: ['-', '\\', '|', '/'],
  rule: '-',
  ellipsis: '...',
  times: 'x',
  up: 'up',
  down: 'down',
  upDown: 'up/down',
  enter: 'enter',
  sep: '|',
  arrowRight: '>',
}

export function marksFor(unicode: boolean): Marks {
  return unicode ? UNICODE_MARKS : ASCII_MARKS
}
