import assert from 'node:assert/strict'
import {test} from 'node:test'
import {sortFindings, summarise} from '../../src/report/summary.js'
import type {Finding} from '../../src/model/report.js'
import {problemReport} from './sample-reports.js'

const f = (severity: Finding['severity'], node: string | null, check: string, subject: string | null): Finding => ({
  check,
  severity,
  node,
  subject,
  title: `${severity} ${check}`,
  detail: '',
  evidence: [],
  remediation: [],
  fixedIn: null,
})

test('summarise counts findings by severity and nodes by status', () => {
  const report = problemReport()
  assert.deepEqual(summarise(report.findings, report.nodes), {
    errors: 2,
    warnings: 2,
    infos: 0,
    nodesProbed: 2,
    nodesFailed: 1,
  })
  assert.deepEqual(summarise([], []), {errors: 0, warnings: 0, infos: 0, nodesProbed: 0, nodesFailed: 0})
  const skipped = summarise([f('info', null, 'x', null)], [{name: 'n', status: 'skipped', error: 'NotReady'}])
  assert.deepEqual(skipped, {errors: 0, warnings: 0, infos: 1, nodesProbed: 0, nodesFailed: 0})
})

test('sortFindings: severity, then node (cluster first), then check, then subject', () => {
  const input = [
    f('info', 'node-a', 'a', null),
    f('warning', 'node-b', 'a', null),
    f('error', 'node-b', 'b', 'x'),
    f('error', 'node-b', 'b', null),
    f('error', 'node-a', 'z', null),
    f('error', null, 'y', null),
    f('error', 'node-b', 'a', 'z'),
  ]
  const sorted = sortFindings(input)
  assert.deepEqual(
    sorted.map((x) => `${x.severity}/${x.node}/${x.check}/${x.subject}`),
    [
      'error/null/y/null',
      'error/node-a/z/null',
      'error/node-b/a/z',
      'error/node-b/b/null',
      'error/node-b/b/x',
      'warning/node-b/a/null',
      'info/node-a/a/null',
    ],
  )
  assert.notEqual(sorted, input, 'returns a new array')
  assert.equal(input[0].severity, 'info', 'input left untouched')
})
