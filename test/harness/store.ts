// The harness's etcd: objects by resource, one resourceVersion counter for everything,
// and the full event history (watches from a resourceVersion replay it).
//
// Stored objects are treated as immutable: every change stores a new object
// (`mutate` clones), so history entries and served lists can share them.
import {randomUUID} from 'node:crypto'
import {ApiError} from './status.js'

export interface ResourceInfo {
  resource: string
  group: string
  version: string
  kind: string
  namespaced: boolean
  /** field selector labels the real server supports for this resource */
  fieldLabels: readonly string[]
  /** verbs for discovery */
  verbs: readonly string[]
  shortNames?: readonly string[]
}

const META_FIELDS = ['metadata.name', 'metadata.namespace'] as const
const READ_VERBS = ['get', 'list', 'watch'] as const
const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const

export const RESOURCES: Record<string, ResourceInfo> = {
  namespaces: {resource: 'namespaces', group: '', version: 'v1', kind: 'Namespace', namespaced: false, fieldLabels: ['metadata.name', 'status.phase'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns']},
  nodes: {resource: 'nodes', group: '', version: 'v1', kind: 'Node', namespaced: false, fieldLabels: ['metadata.name', 'spec.unschedulable'], verbs: ALL_VERBS, shortNames: ['no']},
  pods: {
    resource: 'pods',
    group: '',
    version: 'v1',
    kind: 'Pod',
    namespaced: true,
    fieldLabels: [...META_FIELDS, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'],
    verbs: ALL_VERBS,
    shortNames: ['po'],
  },
  configmaps: {resource: 'configmaps', group: '', version: 'v1', kind: 'ConfigMap', namespaced: true, fieldLabels: [...META_FIELDS], verbs: ALL_VERBS, shortNames: ['cm']},
  services: {resource: 'services', group: '', version: 'v1', kind: 'Service', namespaced: true, fieldLabels: [...META_FIELDS, 'spec.clusterIP', 'spec.type'], verbs: ALL_VERBS, shortNames: ['svc']},
  events: {
    resource: 'events',
    group: '',
    version: 'v1',
    kind: 'Event',
    namespaced: true,
    fieldLabels: [
      ...META_FIELDS,
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ],
    verbs: ALL_VERBS,
    shortNames: ['ev'],
  },
  endpointslices: {resource: 'endpointslices', group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', namespaced: true, fieldLabels: META_FIELDS, verbs: ALL_VERBS},
  daemonsets: {resource: 'daemonsets', group: 'apps', version: 'v1', kind: 'DaemonSet', namespaced: true, fieldLabels: META_FIELDS, verbs: ALL_VERBS, shortNames: ['ds']},
}

export type KubeObject = {
  apiVersion?: string
  kind?: string
  metadata: {
    name: string
    namespace?: string
    generateName?: string
    uid?: string
    resourceVersion?: string
    creationTimestamp?: string
    deletionTimestamp?: string
    deletionGracePeriodSeconds?: number
    labels?: Record<string, string>
    annotations?: Record<string, string>
    generation?: number
    [k: string]: unknown
  }
  [k: string]: unknown
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface StoreEvent {
  rv: number
  resource: string
  type: EventType
  object: KubeObject
  /** the object before a MODIFIED/DELETED (for selector transitions) */
  prev?: KubeObject
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name
}

/** RFC 3339 with seconds, as metav1.Time serialises. */
export function timestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version
}

export class Store {
  private rv = 0
  private readonly objects = new Map<string, Map<string, KubeObject>>()
  private readonly sorted = new Map<string, KubeObject[] | null>()
  readonly history: StoreEvent[] = []
  private readonly listeners = new Map<string, Set<(e: StoreEvent) => void>>()

  constructor() {
    for (const r of Object.keys(RESOURCES)) this.objects.set(r, new Map())
  }

  get resourceVersion(): number {
    return this.rv
  }

  private table(resource: string): Map<string, KubeObject> {
    const t = this.objects.get(resource)
    if (!t) throw new Error(`unknown resource ${resource}`)
    return t
  }

  /** Live events of one resource; returns the unsubscribe function. */
  subscribe(resource: string, fn: (e: StoreEvent) => void): () => void {
    let set = this.listeners.get(resource)
    if (!set) this.listeners.set(resource, (set = new Set()))
    set.add(fn)
    return () => set.delete(fn)
  }

  private emit(e: StoreEvent): void {
    this.history.push(e)
    const set = this.listeners.get(e.resource)
    if (set) for (const fn of [...set]) fn(e)
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.table(resource).get(objectKey(namespace, name))
  }

  /** Objects sorted by namespace/name (the order etcd keys give). */
  list(resource: string, namespace?: string): KubeObject[] {
    let all = this.sorted.get(resource)
    if (!all) {
      all = [...this.table(resource).entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1])
      this.sorted.set(resource, all)
    }
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace)
  }

  /** Store a new object: fills uid, resourceVersion, creationTimestamp, apiVersion/kind. */
  create(resource: string, input: KubeObject): KubeObject {
    const info = RESOURCES[resource]
    const obj = structuredClone(input)
    const ns = info.namespaced ? obj.metadata.namespace : undefined
    const key = objectKey(ns, obj.metadata.name)
    const t = this.table(resource)
    if (t.has(key)) throw ApiError.alreadyExists(resource, obj.metadata.name, info.group)
    obj.apiVersion = apiVersionOf(info)
    obj.kind = info.kind
    obj.metadata.uid ??= randomUUID()
    obj.metadata.creationTimestamp ??= timestamp()
    obj.metadata.resourceVersion = String(++this.rv)
    t.set(key, obj)
    this.sorted.set(resource, null)
    this.emit({rv: this.rv, resource, type: 'ADDED', object: obj})
    return obj
  }

  /** Replace an object with a changed clone (fn edits the clone); bumps resourceVersion. */
  mutate(resource: string, namespace: string | undefined, name: string, fn: (o: KubeObject) => void): KubeObject | undefined {
    const key = objectKey(namespace, name)
    const t = this.table(resource)
    const prev = t.get(key)
    if (!prev) return undefined
    const obj = structuredClone(prev)
    fn(obj)
    obj.metadata.resourceVersion = String(++this.rv)
    t.set(key, obj)
    this.sorted.set(resource, null)
    this.emit({rv: this.rv, resource, type: 'MODIFIED', object: obj, prev})
    return obj
  }

  /** Replace with a given object (PUT/PATCH result); keeps uid/creationTimestamp. */
  replace(resource: string, obj: KubeObject): KubeObject {
    const ns = RESOURCES[resource].namespaced ? obj.metadata.namespace : undefined
    const result = this.mutate(resource, ns, obj.metadata.name, (o) => {
      for (const k of Object.keys(o)) delete o[k]
      Object.assign(o, structuredClone(obj))
    })
    if (!result) throw ApiError.notFound(resource, obj.metadata.name, RESOURCES[resource].group)
    return result
  }

  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = objectKey(namespace, name)
    const t = this.table(resource)
    const prev = t.get(key)
    if (!prev) return undefined
    t.delete(key)
    this.sorted.set(resource, null)
    const obj = structuredClone(prev)
    obj.metadata.resourceVersion = String(++this.rv)
    this.emit({rv: this.rv, resource, type: 'DELETED', object: obj, prev})
    return obj
  }

  /** Events of `resource` after resourceVersion `after`. */
  eventsSince(resource: string, after: number): StoreEvent[] {
    // history is ordered by rv: binary search the first rv > after
    let lo = 0
    let hi = this.history.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.history[mid].rv <= after) lo = mid + 1
      else hi = mid
    }
    return this.history.slice(lo).filter((e) => e.resource === resource)
  }
}
