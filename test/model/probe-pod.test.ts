import assert from 'node:assert/strict'
import {test} from 'node:test'
import {interpretPod, lastLogLine} from '../../src/model/pod-status.js'
import {probePodManifest, probePodName, runSelector} from '../../src/model/probe-pod.js'

test('probe pod names: readable, unique per node, at most 63 characters', () => {
  assert.equal(probePodName('a1b2c3', 'node-a'), 'kr-probe-a1b2c3-node-a')
  const ec2 = probePodName('a1b2c3', 'ip-10-0-12-34.eu-west-1.compute.internal')
  assert.match(ec2, /^kr-probe-a1b2c3-ip-10-0-12-34-eu-west-1-compute-[a-z]*-[0-9a-z]{7}$/)
  assert.ok(ec2.length <= 63)
  const long = 'n'.repeat(200)
  assert.ok(probePodName('a1b2c3', long).length <= 63)
  assert.notEqual(probePodName('a1b2c3', `${long}x`), probePodName('a1b2c3', `${long}y`))
  assert.notEqual(probePodName('a1b2c3', 'Node.A'), probePodName('a1b2c3', 'node-a'))
})

test('the probe pod manifest: pinned, host namespaces, privileged, read-only host root, deadline, labels', () => {
  const pod = probePodManifest({runId: 'a1b2c3', nodeName: 'node-a', namespace: 'kube-system', image: 'kube-router:v2.1.2', scriptConfigMap: 'kr-probe-a1b2c3', env: {KR_HOST_ROOT: '/host'}, deadlineSeconds: 120}) as any
  assert.equal(pod.spec.nodeName, 'node-a')
  assert.equal(pod.spec.activeDeadlineSeconds, 120)
  assert.deepEqual(pod.spec.containers[0].command, ['/bin/sh', '/kr/probe.sh'])
  assert.deepEqual(pod.spec.volumes[1], {name: 'probe', configMap: {name: 'kr-probe-a1b2c3', defaultMode: 0o444}})
  assert.deepEqual(pod.spec.containers[0].env, [{name: 'KR_HOST_ROOT', value: '/host'}])
  assert.deepEqual(pod.spec.volumes[0], {name: 'host', hostPath: {path: '/', type: 'Directory'}})
  assert.equal(pod.metadata.annotations['kr.kube-router.io/node'], 'node-a')
  assert.equal(runSelector('a1b2c3'), 'app.kubernetes.io/managed-by=kubectl-kr,kr.kube-router.io/run=a1b2c3')
})

const image = {spec: {activeDeadlineSeconds: 60, containers: [{image: 'kube-router:v2.1.2'}]}}

test('pod status → node phase or outcome, with reasons an operator can act on', () => {
  assert.deepEqual(interpretPod({}), {state: 'progress', phase: 'waiting', detail: null})
  assert.deepEqual(interpretPod({status: {phase: 'Pending', conditions: [{type: 'PodScheduled', status: 'True'}]}}), {state: 'progress', phase: 'scheduled', detail: null})
  assert.equal(interpretPod({...image, status: {phase: 'Pending', containerStatuses: [{state: {waiting: {reason: 'ContainerCreating'}}}]}}).state, 'progress')
  assert.deepEqual(interpretPod({status: {phase: 'Running'}}), {state: 'progress', phase: 'running', detail: null})
  assert.deepEqual(interpretPod({status: {phase: 'Succeeded', containerStatuses: [{state: {terminated: {exitCode: 0}}}]}}), {state: 'finished', exitCode: 0})
  assert.deepEqual(interpretPod({status: {phase: 'Failed', containerStatuses: [{state: {terminated: {exitCode: 1}}}]}}), {state: 'finished', exitCode: 1})
  assert.deepEqual(interpretPod({...image, status: {phase: 'Failed', reason: 'DeadlineExceeded'}}), {
    state: 'failed',
    kind: 'timeout',
    reason: 'probe pod exceeded its deadline of 60s (activeDeadlineSeconds); raise --pod-timeout if the node is slow',
  })
  assert.deepEqual(interpretPod({status: {phase: 'Failed', reason: 'OutOfpods', message: "Pod was rejected: Node didn't have enough resource: pods"}}), {
    state: 'failed',
    kind: 'other',
    reason: "the kubelet rejected the probe pod (OutOfpods): Pod was rejected: Node didn't have enough resource: pods",
  })
  const pull = interpretPod({...image, status: {phase: 'Pending', containerStatuses: [{state: {waiting: {reason: 'ImagePullBackOff', message: 'Back-off pulling image "kube-router:v2.1.2"'}}}]}})
  assert.deepEqual(pull, {
    state: 'failed',
    kind: 'image-pull',
    reason: 'cannot pull image kube-router:v2.1.2 (ImagePullBackOff); pass --image with an image the node can pull: Back-off pulling image "kube-router:v2.1.2"',
  })
  const retry = interpretPod({...image, status: {phase: 'Pending', containerStatuses: [{state: {waiting: {reason: 'ErrImagePull', message: 'rpc error'}}}]}})
  assert.deepEqual(retry, {state: 'progress', phase: 'pulling', pullFailing: true, detail: 'pulling kube-router:v2.1.2 failed, retrying: rpc error'})
  assert.equal(lastLogLine('a\nb\n\n  c  \n\n'), 'c')
})

test('cleanup tells our probe pods and script ConfigMaps from anything else that carries our label', async () => {
  const {notAProbePod, notAProbeScript, probeScriptConfigMap} = await import('../../src/model/probe-pod.js')
  const manifest = probePodManifest({runId: 'a1b2c3', nodeName: 'ip-10-0-1-2.ec2.internal', namespace: 'kube-system', image: 'kube-router:v2.1.2', scriptConfigMap: 'kr-probe-a1b2c3', env: {}, deadlineSeconds: 120}) as any
  const shape = (pod: any) => ({name: pod.metadata.name, labels: pod.metadata.labels ?? {}, annotations: pod.metadata.annotations, containers: pod.spec.containers})
  assert.equal(notAProbePod(shape(manifest)), null)

  const tenant = {metadata: {name: 'tenant-db-0', labels: {'app.kubernetes.io/managed-by': 'kubectl-kr'}}, spec: {containers: [{name: 'postgres', command: ['postgres']}]}}
  assert.match(notAProbePod(shape(tenant))!, /no kr\.kube-router\.io\/run label/)
  const copied = structuredClone(manifest)
  copied.metadata.name = 'db-0'
  assert.match(notAProbePod(shape(copied))!, /the name is not kr-probe-a1b2c3-<node>/)
  const otherCommand = structuredClone(manifest)
  otherCommand.spec.containers[0].command = ['/bin/sh', '-c', 'rm -rf /data']
  assert.match(notAProbePod(shape(otherCommand))!, /does not run \/bin\/sh \/kr\/probe\.sh/)
  const sidecar = structuredClone(manifest)
  sidecar.spec.containers.push({name: 'db', command: ['postgres']})
  assert.match(notAProbePod(shape(sidecar))!, /single "probe" container/)
  const badRun = structuredClone(manifest)
  badRun.metadata.labels['kr.kube-router.io/run'] = 'prod'
  assert.match(notAProbePod(shape(badRun))!, /is not a run id/)

  const cm = probeScriptConfigMap({runId: 'a1b2c3', namespace: 'kube-system', script: '#!/bin/sh'}) as any
  const cmShape = (o: any) => ({name: o.metadata.name, labels: o.metadata.labels, dataKeys: Object.keys(o.data)})
  assert.equal(notAProbeScript(cmShape(cm)), null)
  assert.match(notAProbeScript(cmShape({metadata: {...cm.metadata, name: 'tenant-settings'}, data: cm.data}))!, /the name is not kr-probe-a1b2c3/)
  assert.match(notAProbeScript(cmShape({metadata: cm.metadata, data: {...cm.data, 'db.conf': 'x'}}))!, /its data is not just probe\.sh/)
})
