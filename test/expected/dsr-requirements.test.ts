// expected/dsr-requirements: the DSR checklist (kube-router-facts.md §3.2) judged from the check cases' real
// cluster objects (test/fixtures/checks/) and the small objects of test/fixtures/dsr-requirements/.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {CASES_DIR} from '../checks/run-case.js'
import {readBundle} from '../../src/infra/bundle.js'
import {dsrRequirements, enableBlockers, readyForDsr} from '../../src/expected/dsr-requirements.js'
import {kubeRouterDeployment, parseKubeRouterArgs} from '../../src/model/kube-router-config.js'
import {parseClusterObjects} from '../../src/parsers/cluster.js'
import {parseVersionText, versionFromImage} from '../../src/parsers/kube-router-version.js'
import type {DsrRequirement, DsrRequirementId} from '../../src/model/dsr-status.js'
import type {ClusterObjects, ServiceObject, Version} from '../../src/model/types.js'

const FIXTURES = new URL('../fixtures/dsr-requirements/', import.meta.url)
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'))

async function caseCluster(name: string): Promise<ClusterObjects> {
  const snapshot = await readBundle(join(CASES_DIR, name))
  return snapshot.cluster!
}

/** The case's objects with some replaced, typed as the API's are (parsers/cluster.ts). */
function withObjects(cluster: ClusterObjects, replace: {kubeRouter?: unknown; services?: unknown[]; endpointSlices?: unknown[]}): ClusterObjects {
  const parsed = parseClusterObjects({
    nodes: cluster.nodes,
    services: replace.services ?? cluster.services,
    endpointSlices: replace.endpointSlices ?? cluster.endpointSlices,
    kubeRouter: 'kubeRouter' in replace ? replace.kubeRouter : cluster.kubeRouter,
  }, 'api')
  assert.deepEqual(parsed.issues, [])
  return parsed.value
}

function evaluate(cluster: ClusterObjects, key: string, version: Version | null | 'image' = 'image'): DsrRequirement[] {
  const [ns, name] = key.split('/')
  const service = cluster.services.find((s) => s.metadata.namespace === ns && s.metadata.name === name)!
  const deployment = kubeRouterDeployment(cluster.kubeRouter)
  const config = cluster.kubeRouter ? parseKubeRouterArgs(deployment.args) : null
  const v = version === 'image' ? (deployment.image ? versionFromImage(deployment.image) : null) : version
  return dsrRequirements({cluster, service, config, version: v})
}

const statuses = (reqs: DsrRequirement[]) => Object.fromEntries(reqs.map((r) => [r.id, r.status]))
const one = (reqs: DsrRequirement[], id: DsrRequirementId) => reqs.find((r) => r.id === id)!

function frontend(cluster: ClusterObjects): ServiceObject {
  return structuredClone(cluster.services.find((s) => s.metadata.name === 'frontend')!)
}

test('dsr-fwm-tunnel-programmed: web/frontend passes the Service side; the recorded DaemonSet lacks the containerd socket and mounts rt_tables read-only', async () => {
  const reqs = evaluate(await caseCluster('dsr-fwm-tunnel-programmed'), 'web/frontend')
  assert.deepEqual(statuses(reqs), {
    'dsr-annotation': 'pass', 'external-ips': 'pass', 'port-equals-target-port': 'pass', 'no-host-network-endpoints': 'pass',
    'ips-in-allowed-ranges': 'pass', 'service-proxy': 'pass', 'host-pid-ipc': 'pass', 'container-runtime': 'fail', 'rt-tables': 'unknown',
    'version-bugs': 'pass', 'maglev-sloppy-tcp': 'pass', 'external-traffic-policy': 'pass', 'gitops-managed': 'pass',
  })
  assert.equal(readyForDsr(reqs), false)
  assert.deepEqual(enableBlockers(reqs).map((r) => r.id), ['container-runtime'])
  assert.deepEqual(one(reqs, 'external-ips').evidence, ['spec.externalIPs: 199.27.151.9', 'status.loadBalancer.ingress: 203.0.113.7'])
  assert.match(one(reqs, 'rt-tables').evidence.join('\n'), /\/etc\/iproute2\/rt_tables mounted from host \/etc\/iproute2\/rt_tables read-only/)
  assert.match(one(reqs, 'no-host-network-endpoints').evidence[0], /ready endpoints? (is|are) on listed nodes at none of their addresses: no hostNetwork pod$/)
  assert.match(one(reqs, 'maglev-sloppy-tcp').evidence[0], /kube-router v2\.11\.1 sets net\.ipv4\.vs\.sloppy_tcp itself/)
})

test('dsr-manifest-daemonset: with the upstream DSR manifest every requirement passes', async () => {
  const cluster = withObjects(await caseCluster('dsr-fwm-tunnel-programmed'), {kubeRouter: fixture('dsr-manifest-daemonset.json')})
  const reqs = evaluate(cluster, 'web/frontend')
  assert.deepEqual(reqs.filter((r) => r.status !== 'pass').map((r) => [r.id, r.status]), [])
  assert.equal(readyForDsr(reqs), true)
  assert.deepEqual(one(reqs, 'container-runtime').evidence, ['--runtime-endpoint=unix:///run/containerd/containerd.sock', '/run/containerd mounted from host /run/containerd'])
  assert.deepEqual(one(reqs, 'rt-tables').evidence, ['/etc/iproute2 mounted from host /etc/iproute2', 'kube-router writes /etc/iproute2/rt_tables'])
  for (const r of reqs) assert.ok(r.title && r.evidence.length > 0, `${r.id} has a title and evidence`)
  for (const r of reqs.filter((q) => q.status === 'pass')) assert.deepEqual(r.fix, [], `${r.id}: no fix when it passes`)
})

test('docker-daemonset: the Docker socket is enough without --runtime-endpoint; a read-only root filesystem without rt_tables fails', async () => {
  const cluster = withObjects(await caseCluster('dsr-fwm-tunnel-programmed'), {kubeRouter: fixture('docker-daemonset.json')})
  const reqs = evaluate(cluster, 'web/frontend')
  assert.equal(one(reqs, 'container-runtime').status, 'pass')
  assert.deepEqual(one(reqs, 'container-runtime').evidence, ['no --runtime-endpoint; Docker socket /var/run/docker.sock mounted from host /var/run/docker.sock'])
  assert.equal(one(reqs, 'rt-tables').status, 'fail')
  assert.match(one(reqs, 'rt-tables').fix[0], /mount the host's \/etc\/iproute2 read-write/)
  // the demo-style DaemonSet: neither --runtime-endpoint's socket nor Docker's, no hostPID/hostIPC
  const bare = withObjects(cluster, {kubeRouter: {kind: 'DaemonSet', metadata: {name: 'kube-router', namespace: 'kube-system'}, spec: {template: {spec: {containers: [{name: 'kube-router', image: 'x/kube-router:v2.11.1', args: []}]}}}}})
  const bareReqs = evaluate(bare, 'web/frontend')
  assert.equal(one(bareReqs, 'container-runtime').status, 'fail')
  assert.match(one(bareReqs, 'container-runtime').evidence[0], /runtimeEndpoint is not specified/)
  assert.equal(one(bareReqs, 'host-pid-ipc').status, 'fail')
  assert.deepEqual(one(bareReqs, 'host-pid-ipc').fix, [`kubectl -n kube-system patch ds/kube-router --type merge -p '{"spec":{"template":{"spec":{"hostPID":true,"hostIPC":true}}}}'`])
  assert.equal(one(bareReqs, 'rt-tables').status, 'pass', 'the image\'s own rt_tables in a writable container layer')
})

test('no DaemonSet: its requirements are unknown, never failed', async () => {
  const cluster = withObjects(await caseCluster('dsr-fwm-tunnel-programmed'), {kubeRouter: null})
  const reqs = evaluate(cluster, 'web/frontend', null)
  for (const id of ['ips-in-allowed-ranges', 'service-proxy', 'host-pid-ipc', 'container-runtime', 'rt-tables', 'version-bugs'] as const) {
    assert.equal(one(reqs, id).status, 'unknown', id)
  }
  assert.equal(readyForDsr(reqs), true)
})

test('strict external-IP validation: v2.8.0+ fails an IP outside the ranges with the flag to add; before v2.8.0 it passes; version unknown: unknown', async () => {
  const base = await caseCluster('dsr-fwm-tunnel-programmed')
  const svc = frontend(base)
  svc.spec!.externalIPs = ['192.0.2.5']
  const cluster = withObjects(base, {services: [svc]})
  const strict = evaluate(cluster, 'web/frontend')
  assert.equal(one(strict, 'ips-in-allowed-ranges').status, 'fail')
  assert.deepEqual(one(strict, 'ips-in-allowed-ranges').fix, ['add --service-external-ip-range=192.0.2.5/32 (or a range holding it) to the kube-router DaemonSet args'])
  assert.equal(readyForDsr(strict), false)
  assert.equal(one(evaluate(cluster, 'web/frontend', parseVersionText('v2.6.2')), 'ips-in-allowed-ranges').status, 'pass')
  assert.equal(one(evaluate(cluster, 'web/frontend', null), 'ips-in-allowed-ranges').status, 'unknown')
})

test('annotation: another value than tunnel is misconfigured (blocking, but enable sets it, so it does not block enable)', async () => {
  const base = await caseCluster('dsr-fwm-tunnel-programmed')
  const svc = frontend(base)
  svc.metadata.annotations!['kube-router.io/service.dsr'] = 'true'
  const r = one(evaluate(withObjects(base, {services: [svc]}), 'web/frontend'), 'dsr-annotation')
  assert.equal(r.status, 'fail')
  assert.equal(r.blocking, true)
  assert.equal(r.blocksEnable, false)
  assert.match(r.evidence[0], /^kube-router.io\/service.dsr: true \(misconfigured/)
  assert.deepEqual(r.fix, ['kubectl annotate service -n web frontend kube-router.io/service.dsr=tunnel --overwrite'])
})

test('ports: port != targetPort fails; a named targetPort is resolved through the EndpointSlice', async () => {
  const base = await caseCluster('dsr-fwm-tunnel-programmed')
  const remap = frontend(base)
  remap.spec!.ports = [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080}]
  const r = one(evaluate(withObjects(base, {services: [remap]}), 'web/frontend'), 'port-equals-target-port')
  assert.equal(r.status, 'fail')
  assert.equal(r.blocksEnable, true)
  assert.match(r.fix[0], /^DSR cannot remap ports: .*http: targetPort 8080 -> 80/)

  const named = frontend(base)
  named.spec!.ports = [{name: 'http', protocol: 'TCP', port: 8080, targetPort: 'web'}]
  const ok = one(evaluate(withObjects(base, {services: [named]}), 'web/frontend'), 'port-equals-target-port')
  assert.equal(ok.status, 'pass')
  assert.deepEqual(ok.evidence, ['port http 8080/TCP -> targetPort "web" = 8080 (EndpointSlice)'])
})

test('hostNetwork: an endpoint at a node address is a hostNetwork pod, and the Service is skipped', async () => {
  const base = await caseCluster('dsr-fwm-tunnel-programmed')
  const slices = structuredClone(base.endpointSlices)
  const fe = slices.find((s) => s.metadata.name.startsWith('frontend'))!
  fe.endpoints![0].addresses = ['192.168.56.11']
  const r = one(evaluate(withObjects(base, {endpointSlices: slices}), 'web/frontend'), 'no-host-network-endpoints')
  assert.equal(r.status, 'fail')
  assert.match(r.evidence[0], /^endpoint 192\.168\.56\.11 is the address of node node-a: a hostNetwork pod/)
})

test('hostNetwork: unknown when an endpoint\'s node is not listed, or there is no ready endpoint yet; the fix shows the pods', async () => {
  const base = await caseCluster('dsr-fwm-tunnel-programmed')
  const slices = structuredClone(base.endpointSlices)
  const fe = slices.find((s) => s.metadata.name.startsWith('frontend'))!
  fe.endpoints![0].nodeName = 'node-gone'
  const r = one(evaluate(withObjects(base, {endpointSlices: slices}), 'web/frontend'), 'no-host-network-endpoints')
  assert.equal(r.status, 'unknown')
  assert.match(r.evidence[0], /\(node node-gone not listed or without addresses\): cannot tell a hostNetwork pod from its address$/)
  assert.deepEqual(r.fix, ["check the Service's pods: kubectl get pods -n web -l 'app=frontend' -o custom-columns=NAME:.metadata.name,HOSTNETWORK:.spec.hostNetwork"])
  const none = structuredClone(base.endpointSlices).filter((s) => !s.metadata.name.startsWith('frontend'))
  const empty = one(evaluate(withObjects(base, {endpointSlices: none}), 'web/frontend'), 'no-host-network-endpoints')
  assert.equal(empty.status, 'unknown')
  assert.deepEqual(empty.evidence, ['no ready endpoint yet: a hostNetwork endpoint pod would show only once it is ready'])
})

test('dsr-maglev-sloppy-0-v2.1.2: Maglev before v2.6.0 needs sloppy_tcp (warning) and v2.1.2 has the TCPMSS bug; neither blocks', async () => {
  const cluster = await caseCluster('dsr-maglev-sloppy-0-v2.1.2')
  const key = cluster.services.filter((s) => s.metadata.annotations?.['kube-router.io/service.dsr'] === 'tunnel').map((s) => `${s.metadata.namespace}/${s.metadata.name}`)[0]
  const reqs = evaluate(cluster, key)
  const maglev = one(reqs, 'maglev-sloppy-tcp')
  assert.deepEqual([maglev.status, maglev.severity, maglev.blocking], ['fail', 'warning', false])
  assert.match(maglev.fix[0], /sysctl -w net\.ipv4\.vs\.sloppy_tcp=1/)
  const bugs = one(reqs, 'version-bugs')
  assert.equal(bugs.status, 'fail')
  assert.ok(bugs.evidence.some((e) => e.startsWith('dsr-tcpmss:')))
  // the TCPMSS fix is in v2.1.3 (and v2.2.0 on its line): accuracy-audit §2
  assert.deepEqual(bugs.fix, ['upgrade kube-router to v2.1.3 or later'])
  assert.equal(one(evaluate(cluster, key, parseVersionText('v2.6.2')), 'maglev-sloppy-tcp').status, 'pass')
})

test('helm-managed-service: Helm label and field manager warn that a hand-made annotation is reverted, with the manifest snippet', async () => {
  const base = await caseCluster('dsr-fwm-tunnel-programmed')
  const cluster = withObjects(base, {services: [fixture('helm-managed-service.json')]})
  const r = one(evaluate(cluster, 'web/frontend'), 'gitops-managed')
  assert.deepEqual([r.status, r.severity, r.blocksEnable], ['fail', 'warning', false])
  assert.deepEqual(r.evidence, ['Helm: app.kubernetes.io/managed-by=Helm', 'Helm: managedFields manager helm'])
  assert.equal(r.fix[0], "put the annotation in the Service's manifest (chart values, Git source) or its controller reverts it:\n  metadata:\n    annotations:\n      kube-router.io/service.dsr: tunnel\n      kube-router.io/service.scheduler: mh")
  const argo = structuredClone(fixture('helm-managed-service.json')) as ServiceObject
  argo.metadata.labels = {'argocd.argoproj.io/instance': 'shop'}
  argo.metadata.managedFields = [{manager: 'kustomize-controller'}]
  assert.deepEqual(one(evaluate(withObjects(base, {services: [argo]}), 'web/frontend'), 'gitops-managed').evidence, [
    'Argo CD: argocd.argoproj.io/instance=shop', 'Flux: managedFields manager kustomize-controller',
  ])
  // Argo CD 3's default tracking is an annotation, with no label and its own field manager
  const tracked = structuredClone(fixture('helm-managed-service.json')) as ServiceObject
  tracked.metadata.labels = {}
  tracked.metadata.annotations = {...tracked.metadata.annotations, 'argocd.argoproj.io/tracking-id': 'shop:/Service:web/frontend'}
  tracked.metadata.managedFields = [{manager: 'argocd-controller'}]
  assert.deepEqual(one(evaluate(withObjects(base, {services: [tracked]}), 'web/frontend'), 'gitops-managed').evidence, [
    'Argo CD: argocd.argoproj.io/tracking-id=shop:/Service:web/frontend', 'Argo CD: managedFields manager argocd-controller',
  ])
})

test('dsr-etp-local-no-local-endpoint: externalTrafficPolicy Local is noted (info) with the nodes that program the IPs', async () => {
  const cluster = await caseCluster('dsr-etp-local-no-local-endpoint')
  const svc = cluster.services.find((s) => s.metadata.annotations?.['kube-router.io/service.dsr'] === 'tunnel' && s.spec?.externalTrafficPolicy === 'Local')!
  const r = one(evaluate(cluster, `${svc.metadata.namespace}/${svc.metadata.name}`), 'external-traffic-policy')
  assert.deepEqual([r.status, r.severity], ['pass', 'info'])
  assert.match(r.evidence[0], /^externalTrafficPolicy: Local: only nodes with a ready endpoint program the DSR IPs/)
})

test('dsr-headless-service-skipped: a Service kube-router does not proxy has no DSR IPs to program', async () => {
  const cluster = await caseCluster('dsr-headless-service-skipped')
  const svc = cluster.services.find((s) => s.metadata.annotations?.['kube-router.io/service.dsr'] === 'tunnel' && s.spec?.clusterIP === 'None')
  assert.ok(svc, 'the case has a headless DSR Service')
  const r = one(evaluate(cluster, `${svc.metadata.namespace}/${svc.metadata.name}`), 'external-ips')
  assert.equal(r.status, 'fail')
  assert.match(r.evidence.at(-1)!, /kube-router does not proxy this Service/)
})
