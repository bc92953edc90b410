// Cluster mode end to end: the real built CLI through `kubectl kr doctor`, a kubeconfig pointing at the test API
// server, and probe pods that the test kubelet runs inside the network namespaces of the demo cluster's nodes.
import assert from 'node:assert/strict'
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {kr} from '../cli/kr.js'
import {startTestCluster, type TestCluster} from '../harness/index.js'
import {buildLiveDemoCluster, type LiveDemoCluster} from './demo-cluster.js'
import type {DoctorReport} from '../../src/model/report.js'
import {NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'

const skip = unmet(NETNS, {tools: PROBE_TOOLS})
const MANAGED = 'app.kubernetes.io/managed-by'

let live: LiveDemoCluster
let harness: TestCluster
let work: string
let kubeconfig: string

before(async () => {
  if (skip) return
  live = await buildLiveDemoCluster(`cd${process.pid}`)
  harness = await startTestCluster({
    nodes: live.harnessNodes,
    services: live.cluster.services,
    endpointSlices: live.cluster.endpointSlices,
    daemonSets: live.daemonSets,
    pods: live.kubeRouterPods,
    token: 'e2e-token',
    podStartLatencyMs: 100,
  })
  work = await mkdtemp(join(tmpdir(), 'kr-e2e-doctor-'))
  kubeconfig = join(work, 'kubeconfig')
  await harness.writeKubeconfig(kubeconfig, {context: 'e2e'})
})

after(async () => {
  if (skip) return
  await harness?.close()
  await live?.cleanup()
  if (work) await rm(work, {recursive: true, force: true})
})

function probePods(): unknown[] {
  return [
    ...harness.pods().filter((p) => p.metadata?.labels?.[MANAGED] === 'kubectl-kr'),
    ...harness.objects('configmaps').filter((cm) => cm.metadata?.labels?.[MANAGED] === 'kubectl-kr'),
  ]
}

function findingsOn(report: DoctorReport, node: string | null): string[] {
  return [...new Set(report.findings.filter((f) => f.node === node).map((f) => f.check))].sort()
}

test('3 dual-stack nodes: every failure mode on the right node, nothing on the healthy one, no pod left', {skip}, async () => {
  const bundle = join(work, 'cluster-bundle')
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--save-bundle', bundle], {timeoutMs: 120_000})
  assert.equal(r.code, 1, r.stderr)
  const report = JSON.parse(r.stdout) as DoctorReport
  const all = report.findings.map((f) => `${f.node} ${f.check} ${f.subject}: ${f.title} | ${f.evidence.slice(0, 3).join(' / ')}`).join('\n')
  assert.deepEqual(report.source, {mode: 'cluster', context: 'e2e', bundle: null})
  assert.deepEqual(report.nodes.map((n) => [n.name, n.status, n.error]), [['node-a', 'probed', null], ['node-b', 'probed', null], ['node-c', 'probed', null]])
  assert.equal(report.kubeRouter.version, 'v2.1.2', 'version from `kube-router --version` run by the probe')
  assert.equal(report.kubeRouter.image, 'docker.io/cloudnativelabs/kube-router:v2.1.2')

  // seed 001 (FM2) and 002 (FM3) in node-a's kernel; the IPv6 VIPs are really unreachable from it
  assert.deepEqual(findingsOn(report, 'node-a'), ['apiserver-reachability', 'ipv6-vip-routes', 'local-ips-ipset', 'vip-reachability'], all)
  // only the IPv6 VIPs fail (FM2); FM3 also rejects the API server's IPv6 replies to the node IP
  assert.deepEqual(report.findings.filter((f) => f.node === 'node-a' && f.check === 'vip-reachability').map((f) => f.subject), ['IPv6 VIPs'])
  const api = report.findings.find((f) => f.node === 'node-a' && f.check === 'apiserver-reachability')!
  assert.ok(!api.subject?.includes('10.96.0.1]') && !api.subject?.includes('192.168.56.2'), api.subject ?? '')
  // seed 003 (FM4) in node-b's kernel; seeds 000 (FM1, its kube-router log read from the kubelet log directory) and 004 (FM5)
  assert.deepEqual(findingsOn(report, 'node-b'), ['dsr-route-noise', 'dsr-sloppy-tcp', 'networkd-foreign-rules', 'policy-routing-rules'], all)
  const noise = report.findings.find((f) => f.check === 'dsr-route-noise')!
  assert.equal(noise.severity, 'info')
  assert.ok(noise.evidence.some((e) => e.includes("Failed to add route for 199.27.151.9 in custom route table for external IP's")), noise.evidence.join('\n'))
  // the healthy node: passes, no findings
  assert.deepEqual(findingsOn(report, 'node-c'), [], all)
  assert.ok(report.results.filter((x) => x.node === 'node-c').every((x) => x.status === 'pass' || x.status === 'skipped'))
  assert.ok(report.results.some((x) => x.node === 'node-c' && x.check === 'vip-reachability' && x.status === 'pass'))
  assert.ok(report.results.some((x) => x.node === 'node-c' && x.check === 'apiserver-reachability' && x.status === 'pass'))

  // nothing left behind
  assert.deepEqual(probePods(), [])
  // the pods were what DESIGN.md says
  const creates = harness.requests.filter((q) => q.method === 'POST' && q.path === '/api/v1/namespaces/kube-system/pods')
  assert.equal(creates.length, 3)
  const pod = creates[0].body as any
  assert.equal(pod.spec.hostNetwork, true)
  assert.notEqual(pod.spec.hostPID, true, 'no host PID namespace')
  assert.equal(pod.spec.restartPolicy, 'Never')
  assert.ok(pod.spec.activeDeadlineSeconds > 0)
  assert.deepEqual(pod.spec.tolerations, [{operator: 'Exists'}])
  // least privilege, and the harness kubelet ran the probe with exactly these capabilities (setpriv)
  assert.deepEqual(pod.spec.containers[0].securityContext, {
    privileged: false,
    allowPrivilegeEscalation: false,
    capabilities: {drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW']},
    readOnlyRootFilesystem: true,
    seccompProfile: {type: 'RuntimeDefault'},
  })
  assert.equal(pod.spec.containers[0].image, 'docker.io/cloudnativelabs/kube-router:v2.1.2')
  assert.equal(pod.spec.containers[0].imagePullPolicy, 'IfNotPresent')
  const ro = (name: string, mountPath: string) => ({name, mountPath, readOnly: true, recursiveReadOnly: 'IfPossible'})
  const hostMounts = [ro('host-etc', '/host/etc'), ro('host-usr', '/host/usr'), ro('host-cgroup', '/host/sys/fs/cgroup')]
  const byNode = new Map(creates.map((q) => [(q.body as any).spec.nodeName as string, (q.body as any).spec.containers[0].volumeMounts]))
  // every node runs a kube-router pod, so every probe pod also mounts the kubelet's pod log directory
  for (const node of ['node-a', 'node-b', 'node-c']) {
    assert.deepEqual(byNode.get(node), [...hostMounts, ro('host-pod-logs', '/host/var/log/pods'), {name: 'probe', mountPath: '/kr', readOnly: true}], node)
  }
  assert.deepEqual(pod.spec.containers[0].command, ['/bin/sh', '/kr/probe.sh'])
  // the script travels once per run, in a ConfigMap, not once per node
  const scripts = harness.requests.filter((q) => q.method === 'POST' && q.path === '/api/v1/namespaces/kube-system/configmaps')
  assert.equal(scripts.length, 1)
  assert.match((scripts[0].body as any).data['probe.sh'], /^#!\/bin\/sh\n/)
  assert.equal(pod.metadata.labels[MANAGED], 'kubectl-kr')
  assert.match(pod.metadata.labels['kr.kube-router.io/run'], /^[0-9a-f]{6}$/)
  const env = Object.fromEntries(pod.spec.containers[0].env.map((e: {name: string; value: string}) => [e.name, e.value]))
  assert.equal(env.KR_HOST_ROOT, '/host')
  assert.match(env.KR_PROBE_TARGETS, /^apiserver 4 10\.96\.0\.1 443 default\/kubernetes$/m)
  assert.match(env.KR_PROBE_TARGETS, /^service-vip 6 fd00:10:96::1234 80 default\/web$/m)
  assert.ok(!(scripts[0].body as any).data['probe.sh'].includes('fd00:10:96::1234'), 'inputs never spliced into the script')
  // one watch for the whole run, no polling of single pods
  const watches = harness.requests.filter((q) => q.query.watch === 'true' || q.query.watch === '1')
  assert.equal(watches.length, 1)
  assert.equal(harness.requests.filter((q) => q.method === 'GET' && /\/pods\/kr-probe-[^/]+$/.test(q.path)).length, 0)

  // --save-bundle wrote the cluster objects and every node; analysing it again gives the same findings
  const files = await readdir(join(bundle, 'cluster'))
  assert.deepEqual(files.sort(), ['endpointslices.json', 'kube-router-pods.json', 'kube-router.json', 'nodes.json', 'services.json'])
  assert.deepEqual((await readdir(join(bundle, 'nodes'))).sort(), ['node-a', 'node-b', 'node-c'])
  assert.ok((await readdir(join(bundle, 'nodes/node-b'))).includes('kube-router.log'))
  const again = await kr(['doctor', '--from-bundle', bundle, '-o', 'json'])
  assert.equal(again.code, 1, again.stderr)
  const fromBundle = JSON.parse(again.stdout) as DoctorReport
  assert.deepEqual(
    fromBundle.findings.map((f) => [f.node, f.check, f.subject]),
    report.findings.map((f) => [f.node, f.check, f.subject]),
  )
})

test('--node and -l pick the nodes; an unknown node is a one-line error before anything is created', {skip}, async () => {
  const before = harness.requests.length
  const one = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--node', 'node-c'], {timeoutMs: 60_000})
  assert.equal(one.code, 0, one.stderr)
  assert.deepEqual((JSON.parse(one.stdout) as DoctorReport).nodes.map((n) => n.name), ['node-c'])

  const bySelector = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '-l', 'node-role.kubernetes.io/control-plane'], {timeoutMs: 60_000})
  assert.deepEqual((JSON.parse(bySelector.stdout) as DoctorReport).nodes.map((n) => n.name), ['node-a'])

  const unknown = await kr(['doctor', '--kubeconfig', kubeconfig, '--node', 'node-x'])
  assert.equal(unknown.code, 2)
  assert.equal(unknown.stderr.trim(), 'error: node not found: node-x (see `kubectl get nodes`)')
  const creates = harness.requests.slice(before).filter((q) => q.method === 'POST' && q.path.endsWith('/pods'))
  assert.equal(creates.length, 2, 'node-c, then node-a; none for node-x')
  assert.deepEqual(probePods(), [])
})
