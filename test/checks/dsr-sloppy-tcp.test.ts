// dsr-sloppy-tcp (FM5): DSR + Maglev (mh) services need net.ipv4.vs.sloppy_tcp=1.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {assertHasLine, assertQuietPass, checkCase, onlyFinding, resultOf} from './run-case.js'

const ID = 'dsr-sloppy-tcp'

test('FM5 seed: DSR + mh with sloppy_tcp=0 on v2.1.2: error with the sysctl to set, fixed in v2.6.0', async () => {
  const report = await checkCase('dsr-maglev-sloppy-0-v2.1.2', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, 'net.ipv4.vs.sloppy_tcp')
  assert.equal(f.title, 'net.ipv4.vs.sloppy_tcp is 0 while DSR services use Maglev: connections die when their ingress node fails')
  assert.equal(f.fixedIn, 'v2.6.0')
  assert.match(f.detail, /Services with DSR and the mh scheduler: web\/frontend\./)
  assert.match(f.detail, /before v2\.6\.0 does not manage this sysctl/)
  assert.deepEqual(f.evidence, ['net.ipv4.vs.sloppy_tcp = 0'])
  assertHasLine(f.remediation, "sysctl -w net.ipv4.vs.sloppy_tcp=1 && echo 'net.ipv4.vs.sloppy_tcp = 1' > /etc/sysctl.d/90-kube-router-dsr.conf", 'remediation')
  assertHasLine(f.remediation, 'Upgrade kube-router to v2.6.0 or later', 'remediation')
  assertHasLine(f.remediation, 'kubectl kr dsr status web/frontend', 'remediation')
})

test('v2.6.2 manages the sysctl itself, yet it is 0 with DSR + mh: error pointing at the DSR setup, no upgrade (fixedIn null)', async () => {
  const report = await checkCase('dsr-maglev-sloppy-0-v2.6.2', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.fixedIn, null)
  assert.match(f.detail, /kube-router v2\.6\.2 sets this itself when a DSR\+mh service exists/)
  assert.deepEqual(f.evidence, ['net.ipv4.vs.sloppy_tcp = 0'])
  assert.deepEqual(f.remediation, [
    "Look for DSR errors in the kube-router log: kubectl -n kube-system logs $(kubectl -n kube-system get pod -l k8s-app=kube-router --field-selector spec.nodeName=node-a -o name) | grep -iE 'dsr|sloppy'",
    'sysctl -w net.ipv4.vs.sloppy_tcp=1',
    'kubectl kr dsr status web/frontend   # per-node DSR state of the Service',
  ])
})

test('DSR + mh with sloppy_tcp=1: pass', async () => {
  const report = await checkCase('dsr-maglev-sloppy-1', ID)
  const result = assertQuietPass(report, ID)
  assert.equal(result.reason, 'net.ipv4.vs.sloppy_tcp = 1 with 1 DSR+Maglev service(s)')
})

test('trap: sloppy_tcp=0 on v2.6.2 with no DSR+mh service (DSR with rr, mh without DSR) is expected: pass', async () => {
  const report = await checkCase('no-dsr-mh-sloppy-0-v2.6.2', ID)
  const result = assertQuietPass(report, ID)
  assert.equal(result.reason, 'no DSR service uses the Maglev (mh) scheduler')
})

test('local mode: the DSR+mh services come from IPVS `FWM <mark> mh` entries', async () => {
  const report = await checkCase('dsr-vip-absent-from-dummy', ID)
  const result = assertQuietPass(report, ID)
  assert.equal(result.reason, 'net.ipv4.vs.sloppy_tcp = 1 with 2 DSR+Maglev service(s)')
})

test('local mode without IPVS output: skipped, naming the inputs it needs', async () => {
  const report = await checkCase('local-mode-no-cluster', ID)
  const result = resultOf(report, ID)
  assert.equal(result.status, 'skipped')
  assert.equal(result.reason, "needs the cluster's Services or ipvsadm output to know whether DSR services use Maglev")
})
