/** @jsxRuntime automatic */
// The live phase from a sequence of progress events: one row per node with its phase, counts, elapsed time;
// finished rows printed once (<Static>); Ctrl-C calls the command's interrupt.
import {afterEach, test} from 'node:test'
import assert from 'node:assert/strict'
import {render as inkRender} from 'ink'
import {cleanup, render} from 'ink-testing-library'
import {LiveApp} from '../../src/ui/live-app.js'
import {createLiveStore} from '../../src/ui/live-state.js'
import {marksFor} from '../../src/report/text.js'
import type {ProgressEvent} from '../../src/model/progress.js'
import {clusterRun, T0} from './progress-runs.js'
import {KEY, sleep, stripAnsi, waitFor} from './harness.js'
import {FakeStdin, FakeTty} from './fake-terminal.js'

afterEach(cleanup)

function renderLive(opts: {unicode?: boolean; now?: number} = {}) {
  const store = createLiveStore()
  let interrupts = 0
  const now = opts.now ?? T0 + 2000
  const r = render(<LiveApp store={store} marks={marksFor(opts.unicode ?? true)} color={true} onInterrupt={() => interrupts++} clock={() => now} />)
  const frame = () => stripAnsi(r.lastFrame() ?? '')
  return {...r, store, frame, interrupts: () => interrupts}
}

test('cluster run: header, a row per node with its phase and detail, counts and elapsed time', async () => {
  const ui = renderLive()
  for (const e of clusterRun()) ui.store.dispatch(e)
  await waitFor('node rows', () => ui.frame().includes('node-d'))
  const lines = ui.frame().split('\n')
  assert.equal(lines[0], 'kubectl kr doctor  cluster · context prod-eu · 4 nodes')
  assert.match(ui.frame(), /^✓ node-b +collected +1\.4s$/m)
  assert.match(ui.frame(), /^✗ node-c +failed: probe pod did not start: ImagePullBackOff$/m)
  assert.match(ui.frame(), /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] node-a +pulling image +1\.7s {2}docker\.io\/cloudnativelabs\/kube-router:v2\.1\.2$/m)
  assert.match(ui.frame(), /^ {2}node-d +waiting +1\.9s$/m)
  assert.match(lines[lines.length - 1], /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] probing 2\/4 nodes done · 1 pulling image · 1 waiting · 1 failed · 2\.0s$/)
  ui.unmount()
})

test('every phase has its word: scheduled, pulling image, probing, collected, failed; then analysing and done', async () => {
  const ui = renderLive()
  const at = (ms: number) => T0 + ms
  const events: ProgressEvent[] = [
    {kind: 'run-started', mode: 'cluster', context: null, nodes: ['n1', 'n2', 'n3'], at: at(0)},
    {kind: 'node', node: 'n1', phase: 'scheduled', detail: null, at: at(10)},
    {kind: 'node', node: 'n2', phase: 'running', detail: null, at: at(20)},
  ]
  for (const e of events) ui.store.dispatch(e)
  await waitFor('phases', () => ui.frame().includes('probing  '))
  assert.match(ui.frame(), / n1 +scheduled /)
  assert.match(ui.frame(), / n2 +probing /)
  assert.match(ui.frame(), / n3 +waiting /)
  assert.match(ui.frame(), /1 probing · 1 scheduled · 1 waiting/)
  ui.store.dispatch({kind: 'node', node: 'n1', phase: 'collected', detail: null, at: at(500)})
  ui.store.dispatch({kind: 'node', node: 'n2', phase: 'collected', detail: null, at: at(600)})
  ui.store.dispatch({kind: 'node', node: 'n3', phase: 'failed', detail: 'node is NotReady', at: at(700)})
  ui.store.dispatch({kind: 'analysing', at: at(800)})
  await waitFor('analysing', () => ui.frame().includes('analysing 2 nodes'))
  assert.match(ui.frame(), /^✗ n3 +failed: node is NotReady$/m)
  ui.store.dispatch({kind: 'run-finished', at: at(900)})
  await waitFor('done', () => ui.frame().includes('done:'))
  assert.match(ui.frame(), /^✓ done: 3 nodes, 2 collected, 1 failed in 0\.9s$/m)
  ui.unmount()
})

test('a bundle run goes straight to collected', async () => {
  const ui = renderLive()
  ui.store.dispatch({kind: 'run-started', mode: 'bundle', context: 'demo-dualstack', nodes: ['node-a', 'node-b'], at: T0})
  ui.store.dispatch({kind: 'node', node: 'node-a', phase: 'collected', detail: null, at: T0})
  ui.store.dispatch({kind: 'node', node: 'node-b', phase: 'collected', detail: null, at: T0})
  ui.store.dispatch({kind: 'analysing', at: T0})
  ui.store.dispatch({kind: 'run-finished', at: T0 + 40})
  await waitFor('done', () => ui.frame().includes('done:'))
  assert.equal(ui.frame(), ['kubectl kr doctor  bundle · context demo-dualstack · 2 nodes', '✓ node-a    collected      0.0s', '✓ node-b    collected      0.0s', '✓ done: 2 nodes, 2 collected, 0 failed in 0.0s'].join('\n'))
  ui.unmount()
})

test('ASCII marks without UTF-8', async () => {
  const ui = renderLive({unicode: false})
  for (const e of clusterRun()) ui.store.dispatch(e)
  await waitFor('rows', () => ui.frame().includes('node-d'))
  assert.match(ui.frame(), /^ok node-b +collected/m)
  assert.match(ui.frame(), /^x node-c +failed: /m)
  assert.match(ui.frame(), /^[-\\|/] node-a +pulling image/m)
  assert.match(ui.frame(), /probing 2\/4 nodes done \| 1 pulling image/)
  assert.ok(!/[✓✗⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏·…]/.test(ui.frame()))
  ui.unmount()
})

test('Ctrl-C during the live phase calls onInterrupt once and says the run is stopping', async () => {
  const ui = renderLive()
  for (const e of clusterRun()) ui.store.dispatch(e)
  await waitFor('rows', () => ui.frame().includes('node-d'))
  ui.stdin.write(KEY.ctrlC)
  await waitFor('interrupt', () => ui.interrupts() === 1)
  await waitFor('message', () => ui.frame().includes('interrupted: stopping the run and deleting probe pods'))
  ui.stdin.write(KEY.ctrlC)
  await sleep(50)
  assert.equal(ui.interrupts(), 1)
  ui.store.stop(T0 + 3000)
  await waitFor('stopped', () => ui.frame().includes('interrupted after'))
  assert.match(ui.frame(), /^✗ interrupted after 3\.0s$/m)
  ui.unmount()
})

test('a run that ends without a report: the spinner stops and the line says so', async () => {
  const ui = renderLive()
  for (const e of clusterRun()) ui.store.dispatch(e)
  ui.store.stop(T0 + 2500)
  await waitFor('stopped', () => ui.frame().includes('stopped after'))
  assert.match(ui.frame(), /^✗ stopped after 2\.5s: 1 of 4 nodes collected$/m)
  assert.match(ui.frame(), /^ {2}node-a +pulling image +2\.2s/m)
  ui.unmount()
})

test('finished rows are printed once (<Static>), while rows in flight are redrawn', async () => {
  const stdout = new FakeTty()
  const store = createLiveStore()
  let now = T0
  const instance = inkRender(<LiveApp store={store} marks={marksFor(true)} color={false} onInterrupt={() => {}} clock={() => now} />, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
    interactive: true,
    exitOnCtrlC: false,
    patchConsole: false,
  })
  const nodes = Array.from({length: 50}, (_, i) => `node-${String(i).padStart(2, '0')}`)
  store.dispatch({kind: 'run-started', mode: 'cluster', context: 'big', nodes, at: T0})
  for (const [i, node] of nodes.entries()) {
    now = T0 + 100 * (i + 1)
    store.dispatch({kind: 'node', node, phase: 'running', detail: null, at: now})
    store.dispatch({kind: 'node', node, phase: 'collected', detail: null, at: now + 50})
    await sleep(5)
  }
  store.dispatch({kind: 'node', node: 'late', phase: 'running', detail: null, at: now})
  await sleep(300)
  instance.unmount()
  await instance.waitUntilExit()
  const out = stripAnsi(stdout.writes.join(''))
  for (const node of nodes) {
    const printed = out.split(`✓ ${node} `).length - 1
    assert.equal(printed, 1, `${node} collected row printed once, not ${printed} times`)
  }
  assert.equal(out.split('kubectl kr doctor  cluster · context big · 50 nodes').length - 1, 1, 'header printed once')
  assert.ok(out.split('probing').length - 1 > 3, 'the summary line is redrawn')
  // the frame (what is redrawn) never grows with the finished nodes
  const frames = stdout.writes.map(stripAnsi).filter((w) => w.includes('probing'))
  for (const f of frames.slice(-3)) assert.ok(f.split('\n').filter((l) => l.includes('collected')).length <= 2, f)
})
