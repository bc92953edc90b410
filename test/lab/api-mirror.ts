// The lab API server's objects of a few resources, kept current by list + watch (as an informer does), behind the
// part of the test API server's Store the kube-router emulator reads (EmulatorStore): list, subscribe and mutate.
// So the emulator (test/harness/kube-router-emulator.ts) programs the lab's netns nodes from the real API's
// Services, EndpointSlices, DaemonSets and Pods.
//
//   const mirror = await ApiMirror.start(lab.admin, ['services', 'endpointslices', 'daemonsets', 'pods'])
//   mirror.list('services', 'web'); const off = mirror.subscribe('services', () => …); await mirror.close()
import type {EmulatorStore} from '../harness/kube-router-emulator.js'
import type {KubeObject, StoreEvent} from '../harness/store.js'
import type {KubeClient} from './kube-client.js'

type Obj = Record<string, any>

const PATHS: Record<string, string> = {
  services: '/api/v1/services',
  endpointslices: '/apis/discovery.k8s.io/v1/endpointslices',
  daemonsets: '/apis/apps/v1/daemonsets',
  pods: '/api/v1/pods',
}

/** The namespaced path of one object, for writes. */
function objectPath(resource: string, namespace: string, name: string): string {
  const base = PATHS[resource].replace(/\/([a-z]+)$/, `/namespaces/${namespace}/$1`)
  return `${base}/${name}`
}

const keyOf = (o: Obj) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`

export class ApiMirror implements EmulatorStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>()
  private readonly listeners = new Map<string, Set<(e: StoreEvent) => void>>()
  private readonly abort = new AbortController()
  private readonly loops: Promise<void>[] = []
  /** the last failure of a watch or a write (a test should see it, not a silent mirror) */
  lastError: Error | null = null

  private constructor(private readonly client: KubeClient) {}

  /** Resolves once every resource is listed and watched. */
  static async start(client: KubeClient, resources: string[]): Promise<ApiMirror> {
    const mirror = new ApiMirror(client)
    for (const resource of resources) {
      if (!PATHS[resource]) throw new Error(`ApiMirror: no path for ${resource}`)
      const rv = await mirror.relist(resource)
      mirror.loops.push(mirror.watchLoop(resource, rv))
    }
    return mirror
  }

  private async relist(resource: string): Promise<string> {
    const list = await this.client.req('GET', PATHS[resource])
    const items = new Map<string, KubeObject>()
    for (const o of list.items as Obj[]) items.set(keyOf(o), o as KubeObject)
    const had = this.objects.has(resource)
    this.objects.set(resource, items)
    if (had) this.emit(resource, 'MODIFIED', undefined)
    return list.metadata.resourceVersion
  }

  private async watchLoop(resource: string, fromRv: string): Promise<void> {
    let rv = fromRv
    while (!this.abort.signal.aborted) {
      let expired = false
      try {
        await this.client.watch(
          `${PATHS[resource]}?watch=1&resourceVersion=${rv}`,
          (type, object) => {
            if (type === 'ERROR') {
              expired = true
              return
            }
            rv = object.metadata?.resourceVersion ?? rv
            if (type === 'BOOKMARK') return
            const items = this.objects.get(resource)!
            if (type === 'DELETED') items.delete(keyOf(object))
            else items.set(keyOf(object), object as KubeObject)
            this.emit(resource, type, object)
          },
          this.abort.signal,
        )
      } catch (error) {
        if (this.abort.signal.aborted) return
        this.lastError = error as Error
        await new Promise((r) => setTimeout(r, 500))
      }
      if (expired && !this.abort.signal.aborted) rv = await this.relist(resource).catch((e: Error) => ((this.lastError = e), rv))
    }
  }

  private emit(resource: string, type: string, object: Obj | undefined): void {
    for (const fn of this.listeners.get(resource) ?? []) fn({type, object} as unknown as StoreEvent)
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(resource)?.values() ?? [])]
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace)
  }

  subscribe(resource: string, fn: (e: StoreEvent) => void): () => void {
    if (!this.listeners.has(resource)) this.listeners.set(resource, new Set())
    this.listeners.get(resource)!.add(fn)
    return () => this.listeners.get(resource)?.delete(fn)
  }

  /** Changes the object in the API (a PUT guarded by the resourceVersion read) and returns the changed copy at
   * once; the watch brings the stored version. A failed write is kept in lastError. */
  mutate(resource: string, namespace: string | undefined, name: string, fn: (o: KubeObject) => void): KubeObject | undefined {
    const current = this.objects.get(resource)?.get(`${namespace ?? ''}/${name}`)
    if (!current) return undefined
    const changed = structuredClone(current)
    fn(changed)
    this.objects.get(resource)!.set(keyOf(changed), changed)
    this.client.req('PUT', objectPath(resource, namespace ?? '', name), changed).catch((e: Error) => (this.lastError = e))
    return changed
  }

  async close(): Promise<void> {
    this.abort.abort()
    await Promise.allSettled(this.loops)
  }
}
