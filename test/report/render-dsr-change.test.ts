// The lines dsr enable / disable print: requirements that did not pass, the change, each node's verdict, and the
// live per-node view redrawn in place on a terminal.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {changeLines, liveNodeLines, nodeVerdictLines, requirementLines} from '../../src/report/render-dsr-change.js'
import type {DsrRequirement} from '../../src/model/dsr-status.js'

test('the live view: one line per node, redrawn in place (cursor up, clear), erased by finish', () => {
  const writes: string[] = []
  const stream = {columns: 60, write: (s: string) => writes.push(s)} as unknown as NodeJS.WriteStream
  const live = liveNodeLines(stream, 'verifying media/video on the nodes (round 1, up to 60s left)')
  live.sink({kind: 'run-started', mode: 'cluster', context: 'harness', nodes: ['node-a', 'node-b'], at: 0})
  assert.equal(writes.at(-1), 'verifying media/video on the nodes (round 1, up to 60s lef…\n  node-a: waiting\n  node-b: waiting\n')
  live.sink({kind: 'node', node: 'node-b', phase: 'running', detail: null, at: 1})
  assert.equal(writes.at(-2), '\u001B[3A\r\u001B[J', 'the previous three lines are erased first')
  assert.match(writes.at(-1)!, /^ {2}node-b: probing$/m)
  live.sink({kind: 'node', node: 'node-a', phase: 'failed', detail: 'image pull failed', at: 2})
  assert.match(writes.at(-1)!, /^ {2}node-a: not probed \(image pull failed\)$/m)
  live.finish()
  assert.equal(writes.at(-1), '\u001B[3A\r\u001B[J')
})

test('verdicts: what was verified on which side; why not, with the failing checks', () => {
  assert.deepEqual(
    nodeVerdictLines({node: 'node-b', hasLocalEndpoint: true, state: 'programmed', reason: null, checks: [
      {id: 'ipvs-fwm-service', title: 'IPVS FWM service', status: 'pass', evidence: [], fix: []},
      {id: 'pod-tunnel-if', title: 'kube-tunnel-if holds the VIP', status: 'pass', evidence: [], fix: []},
    ]}),
    ['  node-b: programmed (director and endpoint side): IPVS FWM service; kube-tunnel-if holds the VIP'],
  )
  assert.deepEqual(
    nodeVerdictLines({node: 'node-c', hasLocalEndpoint: false, state: 'broken', reason: 'wrong mark', checks: [
      {id: 'mangle-mark', title: 'mangle MARK', status: 'fail', evidence: ['-A PREROUTING -d 199.27.151.20/32 -j MARK --set-xmark 0x1/0xffffffff'], fix: ['wait for kube-router to resync']},
    ]}),
    ['  node-c: broken: wrong mark', '      FAIL  mangle MARK', '          -A PREROUTING -d 199.27.151.20/32 -j MARK --set-xmark 0x1/0xffffffff', '          fix: wait for kube-router to resync'],
  )
})

test('requirements and change lines', () => {
  const failing: DsrRequirement = {id: 'gitops-managed', title: 'not managed by Helm', status: 'fail', severity: 'warning', blocking: false, blocksEnable: false, evidence: ['Helm: app.kubernetes.io/managed-by=Helm'], fix: ['put it in the manifest:\n  metadata: {}']}
  const passing: DsrRequirement = {...failing, id: 'external-ips', status: 'pass', fix: []}
  assert.deepEqual(requirementLines([passing, failing]), [
    'requirements: 1 of 2 pass',
    '  FAIL  not managed by Helm [warning]',
    '      Helm: app.kubernetes.io/managed-by=Helm',
    '      fix: put it in the manifest:',
    '             metadata: {}',
  ])
  assert.deepEqual(changeLines([{key: 'a', from: null, to: '1'}, {key: 'b', from: '1', to: '2'}, {key: 'c', from: '3', to: null}], 'kubectl annotate …'), [
    '  + a: 1',
    '  ~ b: 1 -> 2',
    '  - c: 3',
    '  the same by hand: kubectl annotate …',
  ])
})
