/** @jsxRuntime automatic */
// The results browser rendered with ink-testing-library at fixed sizes, on real reports (the demo bundle, a run
// with a failed node, a clean run, a 200-node cluster), colours stripped.
import {afterEach, test} from 'node:test'
import {cleanup} from 'ink-testing-library'
import assert from 'node:assert/strict'
import {cleanNodeReport, demoReport, failedNodeReport, largeReport} from './reports.js'
import {KEY, renderResults, waitFor} from './harness.js'

// a failed assertion must not leave an app (and the test process) running
afterEach(cleanup)

/** Column of the matrix header's number `n` (1-based check column). */
function columnX(lines: string[], n: number): number {
  const header = lines.find((l) => /^\s+1\s+2\s+3/.test(l))
  assert.ok(header, `matrix header in:\n${lines.join('\n')}`)
  const m = new RegExp(`(?<=\\s)${n}(?=\\s|$)`).exec(header)
  assert.ok(m)
  return m.index
}

function matrixRow(lines: string[], label: string): string {
  const row = lines.find((l) => l.slice(2).startsWith(`${label} `))
  assert.ok(row, `row ${label} in:\n${lines.join('\n')}`)
  return row
}

function assertFits(lines: string[], columns: number, rows: number): void {
  assert.equal(lines.length, rows, `exactly ${rows} lines`)
  for (const l of lines) assert.ok(l.length <= columns, `line wider than ${columns}: ${JSON.stringify(l)}`)
}

/** The demo report as if read from `bundle` (the checkout's own path would make the header depend on where it is). */
async function demoReportFrom(bundle: string) {
  const report = await demoReport()
  return {...report, source: {...report.source, bundle}}
}

test('80×24 demo: header with context, version, image, node and finding counts; the findings list fits', async () => {
  const ui = renderResults(await demoReportFrom('/home/operator/incidents/2026-11-22-api-server-gone/bundles/demo-bundle'))
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  const lines = ui.lines()
  assertFits(lines, 80, 24)
  assert.equal(lines[0], 'kubectl kr doctor · context demo-dualstack · bundle /home/operator/incidents/20…', 'a long path is cut, the context is not')
  assert.equal(lines[1], 'kube-router v2.1.2 · image docker.io/cloudnativelabs/kube-router:v2.1.2')
  assert.match(lines[2], /^nodes 3 probed, 0 failed +✗ 11 errors +▲ 3 warnings +• 4 info$/)
  assert.match(lines[3], /Findings 18 +Matrix 4×23 +severity: all$/)
  // severity order: every ✗ before every ▲, every ▲ before every •
  const marks = lines.slice(4, 22).map((l) => l.slice(2, 3)).filter((m) => m !== '' && '✗▲•'.includes(m))
  assert.equal(marks.length, 18)
  assert.deepEqual(marks, [...marks].sort((a, b) => '✗▲•'.indexOf(a) - '✗▲•'.indexOf(b)))
  assert.match(lines[4], /^› ✗ apiserver-reachability +node-a /)
  assert.match(lines[22], /^1\/18 · apiserver-reachability · node-a/)
  assert.match(lines[23], /⏎ open.*tab pane.*\/ filter.*f severity.*s save.*o report.*\? help.*q quit/)
  ui.unmount()
})

test('a short bundle path is shown whole', async () => {
  const ui = renderResults(await demoReportFrom('/tmp/k/demo'))
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  assert.equal(ui.lines()[0], 'kubectl kr doctor · context demo-dualstack · bundle /tmp/k/demo')
  ui.unmount()
})

test('matrix: node-a fails ipv6-vip-routes, node-c passes everything it ran; cells show their reason', async () => {
  const ui = renderResults(await demoReport())
  await ui.type(KEY.tab, (f) => f.includes('1 kube-router-version'))
  let lines = ui.lines()
  assertFits(lines, 80, 24)
  const x4 = columnX(lines, 4)
  assert.equal(matrixRow(lines, 'node-a')[x4], '✗', 'node-a × ipv6-vip-routes')
  assert.equal(matrixRow(lines, 'node-b')[x4], '✓')
  const nodeC = matrixRow(lines, 'node-c')
  const cMarks = [...nodeC.slice(12)].filter((c) => c !== ' ')
  // what fits of 23 columns at 80 wide: dsr-route-noise skipped, every other check that ran on node-c passes
  assert.ok(cMarks.length >= 10, nodeC)
  assert.equal(cMarks[0], '✓', nodeC)
  assert.equal(cMarks[1], '–', nodeC)
  assert.ok(cMarks.slice(2).every((c) => c === '✓'), nodeC)
  assert.equal(matrixRow(lines, 'cluster')[columnX(lines, 1)], '✗')
  assert.match(lines.join('\n'), /4 ipv6-vip-routes/)
  // select node-a × ipv6-vip-routes: the info line says what the cell holds
  await ui.type([KEY.down, 'l', 'l', 'l'], (f) => f.includes('node-a × ipv6-vip-routes'))
  assert.match(ui.frame(), /node-a × ipv6-vip-routes: ✗ fail, 4 findings · ⏎ to open/)
  // a skipped cell shows why
  await ui.type(['j', 'j', 'h'], (f) => f.includes('node-c × dsr-route-noise'))
  lines = ui.lines()
  assert.match(lines[22], /^node-c × dsr-route-noise: – skipped: needs nodes\/node-c\/kube-router\.log/)
  // enter shows the whole reason
  await ui.type(KEY.enter, (f) => f.includes('reason:'))
  assert.match(ui.frame(), /status: – skipped\nreason:\n {2}needs nodes\/node-c\/kube-router\.log, which is missing: not collected/)
  ui.unmount()
})

test('a matrix cell with findings opens with every finding in full', async () => {
  const ui = renderResults(await demoReport(), {columns: 120, rows: 60})
  await ui.type([KEY.tab, 'j', 'l', 'l', 'l', KEY.enter], (f) => f.includes('4 findings:'))
  const frame = ui.frame()
  assert.match(frame, /node-a × ipv6-vip-routes\ncheck: /)
  assert.match(frame, /status: ✗ fail/)
  assert.match(frame, /✗ ERROR {2}ipv6-vip-routes · node-a · 2001:db8:100::10/)
  // a node row under a cluster-level check points to the cluster row
  await ui.type([KEY.escape, 'h', 'h', 'h', KEY.enter], (f) => f.includes('node-a × kube-router-version\ncheck:'))
  assert.match(ui.frame(), /status: a cluster-level check: see the cluster row/)
  ui.unmount()
})

test('finding detail: detail text, verbatim evidence, fix commands, fixed-in version; esc goes back', async () => {
  const report = await demoReport()
  const ui = renderResults(report, {columns: 140, rows: 40})
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  await ui.type(['j', KEY.enter], (f) => f.includes('evidence:'))
  const frame = ui.frame()
  const lines = ui.lines()
  assertFits(lines, 140, 40)
  assert.match(lines[3], /› ipv6-vip-routes · node-a/)
  assert.match(frame, /✗ ERROR {2}ipv6-vip-routes · node-a · 2001:db8:100::10/)
  assert.match(frame, /IPv6 VIP 2001:db8:100::10 is unreachable from this node: 2 kernel routes without the node IP as source/)
  assert.match(frame, /check: ipv6-vip-routes · /)
  assert.match(frame, /The kernel added routes for 2001:db8:100::10 on kube-dummy-if without `src`/)
  const evidence = lines.indexOf('evidence:')
  assert.ok(evidence > 0)
  assert.deepEqual(lines.slice(evidence + 1, evidence + 4), [
    '  2001:db8:100::10 dev kube-dummy-if proto kernel metric 256 pref medium',
    '  local 2001:db8:100::10 dev kube-dummy-if table local proto kernel metric 0 pref medium',
    '  local 2001:db8:100::10 dev kube-dummy-if table local proto kernel src fd00:56::11 metric 1024 pref medium',
  ])
  const fix = lines.indexOf('fix:')
  assert.equal(lines[fix + 1], '  Upgrade kube-router to v2.2.0 or later.')
  // a command longer than the screen folds at a space, continuation indented; the text is all there
  const finding = report.findings.find((f) => f.check === 'ipv6-vip-routes' && f.subject === '2001:db8:100::10')!
  let end = fix + 3
  while (lines[end]?.startsWith('    ')) end++
  assert.ok(end > fix + 3, 'the workaround folds at 140 columns')
  assert.equal(lines.slice(fix + 2, end).map((l) => l.trim()).join(' '), finding.remediation[1])
  assert.ok(lines.includes('fixed in: v2.2.0'))
  await ui.type(KEY.escape, (f) => f.includes('› ✗ ipv6-vip-routes'))
  ui.unmount()
})

test('detail views scroll within the viewport on a small terminal', async () => {
  const ui = renderResults(await demoReport(), {columns: 80, rows: 24})
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  await ui.type(['j', KEY.enter], (f) => f.includes('ERROR'))
  assertFits(ui.lines(), 80, 24)
  assert.match(ui.lines()[22], /^lines 1-18 of \d+ {2}↓ more below$/)
  await ui.type('G', (f) => f.includes('fixed in: v2.2.0'))
  assertFits(ui.lines(), 80, 24)
  assert.ok(!ui.frame().includes('↓ more below'))
  ui.unmount()
})

test('? shows the keys; esc closes the help', async () => {
  const ui = renderResults(await demoReport(), {columns: 100, rows: 30})
  await ui.type('?', (f) => f.includes('Keys'))
  const frame = ui.frame()
  for (const want of [
    /↑ ↓ {2}j k +move/,
    /tab +switch between findings and the node × check matrix/,
    /enter +open the selected finding/,
    /esc +back/,
    /\/ +filter by text/,
    /f +cycle the severity filter: all → warnings\+ → errors/,
    /e {2}w {2}a +errors only \/ warnings and errors \/ all/,
    /s +save a bundle of this run/,
    /o +write the JSON report/,
    /q {2}ctrl-c +quit/,
    /Marks {2}✓ pass {2}✗ fail {2}– skipped {2}! error/,
  ]) {
    assert.match(frame, want)
  }
  assertFits(ui.lines(), 100, 30)
  await ui.type(KEY.escape, (f) => !f.includes('Keys'))
  ui.unmount()
})

test('/ filters by text; e shows errors only; a shows all again; esc clears the filter', async () => {
  const ui = renderResults(await demoReport(), {columns: 100, rows: 30})
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  await ui.type(['/', ...'ipv6-vip'], (f) => f.includes('Findings 4/18'))
  assert.match(ui.lines()[28], /^\/ipv6-vip/)
  await ui.type(KEY.enter, (f) => !f.split('\n')[28].startsWith('/'))
  let lines = ui.lines()
  assert.match(lines[3], /Findings 4\/18 .*severity: all {2}filter: \/ipv6-vip$/)
  const rows = lines.filter((l) => /^[› ] [✗▲•] /.test(l))
  assert.equal(rows.length, 4)
  assert.ok(rows.every((l) => l.includes('ipv6-vip-routes')))
  await ui.type(KEY.escape, (f) => f.includes('Findings 18'))
  await ui.type('e', (f) => f.includes('severity: errors'))
  lines = ui.lines()
  assert.match(lines[3], /Findings 11\/18/)
  const shown = lines.filter((l) => /^[› ] [✗▲•] /.test(l))
  assert.equal(shown.length, 11)
  assert.ok(shown.every((l) => l.slice(2, 3) === '✗'))
  // the matrix under errors-only: node-a and node-b only
  await ui.type(KEY.tab, (f) => f.includes('Matrix 2×23'))
  assert.ok(!ui.frame().includes('node-c '))
  await ui.type('w', (f) => f.includes('severity: warnings+'))
  assert.match(ui.frame(), /Matrix 3×23/)
  await ui.type('a', (f) => f.includes('severity: all'))
  assert.match(ui.frame(), /Matrix 4×23/)
  ui.unmount()
})

test('s saves a bundle of this run at the offered path; the result is shown', async () => {
  const ui = renderResults(await demoReport(), {columns: 100, rows: 30})
  await ui.type('s', (f) => f.includes('save bundle to:'))
  assert.match(ui.lines()[28], /^save bundle to: kr-bundle-20261122-090507\.tar\.gz/)
  await ui.type(KEY.enter, (f) => f.includes('bundle saved to kr-bundle-20261122-090507.tar.gz'))
  assert.deepEqual(ui.calls.saveBundle, ['kr-bundle-20261122-090507.tar.gz'])
  ui.unmount()
})

test('o writes the JSON report; a failure is shown as an error line, and the browser stays', async () => {
  const ui = renderResults(await demoReport(), {
    columns: 100,
    rows: 30,
    actions: {
      writeReport: async () => {
        throw new Error('/ro/kr-report.json: EROFS: read-only file system')
      },
    },
  })
  await ui.type('o', (f) => f.includes('write JSON report to: kr-report-20261122-090507.json'))
  await ui.type([KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace], (f) => /write JSON report to: kr-report-20261122-090507$/m.test(f))
  await ui.type([...'.json', KEY.enter], (f) => f.includes('error: /ro/kr-report.json: EROFS'))
  assert.deepEqual(ui.calls.writeReport, ['kr-report-20261122-090507.json'])
  await ui.type('j', (f) => f.includes('2/18'))
  ui.unmount()
})

test('q quits', async () => {
  const ui = renderResults(await demoReport())
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  ui.stdin.write('q')
  await waitFor('quit', () => ui.calls.quit === 1)
  ui.unmount()
})

test('a failed node: header counts it, its matrix row shows the error, selecting it shows the whole reason', async () => {
  const ui = renderResults(await failedNodeReport(), {columns: 100, rows: 30})
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  assert.match(ui.lines()[2], /^nodes 2 probed, 1 failed/)
  await ui.type(KEY.tab, (f) => f.includes('1 kube-router-version'))
  const row = matrixRow(ui.lines(), 'node-b')
  assert.match(row, /node-b +✗ failed: probe pod kr-probe-node-b did not start: ImagePullBackOff/)
  await ui.type(['G'], (f) => f.split('\n')[28].startsWith('node-b'))
  assert.match(ui.lines()[28], /^node-b: failed: probe pod kr-probe-node-b did not start/)
  await ui.type(KEY.enter, (f) => f.includes('No check ran on node-b'))
  assert.match(ui.frame(), /node-b: failed\n {2}probe pod kr-probe-node-b did not start: ImagePullBackOff\s+\(docker\.io\/cloudnativelabs\/kube-router:v2\.1\.2\)/)
  ui.unmount()
})

test('a clean run: no problems found, and the matrix shows the passes', async () => {
  const ui = renderResults(await cleanNodeReport(), {columns: 80, rows: 24})
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  assert.match(ui.lines()[2], /^nodes 1 probed, 0 failed +✗ 0 errors +▲ 0 warnings +• 0 info$/)
  assert.match(ui.frame(), /no findings match/)
  assert.match(ui.lines()[22], /✓ no problems found/)
  // the node's row and the cluster-level checks' row
  await ui.type(KEY.tab, (f) => f.includes('Matrix 2×22'))
  const row = matrixRow(ui.lines(), 'node-c')
  const marks = [...row.slice(10)].filter((c) => c !== ' ' && c !== '…')
  assert.ok(marks.length >= 13, row)
  assert.equal(marks[1], '–', 'dsr-route-noise: nothing to look at')
  assert.ok(marks.every((c, i) => i === 1 || c === '✓'), row)
  assert.doesNotMatch(matrixRow(ui.lines(), 'cluster'), /✗/)
  ui.unmount()
})

test('no UTF-8: ASCII marks that still read', async () => {
  const ui = renderResults(await demoReport(), {columns: 100, rows: 30, unicode: false})
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  assert.match(ui.lines()[2], /x 11 errors {2}! 3 warnings {2}i 4 info/)
  assert.match(ui.lines()[4], /^> x apiserver-reachability/)
  await ui.type(KEY.tab, (f) => f.includes('1 kube-router-version'))
  const lines = ui.lines()
  const x4 = columnX(lines, 4)
  assert.equal(matrixRow(lines, 'node-a').slice(x4 - 1, x4 + 3), 'FAIL')
  assert.match(matrixRow(lines, 'node-c'), /ok +- +ok/)
  assert.match(lines[29], /^up\/down move {2}enter open {2}tab pane/)
  await ui.type(['j', 'l', 'l', 'l'], (f) => f.includes('node-a x ipv6-vip-routes'))
  assert.match(ui.lines()[28], /^node-a x ipv6-vip-routes: fail, 4 findings \| enter to open$/)
  await ui.type('?', (f) => f.includes('Keys'))
  assert.match(ui.frame(), /Marks {2}ok pass {2}FAIL fail {2}- skipped {2}ERR error/)
  // our glyphs are all ASCII (the report's own text is shown as it is)
  for (const f of ui.frames) assert.ok(!/[✓✗–▲•›⏎↑↓×·─→]/.test(f), `non-ASCII glyph in:\n${f}`)
  ui.unmount()
})

test('reflows on resize: follows the terminal size, never wider or taller than it', async () => {
  const ui = renderResults(await demoReport(), {fixedSize: false})
  const resize = (columns: number, rows: number) => {
    Object.defineProperty(ui.stdout, 'columns', {value: columns, configurable: true})
    Object.defineProperty(ui.stdout, 'rows', {value: rows, configurable: true})
    ui.stdout.emit('resize')
  }
  const fits = (columns: number, rows: number) => ui.lines().length === rows && ui.lines().every((l) => l.length <= columns) && ui.lines()[0].length > columns - 10
  resize(80, 24)
  await waitFor('80×24', () => fits(80, 24))
  assert.match(ui.lines()[4], /…$/, 'titles cut at 80 columns')
  resize(160, 40)
  await waitFor('160×40', () => fits(160, 40) || (ui.lines().length === 40 && ui.lines().every((l) => l.length <= 160)))
  assertFits(ui.lines(), 160, 40)
  assert.match(ui.frame(), /IPv6 VIP 2001:db8:100::10 is unreachable from this node: 2 kernel routes without the node IP as source/)
  resize(80, 24)
  await waitFor('back to 80×24', () => fits(80, 24))
  ui.unmount()
})

test('200 nodes: the matrix scrolls inside the viewport', async () => {
  const ui = renderResults(await largeReport(200), {columns: 80, rows: 24})
  await waitFor('first frame', () => ui.frame().includes('Findings'))
  await ui.type(KEY.tab, (f) => f.includes('Matrix 201×23'))
  assertFits(ui.lines(), 80, 24)
  assert.match(ui.frame(), /worker-000/)
  assert.ok(!ui.frame().includes('worker-199'))
  await ui.type('G', (f) => f.includes('worker-199'))
  assertFits(ui.lines(), 80, 24)
  assert.ok(!ui.frame().includes('worker-000 '))
  assert.match(ui.lines()[22], /^worker-199 × kube-router-version: a cluster-level check/)
  ui.unmount()
})
