// The TUI session as the doctor command drives it, on fake terminal streams: progress events, then the results
// browser on the alternate screen until q; Ctrl-C in the live phase interrupts; close() on the error path
// restores the terminal.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {startTui} from '../../src/ui/start-tui.js'
import type {TuiActions} from '../../src/ui/session.js'
import {demoReport} from './reports.js'
import {FakeStdin, FakeTty} from './fake-terminal.js'
import {clusterRun} from './progress-runs.js'
import {stripAnsi, waitFor} from './harness.js'

const ENTER_ALT = '\u001b[?1049h'
const LEAVE_ALT = '\u001b[?1049l'
const SHOW_CURSOR = '\u001b[?25h'
const HIDE_CURSOR = '\u001b[?25l'

const actions: TuiActions = {saveBundle: async (p) => `bundle saved to ${p}`, writeReport: async (p) => `report written to ${p}`}

function session(onInterrupt = () => {}) {
  const stdout = new FakeTty()
  const stdin = new FakeStdin()
  const tui = startTui({
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    onInterrupt,
    color: true,
    unicode: true,
  })
  return {stdout, stdin, tui}
}

test('live phase, then the browser on the alternate screen; q quits and restores the screen and the cursor', async () => {
  const {stdout, stdin, tui} = session()
  const t0 = Date.now()
  tui.progress({kind: 'run-started', mode: 'bundle', context: 'demo-dualstack', nodes: ['node-a', 'node-b', 'node-c'], at: t0})
  for (const n of ['node-a', 'node-b', 'node-c']) tui.progress({kind: 'node', node: n, phase: 'collected', detail: null, at: t0})
  tui.progress({kind: 'analysing', at: t0})
  tui.progress({kind: 'run-finished', at: t0 + 10})
  const shown = tui.showReport(await demoReport(), actions)
  await waitFor('the browser', () => stdout.output.includes('Findings 18'))
  const live = stdout.output.slice(0, stdout.output.indexOf(ENTER_ALT))
  assert.match(stripAnsi(live), /kubectl kr doctor {2}bundle · context demo-dualstack · 3 nodes/)
  assert.match(stripAnsi(live), /✓ done: 3 nodes, 3 collected, 0 failed in 0\.0s/)
  assert.equal(stdin.isRaw, true, 'keys are read raw while browsing')
  stdin.type('q')
  await shown
  const out = stdout.output
  assert.ok(out.lastIndexOf(LEAVE_ALT) > out.lastIndexOf(ENTER_ALT), 'alternate screen left')
  assert.ok(out.lastIndexOf(SHOW_CURSOR) > out.lastIndexOf(HIDE_CURSOR), 'cursor shown again')
  assert.equal(stdin.isRaw, false, 'raw mode off')
})

test('Ctrl-C in the live phase calls onInterrupt; close() stops the live view and restores the cursor', async () => {
  let interrupts = 0
  const {stdout, stdin, tui} = session(() => interrupts++)
  for (const e of clusterRun()) tui.progress(e)
  await waitFor('the live rows', () => stripAnsi(stdout.output).includes('node-d'))
  stdin.type('\u0003')
  await waitFor('the interrupt', () => interrupts === 1)
  await tui.close()
  const out = stdout.output
  assert.match(stripAnsi(out), /✗ interrupted after/)
  assert.ok(!out.includes(ENTER_ALT), 'the browser never opened')
  assert.ok(out.lastIndexOf(SHOW_CURSOR) > out.lastIndexOf(HIDE_CURSOR), 'cursor shown again')
  assert.equal(stdin.isRaw, false)
})

test('close() on the error path (no report): the live view says it stopped', async () => {
  const {stdout, tui} = session()
  tui.progress({kind: 'step', message: 'reading cluster objects', at: Date.now()})
  await waitFor('the step', () => stripAnsi(stdout.output).includes('reading cluster objects'))
  await tui.close()
  assert.match(stripAnsi(stdout.output), /✗ stopped after \d/)
})

test('the live view shows only the events it is given: no run-finished, no "done" line made up', async () => {
  const {stdout, stdin, tui} = session()
  const t0 = Date.now()
  tui.progress({kind: 'run-started', mode: 'bundle', context: null, nodes: ['node-a'], at: t0})
  tui.progress({kind: 'node', node: 'node-a', phase: 'collected', detail: null, at: t0})
  tui.progress({kind: 'analysing', at: t0})
  const shown = tui.showReport(await demoReport(), actions)
  await waitFor('the browser', () => stdout.output.includes('Findings 18'))
  const live = stripAnsi(stdout.output.slice(0, stdout.output.indexOf(ENTER_ALT)))
  assert.match(live, /analysing 1 node/)
  assert.doesNotMatch(live, /done:/)
  stdin.type('q')
  await shown
})
