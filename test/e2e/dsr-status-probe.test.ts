// `kubectl kr dsr status` with node probing, through real kubectl plugin dispatch against the test API server whose
// kube-router emulator programs three network-namespace nodes (test/harness/kube-router-emulator.ts): per-node
// verdicts in the table, -o wide and JSON, exit codes 0/1/2, ETP Local nodes that should not program the Service,
// a misannotated Service, each emulator fault, a node whose probe pod fails, and no probe pod left behind.
// Runs as root (CI); skipped with a message otherwise.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import type {DsrStatusDocument} from '../../src/model/dsr-status.js'
import type {DsrNodeVerdict} from '../../src/model/dsr-verification.js'
import {dsrFwmark} from '../../src/expected/fwmark.js'
import {kr} from '../cli/kr.js'
import {startTestCluster, type HarnessNode, type KubeRouterEmulatorFault, type TestCluster} from '../harness/index.js'
import {scenarioClusterOptions} from '../harness/scenario.js'
import {buildHealthyNode, type NodeScenario} from '../helpers/netns.js'
import {DSR_TOOLS, NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'
import {waitFor} from '../helpers/wait-for.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, ...DSR_TOOLS, 'kubectl', 'setpriv']})
const MANAGED = 'app.kubernetes.io/managed-by'

type Obj = Record<string, any>

let work: string
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kr-dsr-probe-'))
})
after(async () => {
  await rm(work, {recursive: true, force: true})
})

function service(name: string, ip: string, port: number, annotations: Record<string, string>, extra: Obj = {}): Obj {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: {name, namespace: 'web', labels: {app: name}, annotations},
    spec: {type: 'ClusterIP', clusterIP: `10.96.60.${port % 200}`, clusterIPs: [`10.96.60.${port % 200}`], ipFamilies: ['IPv4'], externalIPs: [ip], selector: {app: name},
      ports: [{name: 'http', protocol: 'TCP', port, targetPort: port}], ...extra},
  }
}

function slice(name: string, port: number, endpoints: [string, string][]): Obj {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {name: `${name}-e1`, namespace: 'web', labels: {'kubernetes.io/service-name': name}},
    addressType: 'IPv4',
    endpoints: endpoints.map(([address, nodeName]) => ({addresses: [address], nodeName, conditions: {ready: true}})),
    ports: [{name: 'http', protocol: 'TCP', port}],
  }
}

const DSR = {'kube-router.io/service.dsr': 'tunnel'}
/** good: endpoints on node-a and node-b, so node-c directs only; local: ETP Local with its one endpoint on node-a */
const SIX: Obj = {
  apiVersion: 'v1', kind: 'Service',
  metadata: {name: 'six', namespace: 'web', labels: {app: 'six'}, annotations: DSR},
  spec: {type: 'ClusterIP', clusterIP: 'fd00:10:96::60', clusterIPs: ['fd00:10:96::60'], ipFamilies: ['IPv6'], externalIPs: ['2001:db8:60::10'], selector: {app: 'six'},
    ports: [{name: 'https', protocol: 'TCP', port: 443, targetPort: 443}]},
}
const SERVICES = [
  SIX,
  service('good', '203.0.113.10', 80, DSR),
  service('local', '203.0.113.11', 8080, DSR, {externalTrafficPolicy: 'Local'}),
  service('misannotated', '203.0.113.12', 81, {'kube-router.io/service.dsr': 'true'}),
]
const SLICES = [
  {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {name: 'six-e1', namespace: 'web', labels: {'kubernetes.io/service-name': 'six'}},
    addressType: 'IPv6',
    endpoints: [{addresses: ['fd00:10:244:1::20'], nodeName: 'node-a', conditions: {ready: true}}],
    ports: [{name: 'https', protocol: 'TCP', port: 443}],
  },
  slice('good', 80, [['10.244.1.20', 'node-a'], ['10.244.2.20', 'node-b']]),
  slice('local', 8080, [['10.244.1.21', 'node-a']]),
  slice('misannotated', 81, [['10.244.2.22', 'node-b']]),
]

/** The scenario DaemonSet with the containerd socket directory mounted, as kube-router's DSR manifest has it, and the
 * range of the DSR IPs allowed (v2.11.1 validates external IPs strictly). */
function dsrReady(ds: Obj): Obj {
  const spec = ds.spec.template.spec
  spec.containers[0].args.push('--service-external-ip-range=203.0.113.0/24,2001:db8:60::/64')
  spec.containers[0].volumeMounts.push({name: 'cri-socket', mountPath: '/run/containerd'})
  spec.volumes.push({name: 'cri-socket', hostPath: {path: '/run/containerd'}})
  return ds
}

interface DsrCluster {
  c: TestCluster
  nodes: NodeScenario[]
  kubeconfig: string
  close(): Promise<void>
}

async function startDsrCluster(opts: {fault?: KubeRouterEmulatorFault; nodeExtra?: Record<string, Partial<HarnessNode>>; withoutKubeRouter?: string[]} = {}): Promise<DsrCluster> {
  const nodes: NodeScenario[] = []
  let c: TestCluster | null = null
  const close = async () => {
    await c?.close()
    for (const n of nodes) await n.cleanup()
  }
  try {
    for (const i of [1, 2, 3]) nodes.push(await buildHealthyNode({nodeIndex: i}))
    const base = scenarioClusterOptions(nodes)
    base.nodes = base.nodes.map((n) => ({...n, ...opts.nodeExtra?.[n.name]}))
    base.pods = base.pods!.filter((p) => !(opts.withoutKubeRouter ?? []).includes((p as Obj).spec.nodeName))
    c = await startTestCluster({
      ...base,
      services: [...base.services!, ...SERVICES],
      endpointSlices: [...base.endpointSlices!, ...SLICES],
      daemonSets: base.daemonSets!.map(dsrReady),
      kubeRouterEmulator: {delayMs: 50, fault: opts.fault},
    })
    await c.kubeRouter!.settled()
    assert.equal(c.kubeRouter!.lastError, null)
    const kubeconfig = join(work, `kubeconfig-${Math.random().toString(36).slice(2)}`)
    await c.writeKubeconfig(kubeconfig)
    return {c, nodes, kubeconfig, close}
  } catch (error) {
    await close()
    throw error
  }
}

async function status(cl: DsrCluster, args: string[]) {
  return kr(['dsr', 'status', ...args, '--kubeconfig', cl.kubeconfig, '--pod-timeout', '30'], {timeoutMs: 120_000})
}

async function noProbeLeft(c: TestCluster): Promise<void> {
  await waitFor('every probe pod deleted', () => c.pods('kube-system').every((p) => p.metadata.labels?.[MANAGED] !== 'kubectl-kr'), 10_000)
  assert.deepEqual(c.objects('configmaps', 'kube-system').filter((m) => m.metadata.labels?.[MANAGED] === 'kubectl-kr').map((m) => m.metadata.name), [])
}

function nodesOf(doc: DsrStatusDocument, name: string): Record<string, DsrNodeVerdict> {
  const svc = doc.services.find((s) => s.name === name)!
  return Object.fromEntries((svc.nodes ?? []).map((n) => [n.node, n]))
}

function checkStatus(n: DsrNodeVerdict, id: string): string {
  return n.checks.find((c) => c.id === id)?.status ?? 'absent'
}

test('a programmed cluster: per-node table and JSON (IPv4 and IPv6), ETP Local nodes not expected and not probed, the misannotated Service not programmed; exit 0 / 1', {skip}, async () => {
  const cl = await startDsrCluster()
  try {
    const good = await status(cl, ['web/good'])
    assert.equal(good.code, 0, good.stderr + good.stdout)
    const lines = good.stdout.split('\n')
    assert.match(lines[0], /^kube-router: docker\.io\/cloudnativelabs\/kube-router:v2\.11\.1 \(v2\.11\.1\); node state from probe pods$/)
    assert.ok(lines.includes('web/good: ready for DSR (nodes: programmed)'), good.stdout)
    assert.ok(lines.includes('  nodes: 3 programmed'), good.stdout)
    assert.match(good.stdout, /^ {4}NODE +STATE +LOCAL ENDPOINT +REASON$/m)
    assert.match(good.stdout, /^ {4}node-a +programmed +yes$/m)
    assert.match(good.stdout, /^ {4}node-c +programmed +-$/m)
    await noProbeLeft(cl.c)

    const all = await status(cl, ['-n', 'web', '-o', 'json'])
    assert.equal(all.code, 1, all.stderr)
    const doc = JSON.parse(all.stdout) as DsrStatusDocument
    assert.equal(doc.probed, true)
    assert.deepEqual(doc.summary, {services: 4, ready: 3, notReady: 1, programmed: 3})
    assert.deepEqual(doc.services.map((s) => `${s.name}:${s.nodeState}`), ['good:programmed', 'local:programmed', 'misannotated:not programmed', 'six:programmed'])
    const g = nodesOf(doc, 'good')
    assert.deepEqual(Object.values(g).map((n) => `${n.node} ${n.state} ${n.hasLocalEndpoint}`), ['node-a programmed true', 'node-b programmed true', 'node-c programmed false'])
    assert.deepEqual(g['node-a'].checks.map((c) => `${c.id}:${c.status}`), [
      'mangle-mark:pass', 'fwmark-rule:pass', 'table-78:pass', 'ipvs-fwm-service:pass', 'tcpmss-clamp:pass', 'vip-off-dummy:pass', 'sloppy-tcp:not-applicable',
      'pod-tunnel-if:pass', 'pod-rp-filter:pass',
    ])
    assert.equal(checkStatus(g['node-c'], 'pod-tunnel-if'), 'not-applicable')
    // evidence is the node's own lines
    const mark = dsrFwmark('203.0.113.10', 'tcp', 80)
    assert.ok(g['node-a'].checks.find((c) => c.id === 'mangle-mark')!.evidence.includes(`-A PREROUTING -d 203.0.113.10/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x${mark.toString(16)}/0xffffffff`))
    assert.ok(g['node-a'].checks.find((c) => c.id === 'pod-tunnel-if')!.evidence.some((e) => /inet 203\.0\.113\.10\/32 scope global kube-tunnel-if/.test(e)))
    assert.ok(g['node-a'].checks.find((c) => c.id === 'pod-rp-filter')!.evidence.some((e) => /net\.ipv4\.conf\.kube-tunnel-if\.rp_filter = 0$/.test(e)))
    const l = nodesOf(doc, 'local')
    assert.equal(l['node-a'].state, 'programmed')
    for (const n of ['node-b', 'node-c']) {
      assert.equal(l[n].state, 'not-expected')
      assert.match(l[n].reason!, /externalTrafficPolicy: Local and no ready endpoint of the Service on this node/)
    }
    assert.deepEqual(doc.services.find((s) => s.name === 'misannotated')!.nodes, [])
    // IPv6: ip6tables, the IPv6 fwmark rule and table 78, FWM IPv6, MSS = MTU - 100, kube-tunnel-v6 in the pod
    const six = nodesOf(doc, 'six')['node-a']
    assert.equal(six.state, 'programmed', JSON.stringify(six.checks, null, 1))
    assert.equal(checkStatus(six, 'pod-rp-filter'), 'not-applicable')
    assert.ok(six.checks.find((c) => c.id === 'tcpmss-clamp')!.evidence.some((e) => e.endsWith('--set-mss 1400')))
    assert.ok(six.checks.find((c) => c.id === 'pod-tunnel-if')!.evidence.some((e) => /inet6 2001:db8:60::10\/128 scope global/.test(e)))
    assert.ok(six.checks.find((c) => c.id === 'ipvs-fwm-service')!.evidence.some((e) => /^FWM  \d+ IPv6 rr$/.test(e)))

    const table = await status(cl, ['-n', 'web'])
    assert.equal(table.code, 1)
    assert.match(table.stdout, /^SERVICE +DSR IPS +TUPLES +SCHEDULER +STATUS +NODES$/m)
    assert.match(table.stdout, /^web\/good +203\.0\.113\.10 +1 +rr +ready +programmed$/m)
    assert.match(table.stdout, /^web\/misannotated +203\.0\.113\.12 +0 +rr +not ready +not programmed$/m)
    assert.match(table.stdout, /^ {2}nodes: not programmed: kube-router.io\/service.dsr is "true", not "tunnel": kube-router does not program DSR for it \(not probed\)$/m)
    assert.match(table.stdout, /^ {4}node-b +not-expected +- +externalTrafficPolicy: Local and no ready endpoint/m)
    assert.match(table.stdout, /^4 Services in namespace web: 3 ready for DSR, 1 not; on the nodes: 3 programmed, 1 not programmed$/m)

    const wide = await status(cl, ['web/good', '-o', 'wide'])
    assert.equal(wide.code, 0)
    assert.match(wide.stdout, /^ {4}node-a:$/m)
    assert.match(wide.stdout, /^ {6}ok +endpoint pod: kube-tunnel-if \/ kube-tunnel-v6 holds the DSR IP$/m)
    assert.match(wide.stdout, /^ {6}n\/a +net\.ipv4\.vs\.sloppy_tcp=1 \(Maglev\)$/m)
    await noProbeLeft(cl.c)
    // probe pods ran only on the nodes that program a probed Service, each with hostPID for the endpoint side
    const created = cl.c.requests.filter((q) => q.method === 'POST' && q.path === '/api/v1/namespaces/kube-system/pods').map((q) => q.body as Obj)
    assert.ok(created.length >= 3)
    const withEndpoints = created.filter((p) => p.spec.containers[0].env.some((e: Obj) => e.name === 'KR_DSR_ENDPOINTS'))
    assert.ok(withEndpoints.every((p) => p.spec.hostPID === true))
    assert.ok(created.filter((p) => !withEndpoints.includes(p)).every((p) => p.spec.hostPID === false))

    // probe pods only where kube-router should program: ETP Local probes its endpoint node only
    const seen = cl.c.requests.length
    const local = await status(cl, ['web/local', '-o', 'json'])
    assert.equal(local.code, 0, local.stderr)
    const probed = cl.c.requests.slice(seen).filter((q) => q.method === 'POST' && q.path === '/api/v1/namespaces/kube-system/pods').map((q) => (q.body as Obj).spec.nodeName)
    assert.deepEqual(probed, ['node-a'])
    await noProbeLeft(cl.c)
  } finally {
    await cl.close()
  }
})

const FAULTS: {fault: KubeRouterEmulatorFault; title: string; expect(nodes: Record<string, DsrNodeVerdict>, out: string): void}[] = [
  {
    fault: 'never-programs',
    title: 'kube-router never programs',
    expect(n) {
      for (const node of ['node-a', 'node-b', 'node-c']) {
        assert.equal(n[node].state, 'broken')
        assert.equal(checkStatus(n[node], 'mangle-mark'), 'fail')
        assert.equal(checkStatus(n[node], 'ipvs-fwm-service'), 'fail')
      }
      assert.equal(checkStatus(n['node-a'], 'pod-tunnel-if'), 'unknown') // no endpoint pod exists without kube-router
    },
  },
  {
    fault: {kind: 'some-nodes', nodes: ['node-a', 'node-c']},
    title: 'only some nodes programmed',
    expect(n) {
      assert.equal(n['node-a'].state, 'programmed')
      assert.equal(n['node-c'].state, 'programmed')
      assert.equal(n['node-b'].state, 'broken')
    },
  },
  {
    fault: 'wrong-mark',
    title: 'MARK rules with another mark',
    expect(n, out) {
      for (const node of ['node-a', 'node-b', 'node-c']) {
        assert.equal(n[node].state, 'broken')
        assert.equal(checkStatus(n[node], 'mangle-mark'), 'fail')
        assert.equal(checkStatus(n[node], 'fwmark-rule'), 'fail')
      }
      assert.match(out, /fix: iptables -t mangle -D PREROUTING -d 203\.0\.113\.10\/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x[0-9a-f]+\/0xffffffff/)
    },
  },
  {
    fault: 'pod-side-fails',
    title: 'the endpoint pods get no kube-tunnel-if',
    expect(n, out) {
      assert.equal(n['node-a'].state, 'broken')
      assert.equal(checkStatus(n['node-a'], 'mangle-mark'), 'pass')
      assert.equal(checkStatus(n['node-a'], 'pod-tunnel-if'), 'fail')
      assert.equal(n['node-c'].state, 'programmed') // director only
      assert.match(out, /no kube-tunnel-if in the pod/)
    },
  },
  {
    fault: 'broken-version',
    title: `a kube-router version with a DSR bug (dsr-tcpmss)`,
    expect(n, out) {
      for (const node of ['node-a', 'node-b', 'node-c']) {
        assert.equal(n[node].state, 'broken')
        assert.equal(checkStatus(n[node], 'tcpmss-clamp'), 'fail')
        assert.equal(checkStatus(n[node], 'mangle-mark'), 'pass')
      }
      assert.match(out, /fix: upgrade kube-router to v2\.2\.0 or later/)
    },
  },
]

for (const f of FAULTS) {
  test(`fault: ${f.title}: the nodes say what is wrong, exit 1, no probe pod left`, {skip}, async () => {
    const cl = await startDsrCluster({fault: f.fault})
    try {
      const r = await status(cl, ['web/good', '-o', 'json'])
      assert.equal(r.code, 1, r.stderr)
      const doc = JSON.parse(r.stdout) as DsrStatusDocument
      assert.equal(doc.services[0].nodeState, 'not programmed')
      const table = await status(cl, ['web/good'])
      assert.equal(table.code, 1)
      assert.match(table.stdout, /^web\/good: .* \(nodes: not programmed\)$/m)
      assert.match(table.stdout, /^ {6}FAIL /m)
      f.expect(nodesOf(doc, 'good'), table.stdout)
      await noProbeLeft(cl.c)
    } finally {
      await cl.close()
    }
  })
}

test('a node whose probe pod fails is not-probed with the reason; nothing broken elsewhere: exit 2; a node without kube-router is not expected', {skip}, async () => {
  const cl = await startDsrCluster({nodeExtra: {'node-b': {fault: 'exit-1'}}, withoutKubeRouter: ['node-c']})
  try {
    const r = await status(cl, ['web/good', '-o', 'json'])
    assert.equal(r.code, 2, r.stderr)
    const doc = JSON.parse(r.stdout) as DsrStatusDocument
    const n = nodesOf(doc, 'good')
    assert.equal(n['node-a'].state, 'programmed')
    assert.equal(n['node-b'].state, 'not-probed')
    assert.match(n['node-b'].reason!, /^the probe exited with code 1/)
    assert.equal(doc.services[0].nodeState, 'unknown')
    assert.equal(n['node-c'].state, 'not-expected')
    assert.match(n['node-c'].reason!, /^no kube-router pod of the DaemonSet runs on this node/)
    assert.ok(!cl.c.requests.some((q) => q.method === 'POST' && q.path.endsWith('/pods') && (q.body as Obj).spec.nodeName === 'node-c'), 'node-c is not probed')
    const table = await status(cl, ['web/good'])
    assert.equal(table.code, 2)
    assert.match(table.stdout, /^ {4}node-b +not-probed +yes +the probe exited with code 1/m)
    await noProbeLeft(cl.c)
  } finally {
    await cl.close()
  }
})
