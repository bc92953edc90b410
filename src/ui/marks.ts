// Glyphs of the interactive UI, in a Unicode and an ASCII set (the same conventions as `-o text`: ✓ ✗ – !,
// or ok FAIL - ERR when the locale lacks UTF-8). Plain data: no Ink here.
import type {ResultStatus, Severity} from '../model/report.js'
import type {NodePhase} from '../model/progress.js'

export interface Marks {
  result: Record<ResultStatus, string>
  finding: Record<Severity, string>
  /** a finished node row: collected / failed */
  nodeDone: string
  nodeFailed: string
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

export type Tone = 'red' | 'green' | 'yellow' | 'cyan' | 'gray'

export const SEVERITY_TONE: Record<Severity, Tone> = {error: 'red', warning: 'yellow', info: 'cyan'}

export function resultTone(status: ResultStatus, worst: Severity | null): Tone {
  switch (status) {
    case 'pass':
      return 'green'
    case 'fail':
      return SEVERITY_TONE[worst ?? 'error']
    case 'skipped':
      return 'gray'
    default:
      return 'red'
  }
}

/** What a node phase is called on screen. */
export const PHASE_LABEL: Record<NodePhase, string> = {
  waiting: 'waiting',
  scheduled: 'scheduled',
  pulling: 'pulling image',
  running: 'probing',
  collected: 'collected',
  failed: 'failed',
}

/** A result as words: "✓ pass", or just "pass" where the ASCII mark is itself a word (ok, FAIL, ERR). */
export function resultWords(marks: Marks, status: ResultStatus): string {
  const mark = marks.result[status]
  return /^[a-z]+$/i.test(mark) ? status : `${mark} ${status}`
}
