// pod-cidr (accuracy-audit §3 #7): nodes kube-router's routing controller cannot start on, because it reads the
// singular kube-router.io/pod-cidr annotation or spec.podCIDR at start (the plural annotation alone is not enough).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {clusterCase} from './cluster-case.js'
import {assertHasExactLine, assertHasLine, assertQuietPass, findingsOf, resultOf} from './run-case.js'

const ID = 'pod-cidr'

test('no spec.podCIDR (node-b) or only the plural annotation (node-c): error per node, the fatal log line as evidence', async () => {
  const report = await clusterCase('pod-cidr-missing', ID)
  assert.equal(resultOf(report, ID, null).status, 'fail')
  const found = findingsOf(report, ID, null)
  // node-a has spec.podCIDR and node-d the singular annotation: both start
  assert.deepEqual(found.map((f) => [f.subject, f.severity]), [['node-b', 'error'], ['node-c', 'error']])
  const [b, c] = found
  assert.equal(b.title, 'kube-router cannot start on node-b: the node has no pod CIDR it reads')
  assert.match(b.detail, /node\.Spec\.PodCIDR not set for node: node-b/)
  assertHasLine(b.evidence, 'F1101 09:40:02.118305       1 network_routes_controller.go:1331] Failed to get pod CIDR from node spec.')
  assertHasLine(b.remediation, '--allocate-node-cidrs', 'remediation')
  assert.match(c.detail, /kube-router\.io\/pod-cidrs \(10\.244\.3\.0\/24\) alone is not read at this point/)
  assertHasExactLine(c.evidence, 'kube-router.io/pod-cidrs: 10.244.3.0/24')
  assertHasLine(c.remediation, 'kubectl annotate node node-c kube-router.io/pod-cidr=', 'remediation')
})

test('a kube-router.io/pod-cidr annotation that is not a CIDR: error even with spec.podCIDR (the annotation wins and fails to parse)', async () => {
  const report = await clusterCase('pod-cidr-bad-annotation', ID)
  const found = findingsOf(report, ID, null)
  assert.equal(found.length, 1)
  assert.equal(found[0].title, 'kube-router cannot start on node-a: a pod CIDR annotation is not a CIDR')
  assert.match(found[0].detail, /kube-router\.io\/pod-cidr: "10\.244\.1\.0" is not a CIDR/)
})

test('trap: --run-router=false, nodes without pod CIDRs are fine: pass with the reason', async () => {
  const r = assertQuietPass(await clusterCase('pod-cidr-router-off', ID), ID, null)
  assert.match(r.reason ?? '', /--run-router=false/)
})

test('DaemonSet unknown: the missing pod CIDR is a warning resting on the default --run-router=true', async () => {
  const found = findingsOf(await clusterCase('pod-cidr-daemonset-unknown', ID), ID, null)
  assert.deepEqual(found.map((f) => [f.subject, f.severity]), [['node-b', 'warning']])
  assert.match(found[0].detail, /assumes kube-router's default --run-router=true/)
})
