import assert from 'node:assert/strict'
import {test} from 'node:test'
import {exitCodeFor, nothingDiagnosed} from '../../src/report/exit-code.js'
import type {DoctorReport, FailOn} from '../../src/model/report.js'
import {bundleReport, cleanReport, problemReport} from './sample-reports.js'

const codes = (report: DoctorReport): Record<FailOn, 0 | 1> => ({
  error: exitCodeFor(report, 'error'),
  warning: exitCodeFor(report, 'warning'),
  none: exitCodeFor(report, 'none'),
})

test('clean report passes at every threshold', () => {
  assert.deepEqual(codes(cleanReport()), {error: 0, warning: 0, none: 0})
})

test('errors fail at error and warning, never at none', () => {
  assert.deepEqual(codes(problemReport()), {error: 1, warning: 1, none: 0})
})

test('warnings only: fail at warning, not at error', () => {
  const report = problemReport()
  report.findings = report.findings.filter((f) => f.severity === 'warning')
  report.results = report.results.filter((r) => r.status !== 'error')
  assert.deepEqual(codes(report), {error: 0, warning: 1, none: 0})
})

test('info findings never fail', () => {
  const report = bundleReport()
  report.findings = report.findings.filter((f) => f.severity === 'info')
  assert.deepEqual(codes(report), {error: 0, warning: 0, none: 0})
})

test('a check that could not evaluate fails at error and warning', () => {
  const report = cleanReport()
  report.results[0] = {...report.results[0], status: 'error', reason: 'ip-rule.json: not JSON'}
  assert.deepEqual(codes(report), {error: 1, warning: 1, none: 0})
})

test('skipped checks alone never fail', () => {
  const report = cleanReport()
  report.results = report.results.map((r) => ({...r, status: 'skipped', reason: 'ipvsadm.txt missing'}))
  assert.deepEqual(codes(report), {error: 0, warning: 0, none: 0})
})

test('nothingDiagnosed: no node, every node failed, or no check evaluated any probed node', () => {
  const node = (name: string, status: 'probed' | 'failed', error: string | null = null) => ({name, status, error})
  const result = (node: string, status: 'pass' | 'fail' | 'skipped' | 'error') => ({check: 'ipv6-vip-routes', node, status, reason: null})
  assert.equal(nothingDiagnosed({nodes: [], results: []}), 'the capture holds no node')
  assert.match(nothingDiagnosed({nodes: [node('a', 'failed', 'ImagePullBackOff')], results: [result('a', 'skipped')]})!, /no node could be probed \(a: ImagePullBackOff\)/)
  assert.match(nothingDiagnosed({nodes: [node('a', 'failed', 'x'), node('b', 'failed', 'y')], results: []})!, /all 2 failed/)
  assert.match(nothingDiagnosed({nodes: [node('a', 'probed')], results: [result('a', 'skipped'), result('a', 'error')]})!, /no check could evaluate node a/)
  assert.equal(nothingDiagnosed({nodes: [node('a', 'probed'), node('b', 'failed', 'x')], results: [result('a', 'pass')]}), null)
  assert.equal(nothingDiagnosed({nodes: [node('a', 'probed')], results: [result('a', 'fail')]}), null)
})
