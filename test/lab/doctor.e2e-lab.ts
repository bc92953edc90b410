// doctor's cluster scenarios against the lab: the real built CLI (`kubectl kr doctor`, through kubectl's plugin
// dispatch) with the lab's kubeconfig, a real kube-apiserver, controller manager and scheduler, and the demo's
// 3-node dual-stack seeds in the lab's nodes (demo-seeds.ts: node-a FM2 + FM3, node-b FM1 + FM4 + FM5, node-c
// healthy), whose kubelet stand-ins run the probe pods the CLI creates. The admin client watches what the CLI
// creates in kube-system. Needs root and the lab binaries (`npm run lab:build`); under CI=true a missing need fails.
import assert from 'node:assert/strict'
import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import type {DoctorReport} from '../../src/model/report.js'
import {kr, krSpawn} from '../cli/kr.js'
import {type Lab, startLab} from './cluster.js'
import {labSkip} from './suite.js'
import {labDemo, waitForKubeRouterPods, type LabDemo} from './demo-seeds.js'

type Obj = Record<string, any>

const skip = labSkip()

const MANAGED = 'app.kubernetes.io/managed-by'
const PROBE_SELECTOR = encodeURIComponent(`${MANAGED}=kubectl-kr`)

let lab: Lab
let demo: LabDemo
let work: string
let kubeconfig: string
const watching = new AbortController()
/** every probe pod and ConfigMap the CLI created in kube-system, in order, as the watch saw them first */
const created: {kind: 'Pod' | 'ConfigMap'; obj: Obj}[] = []

async function watchCreations(resource: 'pods' | 'configmaps', kind: 'Pod' | 'ConfigMap'): Promise<void> {
  const seen = new Set<string>()
  const record = (obj: Obj) => {
    if (seen.has(obj.metadata.uid)) return
    seen.add(obj.metadata.uid)
    created.push({kind, obj})
  }
  const base = `/api/v1/namespaces/kube-system/${resource}?labelSelector=${PROBE_SELECTOR}`
  while (!watching.signal.aborted) {
    try {
      // (re)list: objects made while no watch ran are recorded too; an expired watch (410 as an ERROR event) lists again
      const list = await lab.admin.req('GET', base)
      for (const obj of list.items as Obj[]) record(obj)
      let rv = list.metadata.resourceVersion as string
      let expired = false
      while (!watching.signal.aborted && !expired) {
        await lab.admin.watch(`${base}&watch=true&resourceVersion=${rv}`, (type, obj) => {
          if (type === 'ERROR') expired = true
          else rv = obj.metadata?.resourceVersion ?? rv
          if (type === 'ADDED') record(obj)
        }, watching.signal)
      }
    } catch {
      if (!watching.signal.aborted) await new Promise((r) => setTimeout(r, 500))
    }
  }
}

before(async () => {
  if (skip) return
  work = await mkdtemp(join(tmpdir(), 'kr-lab-doctor-'))
  demo = labDemo()
  // a node whose kubelet stopped turns NotReady (Unknown) 30-40 s after its last Lease renewal, not 50-60 s
  lab = await startLab({nodes: 3, nodeNames: demo.nodeNames, prepareNode: demo.prepareNode, nodeMonitorGracePeriodSeconds: 45})
  kubeconfig = join(work, 'kubeconfig')
  await writeFile(kubeconfig, lab.kubeconfig, {mode: 0o600})
  await demo.apply(lab)
  void watchCreations('pods', 'Pod')
  void watchCreations('configmaps', 'ConfigMap')
})

after(async () => {
  if (skip) return
  watching.abort()
  await lab?.close()
  await demo?.close()
  if (work) await rm(work, {recursive: true, force: true})
})

/** The probe pods and ConfigMaps the real API still holds. */
async function leftovers(): Promise<string[]> {
  const out: string[] = []
  for (const resource of ['pods', 'configmaps']) {
    const list = await lab.admin.req('GET', `/api/v1/namespaces/kube-system/${resource}?labelSelector=${PROBE_SELECTOR}`)
    for (const o of list.items as Obj[]) out.push(`${resource}/${o.metadata.name}${o.metadata.deletionTimestamp ? ' (terminating)' : ''}`)
  }
  return out
}

/** Waits until no probe pod or ConfigMap is left (a running pod's deletion waits for its kubelet). */
async function nothingLeft(timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  let left = await leftovers()
  while (left.length) {
    if (Date.now() > end) assert.fail(`left in the API ${timeoutMs / 1000} s after the run: ${left.join(', ')}`)
    await new Promise((r) => setTimeout(r, 250))
    left = await leftovers()
  }
}

/** The probe pods created since `mark` (an index into `created`), by node. */
function podsSince(mark: number): Obj[] {
  return created.slice(mark).filter((c) => c.kind === 'Pod').map((c) => c.obj)
}

async function probePods(phase?: string): Promise<Obj[]> {
  const list = await lab.admin.req('GET', `/api/v1/namespaces/kube-system/pods?labelSelector=${PROBE_SELECTOR}`)
  return (list.items as Obj[]).filter((p) => !phase || p.status?.phase === phase)
}

function findingsOn(report: DoctorReport, node: string | null): string[] {
  return [...new Set(report.findings.filter((f) => f.node === node).map((f) => f.check))].sort()
}

test('3 dual-stack nodes on a real API server: every failure mode on the right node, nothing on the healthy one, no pod left', {skip}, async () => {
  const mark = created.length
  const bundle = join(work, 'cluster-bundle')
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--save-bundle', bundle], {timeoutMs: 180_000})
  assert.equal(r.code, 1, r.stderr)
  const report = JSON.parse(r.stdout) as DoctorReport
  const all = report.findings.map((f) => `${f.node} ${f.check} ${f.subject}: ${f.title} | ${f.evidence.slice(0, 3).join(' / ')}`).join('\n')
  assert.deepEqual(report.source, {mode: 'cluster', context: 'kr-lab', bundle: null})
  assert.deepEqual(report.nodes.map((n) => [n.name, n.status, n.error]), [['node-a', 'probed', null], ['node-b', 'probed', null], ['node-c', 'probed', null]])
  assert.equal(report.kubeRouter.version, 'v2.1.2', 'version from `kube-router --version` run by the probe')
  assert.equal(report.kubeRouter.image, 'docker.io/cloudnativelabs/kube-router:v2.1.2', "from the real DaemonSet's pod template")

  // node-a: FM2 (IPv6 VIP kernel routes) and FM3 (inet6:kube-router-local-ips lacks the node IPv6)
  assert.deepEqual(findingsOn(report, 'node-a'), ['apiserver-reachability', 'ipv6-vip-routes', 'local-ips-ipset', 'vip-reachability'], all)
  assert.deepEqual(report.findings.filter((f) => f.node === 'node-a' && f.check === 'vip-reachability').map((f) => f.subject), ['IPv6 VIPs'])
  // FM3 also rejects the real API server's IPv6 replies to the node IP; over IPv4 node-a reaches it
  const api = report.findings.find((f) => f.node === 'node-a' && f.check === 'apiserver-reachability')!
  assert.equal(api.severity, 'error')
  assert.ok(api.subject?.includes(`[${lab.bridgeIp6}]:${lab.port}`), api.subject ?? '')
  assert.ok(!api.subject?.includes(lab.bridgeIp4) && !api.subject?.includes('10.96.0.1:'), api.subject ?? '')
  for (const check of ['ipv6-vip-routes', 'local-ips-ipset', 'vip-reachability']) {
    assert.ok(report.findings.filter((f) => f.node === 'node-a' && f.check === check).every((f) => f.severity === 'error'), check)
  }
  // node-b: FM4 (networkd, rules wiped), FM5 (Maglev, sloppy_tcp=0), and FM1's route noise, benign, read from the
  // kube-router pod's log that the kubelet stand-in wrote in /var/log/pods
  assert.deepEqual(findingsOn(report, 'node-b'), ['dsr-route-noise', 'dsr-sloppy-tcp', 'networkd-foreign-rules', 'policy-routing-rules'], all)
  for (const check of ['dsr-sloppy-tcp', 'networkd-foreign-rules', 'policy-routing-rules']) {
    assert.ok(report.findings.filter((f) => f.node === 'node-b' && f.check === check).every((f) => f.severity === 'error'), check)
  }
  const noise = report.findings.find((f) => f.check === 'dsr-route-noise')!
  assert.equal(noise.severity, 'info')
  assert.ok(noise.evidence.some((e) => e.includes("Failed to add route for 199.27.151.9 in custom route table for external IP's")), noise.evidence.join('\n'))
  // node-c: healthy, every check passes (or does not apply)
  assert.deepEqual(findingsOn(report, 'node-c'), [], all)
  assert.ok(report.results.filter((x) => x.node === 'node-c').every((x) => x.status === 'pass' || x.status === 'skipped'))
  assert.ok(report.results.some((x) => x.node === 'node-c' && x.check === 'vip-reachability' && x.status === 'pass'))
  assert.ok(report.results.some((x) => x.node === 'node-c' && x.check === 'apiserver-reachability' && x.status === 'pass'))

  // what the real API server received: one pod per node, one script ConfigMap, as DESIGN.md says
  const pods = podsSince(mark)
  assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['node-a', 'node-b', 'node-c'])
  const scripts = created.slice(mark).filter((c) => c.kind === 'ConfigMap')
  assert.equal(scripts.length, 1)
  assert.match(scripts[0].obj.data['probe.sh'], /^#!\/bin\/sh\n/)
  const pod = pods[0]
  assert.equal(pod.spec.hostNetwork, true)
  assert.notEqual(pod.spec.hostPID, true)
  assert.equal(pod.spec.restartPolicy, 'Never')
  assert.ok(pod.spec.activeDeadlineSeconds > 0)
  assert.ok(pod.spec.tolerations.some((t: Obj) => t.operator === 'Exists' && !t.key), JSON.stringify(pod.spec.tolerations))
  assert.deepEqual(pod.spec.containers[0].securityContext, {
    privileged: false,
    allowPrivilegeEscalation: false,
    capabilities: {drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW']},
    readOnlyRootFilesystem: true,
    seccompProfile: {type: 'RuntimeDefault'},
  })
  assert.equal(pod.spec.containers[0].image, 'docker.io/cloudnativelabs/kube-router:v2.1.2')
  assert.equal(pod.metadata.labels[MANAGED], 'kubectl-kr')
  const ro = (name: string, mountPath: string) => ({name, mountPath, readOnly: true, recursiveReadOnly: 'IfPossible'})
  for (const p of pods) {
    // every node runs a kube-router pod, so every probe pod mounts the kubelet's pod log directory too
    assert.deepEqual(p.spec.containers[0].volumeMounts.filter((m: Obj) => m.name !== 'kube-api-access' && !m.name.startsWith('kube-api-access-')), [
      ro('host-etc', '/host/etc'),
      ro('host-usr', '/host/usr'),
      ro('host-cgroup', '/host/sys/fs/cgroup'),
      ro('host-pod-logs', '/host/var/log/pods'),
      {name: 'probe', mountPath: '/kr', readOnly: true},
    ], p.spec.nodeName)
  }
  const env = Object.fromEntries(pod.spec.containers[0].env.map((e: {name: string; value: string}) => [e.name, e.value]))
  assert.match(env.KR_PROBE_TARGETS, /^apiserver 4 10\.96\.0\.1 443 default\/kubernetes$/m)
  assert.match(env.KR_PROBE_TARGETS, /^apiserver 6 fd00:10:96::1 443 default\/kubernetes$/m)
  assert.match(env.KR_PROBE_TARGETS, /^service-vip 6 fd00:10:96::1234 80 default\/web$/m)
  const logDirs = Object.fromEntries(pods.map((p) => [p.spec.nodeName, p.spec.containers[0].env.find((e: Obj) => e.name === 'KR_KUBE_ROUTER_LOG_DIR')?.value]))
  const kubeRouterPods = (await lab.admin.req('GET', '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-router')).items as Obj[]
  for (const p of kubeRouterPods) {
    assert.equal(logDirs[p.spec.nodeName], `var/log/pods/kube-system_${p.metadata.name}_${p.metadata.uid}/kube-router`, 'the real pod\'s name and uid')
  }

  await nothingLeft()

  // --save-bundle wrote the cluster objects and every node; analysing it again gives the same findings
  assert.deepEqual((await readdir(join(bundle, 'nodes'))).sort(), ['node-a', 'node-b', 'node-c'])
  assert.ok((await readdir(join(bundle, 'nodes/node-b'))).includes('kube-router.log'))
  const again = await kr(['doctor', '--from-bundle', bundle, '-o', 'json'])
  assert.equal(again.code, 1, again.stderr)
  assert.deepEqual(
    (JSON.parse(again.stdout) as DoctorReport).findings.map((f) => [f.node, f.check, f.subject]),
    report.findings.map((f) => [f.node, f.check, f.subject]),
  )
})

test('--node and -l limit the probed nodes: only their probe pods are created; an unknown node creates nothing', {skip}, async () => {
  let mark = created.length
  const one = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--node', 'node-c'], {timeoutMs: 120_000})
  assert.equal(one.code, 0, one.stderr)
  assert.deepEqual((JSON.parse(one.stdout) as DoctorReport).nodes.map((n) => n.name), ['node-c'])
  assert.deepEqual(podsSince(mark).map((p) => p.spec.nodeName), ['node-c'])

  mark = created.length
  const bySelector = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '-l', 'node-role.kubernetes.io/control-plane'], {timeoutMs: 120_000})
  assert.equal(bySelector.code, 1, bySelector.stderr)
  const report = JSON.parse(bySelector.stdout) as DoctorReport
  assert.deepEqual(report.nodes.map((n) => n.name), ['node-a'])
  assert.deepEqual(findingsOn(report, 'node-a'), ['apiserver-reachability', 'ipv6-vip-routes', 'local-ips-ipset', 'vip-reachability'])
  assert.deepEqual(podsSince(mark).map((p) => p.spec.nodeName), ['node-a'])

  mark = created.length
  const unknown = await kr(['doctor', '--kubeconfig', kubeconfig, '--node', 'node-x'])
  assert.equal(unknown.code, 2)
  assert.equal(unknown.stderr.trim(), 'error: node not found: node-x (see `kubectl get nodes`)')
  await new Promise((r) => setTimeout(r, 500))
  assert.deepEqual(created.slice(mark), [])
  await nothingLeft()
})

/** The Node's Ready status, as the node lifecycle controller has it: 'True' only once the controller has seen the
 * kubelet back (it has lifted its unreachable taint), so a kubelet that stops again is not judged on an old Lease. */
async function nodeReady(name: string): Promise<string | undefined> {
  const node = await lab.admin.req('GET', `/api/v1/nodes/${name}`)
  const ready = (node.status?.conditions as Obj[] | undefined)?.find((c) => c.type === 'Ready')?.status
  const unreachable = ((node.spec?.taints ?? []) as Obj[]).some((t) => t.key === 'node.kubernetes.io/unreachable')
  return ready === 'True' && unreachable ? 'True (still tainted unreachable)' : ready
}

/** The nodes' statuses and errors of a JSON report, for an assertion message. */
function nodeErrors(stdout: string): string {
  try {
    return (JSON.parse(stdout) as DoctorReport).nodes.map((n) => `${n.name}: ${n.status}${n.error ? ` (${n.error})` : ''}`).join('\n')
  } catch {
    return stdout.slice(0, 2000)
  }
}

async function waitForReady(name: string, status: 'True' | 'Unknown', timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  let now = await nodeReady(name)
  while (now !== status) {
    if (Date.now() > end) assert.fail(`${name} did not turn Ready=${status} within ${timeoutMs / 1000} s (Ready=${now})`)
    await new Promise((r) => setTimeout(r, 500))
    now = await nodeReady(name)
  }
}

/** Starts the node's kubelet again and waits until the node lifecycle controller has seen it back: its Lease renewed
 * after the restart, one monitor period (5 s) for the controller to take that in, and the Node Ready. */
async function kubeletBack(name: string): Promise<void> {
  const since = Date.now()
  await lab.startKubelet(name)
  const end = Date.now() + 60_000
  for (;;) {
    const lease = await lab.admin.req('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`)
    if (Date.parse(lease.spec?.renewTime ?? '') >= since - 1000) break
    if (Date.now() > end) assert.fail(`${name}'s kubelet did not renew its Lease after the restart`)
    await new Promise((r) => setTimeout(r, 250))
  }
  await new Promise((r) => setTimeout(r, 6000))
  await waitForReady(name, 'True', 60_000)
}

test('partial failure: a node whose kubelet is down fails with the reason, the other is diagnosed; a finding, not exit 2', {skip}, async () => {
  await lab.stopKubelet('node-b')
  try {
    const mark = created.length
    // node-c's probe takes ~2 s on a quiet machine (a loaded CI machine, with the other lab files running beside
    // this one, once took over 16 s); node-b's pod is bound to a node whose kubelet never starts it. The run (24 s
    // and start-up) must end before the node lifecycle controller's grace period (45 s) marks node-b NotReady
    const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--node', 'node-b', '--node', 'node-c', '--pod-timeout', '12'], {timeoutMs: 150_000})
    assert.equal(r.code, 0, `${r.stderr}\n${nodeErrors(r.stdout)}`)
    const report = JSON.parse(r.stdout) as DoctorReport
    assert.deepEqual(report.nodes.map((n) => [n.name, n.status]).sort(), [['node-b', 'failed'], ['node-c', 'probed']])
    const reason = report.nodes.find((n) => n.name === 'node-b')!.error ?? ''
    // waited the pod timeout plus a grace period for a kubelet that never reported on the pod
    assert.match(reason, /^the probe pod did not finish within 24s \(last state: scheduled\)/, reason)
    assert.deepEqual(report.summary.nodesProbed, 1)
    assert.deepEqual(report.summary.nodesFailed, 1)
    const probe = report.findings.filter((f) => f.check === 'node-probe')
    assert.deepEqual(probe.map((f) => [f.node, f.severity]), [['node-b', 'warning']])
    assert.ok(probe[0].remediation.length > 0, JSON.stringify(probe[0]))
    assert.ok(report.results.some((x) => x.node === 'node-b' && x.status === 'skipped' && x.reason?.startsWith('node not probed: the probe pod did not finish')))
    // the healthy node is analysed as before
    assert.deepEqual(findingsOn(report, 'node-c'), [])
    assert.ok(report.results.some((x) => x.node === 'node-c' && x.check === 'vip-reachability' && x.status === 'pass'))
    assert.deepEqual(podsSince(mark).map((p) => p.spec.nodeName).sort(), ['node-b', 'node-c'])

    // only the node that cannot be probed: nothing was diagnosed, which is exit 2, not "no problems". The kubelet
    // comes back and stops again first, so the node lifecycle controller has not marked the node NotReady yet
    // (the next test covers that)
    await kubeletBack('node-b')
    await lab.stopKubelet('node-b')
    const none = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--node', 'node-b', '--pod-timeout', '5'], {timeoutMs: 120_000})
    assert.equal(none.code, 2, none.stderr)
    assert.equal((JSON.parse(none.stdout) as DoctorReport).nodes[0].status, 'failed')
    assert.match(none.stderr, /^error: nothing was diagnosed: no node could be probed \(node-b: the probe pod did not finish within 10s \(last state: scheduled\)/m)
  } finally {
    await lab.startKubelet('node-b')
  }
  // the run deleted node-b's pods; they go once a kubelet is there to confirm it (a restarted kubelet does)
  await nothingLeft()
  await waitForKubeRouterPods(lab, 3)
})

/** The findings of a JSON report, one line each, for an assertion's message. */
function findingsOf(stdout: string): string {
  try {
    return (JSON.parse(stdout) as DoctorReport).findings.map((f) => `\n${f.severity} ${f.check} ${f.node ?? ''}: ${f.title}`).join('')
  } catch {
    return stdout
  }
}

test('a node the node lifecycle controller marked NotReady (kubelet silent): no pod is created there, it fails with the reason', {skip}, async () => {
  await lab.stopKubelet('node-b')
  try {
    await waitForReady('node-b', 'Unknown', 120_000)
    const mark = created.length
    const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--node', 'node-b', '--node', 'node-c'], {timeoutMs: 120_000})
    assert.equal(r.code, 0, `${r.stderr}${findingsOf(r.stdout)}`)
    const report = JSON.parse(r.stdout) as DoctorReport
    const status = Object.fromEntries(report.nodes.map((n) => [n.name, n.status === 'failed' ? n.error : n.status]))
    assert.equal(status['node-c'], 'probed')
    // the condition as the real controller writes it
    assert.match(status['node-b']!, /^the node is NotReady \(NodeStatusUnknown: Kubelet stopped posting node status\.\): no kubelet there starts a probe pod, so none was created/)
    assert.deepEqual(podsSince(mark).map((p) => p.spec.nodeName), ['node-c'])
    const probe = report.findings.find((f) => f.check === 'node-probe' && f.node === 'node-b')!
    assert.equal(probe.severity, 'warning')
    assert.match(probe.remediation.join('\n'), /kubectl describe node node-b/)
  } finally {
    await lab.startKubelet('node-b')
  }
  await waitForReady('node-b', 'True', 60_000)
  await waitForKubeRouterPods(lab, 3)
  await nothingLeft()
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  const code = signal === 'SIGINT' ? 130 : 143
  test(`${signal} while the probe pods run: exit ${code}, and no probe pod or ConfigMap is left in the API`, {skip}, async () => {
    // each node's ipvsadm answers slowly, so the probes are still running when the signal comes
    for (const n of demo.nodeNames) await demo.slowIpvsadm(n, 20)
    try {
      const mark = created.length
      const run = krSpawn(['doctor', '--kubeconfig', kubeconfig, '-o', 'json'], {timeoutMs: 120_000})
      const end = Date.now() + 60_000
      while ((await probePods('Running')).length < 3) {
        if (Date.now() > end) assert.fail('the 3 probe pods did not run')
        await new Promise((r) => setTimeout(r, 200))
      }
      run.child.kill(signal)
      const r = await run.done
      assert.equal(r.code, code, r.stderr)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, new RegExp(`^interrupted \\(${signal}\\): deleted 3 probe pods$`, 'm'))
      assert.equal(podsSince(mark).length, 3)
      await nothingLeft()
    } finally {
      for (const n of demo.nodeNames) await demo.slowIpvsadm(n, 0)
    }
  })
}

test('a SIGKILLed run leaves its pods; kubectl kr cleanup shows them, then deletes them through the real API', {skip}, async () => {
  for (const n of demo.nodeNames) await demo.slowIpvsadm(n, 20)
  try {
    const run = krSpawn(['doctor', '--kubeconfig', kubeconfig], {timeoutMs: 120_000})
    const end = Date.now() + 60_000
    while ((await probePods('Running')).length < 3) {
      if (Date.now() > end) assert.fail('the 3 probe pods did not run')
      await new Promise((r) => setTimeout(r, 200))
    }
    run.child.kill('SIGKILL')
    await run.done
    const left = await probePods()
    assert.equal(left.length, 3, 'a killed run cannot clean up')
    for (const p of left) assert.ok(p.spec.activeDeadlineSeconds > 0, 'they still end by their deadline')

    const dry = await kr(['cleanup', '--kubeconfig', kubeconfig, '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /^would delete 3 probe pods \(namespace kube-system\):$/m)
    for (const node of demo.nodeNames) {
      assert.match(dry.stdout, new RegExp(`kube-system/kr-probe-[0-9a-f]{6}-${node} {2}node=${node} {2}run=[0-9a-f]{6} {2}phase=Running`))
    }
    assert.match(dry.stdout, /configmap kube-system\/kr-probe-[0-9a-f]{6} {2}\(probe script\)/)
    assert.equal((await leftovers()).length, 4, 'a dry run deletes nothing')

    const yes = await kr(['cleanup', '--kubeconfig', kubeconfig, '--yes'])
    assert.equal(yes.code, 0, yes.stderr)
    assert.match(yes.stdout, /^deleted 3 probe pods and 1 probe script ConfigMap$/m)
    await nothingLeft()
    const again = await kr(['cleanup', '--kubeconfig', kubeconfig, '--yes'])
    assert.equal(again.stdout.trim(), 'no probe pods left behind in namespace kube-system')
  } finally {
    for (const n of demo.nodeNames) await demo.slowIpvsadm(n, 0)
  }
})
