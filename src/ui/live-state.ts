// The live phase as data: progress events folded into what the live view shows. Pure; no Ink.
import type {NodePhase, ProgressEvent} from '../model/progress.js'
import {plural} from '../report/text.js'

export interface LiveNode {
  name: string
  phase: NodePhase
  /** why it failed, which image it pulls... */
  detail: string | null
  /** when it entered its current phase */
  since: number
  /** when it was collected or failed */
  finishedAt: number | null
}

/** stopped: the run ended without a report (an error, or interrupted) */
export type LiveStage = 'starting' | 'collecting' | 'analysing' | 'finished' | 'stopped'

export interface LiveState {
  mode: 'cluster' | 'local' | 'bundle' | null
  context: string | null
  stage: LiveStage
  startedAt: number | null
  finishedAt: number | null
  /** the last run-level step ("reading cluster objects") */
  step: string | null
  /** every node, in the order the run named them */
  order: readonly string[]
  nodes: ReadonlyMap<string, LiveNode>
  /** collected or failed nodes in the order they finished: the live view prints them once (<Static>) */
  finished: readonly string[]
  /** Ctrl-C was pressed: the run is being aborted */
  interrupted: boolean
}

export function emptyLiveState(): LiveState {
  return {
    mode: null,
    context: null,
    stage: 'starting',
    startedAt: null,
    finishedAt: null,
    step: null,
    order: [],
    nodes: new Map(),
    finished: [],
    interrupted: false,
  }
}

const isFinal = (phase: NodePhase): boolean => phase === 'collected' || phase === 'failed'

export function applyLiveEvent(state: LiveState, event: ProgressEvent): LiveState {
  const startedAt = state.startedAt ?? event.at
  switch (event.kind) {
    case 'run-started': {
      const nodes = new Map(state.nodes)
      const order = [...state.order]
      for (const name of event.nodes) {
        if (!nodes.has(name)) {
          nodes.set(name, {name, phase: 'waiting', detail: null, since: event.at, finishedAt: null})
          order.push(name)
        }
      }
      return {
        ...state,
        mode: event.mode,
        context: event.context,
        stage: state.stage === 'starting' ? 'collecting' : state.stage,
        startedAt,
        order,
        nodes,
      }
    }
    case 'node': {
      const nodes = new Map(state.nodes)
      const previous = nodes.get(event.node)
      const order = previous ? state.order : [...state.order, event.node]
      const final = isFinal(event.phase)
      const samePhase = previous?.phase === event.phase
      nodes.set(event.node, {
        name: event.node,
        phase: event.phase,
        detail: event.detail,
        since: samePhase && previous ? previous.since : event.at,
        finishedAt: final ? (previous?.finishedAt ?? event.at) : null,
      })
      const finished = final && !state.finished.includes(event.node) ? [...state.finished, event.node] : state.finished
      return {...state, stage: state.stage === 'starting' ? 'collecting' : state.stage, startedAt, order, nodes, finished}
    }
    case 'step':
      return {...state, step: event.message, startedAt}
    case 'analysing':
      return {...state, stage: 'analysing', startedAt}
    case 'run-finished':
      return {...state, stage: 'finished', startedAt, finishedAt: event.at}
  }
}

export function markInterrupted(state: LiveState): LiveState {
  return state.interrupted ? state : {...state, interrupted: true}
}

/** The run ended without a report: the clock stops, no spinner is left turning. */
export function markStopped(state: LiveState, at: number): LiveState {
  if (state.stage === 'finished' || state.stage === 'stopped') return state
  return {...state, stage: 'stopped', startedAt: state.startedAt ?? at, finishedAt: at}
}

export interface LiveCounts {
  total: number
  waiting: number
  scheduled: number
  pulling: number
  running: number
  collected: number
  failed: number
}

export function liveCounts(state: LiveState): LiveCounts {
  const counts: LiveCounts = {total: 0, waiting: 0, scheduled: 0, pulling: 0, running: 0, collected: 0, failed: 0}
  for (const node of state.nodes.values()) {
    counts.total++
    counts[node.phase]++
  }
  return counts
}

/** Nodes still in flight, in run order: the rows the live region redraws. */
export function activeNodes(state: LiveState): LiveNode[] {
  const out: LiveNode[] = []
  for (const name of state.order) {
    const node = state.nodes.get(name)
    if (node && !isFinal(node.phase)) out.push(node)
  }
  return out
}

/** Elapsed time as the live view shows it: 0.4s, 12s, 2m05s. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000
  if (s < 10) return `${s.toFixed(1)}s`
  if (s < 60) return `${Math.floor(s)}s`
  const m = Math.floor(s / 60)
  return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`
}

/** The one-line summary under the node rows. */
export function describeLive(state: LiveState, now: number, glyphs: {ellipsis: string; sep: string} = {ellipsis: '…', sep: '·'}): string {
  const {ellipsis: e, sep} = glyphs
  const c = liveCounts(state)
  const elapsed = formatElapsed((state.finishedAt ?? now) - (state.startedAt ?? now))
  const nodes = (n: number) => plural(n, 'node')
  if (state.interrupted && state.stage === 'stopped') return `interrupted after ${elapsed}`
  if (state.interrupted) return `interrupted: stopping the run and deleting probe pods${e} ${elapsed}`
  switch (state.stage) {
    case 'starting':
      return `${state.step ?? 'starting'}${e} ${elapsed}`
    case 'analysing':
      return `analysing ${nodes(c.collected)}${e} ${elapsed}`
    case 'finished':
      return `done: ${nodes(c.total)}, ${c.collected} collected, ${c.failed} failed in ${elapsed}`
    case 'stopped':
      return `stopped after ${elapsed}${c.total > 0 ? `: ${c.collected} of ${nodes(c.total)} collected` : ''}`
    case 'collecting': {
      const parts = [`probing ${c.collected + c.failed}/${nodes(c.total)} done`]
      if (c.running) parts.push(`${c.running} probing`)
      if (c.pulling) parts.push(`${c.pulling} pulling image`)
      if (c.scheduled) parts.push(`${c.scheduled} scheduled`)
      if (c.waiting) parts.push(`${c.waiting} waiting`)
      if (c.failed) parts.push(`${c.failed} failed`)
      parts.push(elapsed)
      return parts.join(` ${sep} `)
    }
  }
}

/** A tiny store the session feeds events into and the live view subscribes to (useSyncExternalStore). */
export interface LiveStore {
  get(): LiveState
  dispatch(event: ProgressEvent): void
  interrupt(): void
  stop(at: number): void
  subscribe(listener: () => void): () => void
}

export function createLiveStore(initial: LiveState = emptyLiveState()): LiveStore {
  let state = initial
  const listeners = new Set<() => void>()
  const set = (next: LiveState) => {
    if (next === state) return
    state = next
    for (const l of listeners) l()
  }
  return {
    get: () => state,
    dispatch: (event) => set(applyLiveEvent(state, event)),
    interrupt: () => set(markInterrupted(state)),
    stop: (at) => set(markStopped(state, at)),
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
