// Cluster mode when things go wrong: RBAC and Pod Security refusals before anything is created, nodes whose
// probe cannot run (each a failed node with its reason, the others still diagnosed), and the API server going
// away mid-run. Nodes replay a recorded probe output (the demo bundle's healthy node-c) or carry a fault.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {demoCluster} from '../../scripts/demo/cluster.js'
import type {DoctorReport} from '../../src/model/report.js'
import {kr} from '../cli/kr.js'
import type {TestCluster} from '../harness/index.js'
import {leftovers, replayClusters, replayNode, execKubeconfig} from './replay.js'

const demo = demoCluster()
const replay = replayClusters('faults')
const cluster = replay.start
let work: string

before(async () => {
  work = await replay.dir()
})
after(() => replay.closeAll())

const probePods = leftovers
const podCreates = (c: TestCluster) => c.requests.filter((q) => q.method === 'POST' && /\/pods$/.test(q.path))

test('RBAC: a missing permission is named with the command that grants it; nothing is created; exit 2', async () => {
  const {c, kubeconfig} = await cluster({nodes: [replayNode('node-c')], deny: [{verb: 'create', resource: 'pods', namespace: 'kube-system'}, {verb: 'list', resource: 'nodes'}]})
  const r = await kr(['doctor', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 2)
  const lines = r.stderr.trim().split('\n')
  assert.match(lines[0], /^error: not allowed to run the doctor with context "harness": missing list nodes \(cluster-wide\) \(to find the nodes to probe\); create pods in namespace kube-system \(to start the probe pods\)$/)
  assert.ok(lines.some((l) => l.includes('fix: kubectl create role kr-probe -n kube-system --verb=create,get,list,watch,delete,deletecollection --resource=pods,pods/log')))
  assert.ok(lines.some((l) => l.includes('fix: kubectl create clusterrole kr-doctor-read')))
  assert.equal(podCreates(c).length, 0)
  assert.ok(c.requests.some((q) => q.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'))
})

test('Pod Security: a baseline probe namespace is refused before creating anything, with the label command; exit 2', async () => {
  const {c, kubeconfig} = await cluster({nodes: [replayNode('node-c')], namespaces: [{name: 'kube-system', labels: {'pod-security.kubernetes.io/enforce': 'baseline'}}]})
  const r = await kr(['doctor', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /^error: namespace kube-system enforces Pod Security "baseline" \(label pod-security.kubernetes.io\/enforce=baseline\)/)
  assert.match(r.stderr, /fix: kubectl label namespace kube-system pod-security.kubernetes.io\/enforce=privileged --overwrite/)
  assert.equal(podCreates(c).length, 0)

  // --probe-namespace elsewhere, but that namespace does not exist
  const missing = await kr(['doctor', '--kubeconfig', kubeconfig, '--probe-namespace', 'kr-probes'])
  assert.equal(missing.code, 2)
  assert.equal(missing.stderr.trim(), 'error: probe namespace "kr-probes" does not exist: pass --probe-namespace with an existing namespace (default kube-system)')
})

test('Pod Security rejection at creation (namespace labels unreadable): the admission message and the fix; exit 2, no pod left', async () => {
  const {c, kubeconfig} = await cluster({
    nodes: [replayNode('node-c'), replayNode('node-d')],
    namespaces: [{name: 'kube-system', labels: {'pod-security.kubernetes.io/enforce': 'restricted'}}],
    deny: [{verb: 'get', resource: 'namespaces'}],
  })
  const r = await kr(['doctor', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /warning: cannot read namespace kube-system to check its Pod Security level/)
  assert.match(r.stderr, /error: Pod Security Admission rejected the probe pod in namespace kube-system: .*violates PodSecurity "restricted:latest"/)
  assert.match(r.stderr, /fix: kubectl label namespace kube-system pod-security.kubernetes.io\/enforce=privileged --overwrite/)
  assert.deepEqual(probePods(c), [])
})

test('partial failure: rejected, image pull, deadline, exit 1, garbage output and NotReady nodes fail with their reason; the healthy node is diagnosed', async () => {
  const {c, kubeconfig} = await cluster({
    nodes: [
      replayNode('node-c'),
      replayNode('full-node', {fault: 'rejected'}),
      replayNode('no-pull', {fault: 'image-pull'}),
      replayNode('slow-node', {fault: 'hang'}),
      replayNode('crashing', {fault: 'exit-1'}),
      {name: 'garbled', runtime: {kind: 'replay', log: 'exec /bin/sh: exec format error\n'}, podCIDRs: ['10.244.3.0/24']},
      replayNode('down-node', {ready: false}),
      replayNode('cni-down', {networkNotReady: true}),
    ],
  })
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--pod-timeout', '5'], {timeoutMs: 60_000})
  assert.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as DoctorReport
  const status = Object.fromEntries(report.nodes.map((n) => [n.name, n.status === 'failed' ? n.error : n.status]))
  assert.equal(status['node-c'], 'probed')
  // NotReady because the pod network is down (kube-router's own failure): its kubelet still runs the probe
  assert.equal(status['cni-down'], 'probed')
  assert.match(status['full-node']!, /^the kubelet rejected the probe pod \(OutOfpods\): Pod was rejected: Node didn't have enough resource: pods/)
  assert.match(status['no-pull']!, /^cannot pull image docker\.io\/cloudnativelabs\/kube-router:v2\.1\.2 \(ImagePullBackOff\); pass --image with an image the node can pull/)
  assert.match(status['slow-node']!, /^probe pod exceeded its deadline of 5s \(activeDeadlineSeconds\); raise --pod-timeout/)
  assert.match(status['crashing']!, /^the probe exited with code 1 before finishing: /)
  assert.match(status['garbled']!, /^unreadable probe output \(exit code 0\): .*; last line: exec \/bin\/sh: exec format error$/)
  // a node whose kubelet stopped posting status is not waited on for the pod timeout: no pod is created
  assert.match(status['down-node']!, /^the node is NotReady \(NodeStatusUnknown: Kubelet stopped posting node status\.\): no kubelet there starts a probe pod, so none was created/)
  assert.equal(report.summary.nodesProbed, 2)
  assert.equal(report.summary.nodesFailed, 6)
  // each failed node is a warning finding with a next step, and its checks are skipped with the reason
  const probeFindings = report.findings.filter((f) => f.check === 'node-probe')
  assert.deepEqual(probeFindings.map((f) => f.node).sort(), ['crashing', 'down-node', 'full-node', 'garbled', 'no-pull', 'slow-node'])
  assert.ok(probeFindings.every((f) => f.severity === 'warning' && f.remediation.length > 0))
  // the next step follows the kind of failure the collector saw, not the wording of its reason
  const nextStep = (node: string) => probeFindings.find((f) => f.node === node)!.remediation.join('\n')
  assert.match(nextStep('no-pull'), /pass --image with an image the node can pull/)
  assert.match(nextStep('slow-node'), /raise --pod-timeout/)
  assert.match(nextStep('full-node'), /sudo kubectl kr doctor --local --node full-node/)
  assert.match(nextStep('down-node'), /kubectl describe node down-node/)
  // what the probe pod showed before the run deleted it (issue 14): status, events, last log lines; the next step
  // is one that still works once the pod is gone (its events outlive it)
  const evidence = (node: string) => probeFindings.find((f) => f.node === node)!.evidence.join('\n')
  assert.match(evidence('no-pull'), /^status: container \S+ waiting \(ImagePullBackOff\)/m)
  assert.match(evidence('no-pull'), /^event: Warning Failed.*Failed to pull image "docker\.io\/cloudnativelabs\/kube-router:v2\.1\.2"/m)
  assert.match(evidence('crashing'), /^log: /m)
  assert.match(evidence('slow-node'), /^status: pod \S+ Failed \(DeadlineExceeded\)/m)
  for (const f of probeFindings) assert.ok(f.remediation.every((r) => !r.includes('describe pod')), f.remediation.join('\n'))
  assert.match(nextStep('no-pull'), /^kubectl get events -n kube-system --field-selector involvedObject\.name=\S+$/m)
  assert.ok(report.results.some((x) => x.node === 'no-pull' && x.status === 'skipped' && x.reason?.startsWith('node not probed: cannot pull image')))
  assert.deepEqual(report.findings.filter((f) => f.node === 'node-c' || f.node === 'cni-down'), [])
  assert.deepEqual(probePods(c), [])

  const strict = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--pod-timeout', '5', '--node', 'full-node', '--node', 'node-c', '--fail-on', 'warning'])
  assert.equal(strict.code, 1)

  // every node failed: nothing was diagnosed, which is not "no problems" (the report still says why)
  const none = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--pod-timeout', '5', '--node', 'full-node'])
  assert.equal(none.code, 2)
  assert.equal((JSON.parse(none.stdout) as DoctorReport).nodes[0].status, 'failed')
  assert.match(none.stderr, /^error: nothing was diagnosed: no node could be probed \(full-node: the kubelet rejected the probe pod/m)
})

test('the API server goes away mid-run: nodes already collected are reported, the rest failed; with none collected, exit 2', async () => {
  const nodes = ['node-c', 'node-d', 'node-e'].map((n) => replayNode(n))
  const first = await cluster({nodes})
  // the 2nd pod creation is answered, then the server is gone
  first.c.failAfter(2, {method: 'POST', pathIncludes: '/pods'})
  const r = await kr(['doctor', '--kubeconfig', first.kubeconfig, '-o', 'json', '--concurrency', '1'], {timeoutMs: 60_000})
  assert.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as DoctorReport
  assert.deepEqual(report.nodes.map((n) => [n.name, n.status]), [['node-c', 'probed'], ['node-d', 'failed'], ['node-e', 'failed']])
  assert.match(report.nodes[1].error!, /^lost the API server: .*cannot reach the API server at http:\/\/127\.0\.0\.1:\d+/)
  assert.match(r.stderr, /warning: could not delete the probe pods of run [0-9a-f]{6} .*kubectl kr cleanup/)

  const second = await cluster({nodes})
  second.c.failAfter(1, {method: 'POST', pathIncludes: '/pods'})
  const none = await kr(['doctor', '--kubeconfig', second.kubeconfig], {timeoutMs: 60_000})
  assert.equal(none.code, 2)
  assert.match(none.stderr, /^error: lost the API server during the run: .*cannot reach the API server/m)
})

test('connection: no kubeconfig, unknown context, unreachable server, rejected token: one line, exit 2', async () => {
  const empty = join(work, 'no-such-kubeconfig')
  const none = await kr(['doctor'], {env: {KUBECONFIG: empty, HOME: work}})
  assert.equal(none.code, 2)
  assert.equal(none.stderr.trim().split('\n').length, 1)
  assert.match(none.stderr, /^error: (no usable kubeconfig|cannot load kubeconfig)/)

  const {c, kubeconfig} = await cluster({nodes: [replayNode('node-c')], token: 'right-token'})
  const ctx = await kr(['doctor', '--kubeconfig', kubeconfig, '--context', 'prod'])
  assert.equal(ctx.code, 2)
  assert.equal(ctx.stderr.trim(), 'error: context "prod" not found in kubeconfig; available: harness')

  const wrong = join(work, 'kubeconfig-wrong-token')
  await c.writeKubeconfig(wrong, {token: 'wrong'})
  const denied = await kr(['doctor', '--kubeconfig', wrong])
  assert.equal(denied.code, 2)
  assert.match(denied.stderr.trim(), /^error: the API server at http:\/\/127\.0\.0\.1:\d+ rejected the credentials \(401 Unauthorized\)/)

  // exec credential plugin (as cloud providers' kubeconfigs use)
  const plugin = join(work, 'token-plugin')
  await writeFile(plugin, '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"right-token"}}\'\n', {mode: 0o755})
  const execConfig = join(work, 'kubeconfig-exec')
  await writeFile(execConfig, execKubeconfig(c.url, 'plugin', plugin))
  const viaPlugin = await kr(['doctor', '--kubeconfig', execConfig, '-o', 'json'])
  assert.equal(viaPlugin.code, 0, viaPlugin.stderr)
  assert.equal((JSON.parse(viaPlugin.stdout) as DoctorReport).source.context, 'exec')

  // a plugin that is not installed is named as such, not as "cannot reach the API server: ENOENT"
  const missingPlugin = join(work, 'kubeconfig-missing-plugin')
  await writeFile(missingPlugin, (await readFile(execConfig, 'utf8')).replace(plugin, join(work, 'no-such-plugin')))
  const notInstalled = await kr(['doctor', '--kubeconfig', missingPlugin])
  assert.equal(notInstalled.code, 2)
  assert.match(notInstalled.stderr.trim(), /^error: .*credential plugin \S*no-such-plugin \(kubeconfig user "plugin"\) could not be run: not found \(is it installed and on PATH\?\)$/)

  // a plain http:// server without insecure-skip-tls-verify, which kubectl accepts, works as with kubectl
  const plainHttp = join(work, 'kubeconfig-plain-http')
  await writeFile(plainHttp, (await readFile(execConfig, 'utf8')).replace('\n    insecure-skip-tls-verify: true', ''))
  const overHttp = await kr(['doctor', '--kubeconfig', plainHttp, '-o', 'json'])
  assert.equal(overHttp.code, 0, overHttp.stderr)

  // nothing configured at all: client-node would quietly use http://localhost:8080; the plugin says so instead
  const emptyHome = await mkdtemp(join(work, 'home-'))
  const nothing = await kr(['doctor'], {env: {KUBECONFIG: '', HOME: emptyHome, KUBERNETES_SERVICE_HOST: ''}})
  assert.equal(nothing.code, 2)
  assert.equal(nothing.stderr.trim(), 'error: no usable kubeconfig: set KUBECONFIG, pass --kubeconfig (or --server), or run inside a cluster')

  // KUBECONFIG with several files: the context comes from the second one
  const several = await kr(['doctor', '--context', 'harness', '-o', 'json'], {env: {KUBECONFIG: `${empty}:${kubeconfig}`}})
  assert.equal(several.code, 0, several.stderr)

  await c.close()
  const gone = await kr(['doctor', '--kubeconfig', kubeconfig])
  assert.equal(gone.code, 2)
  assert.equal(gone.stderr.trim().split('\n').length, 1)
  assert.match(gone.stderr, /^error: the server version: cannot reach the API server at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/)
})

test('10,000 Services and their EndpointSlices are read in pages; a DaemonSet without the label is found by its image', async () => {
  const services = Array.from({length: 10_000}, (_, i) => ({
    metadata: {name: `svc-${i}`, namespace: `team-${i % 50}`},
    spec: {type: 'ClusterIP', clusterIP: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, clusterIPs: [`10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`], ipFamilies: ['IPv4'], ports: [{name: 'http', protocol: 'TCP', port: 80}]},
  }))
  const slices = services.map((svc, i) => ({
    metadata: {name: `${svc.metadata.name}-abcde`, namespace: svc.metadata.namespace, labels: {'kubernetes.io/service-name': svc.metadata.name}},
    addressType: 'IPv4',
    endpoints: [{addresses: [`10.244.${(i >> 8) & 255}.${i & 255}`], conditions: {ready: true}, nodeName: 'node-c'}],
    ports: [{name: 'http', port: 8080, protocol: 'TCP'}],
  }))
  const unlabelled = {apiVersion: 'apps/v1', kind: 'DaemonSet', ...demo.kubeRouter, metadata: {name: 'kube-router', namespace: 'networking'}}
  const {c, kubeconfig} = await cluster({nodes: [replayNode('node-c')], services: [...demo.services, ...services], endpointSlices: [...demo.endpointSlices, ...slices], daemonSets: [unlabelled]})
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json'], {timeoutMs: 120_000})
  assert.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as DoctorReport
  assert.equal(report.kubeRouter.image, 'docker.io/cloudnativelabs/kube-router:v2.1.2')
  const pages = (path: string) => c.requests.filter((q) => q.path === path)
  assert.equal(pages('/api/v1/services').length, Math.ceil((10_000 + demo.services.length) / 500))
  assert.ok(pages('/api/v1/services').slice(1).every((q) => q.query.continue && q.query.limit === '500'))
  assert.equal(pages('/apis/discovery.k8s.io/v1/endpointslices').length, Math.ceil((10_000 + demo.endpointSlices.length) / 500))
  assert.equal(pages('/apis/apps/v1/daemonsets').length, 1, 'the label search in kube-system found nothing; all DaemonSets were searched by image')
})
