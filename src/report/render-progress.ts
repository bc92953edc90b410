// The plain progress line on stderr (text/json/yaml/junit modes on a terminal): one line, rewritten in place,
// erased when the run finishes so that stdout's report starts on a clean screen.
import type {NodePhase, ProgressEvent, ProgressSink} from '../model/progress.js'
import {plural, truncate} from './text.js'

export interface ProgressState {
  nodes: Map<string, NodePhase>
  step: string | null
  startedAt: number | null
  analysing: boolean
}

export function emptyProgress(): ProgressState {
  return {nodes: new Map(), step: null, startedAt: null, analysing: false}
}

export function applyProgress(state: ProgressState, event: ProgressEvent): ProgressState {
  switch (event.kind) {
    case 'run-started':
      return {...state, startedAt: state.startedAt ?? event.at, nodes: new Map(event.nodes.map((n) => [n, 'waiting' as NodePhase]))}
    case 'node': {
      const nodes = new Map(state.nodes)
      nodes.set(event.node, event.phase)
      return {...state, nodes}
    }
    case 'step':
      return {...state, step: event.message, startedAt: state.startedAt ?? event.at}
    case 'analysing':
      return {...state, analysing: true}
    case 'run-finished':
      return state
  }
}

export function describeProgress(state: ProgressState, now: number): string {
  const elapsed = state.startedAt === null ? 0 : Math.max(0, Math.round((now - state.startedAt) / 1000))
  if (state.analysing) return `analysing ${plural(state.nodes.size, 'node')}… ${elapsed}s`
  if (state.nodes.size === 0) return `${state.step ?? 'starting'}… ${elapsed}s`
  let done = 0
  let failed = 0
  let running = 0
  let pulling = 0
  for (const phase of state.nodes.values()) {
    if (phase === 'collected') done++
    else if (phase === 'failed') failed++
    else if (phase === 'running') running++
    else if (phase === 'pulling') pulling++
  }
  const parts = [`probing nodes: ${done + failed}/${state.nodes.size} done`]
  if (running) parts.push(`${running} running`)
  if (pulling) parts.push(`${pulling} pulling image`)
  if (failed) parts.push(`${failed} failed`)
  return `${parts.join(' · ')} · ${elapsed}s`
}

/** A sink that keeps one status line on a terminal stream up to date. */
export function progressLine(stream: NodeJS.WriteStream, now: () => number = Date.now): ProgressSink {
  let state = emptyProgress()
  let shown = false
  let timer: NodeJS.Timeout | null = null
  const draw = () => {
    const width = Math.max(20, (stream.columns || 80) - 1)
    stream.write(`\r\u001B[2K${truncate(describeProgress(state, now()), width, '')}`)
    shown = true
  }
  return (event) => {
    state = applyProgress(state, event)
    if (event.kind === 'run-finished') {
      if (timer) clearInterval(timer)
      timer = null
      if (shown) stream.write('\r\u001B[2K')
      shown = false
      return
    }
    if (!timer) {
      timer = setInterval(draw, 1000)
      timer.unref()
    }
    draw()
  }
}
