// Public option and result types of the test cluster (see index.ts for the overview).
import type {KubeRouterEmulatorOptions} from './kube-router-emulator.js'

export type NodeRuntime =
  | {
      /** run the pod's command inside `ip netns exec <ns>` */
      kind: 'netns'
      ns: string
      /** first in PATH (fake ipvsadm/kube-router) */
      binDir: string
      /** applied last, over the pod's env (e.g. KR_HOST_ROOT -> the scenario's hostRoot, standing for the pod's /host) */
      env: Record<string, string>
    }
  | {
      /** recorded probe output, written as the pod log after runMs, then exit 0 (or exitCode) */
      kind: 'replay'
      log: string
      runMs?: number
      exitCode?: number
    }

export type NodeFault =
  /** container waiting ErrImagePull, then ImagePullBackOff (with a message); never runs */
  | 'image-pull'
  /** kubelet admission rejects the pod: phase Failed, reason OutOfpods */
  | 'rejected'
  /** the container runs but never finishes (until activeDeadlineSeconds or delete) */
  | 'hang'
  /** the container writes a line to stderr and exits 1 */
  | 'exit-1'

export interface HarnessNode {
  name: string
  /** default true; false = no kubelet: Ready condition Unknown (+ unreachable taints) and its pods never start */
  ready?: boolean
  /** the kubelet runs but reports Ready=False because the CNI is not ready (as when kube-router is down): hostNetwork pods still run */
  networkNotReady?: boolean
  labels?: Record<string, string>
  /** default [{type: 'Hostname', address: name}] */
  addresses?: {type: string; address: string}[]
  podCIDRs?: string[]
  taints?: object[]
  /** kubeletVersion, kernelVersion, osImage, containerRuntimeVersion, architecture overrides */
  nodeInfo?: Record<string, string>
  runtime: NodeRuntime
  fault?: NodeFault
}

export interface Denial {
  /** get, list, watch, create, update, patch, delete, deletecollection, or '*' */
  verb: string
  /** e.g. 'pods'; '*' for all */
  resource: string
  /** e.g. 'log'; matched exactly ('' / absent = the resource itself); '*' for any */
  subresource?: string
  /** API group ('' = core); absent = any group */
  group?: string
  /** absent = every namespace and cluster-scoped requests */
  namespace?: string
}

export interface TestClusterOptions {
  nodes: HarnessNode[]
  /** v1 Service objects */
  services?: object[]
  /** discovery.k8s.io/v1 EndpointSlice objects */
  endpointSlices?: object[]
  /** apps/v1 DaemonSet objects */
  daemonSets?: object[]
  /** pre-existing pods; those with a `status` are kept as given (no process runs), those without go through the kubelet */
  pods?: object[]
  /** "namespace/name" -> log text of pre-existing pods */
  podLogs?: Record<string, string>
  /** "namespace/name" -> log text of a pre-existing pod's previous container (what `logs --previous` returns) */
  previousPodLogs?: Record<string, string>
  /** default, kube-system, kube-public (and kube-node-lease) always exist; labels here are merged */
  namespaces?: {name: string; labels?: Record<string, string>}[]
  /** bearer token required on every request (401 otherwise); absent = any or none accepted */
  token?: string
  /** user name in 403 messages and SSAR answers; default "harness-user" */
  user?: string
  /** RBAC denials: SSAR answers allowed:false and real requests get 403 */
  deny?: Denial[]
  /** time from pod creation to Running; default 50 ms */
  podStartLatencyMs?: number
  /** extra latency on every response (setLatency changes it); default 0 */
  latencyMs?: number
  /** reported by GET /version; default v1.33.4 */
  serverVersion?: string
  /** emulate kube-router's service proxy on the netns nodes (kube-router-emulator.ts): DSR and ordinary Services
   * programmed from the store's Services and EndpointSlices `delayMs` (default 300) after each change */
  kubeRouterEmulator?: KubeRouterEmulatorOptions
}

export interface RequestRecord {
  method: string
  /** path without the query string */
  path: string
  query: Record<string, string>
  /** 0 while in flight (watches: 200 as soon as the stream starts); 0 if the connection was destroyed first */
  status: number
  /** Date.now() at arrival */
  at: number
  /** parsed JSON body of POST/PUT/PATCH requests */
  body?: unknown
  userAgent?: string
  /** the Impersonate-User / -Group / -Uid headers, when the request carries any */
  impersonate?: {user?: string; groups?: string[]; uid?: string}
  /** the bearer token of the Authorization header */
  token?: string
  /** the garbage it was answered with (garble) */
  garbled?: Garbage
}

/** Which requests a fault applies to: all given fields must match. */
export interface RequestMatch {
  /** GET, POST, ...; absent = any */
  method?: string
  /** the path without the query string: equal to a string, or matching a RegExp */
  path?: string | RegExp
  /** query parameters that must be present with these values, e.g. {watch: 'true'} (the value '*' = present) */
  query?: Record<string, string>
}

/**
 * A body that is not what the client expects, answered with 200 and `Content-Type: application/json` (a log read:
 * text/plain), as a broken proxy, a corrupted cache or a server bug would send it.
 *   not-json     bytes that are neither JSON nor text (a gzip header and binary)
 *   truncated    the first half of the real body
 *   null-items   a list with `items: null` (other bodies unchanged)
 *   json-string  the JSON string "ok" instead of the object
 * On a watch, one extra line of that kind comes before the first event (null-items: an ADDED event whose object is
 * null; truncated: the first half of the first event's line), and the stream then goes on as usual.
 */
export type Garbage = 'not-json' | 'truncated' | 'null-items' | 'json-string'
