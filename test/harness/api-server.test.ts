// The test API server against a real client (@kubernetes/client-node) and plain fetch:
// pagination, selectors, Status errors, SSAR, watches, logs, deletes, failAfter, throttle, garble, request log.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {connect as netConnect} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import {ApiException, AuthorizationV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig, Watch} from '@kubernetes/client-node'
import {startTestCluster, type TestCluster, type TestClusterOptions} from './index.js'
import {startBlackHole} from './black-hole.js'
import {sleep, waitFor} from '../helpers/wait-for.js'

const TOKEN = 'secret-token'
let tmp: string

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), `kr-harness-${process.pid}-`))
})
after(async () => {
  await rm(tmp, {recursive: true, force: true})
})

let kcCounter = 0
async function connect(cluster: TestCluster, token?: string) {
  const file = path.join(tmp, `kubeconfig-${++kcCounter}`)
  await cluster.writeKubeconfig(file, token === undefined ? {} : {token})
  const kc = new KubeConfig()
  kc.loadFromFile(file)
  return {kc, core: kc.makeApiClient(CoreV1Api), discovery: kc.makeApiClient(DiscoveryV1Api), authz: kc.makeApiClient(AuthorizationV1Api)}
}

async function withCluster(opts: Partial<TestClusterOptions>, fn: (c: TestCluster) => Promise<void>) {
  const cluster = await startTestCluster({token: TOKEN, nodes: [{name: 'node-a', runtime: {kind: 'replay', log: 'line1\nline2\nline3\n', runMs: 30}}], ...opts})
  try {
    await fn(cluster)
  } finally {
    await cluster.close()
  }
}

async function api(cluster: TestCluster, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(cluster.url + p, {
    method,
    headers: {authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : {'content-type': 'application/json'}), ...headers},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return {status: res.status, json, text, headers: res.headers}
}

/** The Status object a client-node call failed with. */
async function statusOf(p: Promise<unknown>): Promise<{code: number; status: any}> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof ApiException, `ApiException expected, got ${String(err)}`)
    return {code: err.code, status: typeof err.body === 'string' ? JSON.parse(err.body) : (err.body as any)}
  }
  assert.fail('the call succeeded')
}

function probePod(name: string, extra: Record<string, any> = {}) {
  return {
    metadata: {name, namespace: 'kube-system', labels: {'app.kubernetes.io/name': 'kr-probe', run: 'r1'}},
    spec: {nodeName: 'node-a', restartPolicy: 'Never', containers: [{name: 'probe', image: 'cloudnativelabs/kube-router:v2.1.2', command: ['/bin/sh', '-c', 'true']}], ...extra},
  }
}


describe('lists', () => {
  test('10k services page through limit=500 with continue and remainingItemCount; endpointslices too', async () => {
    const services = Array.from({length: 10_000}, (_, i) => ({
      metadata: {name: `svc-${String(i).padStart(5, '0')}`, namespace: `ns-${i % 7}`},
      spec: {type: 'ClusterIP', clusterIP: `10.96.${i >> 8}.${i & 255}`, ports: [{port: 80, protocol: 'TCP'}]},
    }))
    const endpointSlices = Array.from({length: 1200}, (_, i) => ({
      metadata: {name: `svc-${i}-abcde`, namespace: 'default', labels: {'kubernetes.io/service-name': `svc-${i}`}},
      addressType: 'IPv4',
      endpoints: [{addresses: [`10.244.1.${i % 250}`], conditions: {ready: true}, nodeName: 'node-a'}],
      ports: [{port: 8080, protocol: 'TCP'}],
    }))
    await withCluster({services, endpointSlices}, async (cluster) => {
      const {core, discovery} = await connect(cluster)
      const started = Date.now()
      const names: string[] = []
      const remaining: (number | undefined)[] = []
      let cont: string | undefined
      let pages = 0
      do {
        const page = await core.listServiceForAllNamespaces({limit: 500, _continue: cont})
        pages++
        assert.equal(page.kind, 'ServiceList')
        assert.equal(page.apiVersion, 'v1')
        assert.match(page.metadata?.resourceVersion ?? '', /^\d+$/)
        names.push(...page.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`))
        remaining.push(page.metadata?.remainingItemCount)
        cont = page.metadata?._continue || undefined
      } while (cont)
      assert.equal(pages, 20)
      assert.equal(names.length, 10_000)
      assert.equal(new Set(names).size, 10_000)
      assert.deepEqual(names, [...names].sort(), 'namespace/name order, as etcd keys')
      assert.deepEqual(remaining.slice(0, 3), [9500, 9000, 8500])
      assert.equal(remaining.at(-1), undefined, 'the last page has no remainingItemCount')
      assert.ok(Date.now() - started < 5000, `paging took ${Date.now() - started} ms`)

      const ns3 = await core.listNamespacedService({namespace: 'ns-3', limit: 1000})
      assert.equal(ns3.items.length, 1000)
      assert.ok(ns3.items.every((s) => s.metadata?.namespace === 'ns-3'))
      assert.equal(ns3.metadata?.remainingItemCount, 1429 - 1000)

      let slices = 0
      cont = undefined
      do {
        const page = await discovery.listEndpointSliceForAllNamespaces({limit: 500, _continue: cont})
        assert.equal(page.kind, 'EndpointSliceList')
        assert.equal(page.apiVersion, 'discovery.k8s.io/v1')
        slices += page.items.length
        cont = page.metadata?._continue || undefined
      } while (cont)
      assert.equal(slices, 1200)
      const one = await discovery.listNamespacedEndpointSlice({namespace: 'default', labelSelector: 'kubernetes.io/service-name=svc-7'})
      assert.deepEqual(
        one.items.map((s) => s.metadata?.name),
        ['svc-7-abcde'],
      )

      // list items carry no kind/apiVersion (as the real server sends them)
      const raw = await api(cluster, 'GET', '/api/v1/services?limit=1')
      assert.equal(raw.json.items[0].kind, undefined)
      assert.equal((await api(cluster, 'GET', '/api/v1/services?limit=1&continue=garbage')).status, 400)
    })
  })

  test('label and field selectors on nodes and pods', async () => {
    const nodes: TestClusterOptions['nodes'] = [
      {name: 'cp-1', labels: {'node-role.kubernetes.io/control-plane': '', zone: 'a'}, runtime: {kind: 'replay', log: ''}},
      {name: 'w-1', labels: {zone: 'a', tier: 'web'}, runtime: {kind: 'replay', log: ''}},
      {name: 'w-2', labels: {zone: 'b', tier: 'db'}, runtime: {kind: 'replay', log: ''}},
      {name: 'w-3', labels: {zone: 'c'}, runtime: {kind: 'replay', log: ''}},
    ]
    const pods = ['w-1', 'w-2', 'w-3'].map((n, i) => ({
      metadata: {name: `kube-router-${i}`, namespace: 'kube-system', labels: {'k8s-app': 'kube-router'}},
      spec: {nodeName: n, containers: [{name: 'kube-router', image: 'cloudnativelabs/kube-router:v2.1.2'}]},
      status: {phase: 'Running'},
    }))
    await withCluster({nodes, pods}, async (cluster) => {
      const {core} = await connect(cluster)
      const names = async (labelSelector?: string, fieldSelector?: string) => (await core.listNode({labelSelector, fieldSelector})).items.map((n) => n.metadata?.name)
      assert.deepEqual(await names('zone=a'), ['cp-1', 'w-1'])
      assert.deepEqual(await names('zone==a,tier=web'), ['w-1'])
      assert.deepEqual(await names('zone!=a'), ['w-2', 'w-3'])
      assert.deepEqual(await names('zone in (b, c)'), ['w-2', 'w-3'])
      assert.deepEqual(await names('zone notin (a),tier'), ['w-2'])
      assert.deepEqual(await names('!node-role.kubernetes.io/control-plane'), ['w-1', 'w-2', 'w-3'])
      assert.deepEqual(await names('node-role.kubernetes.io/control-plane'), ['cp-1'])
      assert.deepEqual(await names('kubernetes.io/hostname=w-2'), ['w-2'])
      assert.deepEqual(await names(undefined, 'metadata.name=w-3'), ['w-3'])
      assert.deepEqual(await names(undefined, 'metadata.name!=w-3'), ['cp-1', 'w-1', 'w-2'])
      const node = await core.readNode({name: 'w-1'})
      assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True')

      const podNames = async (q: {labelSelector?: string; fieldSelector?: string}) => (await core.listNamespacedPod({namespace: 'kube-system', ...q})).items.map((p) => p.metadata?.name)
      assert.deepEqual(await podNames({fieldSelector: 'spec.nodeName=w-2'}), ['kube-router-1'])
      assert.deepEqual(await podNames({labelSelector: 'k8s-app=kube-router', fieldSelector: 'spec.nodeName!=w-2'}), ['kube-router-0', 'kube-router-2'])
      assert.deepEqual(await podNames({fieldSelector: 'metadata.name=kube-router-2'}), ['kube-router-2'])
      assert.deepEqual((await core.listPodForAllNamespaces({fieldSelector: 'spec.nodeName=w-3'})).items.map((p) => p.metadata?.name), ['kube-router-2'])
      const paged = await core.listNamespacedPod({namespace: 'kube-system', labelSelector: 'k8s-app', limit: 2})
      assert.equal(paged.items.length, 2)
      assert.ok(paged.metadata?._continue)
      assert.equal(paged.metadata?.remainingItemCount, undefined, 'no remainingItemCount with a selector')

      const bad = await statusOf(core.listNamespacedPod({namespace: 'kube-system', fieldSelector: 'spec.bogus=x'}))
      assert.equal(bad.code, 400)
      assert.equal(bad.status.message, 'field label not supported: spec.bogus')
      assert.equal((await statusOf(core.listNode({labelSelector: 'a in b'}))).code, 400)
    })
  })

  test('namespaces and daemonsets', async () => {
    const ds = {
      metadata: {name: 'kube-router', namespace: 'kube-system', labels: {'k8s-app': 'kube-router'}},
      spec: {selector: {matchLabels: {'k8s-app': 'kube-router'}}, template: {metadata: {labels: {'k8s-app': 'kube-router'}}, spec: {containers: [{name: 'kube-router', image: 'cloudnativelabs/kube-router:v2.1.2'}]}}},
    }
    await withCluster({daemonSets: [ds], namespaces: [{name: 'probes', labels: {team: 'net'}}]}, async (cluster) => {
      const nsList = await api(cluster, 'GET', '/api/v1/namespaces')
      assert.deepEqual(
        nsList.json.items.map((n: any) => n.metadata.name),
        ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'probes'],
      )
      const probes = await api(cluster, 'GET', '/api/v1/namespaces/probes')
      assert.deepEqual(probes.json.metadata.labels, {'kubernetes.io/metadata.name': 'probes', team: 'net'})
      assert.equal(probes.json.status.phase, 'Active')
      const list = await api(cluster, 'GET', '/apis/apps/v1/namespaces/kube-system/daemonsets?labelSelector=k8s-app%3Dkube-router&limit=500')
      assert.equal(list.json.kind, 'DaemonSetList')
      assert.equal(list.json.apiVersion, 'apps/v1')
      assert.equal(list.json.items[0].spec.template.spec.containers[0].image, 'cloudnativelabs/kube-router:v2.1.2')
      assert.equal((await api(cluster, 'GET', '/apis/apps/v1/daemonsets?labelSelector=k8s-app%3Dother')).json.items.length, 0)
      const one = await api(cluster, 'GET', '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-router')
      assert.equal(one.json.kind, 'DaemonSet')
      assert.match(one.json.metadata.uid, /^[0-9a-f-]{36}$/)
    })
  })
})

describe('errors', () => {
  test('401 without or with a wrong token, as a Status', async () => {
    await withCluster({}, async (cluster) => {
      const noToken = await fetch(`${cluster.url}/api/v1/nodes`)
      assert.equal(noToken.status, 401)
      assert.deepEqual(await noToken.json(), {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401})
      const {core} = await connect(cluster, 'wrong')
      // client-node drops the body of a 401 (its generated code throws with none)
      assert.equal((await statusOf(core.listNode())).code, 401)
      const wrong = await fetch(`${cluster.url}/api/v1/nodes`, {headers: {authorization: 'Bearer wrong'}})
      assert.equal(wrong.status, 401)
      assert.equal(((await wrong.json()) as {reason: string}).reason, 'Unauthorized')
    })
  })

  test('403 from the deny list, SSAR allowed/denied', async () => {
    await withCluster({deny: [{verb: 'create', resource: 'pods', namespace: 'kube-system'}, {verb: 'get', resource: 'pods', subresource: 'log'}, {verb: 'list', resource: 'nodes'}]}, async (cluster) => {
      const {core, authz} = await connect(cluster)
      const e = await statusOf(core.createNamespacedPod({namespace: 'kube-system', body: probePod('p1') as any}))
      assert.equal(e.code, 403)
      assert.equal(e.status.kind, 'Status')
      assert.equal(e.status.reason, 'Forbidden')
      assert.equal(e.status.message, 'pods is forbidden: User "harness-user" cannot create resource "pods" in API group "" in the namespace "kube-system"')
      await core.createNamespacedPod({namespace: 'default', body: {...probePod('p1'), metadata: {name: 'p1'}} as any})
      const log = await statusOf(core.readNamespacedPodLog({namespace: 'default', name: 'p1'}))
      assert.equal(log.code, 403)
      assert.equal(log.status.message, 'pods "p1" is forbidden: User "harness-user" cannot get resource "pods/log" in API group "" in the namespace "default"')
      const nodes = await statusOf(core.listNode())
      assert.equal(nodes.status.message, 'nodes is forbidden: User "harness-user" cannot list resource "nodes" in API group "" at the cluster scope')

      const review = (verb: string, resource: string, namespace?: string, subresource?: string) =>
        authz.createSelfSubjectAccessReview({body: {spec: {resourceAttributes: {verb, resource, namespace, subresource, group: ''}}}})
      const denied = await review('create', 'pods', 'kube-system')
      assert.equal(denied.status?.allowed, false)
      assert.equal(denied.kind, 'SelfSubjectAccessReview')
      assert.equal((await review('create', 'pods', 'default')).status?.allowed, true)
      assert.equal((await review('delete', 'pods', 'kube-system')).status?.allowed, true)
      assert.equal((await review('get', 'pods', 'default', 'log')).status?.allowed, false)
      assert.equal((await review('get', 'pods', 'default')).status?.allowed, true)
      assert.equal((await review('list', 'nodes')).status?.allowed, false)
      const invalid = await api(cluster, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {spec: {}})
      assert.equal(invalid.status, 422)
    })
  })

  test('404, 409, 422 and Pod Security rejections', async () => {
    await withCluster({namespaces: [{name: 'locked', labels: {'pod-security.kubernetes.io/enforce': 'baseline'}}, {name: 'strict', labels: {'pod-security.kubernetes.io/enforce': 'restricted'}}]}, async (cluster) => {
      const {core} = await connect(cluster)
      const missing = await statusOf(core.readNamespacedPod({namespace: 'kube-system', name: 'nope'}))
      assert.equal(missing.code, 404)
      assert.deepEqual(missing.status, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: {name: 'nope', kind: 'pods'}, code: 404})
      const noRoute = await api(cluster, 'GET', '/apis/example.com/v1/widgets')
      assert.equal(noRoute.status, 404)
      assert.equal(noRoute.json.reason, 'NotFound')
      assert.equal((await api(cluster, 'DELETE', '/api/v1/namespaces/kube-system/pods/nope')).status, 404)
      const ghost = await api(cluster, 'POST', '/api/v1/namespaces/ghost/pods', {...probePod('x'), metadata: {name: 'x'}})
      assert.deepEqual([ghost.status, ghost.json.message], [404, 'namespaces "ghost" not found'])
      const wrongNs = await api(cluster, 'POST', '/api/v1/namespaces/default/pods', probePod('x'))
      assert.deepEqual([wrongNs.status, wrongNs.json.message], [400, 'the namespace of the provided object does not match the namespace sent on the request'])

      await core.createNamespacedPod({namespace: 'kube-system', body: probePod('dup') as any})
      const dup = await statusOf(core.createNamespacedPod({namespace: 'kube-system', body: probePod('dup') as any}))
      assert.equal(dup.code, 409)
      assert.equal(dup.status.reason, 'AlreadyExists')
      assert.equal(dup.status.message, 'pods "dup" already exists')

      const noContainers = await api(cluster, 'POST', '/api/v1/namespaces/kube-system/pods', {metadata: {name: 'bad'}, spec: {nodeName: 'node-a', containers: []}})
      assert.equal(noContainers.status, 422)
      assert.equal(noContainers.json.reason, 'Invalid')
      assert.equal(noContainers.json.message, 'Pod "bad" is invalid: spec.containers: Required value')
      assert.deepEqual(noContainers.json.details.causes, [{reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers'}])

      const privileged = probePod('probe-x', {
        hostNetwork: true,
        hostPID: true,
        volumes: [{name: 'host', hostPath: {path: '/'}}],
      }) as any
      privileged.spec.containers[0].securityContext = {privileged: true}
      privileged.metadata.namespace = 'locked'
      const psa = await statusOf(core.createNamespacedPod({namespace: 'locked', body: privileged}))
      assert.equal(psa.code, 403)
      assert.equal(psa.status.reason, 'Forbidden')
      assert.equal(
        psa.status.message,
        'pods "probe-x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true), privileged (container "probe" must not set securityContext.privileged=true), hostPath volumes (volume "host")',
      )
      privileged.metadata.namespace = 'strict'
      const strict = await statusOf(core.createNamespacedPod({namespace: 'strict', body: privileged}))
      assert.match(strict.status.message, /^pods "probe-x" is forbidden: violates PodSecurity "restricted:latest": host namespaces \(hostNetwork=true, hostPID=true\), privileged .*, allowPrivilegeEscalation != false .*restricted volume types \(volume "host" uses restricted volume type "hostPath"\).*runAsNonRoot != true/)
      // an ordinary pod is fine in the baseline namespace
      await core.createNamespacedPod({namespace: 'locked', body: {metadata: {name: 'plain'}, spec: {containers: [{name: 'c', image: 'busybox'}]}}})
      assert.equal(cluster.pods('locked').length, 1)
    })
  })
})

describe('pods', () => {
  test('watch sees ADDED, MODIFIED (ContainerCreating, Running, Succeeded), MODIFIED (deleting), DELETED; logs; replay from a resourceVersion', async () => {
    await withCluster({}, async (cluster) => {
      const {kc, core} = await connect(cluster)
      const seen: {type: string; phase?: string; state?: string; deleting: boolean; rv: string}[] = []
      let done: unknown = 'open'
      const ctl = await new Watch(kc).watch(
        '/api/v1/namespaces/kube-system/pods',
        {labelSelector: 'app.kubernetes.io/name=kr-probe'},
        (type, obj) => {
          const st = obj.status?.containerStatuses?.[0]?.state ?? {}
          seen.push({type, phase: obj.status?.phase, state: Object.keys(st)[0] && `${Object.keys(st)[0]}${st.waiting ? `:${st.waiting.reason}` : ''}`, deleting: Boolean(obj.metadata.deletionTimestamp), rv: obj.metadata.resourceVersion})
        },
        (err) => (done = err),
      )
      const created = await core.createNamespacedPod({namespace: 'kube-system', body: {...probePod(''), metadata: {generateName: 'kr-probe-', labels: {'app.kubernetes.io/name': 'kr-probe'}}} as any})
      const name = created.metadata!.name!
      assert.match(name, /^kr-probe-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
      assert.equal(created.status?.phase, 'Pending')
      await waitFor('Succeeded', () => seen.some((e) => e.phase === 'Succeeded'))
      const pod = await core.readNamespacedPod({namespace: 'kube-system', name})
      const term = pod.status?.containerStatuses?.[0]?.state?.terminated
      assert.equal(term?.exitCode, 0)
      assert.equal(term?.reason, 'Completed')
      assert.equal(await core.readNamespacedPodLog({namespace: 'kube-system', name}), 'line1\nline2\nline3\n')
      assert.equal(await core.readNamespacedPodLog({namespace: 'kube-system', name, tailLines: 2}), 'line2\nline3\n')
      assert.equal(await core.readNamespacedPodLog({namespace: 'kube-system', name, limitBytes: 8}), 'line1\nli')
      assert.equal(await core.readNamespacedPodLog({namespace: 'kube-system', name, sinceSeconds: 60, container: 'probe'}), 'line1\nline2\nline3\n')
      const stamped = await core.readNamespacedPodLog({namespace: 'kube-system', name, timestamps: true})
      assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line1\n/)
      assert.equal((await statusOf(core.readNamespacedPodLog({namespace: 'kube-system', name, container: 'other'}))).status.message, `container other is not valid for pod ${name}`)

      await core.deleteNamespacedPod({namespace: 'kube-system', name})
      await waitFor('DELETED', () => seen.some((e) => e.type === 'DELETED'))
      assert.deepEqual(
        seen.map((e) => [e.type, e.phase, e.state, e.deleting]),
        [
          ['ADDED', 'Pending', undefined, false],
          ['MODIFIED', 'Pending', 'waiting:ContainerCreating', false],
          ['MODIFIED', 'Running', 'running', false],
          ['MODIFIED', 'Succeeded', 'terminated', false],
          ['MODIFIED', 'Succeeded', 'terminated', true],
          ['DELETED', 'Succeeded', 'terminated', true],
        ],
      )
      assert.equal(done, 'open')
      ctl.abort()

      // replay: from the creation's resourceVersion, the events after it, then live ones
      const replay: string[] = []
      const ctl2 = await new Watch(kc).watch('/api/v1/namespaces/kube-system/pods', {resourceVersion: created.metadata!.resourceVersion, fieldSelector: `metadata.name=${name}`}, (type, obj) => replay.push(`${type} ${obj.status?.phase}`), () => {})
      await waitFor('replayed DELETED', () => replay.includes('DELETED Succeeded'))
      assert.deepEqual(replay, ['MODIFIED Pending', 'MODIFIED Running', 'MODIFIED Succeeded', 'MODIFIED Succeeded', 'DELETED Succeeded'])
      ctl2.abort()

      // the kubelet recorded events
      const events = cluster.objects('events', 'kube-system').filter((e) => e.involvedObject.name === name).map((e) => e.reason)
      assert.deepEqual(events, ['Pulled', 'Created', 'Started'])
    })
  })

  test('watch without resourceVersion starts with ADDED for what exists; timeoutSeconds ends it with a bookmark', async () => {
    await withCluster({}, async (cluster) => {
      const {core} = await connect(cluster)
      await core.createNamespacedPod({namespace: 'kube-system', body: probePod('a') as any})
      await core.createNamespacedPod({namespace: 'kube-system', body: {...probePod('b'), metadata: {name: 'b', labels: {other: 'x'}}} as any})
      const started = Date.now()
      const res = await api(cluster, 'GET', '/api/v1/namespaces/kube-system/pods?watch=1&labelSelector=run%3Dr1&timeoutSeconds=1&allowWatchBookmarks=true')
      assert.ok(Date.now() - started >= 900)
      const events = res.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      assert.equal(events[0].type, 'ADDED')
      assert.equal(events[0].object.metadata.name, 'a')
      assert.equal(events[0].object.kind, 'Pod')
      assert.ok(events.every((e: any) => e.type === 'BOOKMARK' || e.object.metadata.name === 'a'))
      const last = events.at(-1)
      assert.equal(last.type, 'BOOKMARK')
      assert.match(last.object.metadata.resourceVersion, /^\d+$/)
    })
  })

  test('logs of a pod that has not started: 400 waiting to start; pre-existing pods serve podLogs', async () => {
    await withCluster(
      {
        nodes: [
          {name: 'node-a', runtime: {kind: 'replay', log: 'x\n'}},
          {name: 'node-down', ready: false, runtime: {kind: 'replay', log: 'x\n'}},
        ],
        pods: [
          {
            metadata: {name: 'kube-router-abcde', namespace: 'kube-system', labels: {'k8s-app': 'kube-router'}},
            spec: {nodeName: 'node-a', containers: [{name: 'kube-router', image: 'cloudnativelabs/kube-router:v2.1.2'}]},
            status: {phase: 'Running', containerStatuses: [{name: 'kube-router', ready: true, restartCount: 0, image: 'x', imageID: '', state: {running: {startedAt: '2026-01-01T00:00:00Z'}}}]},
          },
        ],
        podLogs: {'kube-system/kube-router-abcde': 'I0101 00:00:00.000000       1 kube-router.go:1] Running\n'},
      },
      async (cluster) => {
        const {core} = await connect(cluster)
        assert.match(await core.readNamespacedPodLog({namespace: 'kube-system', name: 'kube-router-abcde'}), /Running\n$/)
        await core.createNamespacedPod({namespace: 'kube-system', body: {...probePod('stuck'), spec: {...probePod('stuck').spec, nodeName: 'node-down'}} as any})
        await sleep(100)
        const pod = await core.readNamespacedPod({namespace: 'kube-system', name: 'stuck'})
        assert.equal(pod.status?.phase, 'Pending')
        assert.deepEqual(
          pod.status?.conditions?.map((c) => [c.type, c.status]),
          [['PodScheduled', 'True']],
        )
        assert.equal(pod.status?.containerStatuses, undefined)
        const e = await statusOf(core.readNamespacedPodLog({namespace: 'kube-system', name: 'stuck'}))
        assert.equal(e.code, 400)
        assert.equal(e.status.message, 'container "probe" in pod "stuck" is waiting to start: ContainerCreating')
        const node = await core.readNode({name: 'node-down'})
        assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown', 'a node without a kubelet: the node controller marks it Unknown')
        assert.ok(node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable'))
      },
    )
  })

  test('faults: image pull back-off, kubelet rejection, exit 1, hang until activeDeadlineSeconds', async () => {
    const nodes: TestClusterOptions['nodes'] = [
      {name: 'pull', fault: 'image-pull', runtime: {kind: 'replay', log: ''}},
      {name: 'reject', fault: 'rejected', runtime: {kind: 'replay', log: ''}},
      {name: 'exit', fault: 'exit-1', runtime: {kind: 'replay', log: ''}},
      {name: 'hang', fault: 'hang', runtime: {kind: 'replay', log: ''}},
      {name: 'crash', fault: 'exit-1', runtime: {kind: 'replay', log: ''}},
    ]
    await withCluster({nodes, podStartLatencyMs: 30}, async (cluster) => {
      const {core} = await connect(cluster)
      for (const n of ['pull', 'reject', 'exit', 'hang']) {
        await core.createNamespacedPod({namespace: 'kube-system', body: {...probePod(`p-${n}`), spec: {...probePod('').spec, nodeName: n, activeDeadlineSeconds: 1}} as any})
      }
      const pod = (n: string) => cluster.pods('kube-system').find((p) => p.metadata.name === `p-${n}`)
      await waitFor('ImagePullBackOff', () => pod('pull')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff')
      assert.match(pod('pull').status.containerStatuses[0].state.waiting.message, /^Back-off pulling image "cloudnativelabs\/kube-router:v2\.1\.2"/)
      assert.equal((await statusOf(core.readNamespacedPodLog({namespace: 'kube-system', name: 'p-pull'}))).status.message, 'container "probe" in pod "p-pull" is waiting to start: trying and failing to pull image')

      const rejected = await waitFor('rejected', () => pod('reject')?.status?.phase === 'Failed' && pod('reject'))
      assert.equal(rejected.status.reason, 'OutOfpods')
      assert.match(rejected.status.message, /^Pod was rejected: Node didn't have enough resource: pods, /)

      const exited = await waitFor('exit 1', () => pod('exit')?.status?.phase === 'Failed' && pod('exit'))
      assert.deepEqual([exited.status.containerStatuses[0].state.terminated.exitCode, exited.status.containerStatuses[0].state.terminated.reason], [1, 'Error'])
      assert.match(await core.readNamespacedPodLog({namespace: 'kube-system', name: 'p-exit'}), /simulated container failure/)

      // restartPolicy Always: CrashLoopBackOff, and the log is the exited container's
      await core.createNamespacedPod({namespace: 'kube-system', body: {...probePod('p-crash'), spec: {...probePod('').spec, nodeName: 'crash', restartPolicy: 'Always'}} as any})
      const crashing = await waitFor('CrashLoopBackOff', () => pod('crash')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' && pod('crash'))
      assert.equal(crashing.status.phase, 'Running')
      assert.equal(crashing.status.containerStatuses[0].restartCount, 1)
      assert.equal(crashing.status.containerStatuses[0].lastState.terminated.exitCode, 1)
      assert.match(crashing.status.containerStatuses[0].state.waiting.message, /^back-off 10s restarting failed container=probe pod=p-crash_kube-system\(/)
      assert.match(await core.readNamespacedPodLog({namespace: 'kube-system', name: 'p-crash'}), /simulated container failure/)
      assert.match(await core.readNamespacedPodLog({namespace: 'kube-system', name: 'p-crash', previous: true}), /simulated container failure/)

      assert.equal(pod('hang').status.phase, 'Running')
      const t0 = Date.now()
      const hung = await waitFor('deadline', () => pod('hang')?.status?.phase === 'Failed' && pod('hang'), 3000)
      assert.ok(Date.now() - t0 < 1500)
      assert.equal(hung.status.reason, 'DeadlineExceeded')
      assert.equal(hung.status.message, 'Pod was active on the node longer than the specified deadline')
      assert.equal(hung.status.containerStatuses[0].state.terminated.exitCode, 137)
      const pulled = await waitFor('pull deadline', () => pod('pull')?.status?.phase === 'Failed' && pod('pull'), 3000)
      assert.equal(pulled.status.reason, 'DeadlineExceeded')
    })
  })

  test('deletecollection by label returns the deleted pods; scheduling by nodeSelector; unknown node stays Pending', async () => {
    await withCluster({nodes: [{name: 'node-a', runtime: {kind: 'replay', log: 'ok\n', runMs: 5000}}, {name: 'node-b', labels: {pick: 'me'}, runtime: {kind: 'replay', log: 'ok\n'}}]}, async (cluster) => {
      const {core} = await connect(cluster)
      for (const n of ['d1', 'd2']) await core.createNamespacedPod({namespace: 'kube-system', body: probePod(n) as any})
      await core.createNamespacedPod({namespace: 'kube-system', body: {metadata: {name: 'keep'}, spec: {nodeName: 'node-a', containers: [{name: 'c', image: 'busybox'}]}}})
      const sched = await core.createNamespacedPod({namespace: 'kube-system', body: {metadata: {name: 'sched', labels: {run: 'r2'}}, spec: {nodeSelector: {pick: 'me'}, containers: [{name: 'c', image: 'busybox', command: ['true']}]}}})
      assert.equal(sched.spec?.nodeName, 'node-b')
      const nowhere = await core.createNamespacedPod({namespace: 'kube-system', body: {metadata: {name: 'nowhere', labels: {run: 'r2'}}, spec: {nodeSelector: {pick: 'nobody'}, containers: [{name: 'c', image: 'busybox'}]}}})
      assert.equal(nowhere.spec?.nodeName, undefined)
      const unsched = (await core.readNamespacedPod({namespace: 'kube-system', name: 'nowhere'})).status?.conditions?.[0]
      assert.equal(unsched?.reason, 'Unschedulable')
      assert.match(unsched?.message ?? '', /^0\/2 nodes are available: 2 node\(s\) didn't match Pod's node affinity\/selector/)
      await core.createNamespacedPod({namespace: 'kube-system', body: {metadata: {name: 'ghost-node'}, spec: {nodeName: 'node-zz', containers: [{name: 'c', image: 'busybox'}]}}})
      await waitFor('running', () => cluster.pods('kube-system').filter((p) => p.metadata.name.startsWith('d') && p.status.phase === 'Running').length === 2)
      assert.equal(cluster.pods('kube-system').find((p) => p.metadata.name === 'ghost-node').status.phase, 'Pending')

      const res = await api(cluster, 'DELETE', '/api/v1/namespaces/kube-system/pods?labelSelector=run%3Dr1')
      assert.equal(res.status, 200)
      assert.equal(res.json.kind, 'PodList')
      assert.deepEqual(
        res.json.items.map((p: any) => [p.metadata.name, Boolean(p.metadata.deletionTimestamp)]),
        [
          ['d1', true],
          ['d2', true],
        ],
      )
      await waitFor('gone', () => !cluster.pods('kube-system').some((p) => p.metadata.name.startsWith('d')))
      await core.deleteCollectionNamespacedPod({namespace: 'kube-system', labelSelector: 'run=r2', gracePeriodSeconds: 0})
      assert.deepEqual(
        cluster.pods('kube-system').map((p) => p.metadata.name),
        ['ghost-node', 'keep'],
      )
    })
  })
})

test('follow=true streams the log until the container exits', async () => {
  await withCluster({nodes: [{name: 'node-a', runtime: {kind: 'replay', log: 'first\nsecond\n', runMs: 300}}], podStartLatencyMs: 10}, async (cluster) => {
    const {core} = await connect(cluster)
    await core.createNamespacedPod({namespace: 'kube-system', body: probePod('follow') as any})
    await waitFor('running', () => cluster.pods('kube-system')[0]?.status?.phase === 'Running')
    const t0 = Date.now()
    assert.equal(await core.readNamespacedPodLog({namespace: 'kube-system', name: 'follow', follow: true}), 'first\nsecond\n')
    assert.ok(Date.now() - t0 >= 200, 'the stream stayed open while the container ran')
    assert.equal(cluster.pods('kube-system')[0].status.phase, 'Succeeded')
  })
})

describe('server behaviour', () => {
  test('failAfter destroys open watches and refuses connections; request log', async () => {
    await withCluster({}, async (cluster) => {
      const {kc, core} = await connect(cluster)
      let watchDone: unknown = 'open'
      const events: string[] = []
      await new Watch(kc).watch('/api/v1/pods', {}, (type) => events.push(type), (err) => (watchDone = err ?? 'closed'))
      await core.listNode()
      cluster.failAfter(2, {method: 'POST', pathIncludes: '/pods'})
      await core.createNamespacedPod({namespace: 'kube-system', body: probePod('f1') as any})
      await core.createNamespacedPod({namespace: 'kube-system', body: probePod('f2') as any})
      await waitFor('watch closed', () => watchDone !== 'open')
      await assert.rejects(core.listNode(), (err: Error) => /ECONNREFUSED|fetch failed|other side closed|ECONNRESET/i.test(`${err.message} ${(err as any).cause?.code ?? ''}`))
      assert.ok(cluster.pods('kube-system').some((p) => p.metadata.name === 'f2'), 'the n-th request was served')
      const refused = await new Promise<string>((resolve) => {
        const sock = netConnect(Number(new URL(cluster.url).port), '127.0.0.1')
        sock.on('connect', () => {
          sock.destroy()
          resolve('connected')
        })
        sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
      })
      assert.equal(refused, 'ECONNREFUSED')

      const log = cluster.requests.map((r) => `${r.method} ${r.path} ${r.status}`)
      assert.deepEqual(log, ['GET /api/v1/pods 200', 'GET /api/v1/nodes 200', 'POST /api/v1/namespaces/kube-system/pods 201', 'POST /api/v1/namespaces/kube-system/pods 201'])
      assert.equal(cluster.requests[0].query.watch, 'true')
      assert.equal((cluster.requests[2].body as any).metadata.name, 'f1')
      assert.ok(cluster.requests.every((r, i) => i === 0 || r.at >= cluster.requests[i - 1].at))
    })
  })

  test('failAfter(0) drops the next matching request; setLatency delays responses', async () => {
    await withCluster({}, async (cluster) => {
      cluster.setLatency(150)
      const t0 = Date.now()
      assert.equal((await api(cluster, 'GET', '/version')).status, 200)
      assert.ok(Date.now() - t0 >= 140)
      cluster.setLatency(0)
      cluster.failAfter(0, {pathIncludes: '/api/v1/nodes'})
      await assert.rejects(api(cluster, 'GET', '/api/v1/nodes'))
      await assert.rejects(api(cluster, 'GET', '/version'))
    })
  })

  test('hang: requests are accepted but never answered, open watches fall silent; the black hole never answers at all', async () => {
    await withCluster({}, async (cluster) => {
      const {kc} = await connect(cluster)
      const events: string[] = []
      await new Watch(kc).watch('/api/v1/pods', {}, (type) => events.push(type), () => {})
      await api(cluster, 'POST', '/api/v1/namespaces/kube-system/pods', probePod('h1'))
      await waitFor('the ADDED event', () => events.length >= 1)
      cluster.hang()
      // Events the server wrote before hang() (the pod lifecycle's MODIFIED) may still be in flight: let them land.
      await sleep(200)
      const seen = events.length
      cluster.store.remove('pods', 'kube-system', 'h1')
      const answered = await Promise.race([api(cluster, 'GET', '/version').then(() => 'answered', () => 'failed'), sleep(500).then(() => 'no answer')])
      assert.equal(answered, 'no answer')
      assert.equal(cluster.requests.at(-1)?.path, '/version', 'the request arrived and is logged')
      assert.equal(events.length, seen, 'the watch got nothing more')
      assert.ok(!events.includes('DELETED'), 'the DELETED never reached the watch')
    })
    const hole = await startBlackHole()
    try {
      const answered = await Promise.race([fetch(`${hole.url}/version`).then(() => 'answered', () => 'failed'), sleep(500).then(() => 'no answer')])
      assert.equal(answered, 'no answer')
      assert.equal(hole.connections, 1)
    } finally {
      await hole.close()
    }
  })

  test('throttle: the next n matching requests get 429 TooManyRequests with Retry-After, then service as usual', async () => {
    await withCluster({}, async (cluster) => {
      cluster.throttle(2, {method: 'GET', path: '/api/v1/nodes'}, {retryAfterSeconds: 3})
      cluster.throttle(1, {method: 'POST', path: /\/pods$/})
      // other requests are not affected
      assert.equal((await api(cluster, 'GET', '/api/v1/namespaces')).status, 200)
      for (let i = 0; i < 2; i++) {
        const r = await api(cluster, 'GET', '/api/v1/nodes')
        assert.equal(r.status, 429)
        assert.equal(r.headers.get('retry-after'), '3')
        assert.deepEqual(r.json, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', details: {retryAfterSeconds: 3}, code: 429})
      }
      assert.equal((await api(cluster, 'GET', '/api/v1/nodes')).status, 200)
      // through client-node: the Status and the header reach the caller; the throttled create stored nothing
      const {core} = await connect(cluster, TOKEN)
      const refused = await core.createNamespacedPod({namespace: 'kube-system', body: probePod('t1') as any}).then(() => null, (e: ApiException<unknown>) => e)
      assert.equal(refused?.code, 429)
      assert.equal(refused?.headers['retry-after'], '1')
      assert.deepEqual(cluster.pods('kube-system'), [])
      await core.createNamespacedPod({namespace: 'kube-system', body: probePod('t1') as any})
      assert.deepEqual(
        cluster.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
        ['GET /api/v1/namespaces 200', 'GET /api/v1/nodes 429', 'GET /api/v1/nodes 429', 'GET /api/v1/nodes 200', 'POST /api/v1/namespaces/kube-system/pods 429', 'POST /api/v1/namespaces/kube-system/pods 201'],
      )
    })
  })

  test('garble: 200 with garbage bodies of each kind, on lists, creates and logs; errors stay Status; `times` limits it', async () => {
    await withCluster({}, async (cluster) => {
      const nodes = {method: 'GET', path: '/api/v1/nodes'}
      const real = await api(cluster, 'GET', '/api/v1/nodes')
      cluster.garble(nodes, 'not-json', {times: 1})
      const notJson = await fetch(`${cluster.url}/api/v1/nodes`, {headers: {authorization: `Bearer ${TOKEN}`}})
      assert.equal(notJson.status, 200)
      assert.equal(notJson.headers.get('content-type'), 'application/json')
      const bytes = Buffer.from(await notJson.arrayBuffer())
      assert.equal(bytes[0], 0x1f)
      assert.throws(() => JSON.parse(bytes.toString('utf8')), SyntaxError)
      assert.equal((await api(cluster, 'GET', '/api/v1/nodes')).text, real.text, 'times: 1 garbles one answer only')

      cluster.garble(nodes, 'truncated', {times: 1})
      const truncated = await api(cluster, 'GET', '/api/v1/nodes')
      assert.equal(truncated.json, undefined)
      assert.ok(real.text.startsWith(truncated.text) && truncated.text.length === Math.floor(real.text.length / 2))

      cluster.garble(nodes, 'null-items', {times: 1})
      const nullItems = await api(cluster, 'GET', '/api/v1/nodes')
      assert.equal(nullItems.json.kind, 'NodeList')
      assert.equal(nullItems.json.items, null)

      cluster.garble({method: 'POST', path: /\/pods$/}, 'json-string')
      const created = await api(cluster, 'POST', '/api/v1/namespaces/kube-system/pods', probePod('g1'))
      assert.equal(created.status, 201)
      assert.equal(created.json, 'ok')
      assert.equal(cluster.pods('kube-system').length, 1, 'the request itself took effect')
      // an error answer is not garbled
      const again = await api(cluster, 'POST', '/api/v1/namespaces/kube-system/pods', probePod('g1'))
      assert.equal(again.status, 409)
      assert.equal(again.json.reason, 'AlreadyExists')

      await waitFor('g1 finished', () => cluster.pods('kube-system')[0]?.status?.phase === 'Succeeded')
      cluster.garble({path: /\/log$/}, 'truncated', {times: 1})
      assert.equal((await api(cluster, 'GET', '/api/v1/namespaces/kube-system/pods/g1/log')).text, 'line1\nlin')
      assert.equal((await api(cluster, 'GET', '/api/v1/namespaces/kube-system/pods/g1/log')).text, 'line1\nline2\nline3\n')

      assert.deepEqual(
        cluster.requests.filter((r) => r.garbled).map((r) => `${r.method} ${r.path} ${r.status} ${r.garbled}`),
        ['GET /api/v1/nodes 200 not-json', 'GET /api/v1/nodes 200 truncated', 'GET /api/v1/nodes 200 null-items', 'POST /api/v1/namespaces/kube-system/pods 201 json-string', 'GET /api/v1/namespaces/kube-system/pods/g1/log 200 truncated'],
      )
    })
  })

  test('garble on a watch: one garbage line before the first event, then the stream as usual', async () => {
    await withCluster({}, async (cluster) => {
      await api(cluster, 'POST', '/api/v1/namespaces/kube-system/pods', probePod('w1'))
      for (const garbage of ['not-json', 'truncated', 'null-items', 'json-string'] as const) {
        cluster.garble({method: 'GET', path: '/api/v1/namespaces/kube-system/pods', query: {watch: 'true'}}, garbage, {times: 1})
        const controller = new AbortController()
        const res = await fetch(`${cluster.url}/api/v1/namespaces/kube-system/pods?watch=true`, {headers: {authorization: `Bearer ${TOKEN}`}, signal: controller.signal})
        let text = ''
        const reader = res.body!.getReader()
        while (text.split('\n').length < 3) text += Buffer.from((await reader.read()).value!).toString('latin1')
        controller.abort()
        const [first, second] = text.split('\n')
        const event = JSON.parse(second)
        assert.equal(event.type, 'ADDED', garbage)
        assert.equal(event.object.metadata.name, 'w1')
        if (garbage === 'not-json') assert.equal(first.charCodeAt(0), 0x1f)
        if (garbage === 'truncated') assert.ok(second.startsWith(first) && first.length < second.length)
        if (garbage === 'null-items') assert.deepEqual(JSON.parse(first), {type: 'ADDED', object: null})
        if (garbage === 'json-string') assert.equal(JSON.parse(first), 'ok')
      }
    })
  })

  test('discovery, patch and put', async () => {
    await withCluster({services: [{metadata: {name: 'web', namespace: 'default'}, spec: {type: 'ClusterIP', clusterIP: '10.96.0.9', ports: [{port: 80}]}}]}, async (cluster) => {
      const core = await api(cluster, 'GET', '/api/v1')
      assert.ok(core.json.resources.some((r: any) => r.name === 'pods/log'))
      assert.ok((await api(cluster, 'GET', '/apis')).json.groups.some((g: any) => g.name === 'discovery.k8s.io'))
      const patched = await api(cluster, 'PATCH', '/api/v1/namespaces/default/services/web', {metadata: {annotations: {'kube-router.io/service.dsr': 'tunnel'}}}, {'content-type': 'application/merge-patch+json'})
      assert.equal(patched.status, 200)
      assert.equal(patched.json.metadata.annotations['kube-router.io/service.dsr'], 'tunnel')
      const removed = await api(cluster, 'PATCH', '/api/v1/namespaces/default/services/web', [{op: 'remove', path: '/metadata/annotations/kube-router.io~1service.dsr'}], {'content-type': 'application/json-patch+json'})
      assert.deepEqual(removed.json.metadata.annotations, {})
      const stale = await api(cluster, 'PUT', '/api/v1/namespaces/default/services/web', {...removed.json, metadata: {...removed.json.metadata, resourceVersion: '1'}})
      assert.equal(stale.status, 409)
      assert.equal(stale.json.reason, 'Conflict')
    })
  })
})
