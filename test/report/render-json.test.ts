import assert from 'node:assert/strict'
import {test} from 'node:test'
import {renderJson} from '../../src/report/render-json.js'
import {CHECKS} from '../../src/checks/index.js'
import {cleanReport, IPV6_ROUTE_EVIDENCE, problemReport} from './sample-reports.js'

test('top-level and nested keys in the contract order', () => {
  const doc = JSON.parse(renderJson(problemReport()))
  assert.deepEqual(Object.keys(doc), [
    'apiVersion',
    'kind',
    'generatedAt',
    'source',
    'kubeRouter',
    'nodes',
    'results',
    'findings',
    'checks',
    'summary',
  ])
  assert.deepEqual(Object.keys(doc.source), ['mode', 'context', 'bundle'])
  assert.deepEqual(Object.keys(doc.kubeRouter), ['version', 'image', 'args'])
  assert.deepEqual(Object.keys(doc.nodes[2]), ['name', 'status', 'error'])
  for (const result of doc.results) assert.deepEqual(Object.keys(result), ['check', 'node', 'status', 'reason'])
  for (const finding of doc.findings) {
    assert.deepEqual(Object.keys(finding), [
      'check',
      'severity',
      'node',
      'subject',
      'title',
      'detail',
      'evidence',
      'remediation',
      'fixedIn',
      'fingerprint',
    ])
  }
  for (const check of doc.checks) assert.deepEqual(Object.keys(check), ['id', 'title'])
  assert.deepEqual(Object.keys(doc.summary), ['errors', 'warnings', 'infos', 'nodesProbed', 'nodesFailed'])
})

test('schema values', () => {
  const doc = JSON.parse(renderJson(problemReport()))
  assert.equal(doc.apiVersion, 'kr.kube-router.io/v1')
  assert.equal(doc.kind, 'DoctorReport')
  assert.match(doc.generatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/)
  assert.deepEqual(doc.source, {mode: 'cluster', context: 'prod-eu', bundle: null})
  assert.equal(doc.kubeRouter.version, 'v2.1.2')
  assert.ok(doc.kubeRouter.args.includes('--run-router=true'))
  assert.deepEqual(doc.nodes[2], {name: 'node-c', status: 'failed', error: 'probe pod kr-probe-node-c did not start: ImagePullBackOff'})
  const cluster = doc.results.find((r: {check: string}) => r.check === 'kube-router-version')
  assert.equal(cluster.node, null, 'cluster-level results carry node: null')
  const ipv6 = doc.findings.find((f: {check: string; node: string}) => f.check === 'ipv6-vip-routes' && f.node === 'node-a')
  assert.deepEqual(ipv6.evidence, [IPV6_ROUTE_EVIDENCE])
  assert.equal(ipv6.fixedIn, 'v2.2.0')
  assert.deepEqual(doc.summary, {errors: 2, warnings: 2, infos: 0, nodesProbed: 2, nodesFailed: 1})
  // the checks that ran, in registry order, with their titles (CONTRACT §3)
  assert.deepEqual(
    doc.checks.map((c: {id: string}) => c.id),
    ['kube-router-version', 'ipv6-vip-routes', 'vip-reachability', 'local-ips-ipset', 'networkd-foreign-rules', 'dsr-sloppy-tcp'].sort(
      (a, b) => CHECKS.findIndex((c) => c.id === a) - CHECKS.findIndex((c) => c.id === b),
    ),
  )
  const ipv6Check = doc.checks.find((c: {id: string}) => c.id === 'ipv6-vip-routes')
  assert.equal(ipv6Check.title, CHECKS.find((c) => c.id === 'ipv6-vip-routes')!.title)
})

test('optional node extensions are kept after the contract keys, only when set', () => {
  const doc = JSON.parse(renderJson(problemReport()))
  assert.deepEqual(Object.keys(doc.nodes[1]), ['name', 'status', 'error', 'kubeRouterVersion', 'sourceIssues'])
  assert.deepEqual(doc.nodes[1].sourceIssues, {'probes.json': 'curl not found in image'})
})

test('2-space indent, trailing newline, undefined never drops a key', () => {
  const report = cleanReport()
  const text = renderJson(report)
  assert.ok(text.endsWith('}\n'))
  assert.ok(text.startsWith('{\n  "apiVersion": "kr.kube-router.io/v1",\n  "kind": "DoctorReport",\n'))
  // a producer's slip (undefined instead of null) still yields every contract key
  const sloppy = {...report, results: [{check: 'x', node: undefined, status: 'pass', reason: undefined}]}
  const doc = JSON.parse(renderJson(sloppy as unknown as typeof report))
  assert.deepEqual(doc.results[0], {check: 'x', node: null, status: 'pass', reason: null})
  // a report made without the checks list still has the contract key
  const older = {...report, checks: undefined}
  assert.deepEqual(JSON.parse(renderJson(older as unknown as typeof report)).checks, [])
})
