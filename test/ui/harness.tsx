/** @jsxRuntime automatic */
// Rendering helpers for the component tests: ink-testing-library, colours stripped, keys typed one at a time,
// and polling (not fixed sleeps) for the frame to show what a key press should produce.
import {render} from 'ink-testing-library'
import {ResultsApp, type ResultsAppProps} from '../../src/ui/results-app.js'
import {marksFor} from '../../src/report/text.js'
import type {DoctorReport} from '../../src/model/report.js'
import type {TuiActions} from '../../src/ui/session.js'

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')

export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  backspace: '\u007f',
  ctrlC: '\u0003',
} as const

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function waitFor(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

export interface Calls {
  saveBundle: string[]
  writeReport: string[]
  quit: number
}

export function renderResults(
  report: DoctorReport,
  opts: {columns?: number; rows?: number; unicode?: boolean; color?: boolean; actions?: Partial<TuiActions>; fixedSize?: boolean} & Partial<ResultsAppProps> = {},
) {
  const calls: Calls = {saveBundle: [], writeReport: [], quit: 0}
  const actions: TuiActions = {
    saveBundle: async (path) => {
      calls.saveBundle.push(path)
      return opts.actions?.saveBundle ? opts.actions.saveBundle(path) : `bundle saved to ${path}`
    },
    writeReport: async (path) => {
      calls.writeReport.push(path)
      return opts.actions?.writeReport ? opts.actions.writeReport(path) : `report written to ${path}`
    },
  }
  const size = opts.fixedSize === false ? undefined : {columns: opts.columns ?? 80, rows: opts.rows ?? 24}
  const r = render(
    <ResultsApp
      report={report}
      actions={actions}
      marks={marksFor(opts.unicode ?? true)}
      color={opts.color ?? true}
      now={new Date(2026, 10, 22, 9, 5, 7)}
      size={size}
      onQuit={() => calls.quit++}
    />,
  )
  const frame = () => stripAnsi(r.lastFrame() ?? '')
  const lines = () => frame().split('\n')
  /** type keys one at a time; after the last, wait until the frame changes (or `until` holds) */
  const type = async (keys: string[] | string, until?: (frame: string) => boolean) => {
    const list = typeof keys === 'string' ? [...keys] : keys
    for (const k of list) {
      const before = r.frames.length
      r.stdin.write(k)
      // a lone ESC is held back briefly by Ink's parser: wait for the render it causes, if any
      await waitFor(`a render after ${JSON.stringify(k)}`, () => r.frames.length > before, 200).catch(() => {})
    }
    if (until) await waitFor('the expected frame', () => until(frame()))
  }
  return {...r, frame, lines, type, calls}
}
