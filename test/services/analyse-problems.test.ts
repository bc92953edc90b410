// analyse chooses what it says about a failed node or an unreadable source by kind, not by wording.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {analyse} from '../../src/services/analyse.js'
import {CHECKS} from '../../src/checks/index.js'
import {nodeFailureKind, nodeFailureKindOfText} from '../../src/model/node-failure.js'
import type {FailedNode} from '../../src/model/node-failure.js'
import type {Snapshot} from '../../src/model/types.js'

const NOW = new Date('2026-11-22T10:00:00Z')

function snapshot(failedNodes: FailedNode[], nodes: Snapshot['nodes'] = []): Snapshot {
  return {mode: 'cluster', context: 'test', bundle: null, createdAt: NOW.toISOString(), cluster: null, nodes, failedNodes}
}

function firstStep(failed: FailedNode): string {
  const {report} = analyse(snapshot([failed]), CHECKS, NOW)
  const finding = report.findings.find((f) => f.check === 'node-probe' && f.node === failed.name)!
  // no step names the probe pod: the run has deleted it
  assert.ok(finding.remediation.every((r) => !r.includes('describe pod')), finding.remediation.join('\n'))
  return finding.remediation[0]
}

test('the remediation of a failed node follows its kind', () => {
  assert.match(firstStep({name: 'n1', error: 'whatever', kind: 'image-pull'}), /^pass --image with an image the node can pull/)
  assert.match(firstStep({name: 'n1', error: 'whatever', kind: 'timeout'}), /^raise --pod-timeout/)
  assert.equal(firstStep({name: 'n1', error: 'whatever', kind: 'node-not-ready'}), 'kubectl describe node n1')
  assert.equal(firstStep({name: 'n1', error: 'whatever', kind: 'other'}), 'run `sudo kubectl kr doctor --local --node n1` on the node')
  // the kind wins over words that would suggest another one
  assert.match(firstStep({name: 'n1', error: 'ImagePullBackOff', kind: 'timeout'}), /^raise --pod-timeout/)
})

test('a failed node carries the pod\'s status, events and log lines captured before deletion; its events are the next step', () => {
  const evidence = ['status: pod kr-probe-x Pending', 'event: Warning Failed (3 times): Failed to pull image "x": not found', 'log: last words']
  const {report} = analyse(snapshot([{name: 'n1', error: 'cannot pull image x (ImagePullBackOff)', kind: 'image-pull', evidence, pod: {namespace: 'kube-system', name: 'kr-probe-x'}}]), CHECKS, NOW)
  const finding = report.findings.find((f) => f.check === 'node-probe')!
  assert.deepEqual(finding.evidence, ['cannot pull image x (ImagePullBackOff)', ...evidence])
  assert.equal(finding.title, 'node n1 could not be probed: the probe image could not be pulled')
  assert.equal(finding.remediation[1], 'kubectl get events -n kube-system --field-selector involvedObject.name=kr-probe-x')
  // the same failure on two nodes is one problem; another failure is another
  const two = analyse(snapshot([{name: 'n1', error: 'a', kind: 'image-pull'}, {name: 'n2', error: 'b', kind: 'image-pull'}, {name: 'n3', error: 'c', kind: 'timeout'}]), CHECKS, NOW).report
  const prints = two.findings.filter((f) => f.check === 'node-probe').map((f) => f.fingerprint)
  assert.equal(prints[0], prints[1])
  assert.notEqual(prints[0], prints[2])
})

test('without a kind (older bundles), the text decides as it always did', () => {
  assert.equal(nodeFailureKindOfText('probe pod kr-probe-node-c did not start: ImagePullBackOff'), 'image-pull')
  assert.equal(nodeFailureKindOfText('cannot pull image x (ErrImageNeverPull)'), 'image-pull')
  assert.equal(nodeFailureKindOfText('probe pod exceeded its deadline of 60s (activeDeadlineSeconds)'), 'timeout')
  assert.equal(nodeFailureKindOfText('the probe pod did not finish within 75s (last state: scheduled); the node is NotReady (KubeletNotReady)'), 'timeout')
  assert.equal(nodeFailureKindOfText('the probe pod was deleted before it finished; the node is NotReady (KubeletNotReady)'), 'node-not-ready')
  assert.equal(nodeFailureKindOfText('the API server refused the probe pod: forbidden'), 'other')
  assert.equal(nodeFailureKind({name: 'n', error: 'ImagePullBackOff'}), 'image-pull')
  assert.equal(nodeFailureKind({name: 'n', error: 'ImagePullBackOff', kind: 'other'}), 'other')
  assert.match(firstStep({name: 'n2', error: 'did not start: ImagePullBackOff'}), /^pass --image/)
})

test('unreadable sources are warnings; missing ones are not', () => {
  const node = {name: 'a', files: {'ip-route.json': '{"this is": garbage', 'sysctl.txt': 'net.ipv4.vs.sloppy_tcp = 1\n'}, missing: {'ipset.txt': 'ipset: command not found'}}
  const {report, sourceWarnings} = analyse(snapshot([], [node]), CHECKS, NOW)
  assert.ok(sourceWarnings.some((w) => w.startsWith('nodes/a/ip-route.json: unreadable')), sourceWarnings.join('\n'))
  assert.ok(!sourceWarnings.some((w) => w.includes('ipset.txt')), sourceWarnings.join('\n'))
  const issues = report.nodes[0].sourceIssues!
  assert.equal(issues['ipset.txt'], 'ipset: command not found')
  assert.match(issues['ip-route.json'], /^unreadable: /)
  assert.equal(issues['sysctl.txt'], undefined)
})
