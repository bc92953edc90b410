// Colours and words of the interactive UI around the marks (the marks themselves: report/text.ts, shared with
// `-o text`). Plain data: no Ink here.
import type {ResultStatus, Severity} from '../model/report.js'
import type {NodePhase} from '../model/progress.js'
import type {Marks} from '../report/text.js'

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
