// The results browser's model of real reports: findings order, the node × check matrix, filters, file names.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {
  buildModel,
  defaultBundlePath,
  defaultReportPath,
  findingsOfCell,
  nextSeverityFilter,
  visibleFindings,
  visibleRows,
} from '../../src/ui/browse-model.js'
import {hardWrap, wrapProse, wrapVerbatim} from '../../src/ui/text.js'
import {safe, truncate} from '../../src/report/text.js'
import {cleanNodeReport, demoReport, failedNodeReport} from './reports.js'
import {CHECKS} from '../../src/checks/index.js'

const rank = {error: 0, warning: 1, info: 2} as const

test('demo: findings in severity order, errors first', async () => {
  const model = buildModel(await demoReport())
  assert.equal(model.findings.length, 18)
  const ranks = model.findings.map((f) => rank[f.severity])
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b))
  assert.equal(model.findings.filter((f) => f.severity === 'error').length, 11)
})

test('demo: matrix columns in registry order, rows cluster then nodes', async () => {
  const model = buildModel(await demoReport())
  assert.deepEqual(model.columns.map((c) => c.check), CHECKS.map((c) => c.id))
  assert.equal(model.columns[3].title, CHECKS.find((c) => c.id === 'ipv6-vip-routes')!.title)
  // the titles come with the report: every check that ran, in registry order
  assert.deepEqual(model.report.checks, CHECKS.map(({id, title}) => ({id, title})))
  assert.equal(model.checkTitles.get('dsr-sloppy-tcp'), CHECKS.find((c) => c.id === 'dsr-sloppy-tcp')!.title)
  assert.deepEqual(model.rows.map((r) => r.label), ['cluster', 'node-a', 'node-b', 'node-c'])
  const col = (id: string) => model.columns.findIndex((c) => c.check === id)
  const nodeA = model.rows.find((r) => r.node === 'node-a')!
  assert.equal(nodeA.cells[col('ipv6-vip-routes')]?.status, 'fail')
  assert.equal(nodeA.worst, 'error')
  const nodeC = model.rows.find((r) => r.node === 'node-c')!
  assert.ok(nodeC.cells.every((c) => c === null || c.status === 'pass' || c.status === 'skipped'))
  assert.equal(nodeC.cells[col('dsr-route-noise')]?.status, 'skipped')
  assert.equal(nodeC.worst, null)
  assert.equal(findingsOfCell(model, 'ipv6-vip-routes', 'node-a').length, 4)
})

test('severity filter: errors only, warnings and errors, all; f cycles', async () => {
  const model = buildModel(await demoReport())
  assert.ok(visibleFindings(model, 'error', '').every((f) => f.severity === 'error'))
  assert.equal(visibleFindings(model, 'error', '').length, 11)
  assert.equal(visibleFindings(model, 'warning', '').length, 14)
  assert.equal(visibleFindings(model, 'all', '').length, 18)
  assert.equal(nextSeverityFilter('all'), 'warning')
  assert.equal(nextSeverityFilter('warning'), 'error')
  assert.equal(nextSeverityFilter('error'), 'all')
  // matrix rows: only nodes with something at that severity (the cluster row only has warnings)
  assert.deepEqual(visibleRows(model, 'error', '').map((r) => r.label), ['node-a', 'node-b'])
  assert.deepEqual(visibleRows(model, 'warning', '').map((r) => r.label), ['cluster', 'node-a', 'node-b'])
})

test('text filter: case-insensitive, on check, node, subject and title', async () => {
  const model = buildModel(await demoReport())
  const ipv6 = visibleFindings(model, 'all', 'IPV6-VIP')
  assert.equal(ipv6.length, 4)
  assert.ok(ipv6.every((f) => f.check === 'ipv6-vip-routes'))
  assert.deepEqual(visibleFindings(model, 'all', 'fd00:10:96::1234').map((f) => f.check), ['ipv6-vip-routes'])
  assert.ok(visibleFindings(model, 'all', 'node-b').every((f) => f.node === 'node-b'))
  assert.equal(visibleFindings(model, 'all', 'no such thing').length, 0)
  // matrix rows match by node name or by their findings
  assert.deepEqual(visibleRows(model, 'all', 'node-c').map((r) => r.label), ['node-c'])
  assert.deepEqual(visibleRows(model, 'all', 'sloppy').map((r) => r.label), ['cluster', 'node-b'])
})

test('a failed node is a matrix row with its error; its checks are skipped', async () => {
  const model = buildModel(await failedNodeReport())
  const b = model.rows.find((r) => r.node === 'node-b')!
  assert.equal(b.problem?.status, 'failed')
  assert.match(b.problem!.error, /ImagePullBackOff/)
  assert.ok(b.cells.every((c) => c === null || c.status === 'skipped'))
  // failed nodes stay visible under the errors-only filter
  assert.ok(visibleRows(model, 'error', '').some((r) => r.node === 'node-b'))
})

test('a clean run: no findings, every cell passes or is skipped with a reason', async () => {
  const model = buildModel(await cleanNodeReport())
  assert.equal(model.findings.length, 0)
  assert.ok(!model.report.checks.some((c) => c.id === 'kube-router-version'), 'only the checks that ran are listed')
  // the cluster-level checks (service-cidr, pod-cidr, …) have their row next to the node's
  assert.deepEqual(model.rows.map((r) => r.label), ['cluster', 'node-c'])
  for (const cell of model.rows.flatMap((r) => r.cells)) {
    assert.ok(cell === null || cell.status === 'pass' || (cell.status === 'skipped' && cell.reason), JSON.stringify(cell))
  }
})

test('default file names carry a sortable local time stamp', () => {
  const now = new Date(2026, 10, 22, 9, 5, 7)
  assert.equal(defaultBundlePath(now), 'kr-bundle-20261122-090507.tar.gz')
  assert.equal(defaultReportPath(now), 'kr-report-20261122-090507.json')
})

test('text helpers: wrapping keeps every character of verbatim lines; control characters are shown, not sent', () => {
  assert.deepEqual(hardWrap('abcdefgh', 3), ['abc', 'def', 'gh'])
  assert.deepEqual(wrapProse('one two three four', 9), ['one two', 'three', 'four'])
  const line = 'local 2001:db8:100::10 dev kube-dummy-if table local proto kernel src fd00:56::11 metric 1024 pref medium'
  const pieces = wrapVerbatim(line, 40)
  assert.ok(pieces.every((p) => p.length <= 40))
  assert.equal(pieces.join(' '), line)
  assert.equal(truncate('abcdefgh', 5), 'abcd…')
  assert.equal(truncate('abcdefgh', 5, '...'), 'ab...')
  assert.equal(safe('a\u001b[2Jb'), 'a\\x1b[2Jb')
})
