import assert from 'node:assert/strict'
import {test} from 'node:test'
import {interpretPod, lastLogLine} from '../../src/model/pod-status.js'
import {HOST_LOG_PATH, HOST_PATHS, PROBE_CAPABILITIES, probePodManifest, probePodName, runSelector} from '../../src/model/probe-pod.js'

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

test('the probe pod manifest: pinned, host network, least privilege, read-only host directories, deadline, labels', () => {
  const pod = probePodManifest({runId: 'a1b2c3', nodeName: 'node-a', namespace: 'kube-system', image: 'kube-router:v2.1.2', scriptConfigMap: 'kr-probe-a1b2c3', env: {KR_HOST_ROOT: '/host'}, deadlineSeconds: 120}) as any
  assert.equal(pod.spec.nodeName, 'node-a')
  assert.equal(pod.spec.activeDeadlineSeconds, 120)
  assert.equal(pod.spec.hostNetwork, true)
  assert.deepEqual(pod.spec.containers[0].command, ['/bin/sh', '/kr/probe.sh'])
  assert.deepEqual(pod.spec.volumes.at(-1), {name: 'probe', configMap: {name: 'kr-probe-a1b2c3', defaultMode: 0o444}})
  assert.deepEqual(pod.spec.containers[0].env, [{name: 'KR_HOST_ROOT', value: '/host'}])
  // least privilege: no host PID namespace, not privileged, exactly NET_ADMIN and NET_RAW
  assert.notEqual(pod.spec.hostPID, true)
  assert.notEqual(pod.spec.hostIPC, true)
  assert.equal(pod.spec.securityContext, undefined)
  assert.equal(pod.spec.containers.length, 1)
  assert.equal(pod.spec.initContainers, undefined)
  assert.deepEqual(pod.spec.containers[0].securityContext, {
    privileged: false,
    allowPrivilegeEscalation: false,
    capabilities: {drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW']},
    readOnlyRootFilesystem: true,
    seccompProfile: {type: 'RuntimeDefault'},
  })
  assert.deepEqual([...PROBE_CAPABILITIES], ['NET_ADMIN', 'NET_RAW'])
  // host directories: only these, each read-only (recursively), at /host/<same path>; never / nor /run
  const hostVolumes = pod.spec.volumes.filter((v: any) => v.hostPath)
  assert.deepEqual(
    hostVolumes.map((v: any) => [v.name, v.hostPath.path, v.hostPath.type]),
    [
      ['host-etc', '/etc', 'Directory'],
      ['host-usr', '/usr', 'Directory'],
      ['host-cgroup', '/sys/fs/cgroup', 'Directory'],
    ],
  )
  for (const v of hostVolumes) {
    assert.ok(!['/', '/run', '/var', '/proc', '/sys', '/dev'].includes(v.hostPath.path.replace(/\/+$/, '') || '/'), v.hostPath.path)
    assert.ok(!v.hostPath.path.startsWith('/run'), `${v.hostPath.path}: /run holds unix sockets`)
    assert.equal(v.hostPath.type, 'Directory', 'never creates a host path (type "" and DirectoryOrCreate would)')
  }
  const mounts = pod.spec.containers[0].volumeMounts
  assert.deepEqual(mounts.at(-1), {name: 'probe', mountPath: '/kr', readOnly: true})
  for (const m of mounts) assert.equal(m.readOnly, true, `${m.mountPath} read-only`)
  for (const v of hostVolumes) {
    const m = mounts.find((x: any) => x.name === v.name)
    assert.deepEqual(m, {name: v.name, mountPath: `/host${v.hostPath.path}`, readOnly: true, recursiveReadOnly: 'IfPossible'})
  }
  assert.ok(!mounts.some((m: any) => m.mountPath === '/host'), 'the host / is not mounted')
  assert.equal(mounts.length, HOST_PATHS.length + 1)
  assert.equal(pod.metadata.annotations['kr.kube-router.io/node'], 'node-a')
  assert.equal(runSelector('a1b2c3'), 'app.kubernetes.io/managed-by=kubectl-kr,kr.kube-router.io/run=a1b2c3')
})

test('the probe pod mounts the kubelet pod log directory only when it reads the kube-router log', () => {
  const env = {KR_HOST_ROOT: '/host', KR_KUBE_ROUTER_LOG_DIR: 'var/log/pods/kube-system_kube-router-x_uid/kube-router'}
  const pod = probePodManifest({runId: 'a1b2c3', nodeName: 'node-a', namespace: 'kube-system', image: 'kube-router:v2.1.2', scriptConfigMap: 'kr-probe-a1b2c3', env, deadlineSeconds: 120}) as any
  assert.deepEqual(pod.spec.volumes.find((v: any) => v.name === HOST_LOG_PATH.name), {name: 'host-pod-logs', hostPath: {path: '/var/log/pods', type: 'Directory'}})
  assert.deepEqual(pod.spec.containers[0].volumeMounts.find((m: any) => m.name === HOST_LOG_PATH.name), {
    name: 'host-pod-logs',
    mountPath: '/host/var/log/pods',
    readOnly: true,
    recursiveReadOnly: 'IfPossible',
  })
  // the directory the script reads lies under the mount
  assert.ok(`/host/${env.KR_KUBE_ROUTER_LOG_DIR}`.startsWith('/host/var/log/pods/'))
})

const image = {spec: {activeDeadlineSeconds: 60, containers: [{image: 'kube-router:v2.1.2'}]}}

test('pod status → node phase or outcome, with reasons an operator can act on', () => {
  assert.deepEqual(interpretPod({}), {state: 'progress', phase: 'waiting', detail: null})
  assert.deepEqual(interpretPod({status: {phase: 'Pending', conditions: [{type: 'PodScheduled', status: 'True'}]}}), {state: 'progress', phase: 'scheduled', detail: null})
  // bound by its nodeName (as probe pods are): no PodScheduled condition from a real API server, still scheduled
  assert.deepEqual(interpretPod({spec: {nodeName: 'node-b', containers: []}, status: {phase: 'Pending'}}), {state: 'progress', phase: 'scheduled', detail: null})
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
