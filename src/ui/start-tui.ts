// The interactive UI of `kubectl kr doctor` (-o tui, the default on a terminal). Loaded only through a dynamic
// import from the command, so -o json|yaml|text|junit never load Ink or React.
//
// Live phase: an inline Ink app on the normal screen (finished node rows are <Static>, printed once; the
// summary line stays after the run). Results phase: a second Ink app on the alternate screen, so quitting
// leaves the terminal exactly as the live phase left it, cursor restored.
import {createElement} from 'react'
import {render, type Instance} from 'ink'
import {createLiveStore} from './live-state.js'
import {LiveApp} from './live-app.js'
import {marksFor} from '../report/text.js'
import {ResultsApp} from './results-app.js'
import type {StartTui, TuiSession} from './session.js'

export const startTui: StartTui = (opts): TuiSession => {
  const marks = marksFor(opts.unicode)
  const store = createLiveStore()
  const base = {stdin: opts.stdin, stdout: opts.stdout, exitOnCtrlC: false, interactive: true} as const
  let live: Instance | null = render(createElement(LiveApp, {store, marks, color: opts.color, onInterrupt: opts.onInterrupt}), {...base})
  let results: Instance | null = null

  const endLive = async () => {
    const instance = live
    live = null
    if (!instance) return
    await instance.waitUntilRenderFlush().catch(() => {})
    instance.unmount()
    await instance.waitUntilExit().catch(() => {})
  }

  return {
    progress: (event) => store.dispatch(event),

    async showReport(report, actions) {
      await endLive()
      const instance = render(createElement(ResultsApp, {report, actions, marks, color: opts.color}), {...base, alternateScreen: true})
      results = instance
      try {
        await instance.waitUntilExit()
      } finally {
        results = null
      }
    },

    watchReports(report, actions) {
      const props = {report, actions, marks, color: opts.color}
      let instance: Instance | null = null
      const closed = (async () => {
        await endLive()
        instance = render(createElement(ResultsApp, props), {...base, alternateScreen: true})
        results = instance
        try {
          await instance.waitUntilExit()
        } finally {
          results = null
          instance = null
        }
      })()
      return {
        update(next, banner) {
          instance?.rerender(createElement(ResultsApp, {...props, report: next, banner}))
        },
        closed,
      }
    },

    async close() {
      if (live) store.stop(Date.now())
      await endLive()
      const instance = results
      results = null
      if (instance) {
        instance.unmount()
        await instance.waitUntilExit().catch(() => {})
      }
    },
  }
}
