// kube-router-pods: kube-router pods not Ready, restarting or crash-looping, with the last termination and the
// previous container's last log lines (read in cluster mode, kept in cluster/kube-router-pods.json).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {CLUSTER_CASES_DIR, clusterCase} from './cluster-case.js'
import {assertHasExactLine, assertHasLine, assertQuietPass, checkCase, findingsOf, resultOf} from './run-case.js'
import {readBundle, writeBundle} from '../../src/infra/bundle.js'

const ID = 'kube-router-pods'

test('node-b crash-looping (pod CIDR fatal in the previous log) is an error; node-c OOMKilled twice but Ready is a warning', async () => {
  const report = await clusterCase('kube-router-pods-crashloop', ID)
  assert.equal(resultOf(report, ID, null).status, 'fail')
  const found = findingsOf(report, ID, null)
  assert.deepEqual(found.map((f) => [f.subject, f.severity]), [['node-b', 'error'], ['node-c', 'warning']])
  const [b, c] = found
  assert.equal(b.title, 'kube-router on node-b is crash-looping, 14 restarts (last: Error)')
  assert.match(b.detail, /The last container ended with Error \(exit code 255\) at 2026-11-01T09:52:07Z/)
  assertHasLine(b.evidence, 'kube-system/kube-router-9wq7d on node-b: phase Running, ready false, restarts 14, waiting CrashLoopBackOff')
  // the dead container's Fatal line, not its banner
  assertHasLine(b.evidence, 'F1101 09:40:02.118305       1 network_routes_controller.go:1331] Failed to get pod CIDR from node spec.')
  assert.ok(!b.evidence.some((e) => e.includes('version.go:66')), b.evidence.join('\n'))
  assertHasExactLine(b.remediation, 'Previous container\'s log: kubectl -n kube-system logs kube-router-9wq7d --previous', 'remediation')
  assert.equal(c.title, 'kube-router on node-c restarted 2 times (last: OOMKilled)')
  assert.match(c.detail, /OOMKilled: the container hit its memory limit/)
  assertHasLine(c.remediation, 'memory limit', 'remediation')
})

test('trap: every pod Ready without restarts: pass', async () => {
  assertQuietPass(await clusterCase('kube-router-pods-healthy', ID), ID, null)
})

test('a bundle without kube-router pods (written outside cluster mode): skipped, saying cluster mode reads them', async () => {
  const r = resultOf(await checkCase('node-ip-in-svip-healthy', ID), ID, null)
  assert.equal(r.status, 'skipped')
  assert.match(r.reason ?? '', /cluster mode reads/)
})

test('cluster/kube-router-pods.json survives a bundle round trip', async () => {
  const snapshot = await readBundle(path.join(CLUSTER_CASES_DIR, 'kube-router-pods-crashloop'))
  assert.equal(snapshot.cluster?.kubeRouterPods?.length, 3)
  const dir = await mkdtemp(path.join(os.tmpdir(), `kr-pods-bundle-${process.pid}-`))
  try {
    const out = path.join(dir, 'bundle')
    await writeBundle(snapshot, out, 'test')
    const again = await readBundle(out)
    assert.deepEqual(again.cluster?.kubeRouterPods, snapshot.cluster?.kubeRouterPods)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
})
