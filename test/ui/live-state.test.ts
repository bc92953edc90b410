// The live phase's state: progress events folded in order, counts, the lines the live view is made of.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {activeNodes, applyLiveEvent, createLiveStore, describeLive, emptyLiveState, formatElapsed, liveCounts, markInterrupted, markStopped, type LiveState} from '../../src/ui/live-state.js'
import type {ProgressEvent} from '../../src/model/progress.js'
import {clusterRun, T0} from './progress-runs.js'

const fold = (events: ProgressEvent[], from: LiveState = emptyLiveState()): LiveState => events.reduce(applyLiveEvent, from)

test('before run-started: the starting stage shows the current step', () => {
  const state = fold(clusterRun().slice(0, 1))
  assert.equal(state.stage, 'starting')
  assert.equal(state.startedAt, T0)
  assert.equal(describeLive(state, T0 + 500), 'reading cluster objects… 0.5s')
})

test('run-started: every target node waits, in the order given', () => {
  const state = fold(clusterRun().slice(0, 2))
  assert.equal(state.stage, 'collecting')
  assert.equal(state.mode, 'cluster')
  assert.equal(state.context, 'prod-eu')
  assert.deepEqual(state.order, ['node-a', 'node-b', 'node-c', 'node-d'])
  assert.deepEqual([...state.nodes.values()].map((n) => n.phase), ['waiting', 'waiting', 'waiting', 'waiting'])
  assert.deepEqual(liveCounts(state), {total: 4, waiting: 4, scheduled: 0, pulling: 0, running: 0, collected: 0, failed: 0})
})

test('node phases: counts, detail, time in phase, finished nodes in the order they finished', () => {
  const state = fold(clusterRun())
  assert.deepEqual(liveCounts(state), {total: 4, waiting: 1, scheduled: 0, pulling: 1, running: 0, collected: 1, failed: 1})
  const a = state.nodes.get('node-a')!
  assert.equal(a.phase, 'pulling')
  assert.equal(a.detail, 'docker.io/cloudnativelabs/kube-router:v2.1.2')
  assert.equal(a.since, T0 + 300)
  assert.equal(a.finishedAt, null)
  assert.equal(state.nodes.get('node-b')!.finishedAt, T0 + 1400)
  assert.equal(state.nodes.get('node-c')!.detail, 'probe pod did not start: ImagePullBackOff')
  assert.deepEqual(state.finished, ['node-b', 'node-c'])
  assert.deepEqual(activeNodes(state).map((n) => n.name), ['node-a', 'node-d'])
  assert.equal(describeLive(state, T0 + 2000), 'probing 2/4 nodes done · 1 pulling image · 1 waiting · 1 failed · 2.0s')
})

test('a repeated final event does not print the node twice; the first finish time stays', () => {
  const state = fold([...clusterRun(), {kind: 'node', node: 'node-b', phase: 'collected', detail: null, at: T0 + 9000}])
  assert.deepEqual(state.finished, ['node-b', 'node-c'])
  assert.equal(state.nodes.get('node-b')!.finishedAt, T0 + 1400)
})

test('a node event for a node not announced adds it', () => {
  const state = fold([{kind: 'node', node: 'solo', phase: 'collected', detail: null, at: T0}])
  assert.deepEqual(state.order, ['solo'])
  assert.equal(state.stage, 'collecting')
})

test('analysing, then run-finished: the clock stops at the finish', () => {
  const events: ProgressEvent[] = [
    ...clusterRun(),
    {kind: 'node', node: 'node-a', phase: 'running', detail: null, at: T0 + 1600},
    {kind: 'node', node: 'node-a', phase: 'collected', detail: null, at: T0 + 1700},
    {kind: 'node', node: 'node-d', phase: 'collected', detail: null, at: T0 + 1800},
  ]
  const analysing = fold([...events, {kind: 'analysing', at: T0 + 1900}])
  assert.equal(analysing.stage, 'analysing')
  assert.equal(describeLive(analysing, T0 + 2000), 'analysing 3 nodes… 2.0s')
  const done = applyLiveEvent(analysing, {kind: 'run-finished', at: T0 + 2100})
  assert.equal(done.stage, 'finished')
  assert.equal(describeLive(done, T0 + 60_000), 'done: 4 nodes, 3 collected, 1 failed in 2.1s')
})

test('interrupted: the summary says the run is being stopped', () => {
  const state = markInterrupted(fold(clusterRun()))
  assert.equal(state.interrupted, true)
  assert.match(describeLive(state, T0 + 2000), /^interrupted: stopping the run and deleting probe pods… /)
  assert.equal(markInterrupted(state), state)
})

test('ASCII glyphs in the summary', () => {
  const state = fold(clusterRun())
  assert.equal(describeLive(state, T0 + 2000, {ellipsis: '...', sep: '|'}), 'probing 2/4 nodes done | 1 pulling image | 1 waiting | 1 failed | 2.0s')
})

test('formatElapsed', () => {
  assert.equal(formatElapsed(0), '0.0s')
  assert.equal(formatElapsed(9_940), '9.9s')
  assert.equal(formatElapsed(12_400), '12s')
  assert.equal(formatElapsed(125_000), '2m05s')
  assert.equal(formatElapsed(-5), '0.0s')
})

test('the store notifies subscribers on every change, not on no-ops', () => {
  const store = createLiveStore()
  let calls = 0
  const off = store.subscribe(() => calls++)
  for (const e of clusterRun()) store.dispatch(e)
  assert.equal(calls, clusterRun().length)
  store.interrupt()
  store.interrupt()
  assert.equal(calls, clusterRun().length + 1)
  off()
  store.dispatch({kind: 'analysing', at: T0})
  assert.equal(calls, clusterRun().length + 1)
  assert.equal(store.get().stage, 'analysing')
})

test('stopped without a report: the clock stops; a finished run is not stopped afterwards', () => {
  const stopped = markStopped(fold(clusterRun()), T0 + 3000)
  assert.equal(stopped.stage, 'stopped')
  assert.equal(describeLive(stopped, T0 + 99_000), 'stopped after 3.0s: 1 of 4 nodes collected')
  assert.equal(describeLive(markStopped(emptyLiveState(), T0), T0 + 5000), 'stopped after 0.0s')
  assert.equal(describeLive(markStopped(markInterrupted(fold(clusterRun())), T0 + 4000), T0 + 9000), 'interrupted after 4.0s')
  const done = fold([...clusterRun(), {kind: 'run-finished', at: T0 + 2000}])
  assert.equal(markStopped(done, T0 + 5000), done)
})
