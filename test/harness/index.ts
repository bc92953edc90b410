// The in-repo test API server, and what it is for now. Cluster mode's behaviour against Kubernetes itself (the demo's
// 3-node dual-stack seeds, --node / -l, a node that cannot be probed, SIGINT / SIGTERM cleanup) is tested on the lab
// in test/lab/ (a real kube-apiserver, etcd, controller manager and scheduler; docs/lab.md), where a misunderstanding
// of Kubernetes shared by this server and the client cannot pass both. This server stays for the faults a real
// server cannot be made to produce on demand: a silent server (hang(); black-hole.ts never answers at all),
// connections cut after exactly the n-th request (failAfter), injected latency (setLatency), 429 TooManyRequests
// with Retry-After on chosen requests (throttle), 200 answers whose body is garbage (garble: not JSON, truncated,
// `items: null`, a JSON string; a garbage line on a watch), and kubelet faults a real kubelet shows only on a
// broken node (image pull back-off, OutOfpods rejection, garbled probe output). The other harness tests stay until
// the lab covers each of them.
//
// A test Kubernetes cluster for end-to-end tests of cluster mode: a real HTTP API server
// (node:http on 127.0.0.1, random port) with real object shapes, and a fake kubelet that
// runs each probe pod's command inside the network namespace of the pod's node.
//
//   const cluster = await startTestCluster({nodes: [harnessNode(scenario)], services, endpointSlices, daemonSets})
//   await cluster.writeKubeconfig(file)            // context "harness", token user
//   ... run `kubectl kr doctor --kubeconfig file` ...
//   assert.deepEqual(cluster.pods('kube-system').filter(isProbePod), [])   // nothing leaked
//   await cluster.close()
//
// startTestCluster(opts: TestClusterOptions): Promise<TestCluster>   (types.ts documents every option)
//
// TestCluster
//   url                                       http://127.0.0.1:PORT
//   writeKubeconfig(path, {context?, token?, namespace?})   token defaults to opts.token (or "harness-token")
//   requests: RequestRecord[]                 {method, path, query, status, at, body?, userAgent?, garbled?}, in arrival order;
//                                             watches are logged (status 200) when their stream starts
//   pods(namespace?)                          current pods (clones), e.g. for leak assertions
//   createPod(pod, log?)                      seed one (leftovers of a killed run): with a status it is kept as is and `log`
//                                             (or opts.podLogs) is its log; without one the kubelet runs it like a created pod
//   objects(resource, namespace?)             any stored resource (clones): 'events', 'services', ...
//   podPid(namespace, name)                   pid of the pod's running process (undefined when none)
//   failAfter(n, {method?, pathIncludes?})    after n matching requests: every socket (open watches too) destroyed,
//                                             the listener closed (connections refused). The n-th is answered first.
//   hang()                                    the server stops answering: connections accepted and kept open, no response,
//                                             no more watch events or log lines (an apiserver stuck behind its load balancer);
//                                             test/harness/black-hole.ts is one that never answered at all
//   setLatency(ms)                            extra latency before every response
//   throttle(n, match, {retryAfterSeconds?})  the next n requests matching {method?, path? (string = equal, RegExp),
//                                             query?} get 429 TooManyRequests: Status with details.retryAfterSeconds
//                                             and the Retry-After header (default 1 s); logged with status 429
//   garble(match, garbage, {times?})          matching requests that succeed get 200 with garbage instead of their
//                                             body (every one, or the first `times`): 'not-json' | 'truncated' |
//                                             'null-items' | 'json-string' (types.ts: Garbage); on a watch, one
//                                             garbage line before the first event; logged with `garbled`
//   close()                                   kills pod processes, stops the kube-router emulator, closes the server
//   kubeRouter                                the kube-router emulator (opts.kubeRouterEmulator), or null: settled()
//                                             waits for its pending reconciliation, endpointPods(node), lastError
//   store, kubelet                            the internals, for tests that need more
//
// API surface: /version, /healthz; discovery (/api, /apis, /api/v1, /apis/G/V); nodes, namespaces,
// services, configmaps, endpointslices (discovery.k8s.io/v1), daemonsets (apps/v1), events, pods:
// list (labelSelector =, ==, !=, in, notin, exists, !; fieldSelector =, ==, != on the fields
// the real server supports; limit/continue with remainingItemCount), get, watch
// (?watch=true|1, also on .../NAME; resourceVersion replay, timeoutSeconds, allowWatchBookmarks,
// sendInitialEvents), create (generateName, dryRun=All), update (PUT), patch (merge, strategic
// approximated by merge, json-patch; dryRun=All; a metadata.resourceVersion in the patched result that is not the
// current one is 409 Conflict; a no-op patch stores nothing), delete, deletecollection; events are validated
// (involvedObject.namespace, type Normal|Warning) and stored like any object; pods/NAME/log (container,
// tailLines, limitBytes, sinceSeconds, sinceTime, timestamps, previous, follow);
// POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews. Errors are metav1.Status.
//
// Pod creation: 422 Invalid (no containers, bad names, ...), 409 AlreadyExists, 404 when the
// namespace does not exist, 403 Pod Security (namespace label pod-security.kubernetes.io/enforce
// = baseline|restricted; `warn` gives a Warning header). Pods without spec.nodeName are
// scheduled (nodeSelector, required node affinity, taints/tolerations) or stay Pending with
// PodScheduled False/Unschedulable. kubelet.ts describes the pod lifecycle; only containers[0]
// runs (init containers and further containers get statuses but no process). configMap volumes
// are files in a temp dir: command/args starting with the mount path are rewritten to it.
// Request bodies must be JSON (protobuf/CBOR/YAML: 415). kubectl itself works against a cluster
// without `token` (client-go sends no bearer token over plain http); `kubectl auth can-i` sends
// protobuf and gets 415.
//
// scenario.ts turns netns scenarios (test/helpers/netns.ts) into options: harnessNode(s),
// serviceObject / endpointSliceObjects(ServiceSpec), kubeRouterDaemonSet, kubeRouterPod,
// scenarioClusterOptions(scenarios, extra).
//
// Deleting a pod is graceful as in a real cluster: the pod gets deletionTimestamp (MODIFIED),
// the process gets SIGTERM (SIGKILL after the grace period), then DELETED. Pods on a node
// that is not ready stay Terminating unless deleted with gracePeriodSeconds=0.
//
// Continue tokens page through the current state (a real server pages through the snapshot
// of the first page's resourceVersion); they never expire.
import {Kubelet} from './kubelet.js'
import {KubeRouterEmulator} from './kube-router-emulator.js'
import {writeKubeconfig as writeKubeconfigFile} from './kubeconfig.js'
import {ApiServer} from './api-server.js'
import {DEFAULT_NAMESPACES, defaultPod, namespaceObject, nodeObject} from './objects.js'
import {type KubeObject, RESOURCES, Store, timestamp} from './store.js'
import type {Garbage, HarnessNode, RequestMatch, RequestRecord, TestClusterOptions} from './types.js'

export type {Denial, Garbage, HarnessNode, NodeFault, NodeRuntime, RequestMatch, RequestRecord, TestClusterOptions} from './types.js'
export type {KubeRouterEmulatorFault, KubeRouterEmulatorOptions} from './kube-router-emulator.js'
export {BROKEN_DSR_VERSION, KubeRouterEmulator} from './kube-router-emulator.js'
export {ApiError} from './status.js'
export {kubeconfigText} from './kubeconfig.js'

export interface TestCluster {
  url: string
  writeKubeconfig(path: string, opts?: {context?: string; token?: string; namespace?: string}): Promise<void>
  requests: RequestRecord[]
  pods(namespace?: string): any[]
  createPod(pod: object, log?: string): void
  objects(resource: string, namespace?: string): any[]
  podPid(namespace: string, name: string): number | undefined
  failAfter(n: number, what: {method?: string; pathIncludes?: string}): void
  hang(): void
  setLatency(ms: number): void
  throttle(n: number, what: RequestMatch, opts?: {retryAfterSeconds?: number}): void
  garble(what: RequestMatch, garbage: Garbage, opts?: {times?: number}): void
  close(): Promise<void>
  readonly store: Store
  readonly kubelet: Kubelet
  /** present with opts.kubeRouterEmulator */
  readonly kubeRouter: KubeRouterEmulator | null
}

type Obj = Record<string, any>

export async function startTestCluster(opts: TestClusterOptions): Promise<TestCluster> {
  const store = new Store()
  const nodes = new Map<string, HarnessNode>()
  for (const n of opts.nodes) {
    if (nodes.has(n.name)) throw new Error(`duplicate harness node ${n.name}`)
    nodes.set(n.name, n)
  }
  const kubelet = new Kubelet(store, nodes, {podStartLatencyMs: opts.podStartLatencyMs ?? 50})
  const podLogs = opts.podLogs ?? {}

  const nsLabels = new Map<string, Record<string, string>>()
  for (const name of DEFAULT_NAMESPACES) nsLabels.set(name, {})
  for (const ns of opts.namespaces ?? []) nsLabels.set(ns.name, {...nsLabels.get(ns.name), ...ns.labels})
  const ensureNamespace = (name: string | undefined) => {
    if (name && !store.get('namespaces', undefined, name)) store.create('namespaces', namespaceObject(name, nsLabels.get(name)))
  }
  for (const name of nsLabels.keys()) ensureNamespace(name)
  for (const n of opts.nodes) store.create('nodes', nodeObject(n))

  const seed = (resource: string, list: object[] | undefined) => {
    for (const o of list ?? []) {
      const obj = structuredClone(o) as KubeObject
      if (!obj.metadata?.name) throw new Error(`${resource}: every seeded object needs metadata.name`)
      if (RESOURCES[resource].namespaced) {
        obj.metadata.namespace ||= 'default'
        ensureNamespace(obj.metadata.namespace)
      }
      store.create(resource, obj)
    }
  }
  seed('services', opts.services)
  seed('endpointslices', opts.endpointSlices)
  seed('daemonsets', opts.daemonSets)

  const createPod = (input: object, log?: string) => {
    const pod = structuredClone(input) as Obj
    if (!pod.metadata?.name) throw new Error('createPod: metadata.name is required')
    pod.metadata.namespace ||= 'default'
    ensureNamespace(pod.metadata.namespace)
    if (pod.status) {
      pod.spec ??= {containers: []}
      const created = store.create('pods', pod as KubeObject)
      kubelet.adoptPod(created, log ?? podLogs[`${pod.metadata.namespace}/${pod.metadata.name}`], opts.previousPodLogs?.[`${pod.metadata.namespace}/${pod.metadata.name}`])
      return
    }
    if (!Array.isArray(pod.spec?.containers) || pod.spec.containers.length === 0) throw new Error('createPod: spec.containers is required')
    defaultPod(pod)
    if (pod.spec.nodeName) pod.status.conditions = [{type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp()}]
    kubelet.podCreated(store.create('pods', pod as KubeObject))
  }
  for (const p of opts.pods ?? []) createPod(p)

  const server = new ApiServer({
    store,
    kubelet,
    token: opts.token,
    user: opts.user ?? 'harness-user',
    deny: opts.deny ?? [],
    latencyMs: opts.latencyMs ?? 0,
    serverVersion: opts.serverVersion ?? 'v1.33.4',
  })
  const url = await server.listen()
  let closed = false
  const kubeRouter = opts.kubeRouterEmulator ? new KubeRouterEmulator(store, nodes, opts.kubeRouterEmulator) : null
  try {
    await kubeRouter?.start()
  } catch (error) {
    await kubeRouter?.close().catch(() => {})
    await server.close()
    throw error
  }

  return {
    url,
    requests: server.requests,
    store,
    kubelet,
    kubeRouter,
    writeKubeconfig: (file, o = {}) =>
      writeKubeconfigFile(file, {server: url, context: o.context, token: o.token ?? opts.token, namespace: o.namespace, user: opts.user ?? 'harness-user'}),
    pods: (namespace) => store.list('pods', namespace).map((p) => structuredClone(p)),
    objects: (resource, namespace) => store.list(resource, namespace).map((o) => structuredClone(o)),
    createPod,
    podPid: (namespace, name) => kubelet.pid(namespace, name),
    failAfter: (n, what) => server.failAfter(n, what),
    hang: () => server.hang(),
    setLatency: (ms) => server.setLatency(ms),
    throttle: (n, what, o) => server.throttle(n, what, o),
    garble: (what, garbage, o) => server.garble(what, garbage, o),
    async close() {
      if (closed) return
      closed = true
      await kubeRouter?.close()
      await kubelet.close()
      await server.close()
    },
  }
}
