// `kubectl kr dsr enable / status / disable` through real kubectl plugin dispatch against the lab: a real
// kube-apiserver (real PATCH semantics, resourceVersion guards, Events, the endpointslice controller making the
// Service's EndpointSlice from real pods), two netns nodes whose kubelet stand-ins run the probe pods, and the
// kube-router emulator programming DSR in those nodes from the real API (test/lab/dsr.ts; the real kube-router's
// service proxy cannot run on this kernel). Mirrors test/e2e/dsr-enable-verify.test.ts: enable verified on every
// node, status programmed, disable restoring the scheduler enable replaced; each emulator fault rolled back to
// exactly the annotations before; never a probe pod left. Run by `npm run test:lab`; needs root and the lab binaries.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, test} from 'node:test'
import type {DsrStatusDocument} from '../../src/model/dsr-status.js'
import {kr, krSpawn} from '../cli/kr.js'
import type {KubeRouterEmulatorFault} from '../harness/kube-router-emulator.js'
import {DSR_TOOLS} from '../helpers/requirements.js'
import {type Lab, startLab} from './cluster.js'
import {eventually, labSkip} from './suite.js'
import {deployDsrKubeRouter, DsrLabNodes, startLabEmulator} from './dsr.js'

const exec = promisify(execFile)
const skip = labSkip({tools: DSR_TOOLS})

const VIP = '203.0.113.10'
const DSR = 'kube-router.io/service.dsr'
const SCHED = 'kube-router.io/service.scheduler'
const MANAGED = 'app.kubernetes.io/managed-by'
type Obj = Record<string, any>

let lab: Lab
let nodes: DsrLabNodes
let work: string
let kubeconfig: string

/** The Service's annotations as `kubectl get svc -o json` shows them. */
async function annotations(): Promise<Record<string, string>> {
  const {stdout} = await exec('kubectl', ['--kubeconfig', kubeconfig, 'get', 'svc', '-n', 'web', 'shop', '-o', 'json'])
  return JSON.parse(stdout).metadata.annotations ?? {}
}

/** The DSR Events on the Service, oldest first. */
async function dsrEvents(): Promise<string[]> {
  const list = await lab.admin.req('GET', '/api/v1/namespaces/web/events?fieldSelector=involvedObject.name%3Dshop')
  return (list.items as Obj[])
    .filter((e) => String(e.reason).startsWith('DSR'))
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => `${e.type} ${e.reason}`)
}

async function clearEvents(): Promise<void> {
  const list = await lab.admin.req('GET', '/api/v1/namespaces/web/events')
  for (const e of list.items as Obj[]) await lab.admin.req('DELETE', `/api/v1/namespaces/web/events/${e.metadata.name}`).catch(() => {})
}

/** Every probe pod (and ConfigMap) the command made is gone from the API. */
async function noProbeLeft(): Promise<void> {
  await eventually(
    async () => (await lab.admin.req('GET', `/api/v1/pods?labelSelector=${encodeURIComponent(`${MANAGED}=kubectl-kr`)}`)).items.length === 0,
    {timeoutMs: 30_000, what: 'every probe pod deleted'},
  )
  const maps = await lab.admin.req('GET', `/api/v1/configmaps?labelSelector=${encodeURIComponent(`${MANAGED}=kubectl-kr`)}`)
  assert.deepEqual(maps.items.map((m: Obj) => m.metadata.name), [])
}

const BASE = {[SCHED]: 'sh', 'example.com/team': 'shop'}

/** Runs body with a fresh emulator (fault or none), the Service's annotations at BASE and no Events. */
async function withEmulator(fault: KubeRouterEmulatorFault | undefined, body: (emulatorError: () => string) => Promise<void>): Promise<void> {
  await setAnnotations(BASE)
  await clearEvents()
  const emulator = await startLabEmulator(lab, nodes, {delayMs: 300, fault})
  try {
    await emulator.emulator.settled()
    await body(() => `emulator: ${emulator.emulator.lastError?.message ?? 'no error'}; mirror: ${emulator.mirror.lastError?.message ?? 'no error'}`)
    await noProbeLeft()
    await emulator.emulator.settled()
    assert.equal(emulator.emulator.lastError, null)
    assert.equal(emulator.mirror.lastError, null)
  } finally {
    await emulator.close()
  }
}

/** The Service's annotations set back to `to` with a JSON merge patch (between tests). */
async function setAnnotations(to: Record<string, string>): Promise<void> {
  const now = await annotations()
  const patch: Record<string, string | null> = {...to}
  for (const k of Object.keys(now)) if (!(k in to)) patch[k] = null
  await lab.admin.req('PATCH', '/api/v1/namespaces/web/services/shop', {metadata: {annotations: patch}}, 'application/merge-patch+json')
}

before(async () => {
  if (skip) return
  work = await mkdtemp(join(tmpdir(), 'kr-lab-dsr-'))
  nodes = await DsrLabNodes.create()
  lab = await startLab({nodes: 2, prepareNode: nodes.prepareNode})
  kubeconfig = join(work, 'kubeconfig')
  await writeFile(kubeconfig, lab.kubeconfig, {mode: 0o600})
  await deployDsrKubeRouter(lab)
  await lab.admin.req('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'web'}})
  await eventually(() => lab.admin.req('GET', '/api/v1/namespaces/web/serviceaccounts/default'), {timeoutMs: 30_000, what: 'the web namespace'})
  // one endpoint pod per node: the endpointslice controller makes the Service's EndpointSlice from them
  for (const node of lab.nodes) {
    await lab.admin.req('POST', '/api/v1/namespaces/web/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: `shop-${node.name}`, namespace: 'web', labels: {app: 'shop'}},
      spec: {nodeName: node.name, containers: [{name: 'shop', image: 'registry.example/shop:1', command: ['sleep', 'infinity'], ports: [{containerPort: 80}]}]},
    })
  }
  await lab.admin.req('POST', '/api/v1/namespaces/web/services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'shop', namespace: 'web', labels: {app: 'shop'}, annotations: {[SCHED]: 'sh', 'example.com/team': 'shop'}},
    spec: {type: 'ClusterIP', externalIPs: [VIP], selector: {app: 'shop'}, ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80}]},
  })
  await eventually(
    async () => {
      const kr = await lab.admin.req('GET', '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-router')
      const slices = await lab.admin.req('GET', '/apis/discovery.k8s.io/v1/namespaces/web/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dshop')
      const ready = (slices.items as Obj[]).flatMap((s) => s.endpoints ?? []).filter((e: Obj) => e.conditions?.ready && e.nodeName)
      return kr.items.length === 2 && kr.items.every((p: Obj) => p.status?.phase === 'Running') && ready.length === 2
    },
    {timeoutMs: 90_000, what: 'two running kube-router pods and two ready endpoints'},
  )
})

after(async () => {
  if (skip) return
  await lab?.close()
  await nodes?.cleanup()
  if (work) await rm(work, {recursive: true, force: true})
})

test('enable, status, disable with the emulator programming the lab from the real API: verified on both nodes each time', {skip, timeout: 300_000}, async () => {
  await withEmulator(undefined, async () => {
    const before = await annotations()
    assert.deepEqual(before, {[SCHED]: 'sh', 'example.com/team': 'shop'})

    const on = await kr(['dsr', 'enable', 'web/shop', '--yes', '--scheduler', 'mh', '--wait', '60s', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
    assert.equal(on.code, 0, `${on.stdout}\n${on.stderr}`)
    assert.match(on.stdout, /^verified: DSR is programmed for web\/shop on every node that should program it:$/m)
    for (const node of lab.nodes) assert.match(on.stdout, new RegExp(`^ {2}${node.name}: programmed \\(director and endpoint side\\): `, 'm'))
    const enabled = await annotations()
    assert.equal(enabled[DSR], 'tunnel')
    assert.equal(enabled[SCHED], 'mh')
    assert.deepEqual(await dsrEvents(), ['Normal DSREnabled'])
    await noProbeLeft()

    const status = await kr(['dsr', 'status', 'web/shop', '-o', 'json', '--kubeconfig', kubeconfig], {timeoutMs: 120_000})
    assert.equal(status.code, 0, `${status.stdout}\n${status.stderr}`)
    const doc = JSON.parse(status.stdout) as DsrStatusDocument
    assert.equal(doc.probed, true)
    const shop = doc.services.find((s) => s.name === 'shop')!
    assert.equal(shop.nodeState, 'programmed')
    assert.deepEqual((shop.nodes ?? []).map((n) => `${n.node} ${n.state} ${n.hasLocalEndpoint}`), lab.nodes.map((n) => `${n.name} programmed true`))
    for (const n of shop.nodes ?? []) {
      for (const id of ['mangle-mark', 'fwmark-rule', 'ipvs-fwm-service', 'pod-tunnel-if']) assert.equal(n.checks.find((c) => c.id === id)?.status, 'pass', `${n.node} ${id}: ${JSON.stringify(n.checks)}`)
      assert.ok(n.checks.find((c) => c.id === 'pod-tunnel-if')!.evidence.some((e) => e.includes(`inet ${VIP}/32 scope global kube-tunnel-if`)), JSON.stringify(n.checks))
    }
    await noProbeLeft()

    const off = await kr(['dsr', 'disable', 'web/shop', '--yes', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
    assert.equal(off.code, 0, `${off.stdout}\n${off.stderr}`)
    assert.match(off.stdout, /^ {2}~ kube-router\.io\/service\.scheduler: mh -> sh$/m)
    assert.match(off.stdout, /^verified: DSR is off for web\/shop/m)
    assert.deepEqual(await annotations(), before)
    assert.deepEqual(await dsrEvents(), ['Normal DSREnabled', 'Normal DSRDisabled'])
  })
})

const MARK_RULE = 'mangle MARK rules set the fwmark'
// --wait: long enough for the emulator to program both nodes first (the fault shows on a programmed director), also
// on a CI machine busy with the other test files (5 s was not: lab-node-1's endpoint side was still being set up)
const FAULTS: {name: string; fault: KubeRouterEmulatorFault; broken: string[]; failing: string; seen: RegExp; wait?: string}[] = [
  // the rule it wrote, with its wrong mark, is what the verification names for deletion
  {name: 'sets the wrong mark', fault: 'wrong-mark', broken: ['lab-node-1', 'lab-node-2'], failing: MARK_RULE, seen: /^ +fix: iptables -t mangle -D PREROUTING -d 203\.0\.113\.10\/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x[0-9a-f]+\/0xffffffff$/m},
  {name: 'never programs', fault: 'never-programs', broken: ['lab-node-1', 'lab-node-2'], failing: MARK_RULE, seen: /^ +203\.0\.113\.10:80\/tcp: no mangle PREROUTING rule -d 203\.0\.113\.10 -p tcp --dport 80 -j MARK$/m, wait: '5s'},
  {name: 'programs only lab-node-1', fault: {kind: 'some-nodes', nodes: ['lab-node-1']}, broken: ['lab-node-2'], failing: MARK_RULE, seen: /^ {2}lab-node-1: programmed \(director and endpoint side\)/m},
  // the director side is programmed; the endpoint pods never get kube-tunnel-if
  {name: 'fails on the pod side', fault: 'pod-side-fails', broken: ['lab-node-1', 'lab-node-2'], failing: 'endpoint pod: kube-tunnel-if \\/ kube-tunnel-v6 holds the DSR IP$', seen: /^ +FAIL +endpoint pod: kube-tunnel-if \/ kube-tunnel-v6 holds the DSR IP$/m},
]

for (const {name, fault, broken, failing, seen, wait = '30s'} of FAULTS) {
  test(`kube-router ${name}: verification fails, the annotations are back exactly as before, exit 1, no probe pod left`, {skip, timeout: 240_000}, async () => {
    await withEmulator(fault, async (emulatorError) => {
      const before = await annotations()
      const r = await kr(['dsr', 'enable', 'web/shop', '--yes', '--wait', wait, '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`)
      assert.ok(r.stdout.includes(`verification failed: DSR not programmed on every node within ${wait}:\n`), r.stdout)
      for (const node of broken) assert.match(r.stdout, new RegExp(`^ {2}${node}: broken: ${failing}`, 'm'), `${emulatorError()}\n${r.stdout}`)
      assert.match(r.stdout, seen)
      assert.ok(r.stdout.includes(`rolled back web/shop: the annotations are as they were before (verification failed on ${broken.map((n) => `${n} broken`).join(', ')})\n`), r.stdout)
      assert.deepEqual(await annotations(), before)
      assert.deepEqual(await dsrEvents(), ['Normal DSREnabled', 'Warning DSRRolledBack'])
    })
  })
}

test('someone changes the Service during verification: the real API refuses the guarded rollback (409), nothing overwritten; exit 1', {skip, timeout: 240_000}, async () => {
  await withEmulator('never-programs', async () => {
    const run = krSpawn(['dsr', 'enable', 'web/shop', '--yes', '--wait', '8s', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
    await eventually(async () => (await annotations())[DSR] === 'tunnel', {timeoutMs: 60_000, what: 'the patch'})
    await lab.admin.req('PATCH', '/api/v1/namespaces/web/services/shop', {metadata: {annotations: {'example.com/owner': 'team-b'}}}, 'application/merge-patch+json')
    const r = await run.done
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /^NOT rolled back: web\/shop was changed by someone else after this change \(resourceVersion \d+\); it is left as it is\. To restore the annotations as they were: kubectl annotate service -n web shop kube-router\.io\/service\.dsr- kr\.kube-router\.io\/dsr-replaced- --overwrite$/m)
    const now = await annotations()
    assert.equal(now[DSR], 'tunnel', 'the change stays')
    assert.equal(now['example.com/owner'], 'team-b', 'the other change stays')
  })
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  const code = signal === 'SIGINT' ? 130 : 143
  test(`${signal} after the patch, during verification: rolled back, no probe pod left, exit ${code}`, {skip, timeout: 240_000}, async () => {
    await withEmulator('never-programs', async () => {
      const before = await annotations()
      const run = krSpawn(['dsr', 'enable', 'web/shop', '--yes', '--wait', '120s', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
      await eventually(
        async () => (await annotations())[DSR] === 'tunnel' && (await lab.admin.req('GET', `/api/v1/pods?labelSelector=${encodeURIComponent(`${MANAGED}=kubectl-kr`)}`)).items.length > 0,
        {timeoutMs: 60_000, what: 'a probe pod of the verification'},
      )
      run.child.kill(signal)
      const r = await run.done
      assert.equal(r.code, code, `${r.stdout}\n${r.stderr}`)
      assert.match(r.stderr, new RegExp(`^interrupted \\(${signal}\\): rolled back web/shop: the annotations are as they were before \\(interrupted during verification\\)$`, 'm'))
      assert.deepEqual(await annotations(), before)
      assert.deepEqual(await dsrEvents(), ['Normal DSREnabled', 'Warning DSRRolledBack'])
    })
  })
}
