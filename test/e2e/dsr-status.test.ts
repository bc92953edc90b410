// `kubectl kr dsr status … --no-probe` through real kubectl plugin dispatch against the test API server with the
// demo cluster's objects (media/stream is its DSR Service): the table and JSON, exit codes 0/1/2, the namespace
// choice (-n, -A, the kubeconfig context's), that --no-probe changes nothing, and SIGINT / SIGTERM while probe pods
// run (every pod deleted, exit 130 / 143). Probing results: dsr-status-probe.test.ts.
import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {demoCluster} from '../../scripts/demo/cluster.js'
import type {DsrStatusDocument} from '../../src/model/dsr-status.js'
import type {ServiceObject} from '../../src/model/types.js'
import {kr, krSpawn} from '../cli/kr.js'
import {waitFor} from '../helpers/wait-for.js'
import {dsrReadyDaemonSet} from './dsr-fixtures.js'
import {leftovers, replayClusters, replayNode} from './replay.js'

const demo = demoCluster()
const replay = replayClusters('dsr-status')
let work: string

before(async () => {
  work = await replay.dir()
})
after(() => replay.closeAll())

/** A DSR Service whose port 80 goes to targetPort 8080: DSR cannot remap ports. */
const remapping: ServiceObject = {
  metadata: {name: 'remap', namespace: 'media', annotations: {'kube-router.io/service.dsr': 'tunnel'}},
  spec: {type: 'ClusterIP', clusterIP: '10.96.40.10', clusterIPs: ['10.96.40.10'], ipFamilies: ['IPv4'], externalIPs: ['199.27.151.10'], ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080}]},
}

const start = (extra: Record<string, unknown> = {}) => replay.start({nodes: [replayNode('node-c')], daemonSets: [dsrReadyDaemonSet()], ...extra})

test('--no-probe reads objects only: no probe pod, no ConfigMap, no write of any kind', async () => {
  const {c, kubeconfig} = await start()
  const r = await kr(['dsr', 'status', 'media/stream', '--no-probe', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(c.requests.filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`), [])
  assert.deepEqual(c.pods('kube-system').filter((p) => p.metadata.labels?.['app.kubernetes.io/managed-by'] === 'kubectl-kr'), [])
})

test('a ready DSR Service: table with its IP, tuple and fwmark; exit 0', async () => {
  const {kubeconfig} = await start()
  const r = await kr(['dsr', 'status', 'media/stream', '--no-probe', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stderr, '')
  const lines = r.stdout.split('\n')
  assert.equal(lines[0], 'kube-router: docker.io/cloudnativelabs/kube-router:v2.1.2 (v2.1.2); node state not probed (--no-probe)')
  assert.ok(lines.includes('media/stream: ready for DSR (nodes: not probed)'), r.stdout)
  assert.ok(lines.includes('  annotation: tunnel   scheduler: mh (flags flag-1,flag-2)   externalTrafficPolicy: Cluster'), r.stdout)
  assert.ok(lines.includes('  DSR IPs: 199.27.151.9'), r.stdout)
  assert.ok(lines.some((l) => /^ {2}199\.27\.151\.9 +tcp\/8080 +8080 +0x3742 \(14146\)$/.test(l)), r.stdout)
  // v2.1.2: the warnings (TCPMSS bug, Maglev sloppy_tcp) are shown but do not make the Service not ready
  assert.ok(lines.some((l) => /^ {4}FAIL +Maglev \(mh\): net.ipv4.vs.sloppy_tcp=1 on every node \[warning\]$/.test(l)), r.stdout)
  assert.ok(lines.includes('1 Service in namespace media: 1 ready for DSR, 0 not'), r.stdout)
})

test('-o json: the DsrStatus document', async () => {
  const {kubeconfig} = await start()
  const r = await kr(['dsr', 'status', 'stream', '-n', 'media', '--no-probe', '-o', 'json', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as DsrStatusDocument
  assert.equal(doc.apiVersion, 'kr.kube-router.io/v1')
  assert.equal(doc.kind, 'DsrStatus')
  assert.equal(doc.context, 'harness')
  assert.equal(doc.namespace, 'media')
  assert.deepEqual(doc.kubeRouter, {image: 'docker.io/cloudnativelabs/kube-router:v2.1.2', version: 'v2.1.2'})
  assert.deepEqual(doc.summary, {services: 1, ready: 1, notReady: 0, programmed: null})
  assert.equal(doc.probed, false)
  const [svc] = doc.services
  assert.equal(svc.name, 'stream')
  assert.equal(svc.annotation, 'tunnel')
  assert.equal(svc.ready, true)
  assert.equal(svc.nodeState, 'not probed')
  assert.equal(svc.nodes, null)
  assert.deepEqual(svc.dsrIps, [{ip: '199.27.151.9', family: 4, kind: 'external-ip'}])
  assert.deepEqual(svc.tuples, [{ip: '199.27.151.9', protocol: 'tcp', port: 8080, targetPort: 8080, fwmark: 14146, fwmarkHex: '0x3742'}])
  assert.deepEqual(svc.requirements.map((q) => q.id), [
    'dsr-annotation', 'external-ips', 'port-equals-target-port', 'no-host-network-endpoints', 'ips-in-allowed-ranges', 'service-proxy',
    'host-pid-ipc', 'container-runtime', 'rt-tables', 'version-bugs', 'maglev-sloppy-tcp', 'external-traffic-policy', 'gitops-managed',
  ])
  assert.deepEqual(svc.requirements.filter((q) => q.status === 'fail').map((q) => q.id), ['version-bugs', 'maglev-sloppy-tcp'])
  assert.equal(svc.requirements.find((q) => q.id === 'no-host-network-endpoints')!.status, 'unknown')

  const y = await kr(['dsr', 'status', 'media/stream', '--no-probe', '-o', 'yaml', '--kubeconfig', kubeconfig])
  assert.equal(y.code, 0)
  assert.match(y.stdout, /^apiVersion: kr\.kube-router\.io\/v1\nkind: DsrStatus\n/)
})

test('the demo DaemonSet as shipped (no hostPID/hostIPC, no socket mounted): not ready, exit 1', async () => {
  const {kubeconfig} = await start({daemonSets: [{apiVersion: 'apps/v1', kind: 'DaemonSet', ...demo.kubeRouter}]})
  const r = await kr(['dsr', 'status', '-n', 'media', '--no-probe', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 1, r.stderr)
  assert.match(r.stdout, /^media\/stream: NOT ready for DSR \(nodes: not probed\)$/m)
  assert.match(r.stdout, /^ {4}FAIL +DaemonSet has hostPID and hostIPC \[error, blocks enable\]$/m)
  assert.match(r.stdout, /fix: kubectl -n kube-system patch ds\/kube-router --type merge -p '\{"spec":\{"template":\{"spec":\{"hostPID":true,"hostIPC":true\}\}\}\}'/)
  assert.match(r.stdout, /no hostPath volume mounted at \/run\/containerd \(or above it\)/)
})

test('port != targetPort is a blocking failure (exit 1); -n lists the namespace, -A every namespace, the context namespace is the default', async () => {
  const {c, kubeconfig} = await start({services: [...demo.services, remapping]})
  const media = await kr(['dsr', 'status', '-n', 'media', '--no-probe', '--kubeconfig', kubeconfig])
  assert.equal(media.code, 1, media.stderr)
  assert.match(media.stdout, /^SERVICE +DSR IPS +TUPLES +SCHEDULER +STATUS$/m)
  assert.match(media.stdout, /^media\/remap +199\.27\.151\.10 +1 +rr +not ready$/m)
  assert.match(media.stdout, /^media\/stream +199\.27\.151\.9 +1 +mh +ready$/m)
  assert.match(media.stdout, /^ {4}FAIL +port equals targetPort on every port \[error, blocks enable\]$/m)
  assert.match(media.stdout, /fix: DSR cannot remap ports: make the Service port equal to the container port \(http: targetPort 8080 -> 80\)/)
  assert.match(media.stdout, /^2 Services in namespace media: 1 ready for DSR, 1 not$/m)

  const all = await kr(['dsr', 'status', '-A', '--no-probe', '-o', 'json', '--kubeconfig', kubeconfig])
  assert.equal(all.code, 1)
  const doc = JSON.parse(all.stdout) as DsrStatusDocument
  assert.equal(doc.namespace, null)
  assert.deepEqual(doc.services.map((s) => `${s.namespace}/${s.name}:${s.ready}`), ['media/remap:false', 'media/stream:true'])

  // the kubeconfig context's namespace is "default": no DSR Service there
  const none = await kr(['dsr', 'status', '--no-probe', '--kubeconfig', kubeconfig])
  assert.equal(none.code, 0, none.stderr)
  assert.match(none.stdout, /^no Service with the kube-router.io\/service.dsr annotation in namespace default$/m)

  // a context whose namespace is media
  const inMedia = join(work, 'kubeconfig-media')
  await c.writeKubeconfig(inMedia, {namespace: 'media'})
  const ctx = await kr(['dsr', 'status', '--no-probe', '-o', 'json', '--kubeconfig', inMedia])
  assert.equal(ctx.code, 1)
  assert.equal((JSON.parse(ctx.stdout) as DsrStatusDocument).namespace, 'media')
})

test('a named Service without the annotation is listed as not DSR (exit 1); an unknown Service or an unreachable server: exit 2', async () => {
  const {kubeconfig} = await start()
  const web = await kr(['dsr', 'status', 'default/web', '--no-probe', '--kubeconfig', kubeconfig])
  assert.equal(web.code, 1, web.stderr)
  assert.match(web.stdout, /^default\/web: not DSR \(no kube-router.io\/service.dsr annotation\) \(nodes: not probed\)$/m)
  assert.match(web.stdout, /fix: kubectl annotate service -n default web kube-router.io\/service.dsr=tunnel --overwrite/)

  const unknown = await kr(['dsr', 'status', 'media/nope', '--no-probe', '--kubeconfig', kubeconfig])
  assert.equal(unknown.code, 2)
  assert.equal(unknown.stderr, 'error: service media/nope not found\n')
  assert.equal(unknown.stdout, '')

  const refused = join(work, 'kubeconfig-refused')
  await writeFile(refused, [
    'apiVersion: v1', 'kind: Config', 'current-context: gone',
    'clusters:', '- name: gone\n  cluster:\n    server: http://127.0.0.1:1',
    'contexts:', '- name: gone\n  context:\n    cluster: gone\n    user: u',
    'users:', '- name: u\n  user:\n    token: t', '',
  ].join('\n'))
  const down = await kr(['dsr', 'status', '--no-probe', '--kubeconfig', refused, '--request-timeout', '5s'])
  assert.equal(down.code, 2)
  assert.match(down.stderr, /^error: .*127\.0\.0\.1:1/)
  assert.equal(down.stdout, '')
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  const code = signal === 'SIGINT' ? 130 : 143
  test(`${signal} while the probe pods run: every pod and the script deleted, exit ${code}, nothing on stdout`, async () => {
    const {c, kubeconfig} = await start({nodes: [replayNode('node-a', {}, 60_000), replayNode('node-c', {}, 60_000)]})
    const run = krSpawn(['dsr', 'status', 'media/stream', '--kubeconfig', kubeconfig])
    await waitFor('2 running probe pods', () => c.pods('kube-system').filter((p) => p.metadata.labels?.['app.kubernetes.io/managed-by'] === 'kubectl-kr' && p.status?.phase === 'Running').length === 2, 20_000, 20)
    run.child.kill(signal)
    const r = await run.done
    assert.equal(r.code, code, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, new RegExp(`^interrupted \\(${signal}\\): deleted 2 probe pods$`, 'm'))
    assert.deepEqual(leftovers(c), [])
  })
}
