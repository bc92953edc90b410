// `kubectl kr dsr enable` / `disable` through real kubectl plugin dispatch against the test API server, for
// everything decided before the nodes are probed: each blocking requirement refuses (exit 2, no write), --force,
// --dry-run (client and server), no terminal without --yes, a Service changed between read and patch, missing
// permissions, bad input. The request log shows what was (not) written.
import assert from 'node:assert/strict'
import {after, test} from 'node:test'
import {kr, krSpawn} from '../cli/kr.js'
import type {HarnessNode, TestClusterOptions} from '../harness/index.js'
import {waitFor} from '../helpers/wait-for.js'
import {annotationsOf, dsrReadyDaemonSet, patches, videoService, videoSlice, writes} from './dsr-fixtures.js'
import {replayClusters, replayNode} from './replay.js'

const replay = replayClusters('dsr-enable')
after(() => replay.closeAll())

const nodes = (): HarnessNode[] => [
  replayNode('node-b', {addresses: [{type: 'InternalIP', address: '192.168.56.12'}]}),
  replayNode('node-c', {addresses: [{type: 'InternalIP', address: '192.168.56.13'}]}),
]

function start(extra: {service?: Record<string, any>; slice?: Record<string, any>; daemonSet?: Record<string, any>} & Partial<TestClusterOptions> = {}) {
  const {service, slice, daemonSet, ...options} = extra
  return replay.start({
    nodes: nodes(),
    services: [service ?? videoService()],
    endpointSlices: [slice ?? videoSlice()],
    daemonSets: [daemonSet ?? dsrReadyDaemonSet()],
    ...options,
  })
}

const BLOCKERS: {id: string; title: RegExp; setup: () => Parameters<typeof start>[0]}[] = [
  {id: 'external-ips', title: /external or LoadBalancer IPs present/, setup: () => ({service: videoService({spec: {externalIPs: undefined}})})},
  {id: 'port-equals-target-port', title: /port equals targetPort/, setup: () => ({service: videoService({spec: {ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080}]}})})},
  {id: 'no-host-network-endpoints', title: /no hostNetwork endpoint pod/, setup: () => ({slice: videoSlice([['192.168.56.12', 'node-b']])})},
  {id: 'ips-in-allowed-ranges', title: /IPs inside --service-external-ip-range/, setup: () => ({daemonSet: dsrReadyDaemonSet({image: 'docker.io/cloudnativelabs/kube-router:v2.8.0'})})},
  {id: 'service-proxy', title: /runs the service proxy/, setup: () => ({daemonSet: dsrReadyDaemonSet({args: ['--run-router=true', '--run-service-proxy=false', '--runtime-endpoint=unix:///run/containerd/containerd.sock']})})},
  {id: 'host-pid-ipc', title: /hostPID and hostIPC/, setup: () => ({daemonSet: {...dsrReadyDaemonSet(), spec: {template: {spec: {...dsrReadyDaemonSet().spec.template.spec, hostPID: false}}}}})},
  {id: 'container-runtime', title: /container runtime reachable/, setup: () => ({daemonSet: dsrReadyDaemonSet({args: ['--run-router=true', '--run-service-proxy=true']})})},
  {
    id: 'rt-tables',
    title: /an rt_tables file kube-router can write/,
    setup: () => {
      const ds = dsrReadyDaemonSet()
      const spec = ds.spec.template.spec
      return {daemonSet: {...ds, spec: {template: {spec: {...spec, containers: [{...spec.containers[0], volumeMounts: [spec.containers[0].volumeMounts[0]], securityContext: {readOnlyRootFilesystem: true}}]}}}}}
    },
  },
]

for (const blocker of BLOCKERS) {
  test(`enable refuses when "${blocker.id}" fails: exit 2, the requirement and its fix shown, nothing written`, async () => {
    const {c, kubeconfig} = await start(blocker.setup())
    const before = annotationsOf(c)
    const r = await kr(['dsr', 'enable', 'media/video', '--yes', '--kubeconfig', kubeconfig])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stdout, new RegExp(`^ {2}FAIL {2}.*${blocker.title.source}.*\\[error, blocks enable\\]$`, 'm'))
    assert.match(r.stdout, /^ {6}fix: /m)
    assert.match(r.stderr, /^error: refusing to enable DSR on media\/video: 1 blocking requirement fails \(.*\); nothing changed\. Fix it \(see above\), or pass --force to enable anyway$/m)
    assert.deepEqual(writes(c), [])
    assert.deepEqual(annotationsOf(c), before)
  })
}

test('--force with --dry-run=server: says what it overrides, the API server validates the patch (dryRun=All), nothing stored', async () => {
  const {c, kubeconfig} = await start({daemonSet: {apiVersion: 'apps/v1', kind: 'DaemonSet', ...structuredClone(replayDemoDaemonSet())}})
  const before = annotationsOf(c)
  const r = await kr(['dsr', 'enable', 'media/video', '--force', '--dry-run=server', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, /^warning: --force: enabling although "DaemonSet has hostPID and hostIPC" fails: hostPID: false; hostIPC: false$/m)
  assert.match(r.stderr, /^warning: --force: enabling although "container runtime reachable.*" fails: /m)
  assert.match(r.stdout, /^dry run \(server\): the API server accepts the change and stored nothing; the annotations would be:$/m)
  assert.match(r.stdout, /^ {2}kube-router\.io\/service\.dsr: tunnel$/m)
  const [patch] = patches(c)
  assert.equal(patches(c).length, 1)
  assert.equal(patch.query.dryRun, 'All')
  assert.equal(patch.status, 200)
  assert.deepEqual(writes(c), [patch])
  assert.deepEqual(annotationsOf(c), before)
})

function replayDemoDaemonSet(): Record<string, any> {
  const ds = dsrReadyDaemonSet()
  // the demo DaemonSet as shipped: no hostPID/hostIPC, nothing mounted, no --runtime-endpoint
  return {...ds, spec: {template: {spec: {containers: [{name: 'kube-router', image: ds.spec.template.spec.containers[0].image, args: ['--run-router=true', '--run-service-proxy=true']}]}}}}
}

test('--dry-run (bare, as kubectl takes it) prints the requirements, the change and the kubectl annotate command; nothing sent', async () => {
  const {c, kubeconfig} = await start()
  const r = await kr(['dsr', 'enable', 'media/video', '--scheduler', 'mh', '--mh-flags', 'flag-1,flag-2', '--dry-run', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stdout.split('\n')
  assert.match(lines[0], /^service media\/video \(resourceVersion \d+\)$/)
  assert.match(r.stdout, /^requirements: \d+ of 13 pass$/m)
  assert.ok(lines.includes('change:'), r.stdout)
  assert.ok(lines.includes('  + kube-router.io/service.dsr: tunnel'), r.stdout)
  assert.ok(lines.includes('  ~ kube-router.io/service.scheduler: sh -> mh'), r.stdout)
  assert.ok(lines.includes('  + kube-router.io/service.schedflags: flag-1,flag-2'), r.stdout)
  assert.ok(lines.includes('  + kr.kube-router.io/dsr-replaced: {"before":{"kube-router.io/service.dsr":null,"kube-router.io/service.scheduler":"sh","kube-router.io/service.schedflags":null},"after":{"kube-router.io/service.dsr":"tunnel","kube-router.io/service.scheduler":"mh","kube-router.io/service.schedflags":"flag-1,flag-2"}}'), r.stdout)
  assert.match(r.stdout, /^ {2}the same by hand: kubectl annotate service -n media video kube-router\.io\/service\.dsr=tunnel kube-router\.io\/service\.scheduler=mh kube-router\.io\/service\.schedflags=flag-1,flag-2 'kr\.kube-router\.io\/dsr-replaced=\{.*\}' --overwrite$/m)
  assert.equal(lines.at(-2), 'dry run: nothing changed')
  assert.deepEqual(writes(c), [])
  // the Maglev requirement is judged for the scheduler the change sets
  assert.match(r.stdout, /FAIL {2}Maglev \(mh\): net\.ipv4\.vs\.sloppy_tcp=1 on every node \[warning\]/)
})

test('without a terminal and without --yes: refuses with exit 2 after showing the plan; nothing written', async () => {
  const {c, kubeconfig} = await start()
  const r = await kr(['dsr', 'enable', 'video', '-n', 'media', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stdout, /^ {2}\+ kube-router\.io\/service\.dsr: tunnel$/m)
  assert.equal(r.stderr, 'error: not changing video without confirmation: pass --yes (no terminal to ask on), or --dry-run to see the plan\n')
  assert.deepEqual(writes(c), [])

  const off = await kr(['dsr', 'disable', 'media/stream', '--kubeconfig', kubeconfig, '--dry-run'])
  assert.equal(off.code, 2, 'media/stream is not in this cluster')
  assert.equal(off.stderr, 'error: service media/stream not found\n')
})

test('the Service changes between the read and the patch: a conflict, one line, exit 2, the other change kept', async () => {
  const {c, kubeconfig} = await start()
  c.setLatency(400)
  const run = krSpawn(['dsr', 'enable', 'media/video', '--yes', '--kubeconfig', kubeconfig])
  await waitFor('the Service read', () => c.requests.find((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/media/services/video' && r.status === 200), 30_000)
  c.store.mutate('services', 'media', 'video', (s) => {
    s.metadata.annotations = {...s.metadata.annotations, 'example.com/owner': 'someone-else'}
  })
  const r = await run.done
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /^error: service media\/video changed since it was read \(resourceVersion \d+\): nothing changed; run the command again to plan from its current state$/m)
  assert.equal(patches(c).length, 1)
  assert.equal(patches(c)[0].status, 409)
  assert.deepEqual(annotationsOf(c), {'kube-router.io/service.scheduler': 'sh', 'example.com/owner': 'someone-else'})
  assert.deepEqual(c.objects('events', 'media'), [])
})

test('not allowed to patch the Service: exit 2 with the role and binding that grant it; nothing written', async () => {
  const {c, kubeconfig} = await start({deny: [{verb: 'patch', resource: 'services', namespace: 'media'}]})
  const r = await kr(['dsr', 'enable', 'media/video', '--yes', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 2, r.stderr)
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines[0], 'error: not allowed to enable DSR on media/video with context "harness": missing patch services in namespace media (to change the Service\'s annotations)')
  assert.equal(lines[1], "  fix: kubectl create role kr-dsr -n media --verb=get,patch --resource=services && kubectl create rolebinding kr-dsr -n media --role=kr-dsr --user=$(kubectl auth whoami -o jsonpath='{.status.userInfo.username}')")
  assert.equal(lines.length, 2)
  assert.deepEqual(writes(c), [])
  assert.equal(r.stdout, '')
})

test('not allowed to create probe pods: exit 2 before anything is read or changed, with the probe role', async () => {
  const {c, kubeconfig} = await start({deny: [{verb: 'create', resource: 'pods', namespace: 'kube-system'}]})
  const r = await kr(['dsr', 'disable', 'media/video', '--yes', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /^error: not allowed to disable DSR on media\/video with context "harness": missing create pods in namespace kube-system \(to start the probe pods\)$/m)
  assert.match(r.stderr, /^ {2}fix: kubectl create role kr-probe -n kube-system /m)
  assert.deepEqual(writes(c), [])
})

test('bad input: one line, exit 2, no API request', async () => {
  const {c, kubeconfig} = await start()
  const cases: [string[], RegExp][] = [
    [['dsr', 'enable', 'media/video', '--scheduler', 'rr', '--mh-flags', 'flag-1'], /^error: --mh-flags applies to the Maglev scheduler only: add --scheduler mh \(the Service's scheduler is rr\)$/],
    [['dsr', 'enable', 'media/video', '--scheduler', 'mh', '--mh-flags', 'flag-7'], /^error: --mh-flags takes a comma list of flag-1, flag-2, flag-3/],
    [['dsr', 'enable', 'media/video', '--wait', 'soon'], /^error: --wait: invalid duration "soon"/],
    [['dsr', 'enable', 'media/video', '--scheduler', 'wrr'], /^error: Expected --scheduler=wrr to be one of: rr, lc, dh, sh, mh/],
    [['dsr', 'disable', 'a/b/c', '--dry-run'], /^error: SERVICE must be NAME or NAMESPACE\/NAME, not "a\/b\/c"$/],
    [['dsr', 'enable'], /^error: Missing 1 required arg/],
    [['dsr', 'enable', 'media/video', '--wait', '0', '--yes'], /^error: --wait must be more than 0/],
    [['dsr', 'enable', 'media/video', '--image=', '--yes'], /^error: --image is empty: give an image reference, or leave --image out/],
    [['dsr', 'disable', 'media/video', '--image', '', '--yes'], /^error: --image is empty: give an image reference, or leave --image out/],
    [['dsr', 'enable', 'media/video', '--probe-namespace=', '--yes'], /^error: --probe-namespace is empty/],
    [['dsr', 'enable', 'video', '-n', '', '--yes'], /^error: -n\/--namespace is empty/],
  ]
  for (const [args, expected] of cases) {
    const before = c.requests.length
    const r = await kr([...args, '--kubeconfig', kubeconfig])
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr.trimEnd(), expected, args.join(' '))
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr)
    if (!args.includes('--mh-flags') || args.includes('flag-7')) assert.equal(c.requests.length, before, `${args.join(' ')} sent requests`)
  }
})

test('disable --dry-run on a DSR Service that enable did not change: removes only the DSR annotation', async () => {
  const {c, kubeconfig} = await start({service: videoService({annotations: {'kube-router.io/service.dsr': 'tunnel', 'kube-router.io/service.scheduler': 'mh'}})})
  const r = await kr(['dsr', 'disable', 'media/video', '--dry-run=client', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /^ {2}- kube-router\.io\/service\.dsr: tunnel$/m)
  assert.match(r.stdout, /^ {2}the same by hand: kubectl annotate service -n media video kube-router\.io\/service\.dsr- --overwrite$/m)
  assert.doesNotMatch(r.stdout, /scheduler/)
  assert.deepEqual(writes(c), [])
})

test('-h / --help: usage, flags, exit codes and examples of status, enable and disable', async () => {
  for (const command of ['enable', 'disable']) {
    const short = await kr(['dsr', command, '-h'])
    assert.equal(short.code, 0, short.stderr)
    assert.match(short.stdout, new RegExp(`^USAGE\\n {2}\\$ kubectl kr dsr ${command} SERVICE`, 'm'))
    assert.match(short.stdout, /--dry-run=client\|server/)
    assert.match(short.stdout, /--wait=DURATION/)
    assert.match(short.stdout, /--no-rollback/)
    assert.match(short.stdout.replace(/\s+/g, ' '), /Exit 0: changed .*; 1: verification failed \(rolled back unless --no-rollback\), or could not run after the change while --no-rollback kept it; 2: refused or could not run, nothing changed; 130\/143: interrupted \(rolled back\)\./)
    assert.match(short.stdout, new RegExp(`^EXAMPLES\\n {2}\\$ kubectl kr dsr ${command} media/stream --dry-run$`, 'm'))
    assert.equal((await kr(['dsr', command, '--help'])).stdout, short.stdout)
  }
  const topic = await kr(['dsr', '--help'])
  assert.equal(topic.code, 0, topic.stderr)
  assert.match(topic.stdout, /^Direct Server Return per Service: status, enable, disable$/m)
  for (const command of ['disable', 'enable', 'status']) assert.match(topic.stdout, new RegExp(`^ {2}dsr ${command}\\s`, 'm'))
  const enable = await kr(['dsr', 'enable', '-h'])
  assert.match(enable.stdout, /--scheduler=<option>/)
  assert.match(enable.stdout, /--mh-flags=FLAGS/)
  assert.match(enable.stdout, /--force/)
  assert.match(enable.stdout.replace(/\s+/g, ' '), /recorded in the annotation kr\.kube-router\.io\/dsr-replaced, so `dsr disable` restores it/)
  assert.match(enable.stdout.replace(/\s+/g, ' '), /--wait=DURATION How long verification may take before the change counts as failed: 30s, 2m, or seconds\. Default 60s\./)
  const status = await kr(['dsr', 'status', '-h'])
  assert.equal(status.code, 0, status.stderr)
  assert.match(status.stdout, /^USAGE\n {2}\$ kubectl kr dsr status \[SERVICE\] \[-n <value> \| -A\] \[-o\s+table\|wide\|json\|yaml\] \[--no-probe\]/m)
  assert.match(status.stdout.replace(/\s+/g, ' '), /Exit 0: every listed Service is ready for DSR and programmed on its nodes; 1: one is not; 2: could not look/)
  assert.match(status.stdout, /^EXAMPLES\n {2}\$ kubectl kr dsr status$/m)
  assert.match(status.stdout, /^ {2}\$ kubectl kr dsr status media\/stream -o wide$/m)
})

test('no kube-router DaemonSet to take the probe image from: refused before anything changes (pass --image)', async () => {
  const {c, kubeconfig} = await replay.start({nodes: nodes(), services: [videoService()], endpointSlices: [videoSlice()], daemonSets: []})
  const r = await kr(['dsr', 'enable', 'media/video', '--yes', '--kubeconfig', kubeconfig])
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /^error: no kube-router DaemonSet found .*: pass --image with kube-router's image; nothing changed$/m)
  assert.deepEqual(writes(c), [])
})
