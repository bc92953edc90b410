// The Kubernetes API, behind a narrow port. Only this module imports @kubernetes/client-node (loaded lazily).
import {AppsV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig} from '@kubernetes/client-node'
import type {ClusterObjects, DaemonSetObject, EndpointSliceObject, NodeObject, ServiceObject} from '../model/types.js'
import {UserError} from '../services/errors.js'

export interface KubeAccessOptions {
  kubeconfig: string | null
  context: string | null
}

export interface KubeAccess {
  context: string
  server: string
  fetchClusterObjects(opts: {nodeNames: string[]}): Promise<ClusterObjects>
}

const PAGE = 500

/** Loads kubeconfig like kubectl does (--kubeconfig, KUBECONFIG with several files, ~/.kube/config, in-cluster). */
export function openKube(opts: KubeAccessOptions): KubeAccess {
  const kc = new KubeConfig()
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig)
    else kc.loadFromDefault()
  } catch (error) {
    throw new UserError(`cannot load kubeconfig${opts.kubeconfig ? ` ${opts.kubeconfig}` : ''}: ${oneLine(error)}`)
  }
  if (opts.context) {
    if (!kc.getContexts().some((c) => c.name === opts.context)) {
      throw new UserError(`context "${opts.context}" not found in kubeconfig; available: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}`)
    }
    kc.setCurrentContext(opts.context)
  }
  const cluster = kc.getCurrentCluster()
  // client-node silently falls back to http://localhost:8080 when nothing is configured.
  if (!cluster || (kc.getCurrentContext() === 'loaded-context' && cluster.server === 'http://localhost:8080')) {
    throw new UserError('no usable kubeconfig: set KUBECONFIG, pass --kubeconfig, or run inside a cluster')
  }
  const core = kc.makeApiClient(CoreV1Api)
  const discovery = kc.makeApiClient(DiscoveryV1Api)
  const apps = kc.makeApiClient(AppsV1Api)
  const server = cluster.server

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      const code = (error as {code?: number}).code
      if (code === 401) throw new UserError(`the API server at ${server} rejected the credentials (401) while listing ${what}`)
      if (code === 403) throw new UserError(`not allowed to list ${what} (403); ask for get/list on ${what} or use --from-bundle`)
      throw new UserError(`cannot list ${what} from ${server}: ${oneLine(error)}`)
    }
  }

  async function paged<T>(what: string, list: (cont: string | undefined) => Promise<{items: T[]; metadata?: {_continue?: string}}>): Promise<T[]> {
    const out: T[] = []
    let cont: string | undefined
    do {
      const page = await call(what, () => list(cont))
      out.push(...page.items)
      cont = page.metadata?._continue || undefined
    } while (cont)
    return out
  }

  return {
    context: kc.getCurrentContext(),
    server,
    async fetchClusterObjects({nodeNames}) {
      const nodes = await paged('nodes', (c) => core.listNode({limit: PAGE, _continue: c}))
      const services = await paged('services', (c) => core.listServiceForAllNamespaces({limit: PAGE, _continue: c}))
      const slices = await paged('endpointslices', (c) => discovery.listEndpointSliceForAllNamespaces({limit: PAGE, _continue: c}))
      let daemonSets = await paged('daemonsets', (c) => apps.listNamespacedDaemonSet({namespace: 'kube-system', labelSelector: 'k8s-app=kube-router', limit: PAGE, _continue: c}))
      if (daemonSets.length === 0) {
        const all = await paged('daemonsets', (c) => apps.listDaemonSetForAllNamespaces({limit: PAGE, _continue: c}))
        daemonSets = all.filter((ds) => ds.spec?.template?.spec?.containers?.some((ct) => (ct.image ?? '').includes('kube-router')))
      }
      const plain = <T>(o: unknown): T => JSON.parse(JSON.stringify(o)) as T
      const wanted = nodeNames.length ? nodes.filter((n) => nodeNames.includes(n.metadata?.name ?? '')) : nodes
      return {
        nodes: plain<NodeObject[]>(wanted),
        services: plain<ServiceObject[]>(services),
        endpointSlices: plain<EndpointSliceObject[]>(slices),
        kubeRouter: daemonSets[0] ? plain<DaemonSetObject>(daemonSets[0]) : null,
      }
    },
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0].slice(0, 300)
}
