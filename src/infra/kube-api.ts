// The Kubernetes API behind the KubePort (src/services/kube-port.ts). Only this module imports
// @kubernetes/client-node, and the commands load it lazily. Every request goes through one client-side rate
// limiter, gets a timeout, is retried on 429 (honouring Retry-After), and fails as a KubeRequestError carrying
// the API server's own message.
import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  VersionApi,
  Watch,
} from '@kubernetes/client-node'
import {existsSync} from 'node:fs'
import {delimiter} from 'node:path'
import type {ClusterObjects, DaemonSetObject, EndpointSliceObject, NodeObject, ServiceObject} from '../model/types.js'
import {UserError} from '../model/errors.js'
import {DEFAULT_BURST, DEFAULT_QPS, KubeRequestError, type AccessCheck, type KubePort, type PodObject, type WatchEventType} from '../model/kube-port.js'
import {TokenBucket} from './token-bucket.js'

export interface KubeAccessOptions {
  kubeconfig: string | null
  context: string | null
  /** client-side request rate (requests/s) and burst; defaults keep a big cluster's API server comfortable */
  qps?: number
  burst?: number
  requestTimeoutMs?: number
}

const PAGE = 500
const MAX_429_RETRIES = 5

/** Loads kubeconfig like kubectl does (--kubeconfig, KUBECONFIG with several files, ~/.kube/config, in-cluster). */
export function openKube(opts: KubeAccessOptions): KubePort {
  const kc = new KubeConfig()
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig)
    else loadLikeKubectl(kc)
  } catch (error) {
    if (error instanceof UserError) throw error
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
  if (!kc.getCurrentContext()) throw new UserError('the kubeconfig has no current-context: pass --context NAME')
  const server = cluster.server
  const core = kc.makeApiClient(CoreV1Api)
  const discovery = kc.makeApiClient(DiscoveryV1Api)
  const apps = kc.makeApiClient(AppsV1Api)
  const authz = kc.makeApiClient(AuthorizationV1Api)
  const version = kc.makeApiClient(VersionApi)
  const bucket = new TokenBucket(opts.qps ?? DEFAULT_QPS, opts.burst ?? DEFAULT_BURST)
  const timeoutMs = opts.requestTimeoutMs ?? 30_000

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await bucket.take()
      try {
        return await withTimeout(fn(), timeoutMs, `${what}: no answer from ${server} within ${timeoutMs / 1000}s`)
      } catch (error) {
        const failure = toRequestError(what, server, error)
        if (failure.code === 429 && attempt < MAX_429_RETRIES) {
          await sleep(retryAfterMs(error, attempt))
          continue
        }
        throw failure
      }
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

  const plain = <T>(o: unknown): T => JSON.parse(JSON.stringify(o)) as T

  return {
    context: kc.getCurrentContext(),
    server,
    async serverVersion() {
      const info = await call('the server version', () => version.getCode())
      return info.gitVersion
    },
    async canI(checks: readonly AccessCheck[]) {
      return Promise.all(
        checks.map(async (c) => {
          const review = await call(`access review (${c.verb} ${c.resource})`, () =>
            authz.createSelfSubjectAccessReview({
              body: {
                apiVersion: 'authorization.k8s.io/v1',
                kind: 'SelfSubjectAccessReview',
                spec: {resourceAttributes: {verb: c.verb, resource: c.resource, group: c.group ?? '', subresource: c.subresource, namespace: c.namespace}},
              },
            }),
          )
          return review.status?.allowed === true
        }),
      )
    },
    async namespaceLabels(name) {
      try {
        const ns = await call(`namespace ${name}`, () => core.readNamespace({name}))
        return {...(ns.metadata?.labels ?? {})}
      } catch (error) {
        if (error instanceof KubeRequestError && error.code === 404) return null
        throw error
      }
    },
    async fetchClusterObjects({nodeNames, selector}) {
      const labelSelector = selector ?? undefined
      const [nodes, services, slices, kubeRouter] = await Promise.all([
        paged('nodes', (c) => core.listNode({limit: PAGE, _continue: c, labelSelector})),
        paged('services', (c) => core.listServiceForAllNamespaces({limit: PAGE, _continue: c})),
        paged('endpointslices', (c) => discovery.listEndpointSliceForAllNamespaces({limit: PAGE, _continue: c})),
        (async () => {
          let found = await paged('daemonsets', (c) =>
            apps.listNamespacedDaemonSet({namespace: 'kube-system', labelSelector: 'k8s-app=kube-router', limit: PAGE, _continue: c}),
          )
          if (found.length === 0) {
            const all = await paged('daemonsets', (c) => apps.listDaemonSetForAllNamespaces({limit: PAGE, _continue: c}))
            found = all.filter((ds) => ds.spec?.template?.spec?.containers?.some((ct) => (ct.image ?? '').includes('kube-router')))
          }
          return found[0] ?? null
        })(),
      ])
      const wanted = nodeNames.length ? nodes.filter((n) => nodeNames.includes(n.metadata?.name ?? '')) : nodes
      return {
        nodes: plain<unknown[]>(wanted),
        services: plain<unknown[]>(services),
        endpointSlices: plain<unknown[]>(slices),
        kubeRouter: kubeRouter ? plain<unknown>(kubeRouter) : null,
      }
    },
    async listPods({namespace, labelSelector, fieldSelector}) {
      const pods = namespace
        ? await paged(`pods in ${namespace}`, (c) => core.listNamespacedPod({namespace, labelSelector, fieldSelector, limit: PAGE, _continue: c}))
        : await paged('pods', (c) => core.listPodForAllNamespaces({labelSelector, fieldSelector, limit: PAGE, _continue: c}))
      return plain<PodObject[]>(pods)
    },
    async createPod(namespace, manifest) {
      await call(`create pod ${String((manifest.metadata as {name?: string})?.name)} in ${namespace}`, () =>
        core.createNamespacedPod({namespace, body: manifest as never}),
      )
    },
    async watchPods(namespace, labelSelector, handlers) {
      await bucket.take()
      let finished = false
      const finish = (error: KubeRequestError | null) => {
        if (finished) return
        finished = true
        handlers.done(error)
      }
      try {
        const controller = await withTimeout(
          new Watch(kc).watch(
            `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
            {labelSelector, allowWatchBookmarks: false},
            (type: string, pod: unknown) => {
              if (type === 'ERROR') {
                const status = pod as {message?: string; code?: number}
                finish(new KubeRequestError(`watch of pods in ${namespace} ended: ${status.message ?? 'error'}`, status.code ?? 500))
                return
              }
              handlers.event(type as WatchEventType, pod as PodObject)
            },
            (error: unknown) => {
              if (error && (error as {name?: string}).name === 'AbortError') return finish(null)
              finish(error ? toRequestError(`watch of pods in ${namespace}`, server, error) : null)
            },
          ),
          timeoutMs,
          `watch of pods in ${namespace}: no answer from ${server} within ${timeoutMs / 1000}s`,
        )
        return {
          stop() {
            finished = true
            controller.abort()
          },
        }
      } catch (error) {
        throw toRequestError(`watch of pods in ${namespace}`, server, error)
      }
    },
    async podLog(namespace, name, container) {
      const text = await call(`log of pod ${name}`, () => core.readNamespacedPodLog({namespace, name, container}))
      return typeof text === 'string' ? text : String(text ?? '')
    },
    async deletePod(namespace, name) {
      await call(`delete pod ${name}`, () => core.deleteNamespacedPod({namespace, name, gracePeriodSeconds: 0}))
    },
    async createConfigMap(namespace, manifest) {
      await call(`create configmap ${String((manifest.metadata as {name?: string})?.name)} in ${namespace}`, () =>
        core.createNamespacedConfigMap({namespace, body: manifest as never}),
      )
    },
    async deleteConfigMap(namespace, name) {
      await call(`delete configmap ${name}`, () => core.deleteNamespacedConfigMap({namespace, name}))
    },
    async listConfigMaps({namespace, labelSelector}) {
      const items = namespace
        ? await paged(`configmaps in ${namespace}`, (c) => core.listNamespacedConfigMap({namespace, labelSelector, limit: PAGE, _continue: c}))
        : await paged('configmaps', (c) => core.listConfigMapForAllNamespaces({labelSelector, limit: PAGE, _continue: c}))
      return items.map((cm) => ({namespace: cm.metadata?.namespace ?? namespace ?? '', name: cm.metadata?.name ?? ''}))
    },
    async deletePods(namespace, labelSelector) {
      await call(`delete pods in ${namespace}`, () => core.deleteCollectionNamespacedPod({namespace, labelSelector, gracePeriodSeconds: 0}))
    },
  }
}

/** KUBECONFIG may list several files, some absent: kubectl skips the absent ones, client-node does not. */
function loadLikeKubectl(kc: KubeConfig): void {
  const list = process.env.KUBECONFIG
  if (!list) return kc.loadFromDefault()
  const files = list.split(delimiter).filter((f) => f && existsSync(f))
  if (files.length === 0) throw new UserError(`no usable kubeconfig: none of the KUBECONFIG files exist (${list})`)
  const saved = process.env.KUBECONFIG
  process.env.KUBECONFIG = files.join(delimiter)
  try {
    kc.loadFromDefault()
  } finally {
    process.env.KUBECONFIG = saved
  }
}

function toRequestError(what: string, server: string, error: unknown): KubeRequestError {
  if (error instanceof KubeRequestError) return error
  const code = (error as {code?: unknown}).code
  if (typeof code === 'number' && code >= 100) {
    const status = statusOf((error as {body?: unknown}).body)
    const message = status.message ?? `HTTP ${code}`
    if (code === 401) return new KubeRequestError(`the API server at ${server} rejected the credentials (401 Unauthorized): log in again or check the kubeconfig user`, 401)
    return new KubeRequestError(`${what}: ${message}`, code)
  }
  return new KubeRequestError(`${what}: cannot reach the API server at ${server}: ${networkReason(error)}`, null)
}

function statusOf(body: unknown): {message?: string} {
  let parsed = body
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body)
    } catch {
      return {message: body.trim() ? oneLine(body) : undefined}
    }
  }
  if (parsed && typeof parsed === 'object') {
    const {message} = parsed as {message?: unknown}
    return {message: typeof message === 'string' ? message : undefined}
  }
  return {}
}

function networkReason(error: unknown): string {
  let e: unknown = error
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as {code?: unknown}).code
    if (typeof code === 'string') return `${code}${(e as Error).message && !(e as Error).message.includes(code) ? ` (${oneLine(e)})` : ''}`.slice(0, 200)
    e = (e as {cause?: unknown}).cause
  }
  return oneLine(error)
}

function retryAfterMs(error: unknown, attempt: number): number {
  const header = (error as {headers?: Record<string, string>}).headers?.['retry-after']
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 30) * 1000
  return Math.min(250 * 2 ** attempt, 5000)
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KubeRequestError(message, null)), ms)
    timer.unref()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0].slice(0, 300)
}
