// services/kube-router-pods: cluster mode reads kube-router's pods from the API (the HTTP test API server), with
// the previous container's log of a crash-looping one, and the kube-router-pods check judges them.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {startTestCluster} from '../harness/index.js'
import {kubeRouterDaemonSet, kubeRouterPod} from '../harness/scenario.js'
import {openKube} from '../../src/infra/kube-api.js'
import {typedClusterObjects} from '../../src/services/cluster-objects.js'
import {kubeRouterPodStatuses, listKubeRouterPods} from '../../src/services/kube-router-pods.js'
import {analyse} from '../../src/services/analyse.js'
import {selectChecks} from '../../src/checks/index.js'

const FATAL = 'F1101 09:52:06.118305       1 network_services_controller.go:341] error setting up ipvs firewall: running [ip6tables -t filter -A KUBE-ROUTER-SERVICES]: unknown option "--icmpv6-type"'

/** kube-router's pod on node-b as the API shows it after the container keeps exiting. */
function crashLooping(): Record<string, any> {
  const pod = kubeRouterPod('node-b', 'v2.2.0', {hostIP: '192.168.56.12'}) as Record<string, any>
  const c = pod.status.containerStatuses[0]
  pod.status.conditions = pod.status.conditions.map((x: {type: string}) => (x.type === 'Ready' || x.type === 'ContainersReady' ? {...x, status: 'False'} : x))
  Object.assign(c, {
    ready: false, started: false, restartCount: 6,
    state: {waiting: {reason: 'CrashLoopBackOff', message: `back-off 2m40s restarting failed container=kube-router pod=${pod.metadata.name}_kube-system(${pod.metadata.uid})`}},
    lastState: {terminated: {exitCode: 255, reason: 'Error', startedAt: '2026-11-01T09:52:05Z', finishedAt: '2026-11-01T09:52:06Z'}},
  })
  return pod
}

test('cluster mode reads each kube-router pod, and the previous log of the crash-looping one; the check names its fatal line', async () => {
  const bad = crashLooping()
  const cluster = await startTestCluster({
    nodes: [{name: 'node-a', runtime: {kind: 'replay', log: ''}}, {name: 'node-b', runtime: {kind: 'replay', log: ''}}],
    daemonSets: [kubeRouterDaemonSet('v2.2.0', 2)],
    pods: [kubeRouterPod('node-a', 'v2.2.0', {hostIP: '192.168.56.11'}), bad],
    previousPodLogs: {[`kube-system/${bad.metadata.name}`]: `I1101 09:52:05.902117       1 version.go:66] Running /usr/local/bin/kube-router version v2.2.0\n${FATAL}\n`},
  })
  const dir = await mkdtemp(path.join(os.tmpdir(), `kr-pods-${process.pid}-`))
  try {
    const kubeconfig = path.join(dir, 'kubeconfig')
    await cluster.writeKubeconfig(kubeconfig)
    const kube = openKube({kubeconfig, context: null})
    const objects = typedClusterObjects(await kube.fetchClusterObjects(), 'api', (m) => assert.fail(m))
    const pods = await listKubeRouterPods(kube, objects, true, (m) => assert.fail(m))
    assert.equal(pods?.length, 2)
    const statuses = await kubeRouterPodStatuses(kube, objects, pods!)
    const b = statuses.find((s) => s.node === 'node-b')!
    assert.deepEqual([b.ready, b.restarts, b.waiting?.reason, b.lastTermination?.exitCode], [false, 6, 'CrashLoopBackOff', 255])
    assert.deepEqual(b.previousLog, ['I1101 09:52:05.902117       1 version.go:66] Running /usr/local/bin/kube-router version v2.2.0', FATAL])
    const a = statuses.find((s) => s.node === 'node-a')!
    assert.deepEqual([a.ready, a.restarts, a.previousLog, a.previousLogError], [true, 0, null, null])
    // the previous log was asked for with previous=true and a tail
    assert.ok(cluster.requests.some((r) => r.path.endsWith(`/pods/${bad.metadata.name}/log`) && r.query.previous === 'true' && r.query.tailLines === '20'), 'previous log requested with tailLines')

    objects.kubeRouterPods = statuses
    const {report} = analyse({mode: 'cluster', context: 'harness', bundle: null, createdAt: '2026-11-01T10:00:00Z', cluster: objects, nodes: [], failedNodes: []}, selectChecks(['kube-router-pods'], []))
    const [f] = report.findings
    assert.equal(report.findings.length, 1)
    assert.equal(f.severity, 'error')
    assert.equal(f.title, 'kube-router on node-b is crash-looping, 6 restarts (last: Error)')
    assert.ok(f.evidence.includes(FATAL), f.evidence.join('\n'))
  } finally {
    await cluster.close()
    await rm(dir, {recursive: true, force: true})
  }
})
