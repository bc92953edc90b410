// The Kubernetes API as the cluster services see it: a narrow port (src/infra/kube-api.ts implements it over
// client-node; tests may pass their own). Errors come back as KubeRequestError, with the HTTP code and the
// API server's own Status message, so services can tell RBAC, Pod Security and lost connections apart.
import type {RawClusterObjects} from './types.js'
import type {PodLike} from './pod-status.js'

/** Client-side API request rate: requests per second after a burst (`--qps`, `--burst`); bench/RESULTS.md. */
export const DEFAULT_QPS = 200
export const DEFAULT_BURST = 400
/** How long one API request (a call, a watch's connection, a log read, a credential plugin) may go unanswered
 * (`--request-timeout`, kubectl's flag; kubectl's own default is no limit, which a networking doctor cannot afford). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/**
 * kubectl's flags that override parts of the kubeconfig (`kubectl options`), with kubectl's meaning: the
 * context's cluster or user entry swapped for another of the kubeconfig, the server, CA and TLS settings of the
 * cluster, the credentials of the user, and impersonation. Absent = as the kubeconfig says.
 */
export interface KubeOverrides {
  cluster?: string
  user?: string
  server?: string
  token?: string
  as?: string
  asGroups?: string[]
  asUid?: string
  certificateAuthority?: string
  clientCertificate?: string
  clientKey?: string
  insecureSkipTlsVerify?: boolean
  tlsServerName?: string
}

export interface AccessCheck {
  verb: string
  resource: string
  group?: string
  subresource?: string
  namespace?: string
}

export interface PodObject extends PodLike {
  metadata?: PodLike['metadata'] & {namespace?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>}
  spec?: PodLike['spec'] & {nodeName?: string; containers?: {name?: string; image?: string; command?: string[]}[]}
}

export interface ConfigMapSummary {
  namespace: string
  name: string
  labels: Record<string, string>
  /** the keys of `data` and `binaryData` */
  dataKeys: string[]
}

export interface PodEvent {
  type: string
  reason: string
  message: string
  count: number
}

/** A Service as the API server returned it: plain JSON; the fields a change is guarded and planned by are typed. */
export interface ServiceRecord {
  metadata: {
    name: string
    namespace?: string
    uid?: string
    resourceVersion?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    managedFields?: {manager?: string}[]
  }
  [field: string]: unknown
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'

export interface KubePort {
  readonly context: string
  readonly server: string
  /** the kubeconfig context's namespace, or "default" (kubectl's namespace when -n is not given) */
  readonly namespace: string
  /** GET /version: proves the server is reachable and the credentials are accepted */
  serverVersion(): Promise<string>
  canI(checks: readonly AccessCheck[]): Promise<boolean[]>
  /** labels of a namespace; null when it does not exist */
  namespaceLabels(name: string): Promise<Record<string, string> | null>
  /** the lists as the API returned them, every node (--node and -l choose which to probe, not what a node is compared
   * with); parsers/cluster.ts types them */
  fetchClusterObjects(): Promise<RawClusterObjects>
  listPods(query: {namespace: string | null; labelSelector?: string; fieldSelector?: string}): Promise<PodObject[]>
  createPod(namespace: string, manifest: Record<string, unknown>): Promise<void>
  /** one watch for all pods matching the selector; `done` gets null when the server ended it normally */
  watchPods(namespace: string, labelSelector: string, handlers: {event(type: WatchEventType, pod: PodObject): void; done(error: KubeRequestError | null): void}): Promise<{stop(): void}>
  /** a container's log; `limitBytes` reads only its first bytes (kube-router's version is its first line),
   * `tailLines` only its last lines, `previous` the container before the last restart */
  podLog(namespace: string, name: string, container: string, options?: {limitBytes?: number; tailLines?: number; previous?: boolean}): Promise<string>
  /** names of nodes, namespaces, or Services of a namespace ("" = all namespaces, as "namespace/name"), sorted */
  listNames(resource: 'nodes' | 'namespaces' | 'services', namespace: string | null): Promise<string[]>
  /** the events of a pod, oldest first */
  podEvents(namespace: string, name: string): Promise<PodEvent[]>
  /** the kube-router DaemonSet (label k8s-app=kube-router in kube-system, else one running a kube-router image), as
   * the API returned it; null when there is none */
  kubeRouterDaemonSet(): Promise<unknown | null>
  deletePod(namespace: string, name: string): Promise<void>
  createConfigMap(namespace: string, manifest: Record<string, unknown>): Promise<void>
  deleteConfigMap(namespace: string, name: string): Promise<void>
  /** the ConfigMaps matching the selector (all namespaces when namespace is null): names, labels, data keys */
  listConfigMaps(query: {namespace: string | null; labelSelector: string}): Promise<ConfigMapSummary[]>
  /** deletecollection of the pods matching the selector */
  deletePods(namespace: string, labelSelector: string): Promise<void>
  /** one Service; a KubeRequestError with code 404 when it does not exist */
  getService(namespace: string, name: string): Promise<ServiceRecord>
  /**
   * A JSON merge patch (RFC 7386) of one Service, as field manager kubectl-kr. A `metadata.resourceVersion` in the
   * patch is a precondition: the API server answers 409 Conflict when the Service changed since that version.
   * dryRun: the server validates and answers with the would-be Service, and stores nothing (dryRun=All).
   */
  patchService(namespace: string, name: string, patch: Record<string, unknown>, options: {dryRun: boolean}): Promise<ServiceRecord>
  /** a core/v1 Event */
  createEvent(namespace: string, event: Record<string, unknown>): Promise<void>
}

/** The API said no, or could not be reached. Services decide what that means; unhandled, the command reports it
 * as one line and exit 2 (could not diagnose). */
export class KubeRequestError extends Error {
  readonly kind = 'kube-request'

  constructor(
    message: string,
    /** HTTP status, or null when no response came (connection refused, reset, timeout); a 2xx status when the
     * answer came but could not be read (not JSON, cut short, not the shape asked for) */
    readonly code: number | null,
  ) {
    super(message)
  }

  get connectionLost(): boolean {
    return this.code === null
  }

  /** The server said yes, but its answer was garbage: whether the request took effect is unknown. */
  get unreadableAnswer(): boolean {
    return this.code !== null && this.code >= 200 && this.code < 300
  }
}
