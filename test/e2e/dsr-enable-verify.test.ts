// `kubectl kr dsr enable` / `disable` end to end, through real kubectl plugin dispatch, against the test API server
// whose kube-router emulator programs (or, with a fault, fails to program) DSR in real network namespaces: the
// change verified on every node; each fault rolled back to exactly the annotations before; a concurrent change
// not overwritten; SIGINT / SIGTERM after the patch rolled back; disable restoring the scheduler enable replaced.
// Never a probe pod left. Runs as root (CI); skipped with the reason otherwise.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {test} from 'node:test'
import {kr, krSpawn, REPO} from '../cli/kr.js'
import {startTestCluster, type KubeRouterEmulatorFault, type TestCluster} from '../harness/index.js'
import {kubeRouterDaemonSet, KUBE_ROUTER_ARGS, scenarioClusterOptions} from '../harness/scenario.js'
import {buildNode, healthySpec, type NodeScenario} from '../helpers/netns.js'
import {DSR_TOOLS, NETNS, PROBE_TOOLS, TMUX, unmet} from '../helpers/requirements.js'
import {waitFor} from '../helpers/wait-for.js'
import {patches} from './dsr-fixtures.js'
import {leftovers} from './replay.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, ...DSR_TOOLS, 'kubectl']})
const VIP = '203.0.113.10'
const DSR = 'kube-router.io/service.dsr'
const SCHED = 'kube-router.io/service.scheduler'
type Obj = Record<string, any>

function shop(annotations: Record<string, string>): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'shop', namespace: 'web', labels: {app: 'shop'}, annotations},
    spec: {type: 'ClusterIP', clusterIP: '10.96.50.10', clusterIPs: ['10.96.50.10'], ipFamilies: ['IPv4'], externalIPs: [VIP], selector: {app: 'shop'},
      ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80}]},
  }
}

const shopSlice: Obj = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {name: 'shop-x1', namespace: 'web', labels: {'kubernetes.io/service-name': 'shop'}},
  addressType: 'IPv4',
  endpoints: [
    {addresses: ['10.244.1.20'], nodeName: 'node-a', conditions: {ready: true}},
    {addresses: ['10.244.2.20'], nodeName: 'node-b', conditions: {ready: true}},
  ],
  ports: [{name: 'http', protocol: 'TCP', port: 80}],
}

/** kube-router's DaemonSet as its DSR manifest sets it up: the containerd socket directory mounted, the external
 * IP range allowed (strict validation from v2.8.0). */
function dsrDaemonSet(version: string, nodes: number): Obj {
  const ds = kubeRouterDaemonSet(version, nodes, [...KUBE_ROUTER_ARGS, '--service-external-ip-range=203.0.113.0/24'])
  const spec = ds.spec.template.spec
  spec.volumes.push({name: 'cri-socket', hostPath: {path: '/run/containerd'}})
  spec.containers[0].volumeMounts.push({name: 'cri-socket', mountPath: '/run/containerd'})
  return ds
}

async function withCluster(
  opts: {fault?: KubeRouterEmulatorFault; annotations?: Record<string, string>; daemonSet?: (ds: Obj) => Obj},
  body: (c: TestCluster, kubeconfig: string) => Promise<void>,
): Promise<void> {
  // healthy nodes whose net.ipv4.vs sysctls the probe can read (kube-router sets sloppy_tcp for DSR + mh itself)
  const node = (nodeIndex: number) => buildNode({...healthySpec({nodeIndex}), ipvsSysctls: {sloppy_tcp: '0', conntrack: '1', expire_nodest_conn: '1', expire_quiescent_template: '1', conn_reuse_mode: '0'}})
  const nodes: NodeScenario[] = [await node(1), await node(2)]
  let c: TestCluster | null = null
  try {
    const base = scenarioClusterOptions(nodes)
    c = await startTestCluster({
      ...base,
      services: [...base.services!, shop(opts.annotations ?? {[SCHED]: 'sh'})],
      endpointSlices: [...base.endpointSlices!, shopSlice],
      daemonSets: [(opts.daemonSet ?? ((ds) => ds))(dsrDaemonSet(nodes[0].kubeRouterVersion, nodes.length))],
      kubeRouterEmulator: {delayMs: 300, fault: opts.fault},
    })
    await c.kubeRouter!.settled()
    const kubeconfig = `${nodes[0].hostRoot}/kubeconfig`
    await c.writeKubeconfig(kubeconfig)
    await body(c, kubeconfig)
    assert.deepEqual(leftovers(c), [], 'no probe pod or probe script left')
  } finally {
    await c?.close()
    for (const n of nodes) await n.cleanup()
  }
}

const annotations = (c: TestCluster): Record<string, string> => c.objects('services', 'web').find((s) => s.metadata.name === 'shop')?.metadata.annotations ?? {}
const eventReasons = (c: TestCluster) =>
  c.objects('events', 'web')
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => `${e.type} ${e.reason}`)

/** At most one probe pod per node alive at any moment of the run, watched from the store. */
function watchProbePodsPerNode(c: TestCluster): () => number {
  let most = 0
  const unsubscribe = c.store.subscribe('pods', () => {
    const perNode = new Map<string, number>()
    for (const p of c.store.list('pods')) {
      if (p.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'kubectl-kr') continue
      const node = (p as Obj).spec?.nodeName ?? '?'
      perNode.set(node, (perNode.get(node) ?? 0) + 1)
    }
    most = Math.max(most, ...perNode.values(), 0)
  })
  return () => {
    unsubscribe()
    return most
  }
}

test('enable on a good Service: verified on every node, exit 0; one patch in the request log; DSREnabled', {skip, timeout: 180_000}, async () => {
  await withCluster({}, async (c, kubeconfig) => {
    const perNode = watchProbePodsPerNode(c)
    const r = await kr(['dsr', 'enable', 'web/shop', '--yes', '--scheduler', 'mh', '--wait', '60s', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /^verified: DSR is programmed for web\/shop on every node that should program it:$/m)
    assert.match(r.stdout, /^ {2}node-a: programmed \(director and endpoint side\): /m)
    assert.match(r.stdout, /^ {2}node-b: programmed \(director and endpoint side\): /m)
    const [patch] = patches(c, 'shop')
    assert.equal(patches(c, 'shop').length, 1, 'one patch')
    assert.equal(patch.query.dryRun, undefined)
    assert.equal(annotations(c)[DSR], 'tunnel')
    assert.equal(annotations(c)[SCHED], 'mh')
    assert.deepEqual(eventReasons(c), ['Normal DSREnabled'])
    assert.ok(perNode() <= 1, 'never two probe pods on one node')
  })
})

test('--force: a blocking requirement (no hostIPC) is named as overridden, the change is made and verified; exit 0', {skip, timeout: 180_000}, async () => {
  const withoutHostIpc = (ds: Obj) => ({...ds, spec: {...ds.spec, template: {...ds.spec.template, spec: {...ds.spec.template.spec, hostIPC: false}}}})
  await withCluster({daemonSet: withoutHostIpc}, async (c, kubeconfig) => {
    const refused = await kr(['dsr', 'enable', 'web/shop', '--yes', '--kubeconfig', kubeconfig])
    assert.equal(refused.code, 2, refused.stderr)
    assert.deepEqual(patches(c, 'shop'), [])
    const r = await kr(['dsr', 'enable', 'web/shop', '--yes', '--force', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stderr, /^warning: --force: enabling although "DaemonSet has hostPID and hostIPC" fails: hostPID: true; hostIPC: false$/m)
    assert.match(r.stdout, /^verified: /m)
    assert.equal(patches(c, 'shop').length, 1)
  })
})

const FAULTS: {name: string; fault: KubeRouterEmulatorFault}[] = [
  {name: 'never programs', fault: 'never-programs'},
  {name: 'programs only node-a', fault: {kind: 'some-nodes', nodes: ['node-a']}},
  {name: 'wrong mark', fault: 'wrong-mark'},
  {name: 'pod side fails', fault: 'pod-side-fails'},
  {name: 'a version whose DSR is broken', fault: 'broken-version'},
]

for (const {name, fault} of FAULTS) {
  test(`kube-router ${name}: verification fails, the annotations are back exactly as before, exit 1, no probe pod left`, {skip, timeout: 180_000}, async () => {
    await withCluster({fault}, async (c, kubeconfig) => {
      const before = annotations(c)
      const r = await kr(['dsr', 'enable', 'web/shop', '--yes', '--wait', '5s', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`)
      assert.match(r.stdout, /^verification failed: DSR not programmed on every node within 5s:$/m)
      assert.match(r.stdout, /^ {2}node-[ab]: (broken|unknown|not-probed): /m)
      assert.match(r.stdout, /^rolled back web\/shop: the annotations are as they were before \(verification failed on node-[ab] \w+(, node-b \w+)?\)$/m)
      assert.deepEqual(annotations(c), before)
      assert.deepEqual(patches(c, 'shop').map((p) => p.status), [200, 200])
      assert.deepEqual(eventReasons(c), ['Normal DSREnabled', 'Warning DSRRolledBack'])
    })
  })
}

test('someone changes the Service during verification: not overwritten, the message says so and how to restore; exit 1', {skip, timeout: 180_000}, async () => {
  await withCluster({fault: 'never-programs'}, async (c, kubeconfig) => {
    const run = krSpawn(['dsr', 'enable', 'web/shop', '--yes', '--wait', '6s', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
    await waitFor('the patch', () => patches(c, 'shop').some((p) => p.status === 200), 60_000, 20)
    c.store.mutate('services', 'web', 'shop', (s) => {
      s.metadata.annotations = {...s.metadata.annotations, 'example.com/owner': 'team-b'}
    })
    const r = await run.done
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /^NOT rolled back: web\/shop was changed by someone else after this change \(resourceVersion \d+\); it is left as it is\. To restore the annotations as they were: kubectl annotate service -n web shop kube-router\.io\/service\.dsr- kr\.kube-router\.io\/dsr-replaced- --overwrite$/m)
    assert.equal(annotations(c)[DSR], 'tunnel', 'the change stays')
    assert.equal(annotations(c)['example.com/owner'], 'team-b', 'the other change stays')
    assert.equal(patches(c, 'shop').at(-1)!.status, 409)
  })
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  const code = signal === 'SIGINT' ? 130 : 143
  test(`${signal} after the patch, during verification: rolled back, no probe pod left, exit ${code}`, {skip, timeout: 180_000}, async () => {
    await withCluster({fault: 'never-programs'}, async (c, kubeconfig) => {
      const before = annotations(c)
      const run = krSpawn(['dsr', 'enable', 'web/shop', '--yes', '--wait', '120s', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
      await waitFor('a probe pod of the verification', () => patches(c, 'shop').length === 1 && leftovers(c).some((o: any) => o.kind === 'Pod'), 60_000, 20)
      run.child.kill(signal)
      const r = await run.done
      assert.equal(r.code, code, `${r.stdout}\n${r.stderr}`)
      assert.match(r.stderr, new RegExp(`^interrupted \\(${signal}\\): rolled back web/shop: the annotations are as they were before \\(interrupted during verification\\)$`, 'm'))
      assert.deepEqual(annotations(c), before)
      assert.deepEqual(eventReasons(c), ['Normal DSREnabled', 'Warning DSRRolledBack'])
    })
  })
}

test('SIGINT while a failed change is being rolled back: the rollback is finished, exit 130', {skip, timeout: 180_000}, async () => {
  await withCluster({fault: 'never-programs'}, async (c, kubeconfig) => {
    const before = annotations(c)
    const run = krSpawn(['dsr', 'enable', 'web/shop', '--yes', '--wait', '2s', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
    await waitFor('the patch', () => patches(c, 'shop').length === 1, 60_000, 20)
    // every request from here on takes 1.5 s, so the rollback's patch is still in flight when the signal comes
    c.setLatency(1500)
    let stdout = ''
    run.child.stdout!.on('data', (d) => (stdout += d))
    await waitFor('the failed verification', () => /^verification failed: /m.test(stdout), 120_000, 10)
    run.child.kill('SIGINT')
    const r = await run.done
    assert.equal(r.code, 130, `${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /^rolled back web\/shop: the annotations are as they were before \(verification failed on /m)
    assert.match(r.stderr, /^interrupted \(SIGINT\): it came while the failed change was being rolled back, which was finished first \(see above\)$/m)
    assert.deepEqual(annotations(c), before)
    assert.deepEqual(patches(c, 'shop').map((p) => p.status), [200, 200])
    c.setLatency(0)
  })
})

test('disable after enable: the scheduler enable replaced comes back, verified as disabled; DSRDisabled', {skip, timeout: 240_000}, async () => {
  await withCluster({annotations: {[SCHED]: 'sh', 'example.com/team': 'shop'}}, async (c, kubeconfig) => {
    const before = annotations(c)
    const on = await kr(['dsr', 'enable', 'web/shop', '--yes', '--scheduler', 'mh', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
    assert.equal(on.code, 0, `${on.stdout}\n${on.stderr}`)
    assert.equal(annotations(c)[SCHED], 'mh')
    const off = await kr(['dsr', 'disable', 'web/shop', '--yes', '--kubeconfig', kubeconfig], {timeoutMs: 150_000})
    assert.equal(off.code, 0, `${off.stdout}\n${off.stderr}`)
    assert.match(off.stdout, /^ {2}~ kube-router\.io\/service\.scheduler: mh -> sh$/m)
    assert.match(off.stdout, /^verified: DSR is off for web\/shop/m)
    assert.deepEqual(annotations(c), before)
    assert.deepEqual(eventReasons(c), ['Normal DSREnabled', 'Normal DSRDisabled'])
  })
})

test('the question in a terminal (tmux): y goes on, patches and verifies with live per-node lines; exit 0', {skip: skip || unmet(TMUX), timeout: 180_000}, async () => {
  await withCluster({}, async (c, kubeconfig) => {
    const socket = `kr-dsr-y-${process.pid}`
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'})
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
    const rc = join(dirname(kubeconfig), 'tmux.rc')
    const path = [join(REPO, 'bin'), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':')
    const inner = `cd ${q(REPO)} && kubectl kr dsr enable web/shop --kubeconfig ${q(kubeconfig)}; echo $? > ${q(rc)}; echo KR-EXITED; exec sleep 600`
    tmux('new-session', '-d', '-s', 'y', '-x', '200', '-y', '50', `env -u CI -u NO_COLOR PATH=${q(path)} TERM=xterm-256color LANG=C.UTF-8 sh -c ${q(inner)}`)
    try {
      const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-300', '-t', 'y')
      await waitFor('the question', () => screen().includes('enable DSR on web/shop: apply this change? [y/N]'), 60_000, 50)
      assert.deepEqual(patches(c, 'shop'), [], 'nothing written before the answer')
      tmux('send-keys', '-t', 'y', 'y', 'Enter')
      // the live per-node lines of the verification, seen while it runs
      let live = ''
      await waitFor('the end', () => {
        const now = screen()
        if (/^verifying web\/shop on the nodes \(round 1, up to .+ left\)$/m.test(now) && /^ {2}node-[ab]: /m.test(now)) live = now
        return now.includes('KR-EXITED')
      }, 150_000, 30)
      assert.ok(live, 'the live verification lines were on the screen while it ran')
      assert.match(live, /^ {2}node-[ab]: (waiting|probe pod scheduled|pulling the probe image|probing|probed)( \(.*\))?$/m)
      const end = screen()
      assert.match(end, /^verified: DSR is programmed for web\/shop on every node that should program it:$/m)
      assert.doesNotMatch(end, /^verifying web\/shop on the nodes/m, 'the live lines are erased once the round ends')
      assert.equal(existsSync(rc) ? readFileSync(rc, 'utf8').trim() : '', '0')
      assert.equal(patches(c, 'shop').length, 1)
      assert.equal(annotations(c)[DSR], 'tunnel')
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server'])
    }
  })
})
