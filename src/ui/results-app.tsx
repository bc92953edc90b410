// The results browser: keys in (useInput), state through the pure reducer, effects (quit, save bundle, write
// report) carried out through the actions the command passed in.
import {useEffect, useMemo, useRef, useState} from 'react'
import {useApp, useInput, useStdin, useWindowSize} from 'ink'
import type {DoctorReport} from '../model/report.js'
import type {TuiActions} from './session.js'
import {buildModel, defaultBundlePath, defaultReportPath} from './browse-model.js'
import {initialBrowseState, reduceKey, type BrowseState, type Effect} from './browse-state.js'
import type {Marks} from '../report/text.js'
import {computeScreen, type ScreenSize} from './results-screen.js'
import {ResultsView} from './results-view.js'

export interface ResultsAppProps {
  report: DoctorReport
  actions: TuiActions
  marks: Marks
  color: boolean
  /** for the default file names */
  now?: Date
  /** a fixed size (tests); default: the terminal's, following resizes */
  size?: ScreenSize
  /** called once when the user quits (q, ctrl-c) */
  onQuit?: () => void
  initialState?: Partial<BrowseState>
  /** doctor --watch: what the latest round changed, shown on the info line whenever it changes */
  banner?: string
}

export function ResultsApp(props: ResultsAppProps) {
  const {report, actions, marks, color} = props
  const {exit} = useApp()
  const {isRawModeSupported} = useStdin()
  const windowSize = useWindowSize()
  const size = props.size ?? windowSize
  const model = useMemo(() => buildModel(report), [report])
  const now = useMemo(() => props.now ?? new Date(), [props.now])
  const [state, setState] = useState<BrowseState>(() => ({...initialBrowseState(), ...props.initialState}))
  // keys can arrive faster than renders: the handler always works on the latest state
  const latest = useRef(state)
  const sizeRef = useRef(size)
  sizeRef.current = size
  const quitting = useRef(false)

  const update = (next: BrowseState) => {
    latest.current = next
    setState(next)
  }

  useEffect(() => {
    if (props.banner) update({...latest.current, status: {text: props.banner, tone: 'info'}})
  }, [props.banner])

  const run = (effect: Effect) => {
    if (effect.kind === 'quit') {
      if (quitting.current) return
      quitting.current = true
      props.onQuit?.()
      exit()
      return
    }
    const work = effect.kind === 'save-bundle' ? actions.saveBundle(effect.path) : actions.writeReport(effect.path)
    work.then(
      (message) => update({...latest.current, status: {text: message, tone: 'info'}}),
      (error: unknown) => update({...latest.current, status: {text: `error: ${error instanceof Error ? error.message : String(error)}`, tone: 'error'}}),
    )
  }

  useInput(
    (input, key) => {
      const screen = computeScreen(model, latest.current, sizeRef.current, marks)
      const outcome = reduceKey(screen.state, input, key, {
        ...screen.ctx,
        defaultBundlePath: defaultBundlePath(now),
        defaultReportPath: defaultReportPath(now),
      })
      if (outcome.state !== latest.current) update(outcome.state)
      if (outcome.effect) run(outcome.effect)
    },
    {isActive: isRawModeSupported === true},
  )

  const screen = computeScreen(model, state, size, marks)
  return <ResultsView lines={screen.lines} color={color} width={Math.max(20, size.columns)} />
}
