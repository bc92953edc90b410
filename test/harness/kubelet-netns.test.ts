// The fake kubelet running pods for real inside network namespaces: the pod's command
// sees the namespace's interfaces and the pod's env; deletes, deadlines and close() kill
// the process; the real probe.sh runs as a pod against a scenario node.
// Runs as root (CI); skipped with a message otherwise.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {CoreV1Api, KubeConfig} from '@kubernetes/client-node'
import {parseProbeOutput} from '../../src/probe/framing.js'
import {probeEnvironment} from '../../src/probe/inputs.js'
import {readProbeScript} from '../../src/probe/script-path.js'
import {buildHealthyNode, createNetns, deleteNetns, run, writeExecutable} from '../helpers/netns.js'
import {startTestCluster, type TestCluster} from './index.js'
import {scenarioClusterOptions} from './scenario.js'
import {sleep, waitFor} from '../helpers/wait-for.js'
import {NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, 'setpriv']})
let ns = ''
let dir = ''
let cluster: TestCluster
let core: CoreV1Api


/** Running (a zombie counts as dead: orphans may wait long for a PID 1 that reaps slowly). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

function pod(name: string, script: string, extra: {env?: {name: string; value?: string}[]; spec?: object} = {}): any {
  return {
    metadata: {name, namespace: 'kube-system', labels: {'app.kubernetes.io/name': 'kr-probe'}},
    spec: {
      nodeName: 'node-a',
      restartPolicy: 'Never',
      hostNetwork: true,
      containers: [
        {
          name: 'probe',
          image: 'docker.io/cloudnativelabs/kube-router:v2.1.2',
          command: ['/bin/sh', '-c', script],
          env: [{name: 'KR_HOST_ROOT', value: '/host'}, {name: 'KR_PROBE_SECTIONS', value: 'passive'}, {name: 'NODE_NAME', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}}, ...(extra.env ?? [])],
        },
      ],
      ...extra.spec,
    },
  }
}

const current = (name: string) => cluster.pods('kube-system').find((p) => p.metadata.name === name)

before(async () => {
  if (skip) return
  dir = await mkdtemp(path.join(os.tmpdir(), `kr-harness-${process.pid}-`))
  ns = await createNetns('harness')
  await run(['ip', '-n', ns, 'link', 'add', 'kr-test0', 'type', 'veth', 'peer', 'name', 'kr-test1'])
  await run(['ip', '-n', ns, 'addr', 'add', '10.99.0.1/24', 'dev', 'kr-test0'])
  await run(['ip', '-n', ns, 'link', 'set', 'kr-test0', 'up'])
  const binDir = path.join(dir, 'bin')
  await run(['mkdir', '-p', binDir, path.join(dir, 'root')])
  await writeExecutable(binDir, 'kube-router', '#!/bin/sh\necho "fake kube-router $*"\n')
  cluster = await startTestCluster({
    nodes: [{name: 'node-a', addresses: [{type: 'InternalIP', address: '192.168.56.11'}], runtime: {kind: 'netns', ns, binDir, env: {KR_HOST_ROOT: path.join(dir, 'root')}}}],
    podStartLatencyMs: 20,
  })
  const file = path.join(dir, 'kubeconfig')
  await cluster.writeKubeconfig(file)
  const kc = new KubeConfig()
  kc.loadFromFile(file)
  core = kc.makeApiClient(CoreV1Api)
})

after(async () => {
  if (skip) return
  await cluster?.close()
  if (ns) await deleteNetns(ns)
  if (dir) await rm(dir, {recursive: true, force: true})
})

test('a pod runs in the node namespace: its log shows that namespace\'s interfaces and the pod env', {skip}, async () => {
  await core.createNamespacedPod({
    namespace: 'kube-system',
    body: pod('ip-addr', 'ip -j addr show; echo $KR_PROBE_SECTIONS; echo "root=$KR_HOST_ROOT node=$NODE_NAME host=$HOSTNAME"; kube-router --version; echo oops >&2; exit 3'),
  })
  const done = await waitFor('pod finished', () => ['Succeeded', 'Failed'].includes(current('ip-addr')?.status?.phase) && current('ip-addr'))
  assert.equal(done.status.phase, 'Failed')
  assert.deepEqual([done.status.containerStatuses[0].state.terminated.exitCode, done.status.containerStatuses[0].state.terminated.reason], [3, 'Error'])
  assert.equal(done.status.podIP, '192.168.56.11', 'hostNetwork pod IP = node IP')
  const log = await core.readNamespacedPodLog({namespace: 'kube-system', name: 'ip-addr'})
  const [json, ...rest] = log.split('\n')
  const links = JSON.parse(json) as {ifname: string; addr_info: {local: string}[]}[]
  assert.deepEqual(links.map((l) => l.ifname).sort(), ['kr-test0', 'kr-test1', 'lo'])
  assert.ok(links.find((l) => l.ifname === 'kr-test0')?.addr_info.some((a) => a.local === '10.99.0.1'))
  assert.deepEqual(rest.slice(0, 3), ['passive', `root=${path.join(dir, 'root')} node=node-a host=node-a`, 'fake kube-router --version'])
  assert.match(log, /oops\n$/, 'stderr merged into the log')
})

test('the kubelet applies the container securityContext: exactly the capabilities it grants, no_new_privs', {skip}, async () => {
  const status = "grep -E '^(CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status"
  const cases: [string, object | undefined, string][] = [
    // NET_ADMIN = bit 12, NET_RAW = bit 13
    ['caps-probe', {allowPrivilegeEscalation: false, capabilities: {drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW']}}, 'CapEff:\t0000000000003000\nCapBnd:\t0000000000003000\nCapAmb:\t0000000000003000\nNoNewPrivs:\t1'],
    ['caps-none', {capabilities: {drop: ['ALL']}}, 'CapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0'],
    // the runtime default set (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP)
    ['caps-default', undefined, 'CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t00000000a80425fb\nNoNewPrivs:\t0'],
  ]
  for (const [name, securityContext] of cases) {
    const body = pod(name, status)
    if (securityContext) body.spec.containers[0].securityContext = securityContext
    await core.createNamespacedPod({namespace: 'kube-system', body})
  }
  const privileged = pod('caps-privileged', status)
  privileged.spec.containers[0].securityContext = {privileged: true}
  await core.createNamespacedPod({namespace: 'kube-system', body: privileged})
  for (const [name, , expected] of cases) {
    await waitFor(`${name} finished`, () => current(name)?.status?.phase === 'Succeeded')
    assert.equal((await core.readNamespacedPodLog({namespace: 'kube-system', name})).trim(), expected, name)
  }
  await waitFor('caps-privileged finished', () => current('caps-privileged')?.status?.phase === 'Succeeded')
  const own = readFileSync('/proc/self/status', 'utf8').match(/^CapBnd:\t(\w+)$/m)?.[1]
  assert.match(await core.readNamespacedPodLog({namespace: 'kube-system', name: 'caps-privileged'}), new RegExp(`^CapEff:\t${own}$`, 'm'), 'privileged: every capability')
})

test('deleting a running pod kills its process (SIGTERM, then SIGKILL after the grace period)', {skip}, async () => {
  await core.createNamespacedPod({namespace: 'kube-system', body: pod('sleeper', 'echo started; sleep 30')})
  await core.createNamespacedPod({namespace: 'kube-system', body: pod('stubborn', 'trap "" TERM; echo started; sleep 30; sleep 30')})
  for (const name of ['sleeper', 'stubborn']) await waitFor(`${name} started`, () => current(name)?.status?.phase === 'Running' && cluster.podPid('kube-system', name))
  const pids = {sleeper: cluster.podPid('kube-system', 'sleeper')!, stubborn: cluster.podPid('kube-system', 'stubborn')!}
  assert.ok(alive(pids.sleeper) && alive(pids.stubborn))
  const children = (await run(['pgrep', '-g', String(pids.sleeper)], {allowFailure: true})).stdout.trim().split('\n')
  assert.ok(children.length >= 2, 'sh and its sleep share the process group')

  const t0 = Date.now()
  const deleted = await core.deleteNamespacedPod({namespace: 'kube-system', name: 'sleeper'})
  assert.ok(deleted.metadata?.deletionTimestamp, 'graceful delete answers the pod with deletionTimestamp')
  await waitFor('sleeper gone', () => !current('sleeper'))
  assert.ok(Date.now() - t0 < 2000)
  assert.ok(!alive(pids.sleeper))
  for (const pid of children) assert.ok(!alive(Number(pid)), `child ${pid} killed too`)

  await core.deleteNamespacedPod({namespace: 'kube-system', name: 'stubborn', gracePeriodSeconds: 1})
  await sleep(500)
  assert.ok(alive(pids.stubborn), 'SIGTERM ignored: still running inside the grace period')
  assert.ok(current('stubborn')?.metadata.deletionTimestamp)
  await waitFor('stubborn gone', () => !current('stubborn'), 3000)
  assert.ok(!alive(pids.stubborn))
})

test('activeDeadlineSeconds kills a real process; close() kills what still runs', {skip}, async () => {
  await core.createNamespacedPod({namespace: 'kube-system', body: pod('slow', 'echo working; sleep 30', {spec: {activeDeadlineSeconds: 1}})})
  const pid = await waitFor('slow started', () => cluster.podPid('kube-system', 'slow'))
  const failed = await waitFor('deadline', () => current('slow')?.status?.phase === 'Failed' && current('slow'), 3000)
  assert.equal(failed.status.reason, 'DeadlineExceeded')
  await waitFor('process killed', () => !alive(pid))
  assert.equal(await core.readNamespacedPodLog({namespace: 'kube-system', name: 'slow'}), 'working\n')

  // a cluster of its own, closed while its pod runs
  const other = await startTestCluster({nodes: [{name: 'node-a', runtime: {kind: 'netns', ns, binDir: path.join(dir, 'bin'), env: {}}}], podStartLatencyMs: 5})
  other.createPod(pod('left-running', 'sleep 30'))
  const leftPid = await waitFor('left-running started', () => other.podPid('kube-system', 'left-running'))
  await other.close()
  assert.ok(!alive(leftPid))
})

test('the real probe.sh runs as a pod against a scenario node (KR_HOST_ROOT, fake tools, framing)', {skip}, async () => {
  const s = await buildHealthyNode({nodeIndex: 1})
  const c = await startTestCluster(scenarioClusterOptions([s], {podStartLatencyMs: 5}))
  try {
    const script = await readProbeScript()
    const inputs = probeEnvironment({hostRoot: '/host', sections: 'passive', cmdTimeoutSec: 5, kubeRouterBin: '/usr/local/bin/kube-router'})
    c.createPod({
      metadata: {name: 'kr-probe-node-a', namespace: 'kube-system'},
      spec: {
        nodeName: s.nodeName,
        restartPolicy: 'Never',
        hostNetwork: true,
        containers: [{name: 'probe', image: 'docker.io/cloudnativelabs/kube-router:v2.11.1', command: ['/bin/sh', '-c', script], env: Object.entries(inputs).map(([name, value]) => ({name, value}))}],
      },
    })
    const done = await waitFor('probe finished', () => c.pods('kube-system').find((p) => p.metadata.name === 'kr-probe-node-a' && ['Succeeded', 'Failed'].includes(p.status.phase)), 30_000)
    assert.equal(done.status.phase, 'Succeeded')
    const log = c.kubelet.readLog(c.store.get('pods', 'kube-system', 'kr-probe-node-a')!, {})
    const framed = parseProbeOutput(log, s.nodeName)
    assert.ok(framed.complete, framed.issues.join('; '))
    const files = framed.capture.files as Record<string, string>
    assert.match(files['ip-addr.json'], /"ifname":"kube-dummy-if"/)
    assert.match(files['ip-addr.json'], new RegExp(`"local":"${s.nodeIp4.replace(/\./g, '\\.')}"`))
    assert.match(files['kube-router-version.txt'], /v2\.11\.1/)
    assert.match(files['networkd.txt'], /^# active: yes/)
    const services = c.objects('services').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
    assert.ok(services.includes('default/kubernetes'))
    assert.equal(c.pods('kube-system').filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-router').length, 1)
  } finally {
    await c.close()
    await s.cleanup()
  }
})
