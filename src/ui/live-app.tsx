// The live phase wired up: follows the store the session feeds progress events into, ticks the spinner and
// the clock, and turns Ctrl-C (raw mode swallows SIGINT) into the command's interrupt.
import {useSyncExternalStore} from 'react'
import {useAnimation, useInput, useStdin, useWindowSize} from 'ink'
import type {LiveStore} from './live-state.js'
import type {Marks} from '../report/text.js'
import {LiveView} from './live-view.js'

export interface LiveAppProps {
  store: LiveStore
  marks: Marks
  color: boolean
  onInterrupt(): void
  /** the clock; default Date.now */
  clock?: () => number
}

export function LiveApp({store, marks, color, onInterrupt, clock = Date.now}: LiveAppProps) {
  const state = useSyncExternalStore(store.subscribe, store.get, store.get)
  const {isRawModeSupported} = useStdin()
  const {columns, rows} = useWindowSize()
  const {frame} = useAnimation({interval: 100, isActive: state.stage !== 'finished' && state.stage !== 'stopped'})
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') {
        const first = !store.get().interrupted
        store.interrupt()
        if (first) onInterrupt()
      }
    },
    {isActive: isRawModeSupported === true},
  )
  return <LiveView state={state} now={clock()} frame={frame} marks={marks} color={color} columns={columns} rows={rows} />
}
