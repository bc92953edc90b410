// services/dsr-verify: verifyDsr against the test API server whose kube-router emulator programs two
// network-namespace nodes — expectation 'enabled' (programmed), 'disabled' after the annotation goes (undone; the
// fwmark rules kube-router leaves are no failure) and while DSR is still on (broken), progress events, an unknown
// Service, and an abort mid-run (InterruptedError, every probe pod deleted).
// Runs as root (CI); skipped with a message otherwise.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {openKube} from '../../src/infra/kube-api.js'
import {InterruptedError, UserError} from '../../src/model/errors.js'
import {verifyDsr, type DsrVerifyOptions} from '../../src/services/dsr-verify.js'
import type {ProgressEvent} from '../../src/model/progress.js'
import {startTestCluster, type TestCluster} from '../harness/index.js'
import {KUBE_ROUTER_ARGS, kubeRouterDaemonSet, scenarioClusterOptions} from '../harness/scenario.js'
import {buildHealthyNode, type NodeScenario} from '../helpers/netns.js'
import {DSR_TOOLS, NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'
import {waitFor} from '../helpers/wait-for.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, ...DSR_TOOLS, 'setpriv']})
type Obj = Record<string, any>

let work = ''
let nodes: NodeScenario[] = []
let c: TestCluster

before(async () => {
  if (skip) return
  work = await mkdtemp(join(tmpdir(), 'kr-dsr-verify-'))
  nodes = [await buildHealthyNode({nodeIndex: 1}), await buildHealthyNode({nodeIndex: 2})]
  const base = scenarioClusterOptions(nodes)
  c = await startTestCluster({
    ...base,
    services: [...base.services!, {
      apiVersion: 'v1', kind: 'Service',
      metadata: {name: 'shop', namespace: 'web', annotations: {'kube-router.io/service.dsr': 'tunnel', 'kube-router.io/service.scheduler': 'sh'}},
      spec: {type: 'ClusterIP', clusterIP: '10.96.70.10', clusterIPs: ['10.96.70.10'], ipFamilies: ['IPv4'], externalIPs: ['203.0.113.30'], selector: {app: 'shop'},
        ports: [{name: 'http', protocol: 'TCP', port: 443, targetPort: 443}]},
    }],
    endpointSlices: [...base.endpointSlices!, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {name: 'shop-1', namespace: 'web', labels: {'kubernetes.io/service-name': 'shop'}},
      addressType: 'IPv4',
      endpoints: [{addresses: ['10.244.2.30'], nodeName: 'node-b', conditions: {ready: true}}],
      ports: [{name: 'http', protocol: 'TCP', port: 443}],
    }],
    daemonSets: [kubeRouterDaemonSet('v2.11.1', 2, [...KUBE_ROUTER_ARGS, '--service-external-ip-range=203.0.113.0/24'])],
    kubeRouterEmulator: {delayMs: 50},
  })
  await c.kubeRouter!.settled()
  await c.writeKubeconfig(join(work, 'kubeconfig'))
})

after(async () => {
  await c?.close()
  for (const n of nodes) await n.cleanup()
  if (work) await rm(work, {recursive: true, force: true})
})

function options(over: Partial<DsrVerifyOptions> = {}): DsrVerifyOptions {
  return {image: null, probeNamespace: 'kube-system', concurrency: 4, podTimeoutSec: 30, cmdTimeoutSec: 10, signal: new AbortController().signal, ...over}
}

const kube = () => openKube({kubeconfig: join(work, 'kubeconfig'), context: null, requestTimeoutMs: 10_000})
const shop = [{namespace: 'web', name: 'shop'}]

async function noProbeLeft(): Promise<void> {
  await waitFor('every probe pod deleted', () => c.pods('kube-system').every((p) => p.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'kubectl-kr'), 10_000)
}

test('enabled: every node programmed, the endpoint node with its pod side; progress names the probed nodes', {skip}, async () => {
  const events: ProgressEvent[] = []
  const [v] = await verifyDsr(kube(), {services: shop, expectation: 'enabled'}, options({onProgress: (e) => events.push(e)}))
  assert.equal(v.verified, true, JSON.stringify(v.nodes, null, 2))
  assert.deepEqual(v.nodes.map((n) => `${n.node}:${n.state}:${n.hasLocalEndpoint}`), ['node-a:programmed:false', 'node-b:programmed:true'])
  const b = v.nodes[1]
  assert.equal(b.checks.find((x) => x.id === 'pod-tunnel-if')!.status, 'pass')
  assert.equal(b.checks.find((x) => x.id === 'pod-rp-filter')!.status, 'pass')
  assert.deepEqual(events.find((e) => e.kind === 'run-started'), {...events.find((e) => e.kind === 'run-started'), nodes: ['node-a', 'node-b']})
  assert.deepEqual(events.filter((e) => e.kind === 'node' && e.phase === 'collected').map((e) => (e as {node: string}).node).sort(), ['node-a', 'node-b'])
  assert.equal(events.at(-1)!.kind, 'run-finished')
  await noProbeLeft()
})

test('disabled: while DSR is on, broken (the FWM service is there); once the annotation is gone, undone with the stale fwmark rule tolerated', {skip}, async () => {
  const [on] = await verifyDsr(kube(), {services: shop, expectation: 'disabled'}, options())
  assert.equal(on.verified, false)
  assert.deepEqual(on.nodes.map((n) => n.state), ['broken', 'broken'])
  assert.equal(on.nodes[0].checks.find((x) => x.id === 'fwm-service-gone')!.status, 'fail')

  c.store.mutate('services', 'web', 'shop', (o: Obj) => {
    delete o.metadata.annotations['kube-router.io/service.dsr']
  })
  await c.kubeRouter!.settled()
  const [off] = await verifyDsr(kube(), {services: shop, expectation: 'disabled'}, options())
  assert.equal(off.verified, true, JSON.stringify(off.nodes, null, 2))
  assert.deepEqual(off.nodes.map((n) => n.state), ['undone', 'undone'])
  const gone = off.nodes[0].checks.find((x) => x.id === 'fwm-service-gone')!
  assert.equal(gone.status, 'pass')
  assert.ok(gone.evidence.some((e) => /fwmark 0x[0-9a-f]+ lookup .*stale fwmark rule: kube-router never deletes them; harmless/.test(e)), gone.evidence.join('\n'))
  const normal = off.nodes[1].checks.find((x) => x.id === 'served-normally')!
  assert.equal(normal.status, 'pass')
  assert.ok(normal.evidence.includes('TCP  203.0.113.30:443 sh'), normal.evidence.join('\n'))
  // not a DSR Service any more: no node is expected to program it, and DSR programmed nowhere is not verified
  const [enabled] = await verifyDsr(kube(), {services: shop, expectation: 'enabled'}, options())
  assert.equal(enabled.verified, false)
  assert.deepEqual(enabled.nodes.map((n) => n.state), ['not-expected', 'not-expected'])
  assert.match(enabled.nodes[0].reason!, /no kube-router.io\/service.dsr annotation/)

  c.store.mutate('services', 'web', 'shop', (o: Obj) => {
    o.metadata.annotations['kube-router.io/service.dsr'] = 'tunnel'
  })
  await c.kubeRouter!.settled()
  await noProbeLeft()
})

test('an unknown Service is a UserError before any probe pod', {skip}, async () => {
  const before = c.requests.length
  await assert.rejects(verifyDsr(kube(), {services: [{namespace: 'web', name: 'nope'}], expectation: 'enabled'}, options()), (e) => e instanceof UserError && /service web\/nope not found/.test(e.message))
  assert.equal(c.requests.slice(before).filter((q) => q.method === 'POST' && q.path.endsWith('/pods')).length, 0)
})

test('aborted mid-run: InterruptedError, every probe pod deleted', {skip}, async () => {
  const controller = new AbortController()
  const run = verifyDsr(kube(), {services: shop, expectation: 'enabled'}, options({
    signal: controller.signal,
    onProgress: (e) => {
      if (e.kind === 'node' && e.phase === 'scheduled') controller.abort()
    },
  }))
  await assert.rejects(run, (e) => e instanceof InterruptedError)
  await noProbeLeft()
})
