// The Kubernetes API behind the KubePort (src/model/kube-port.ts). Only this module imports
// @kubernetes/client-node, and the commands load it lazily. Every request goes through one client-side rate
// limiter, is retried on 429 (honouring Retry-After, at most MAX_429_RETRIES times), and fails as a
// KubeRequestError carrying the API server's own message; an answer that cannot be read (not JSON, a list without
// items) fails as one too, never as a crash. Every request has a deadline (--request-timeout): a call or log read
// is aborted (its socket closed) when it is not answered in time, a watch that does not connect or stays silent
// that long ends, and a kubeconfig exec credential plugin that does not answer in time is killed; the error names
// what did not answer.
import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  Observable,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  Watch,
  type Cluster,
  type User,
} from '@kubernetes/client-node'
import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process'
import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, join} from 'node:path'
import type {ClusterObjects, DaemonSetObject, EndpointSliceObject, NodeObject, ServiceObject} from '../model/types.js'
import {UserError} from '../model/errors.js'
import {formatDuration} from '../model/duration.js'
import {printable} from '../model/pod-status.js'
import {
  DEFAULT_BURST,
  DEFAULT_QPS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  KubeRequestError,
  type AccessCheck,
  type KubeOverrides,
  type KubePort,
  type PodObject,
  type ServiceRecord,
  type WatchEventType,
} from '../model/kube-port.js'
import {TokenBucket} from './token-bucket.js'

export interface KubeAccessOptions {
  kubeconfig: string | null
  context: string | null
  /** client-side request rate (requests/s) and burst; defaults keep a big cluster's API server comfortable */
  qps?: number
  burst?: number
  /** deadline of each request, watch connection and credential plugin call (default 30s) */
  requestTimeoutMs?: number
  /** kubectl's override flags */
  overrides?: KubeOverrides
  /** kubectl's -v: 6 and up logs each API request on stderr */
  verbosity?: number
}

const PAGE = 500
const MAX_429_RETRIES = 5

/** Loads kubeconfig like kubectl does (--kubeconfig, KUBECONFIG with several files, ~/.kube/config, in-cluster),
 * then applies kubectl's override flags (--cluster, --user, --server, --token, --as…, TLS files). */
export function openKube(opts: KubeAccessOptions): KubePort {
  const kc = new KubeConfig()
  const overrides = opts.overrides ?? {}
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig)
    else if (overrides.server && !hasKubeconfig()) kc.loadFromOptions({clusters: [], users: [], contexts: [], currentContext: ''})
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
  applyOverrides(kc, overrides)
  const impersonation = impersonationHeaders(overrides)
  if (impersonation.length) {
    // every request (API calls and the watch alike) is authenticated through this one method
    const authenticate = kc.applySecurityAuthentication.bind(kc)
    kc.applySecurityAuthentication = async (ctx) => {
      await authenticate(ctx)
      for (const [name, value] of impersonation) ctx.setHeaderParam(name, value)
    }
  }
  // kubectl talks plain http:// to a server so configured; client-node refuses unless TLS checks are off, which
  // for http:// changes nothing (there is no TLS to check)
  kc.clusters = kc.clusters.map((c) => (c.server.startsWith('http://') && !c.skipTLSVerify ? {...c, skipTLSVerify: true} : c))
  const cluster = kc.getCurrentCluster()
  // client-node silently falls back to http://localhost:8080 when nothing is configured.
  if (!cluster || (kc.getCurrentContext() === 'loaded-context' && cluster.server === 'http://localhost:8080' && !overrides.server)) {
    throw new UserError('no usable kubeconfig: set KUBECONFIG, pass --kubeconfig (or --server), or run inside a cluster')
  }
  if (!kc.getCurrentContext()) throw new UserError('the kubeconfig has no current-context: pass --context NAME')
  const server = cluster.server
  const core = kc.makeApiClient(CoreV1Api)
  const discovery = kc.makeApiClient(DiscoveryV1Api)
  const apps = kc.makeApiClient(AppsV1Api)
  const authz = kc.makeApiClient(AuthorizationV1Api)
  const version = kc.makeApiClient(VersionApi)
  const bucket = new TokenBucket(opts.qps ?? DEFAULT_QPS, opts.burst ?? DEFAULT_BURST)
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  const plugins = guardExecPlugins(kc, timeoutMs)
  const noAnswer = (what: string) => `${what}: no answer from ${server} within ${formatDuration(timeoutMs)}`
  const log = (opts.verbosity ?? 0) >= 6 ? (line: string) => process.stderr.write(`kr: ${line}\n`) : null

  /** One request with its deadline: past it the request is aborted (undici closes the socket), and a credential
   * plugin still running for it is killed; the error says which. */
  async function call<T>(what: string, fn: (options: RequestOptions) => Promise<T>): Promise<T> {
    const firstStarted = Date.now()
    for (let attempt = 0; ; attempt++) {
      await bucket.take()
      const controller = new AbortController()
      // the HTTP status, once the answer's headers arrived: a body that then fails to parse is garbage, not a lost server
      let answered: number | null = null
      const options: RequestOptions = {
        middleware: [
          {
            pre: (ctx) => {
              ctx.setSignal(controller.signal)
              return new Observable(Promise.resolve(ctx))
            },
            post: (response) => {
              answered = response.httpStatusCode
              return new Observable(Promise.resolve(response))
            },
          },
        ],
        middlewareMergeStrategy: 'append',
      }
      const started = Date.now()
      try {
        const result = await withDeadline(fn(options), timeoutMs, () => {
          controller.abort()
          const plugin = plugins.cut()
          return new KubeRequestError(plugin ? `${what}: ${plugin}` : noAnswer(what), null)
        })
        log?.(`${what}: OK in ${Date.now() - started}ms`)
        return result
      } catch (error) {
        const plugin = plugins.takeFailure()
        const failure = plugin
          ? new KubeRequestError(`${what}: ${plugin}`, null)
          : answered !== null && error instanceof SyntaxError
            ? new KubeRequestError(`${what}: the API server at ${server} answered ${answered} with a body that is not valid JSON (${jsonProblem(error)})`, answered)
            : toRequestError(what, server, error, timeoutMs)
        log?.(`${what}: ${failure.code ?? 'failed'} in ${Date.now() - started}ms`)
        if (failure.code === 429 && attempt < MAX_429_RETRIES) {
          await sleep(retryAfterMs(error, attempt))
          continue
        }
        if (failure.code === 429) {
          throw new KubeRequestError(
            `${what}: the API server is throttling requests (429 Too Many Requests) and still was after ${attempt + 1} attempts over ${formatDuration(Math.round((Date.now() - firstStarted) / 1000) * 1000)}: ${statusOf((error as {body?: unknown}).body).message ?? 'no message'}`,
            429,
          )
        }
        throw failure
      }
    }
  }

  async function paged<T>(what: string, list: (cont: string | undefined, options: RequestOptions) => Promise<{items: T[]; metadata?: {_continue?: string}}>): Promise<T[]> {
    const out: T[] = []
    let cont: string | undefined
    do {
      const page = await call(what, (o) => list(cont, o))
      if (!Array.isArray(page?.items)) {
        const items = page && typeof page === 'object' ? `items: ${JSON.stringify(page.items) ?? 'missing'}` : `${typeof page}`
        throw new KubeRequestError(`${what}: the API server at ${server} answered with a list that has no items (${items})`, 200)
      }
      out.push(...page.items)
      cont = page.metadata?._continue || undefined
    } while (cont)
    return out
  }

  const plain = <T>(o: unknown): T => JSON.parse(JSON.stringify(o)) as T

  async function findKubeRouter() {
    let found = await paged('daemonsets', (c, o) =>
      apps.listNamespacedDaemonSet({namespace: 'kube-system', labelSelector: 'k8s-app=kube-router', limit: PAGE, _continue: c}, o),
    )
    if (found.length === 0) {
      const all = await paged('daemonsets', (c, o) => apps.listDaemonSetForAllNamespaces({limit: PAGE, _continue: c}, o))
      found = all.filter((ds) => ds.spec?.template?.spec?.containers?.some((ct) => (ct.image ?? '').includes('kube-router')))
    }
    return found[0] ?? null
  }

  return {
    context: kc.getCurrentContext(),
    server,
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace || 'default',
    async serverVersion() {
      const info = await call('the server version', (o) => version.getCode({}, o))
      return info.gitVersion
    },
    async canI(checks: readonly AccessCheck[]) {
      return Promise.all(
        checks.map(async (c) => {
          const review = await call(`access review (${c.verb} ${c.resource})`, (o) =>
            authz.createSelfSubjectAccessReview({
              body: {
                apiVersion: 'authorization.k8s.io/v1',
                kind: 'SelfSubjectAccessReview',
                spec: {resourceAttributes: {verb: c.verb, resource: c.resource, group: c.group ?? '', subresource: c.subresource, namespace: c.namespace}},
              },
            }, o),
          )
          if (typeof review?.status?.allowed !== 'boolean') {
            throw new KubeRequestError(`access review (${c.verb} ${c.resource}): the API server at ${server} answered without a verdict (no status.allowed)`, 201)
          }
          return review.status.allowed
        }),
      )
    },
    async namespaceLabels(name) {
      try {
        const ns = await call(`namespace ${name}`, (o) => core.readNamespace({name}, o))
        return {...(ns.metadata?.labels ?? {})}
      } catch (error) {
        if (error instanceof KubeRequestError && error.code === 404) return null
        throw error
      }
    },
    async fetchClusterObjects() {
      const [nodes, services, slices, kubeRouter] = await Promise.all([
        paged('nodes', (c, o) => core.listNode({limit: PAGE, _continue: c}, o)),
        paged('services', (c, o) => core.listServiceForAllNamespaces({limit: PAGE, _continue: c}, o)),
        paged('endpointslices', (c, o) => discovery.listEndpointSliceForAllNamespaces({limit: PAGE, _continue: c}, o)),
        findKubeRouter(),
      ])
      return {
        nodes: plain<unknown[]>(nodes),
        services: plain<unknown[]>(services),
        endpointSlices: plain<unknown[]>(slices),
        kubeRouter: kubeRouter ? plain<unknown>(kubeRouter) : null,
      }
    },
    async listPods({namespace, labelSelector, fieldSelector}) {
      const pods = namespace
        ? await paged(`pods in ${namespace}`, (c, o) => core.listNamespacedPod({namespace, labelSelector, fieldSelector, limit: PAGE, _continue: c}, o))
        : await paged('pods', (c, o) => core.listPodForAllNamespaces({labelSelector, fieldSelector, limit: PAGE, _continue: c}, o))
      return plain<PodObject[]>(pods)
    },
    async createPod(namespace, manifest) {
      await call(`create pod ${String((manifest.metadata as {name?: string})?.name)} in ${namespace}`, (o) =>
        core.createNamespacedPod({namespace, body: manifest as never}, o),
      )
    },
    async watchPods(namespace, labelSelector, handlers) {
      await bucket.take()
      const what = `watch of pods in ${namespace}`
      let finished = false
      let connected = false
      let abandoned = false
      const finish = (error: KubeRequestError | null) => {
        if (finished) return
        finished = true
        handlers.done(error)
      }
      // client-node's Watch aborts a connection that gets no answer, and a stream silent for this long
      const watch = new Watch(kc)
      ;(watch as unknown as {requestTimeoutMs: number}).requestTimeoutMs = timeoutMs
      const connecting = watch.watch(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
        {labelSelector, allowWatchBookmarks: false},
        (type: string, pod: unknown) => {
          // a line that is not a pod event is skipped, as client-node skips a line that is not JSON
          if (!pod || typeof pod !== 'object') return
          if (type === 'ERROR') {
            const status = pod as {message?: string; code?: number}
            finish(new KubeRequestError(`${what} ended: ${status.message ?? 'error'}`, status.code ?? 500))
            return
          }
          handlers.event(type as WatchEventType, pod as PodObject)
        },
        (error: unknown) => {
          if (error && (error as {name?: string}).name === 'AbortError') return finish(null)
          if (error && isTimeout(error)) {
            return finish(new KubeRequestError(connected ? `${what}: no event from ${server} for ${formatDuration(timeoutMs)}` : noAnswer(what), null))
          }
          finish(error ? toRequestError(what, server, error, timeoutMs) : null)
        },
      )
      try {
        // the credential plugin runs before the Watch's own timer starts: the same deadline covers it
        const controller = await withDeadline(connecting, timeoutMs + 1000, () => {
          abandoned = true
          const plugin = plugins.cut()
          return new KubeRequestError(plugin ? `${what}: ${plugin}` : noAnswer(what), null)
        })
        connected = true
        return {
          stop() {
            finished = true
            controller.abort()
          },
        }
      } catch (error) {
        // a watch that connects after all, once nobody waits for it, is closed at once
        if (abandoned) connecting.then((c) => c.abort(), () => {})
        throw toRequestError(what, server, error, timeoutMs)
      }
    },
    async kubeRouterDaemonSet() {
      const ds = await findKubeRouter()
      return ds ? plain<unknown>(ds) : null
    },
    async listNames(resource, namespace) {
      const names = (items: {metadata?: {name?: string; namespace?: string}}[], qualified: boolean) =>
        items.map((i) => (qualified ? `${i.metadata?.namespace ?? ''}/${i.metadata?.name ?? ''}` : (i.metadata?.name ?? ''))).filter(Boolean).sort()
      if (resource === 'nodes') return names(await paged('nodes', (c, o) => core.listNode({limit: PAGE, _continue: c}, o)), false)
      if (resource === 'namespaces') return names(await paged('namespaces', (c, o) => core.listNamespace({limit: PAGE, _continue: c}, o)), false)
      if (namespace) return names(await paged(`services in ${namespace}`, (c, o) => core.listNamespacedService({namespace, limit: PAGE, _continue: c}, o)), false)
      return names(await paged('services', (c, o) => core.listServiceForAllNamespaces({limit: PAGE, _continue: c}, o)), true)
    },
    async podEvents(namespace, name) {
      const events = await paged(`events of pod ${name}`, (c, o) =>
        core.listNamespacedEvent({namespace, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}`, limit: PAGE, _continue: c}, o),
      )
      const at = (e: (typeof events)[number]) => String(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '')
      return events
        .sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0))
        .map((e) => ({type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? 1}))
    },
    async podLog(namespace, name, container, options = {}) {
      const text = await call(`${options.previous ? 'previous ' : ''}log of pod ${name}`, (o) =>
        core.readNamespacedPodLog({namespace, name, container, limitBytes: options.limitBytes, tailLines: options.tailLines, ...(options.previous ? {previous: true} : {})}, o))
      return typeof text === 'string' ? text : String(text ?? '')
    },
    async deletePod(namespace, name) {
      await call(`delete pod ${name}`, (o) => core.deleteNamespacedPod({namespace, name, gracePeriodSeconds: 0}, o))
    },
    async createConfigMap(namespace, manifest) {
      await call(`create configmap ${String((manifest.metadata as {name?: string})?.name)} in ${namespace}`, (o) =>
        core.createNamespacedConfigMap({namespace, body: manifest as never}, o),
      )
    },
    async deleteConfigMap(namespace, name) {
      await call(`delete configmap ${name}`, (o) => core.deleteNamespacedConfigMap({namespace, name}, o))
    },
    async listConfigMaps({namespace, labelSelector}) {
      const items = namespace
        ? await paged(`configmaps in ${namespace}`, (c, o) => core.listNamespacedConfigMap({namespace, labelSelector, limit: PAGE, _continue: c}, o))
        : await paged('configmaps', (c, o) => core.listConfigMapForAllNamespaces({labelSelector, limit: PAGE, _continue: c}, o))
      return items.map((cm) => ({
        namespace: cm.metadata?.namespace ?? namespace ?? '',
        name: cm.metadata?.name ?? '',
        labels: {...(cm.metadata?.labels ?? {})},
        dataKeys: [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})],
      }))
    },
    async deletePods(namespace, labelSelector) {
      await call(`delete pods in ${namespace}`, (o) => core.deleteCollectionNamespacedPod({namespace, labelSelector, gracePeriodSeconds: 0}, o))
    },
    async getService(namespace, name) {
      return plain<ServiceRecord>(await call(`service ${namespace}/${name}`, (o) => core.readNamespacedService({namespace, name}, o)))
    },
    async patchService(namespace, name, patch, {dryRun}) {
      const patched = await call(`${dryRun ? 'dry-run ' : ''}patch of service ${namespace}/${name}`, (o) =>
        core.patchNamespacedService(
          {namespace, name, body: patch, fieldManager: 'kubectl-kr', dryRun: dryRun ? 'All' : undefined},
          // client-node sends a JSON patch unless told otherwise
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch, o),
        ),
      )
      return plain<ServiceRecord>(patched)
    },
    async createEvent(namespace, event) {
      await call(`create event in ${namespace}`, (o) => core.createNamespacedEvent({namespace, body: event as never}, o))
    },
  }
}

/** The context names of the kubeconfig kubectl would use (or the given file). */
export function kubeconfigContexts(kubeconfig: string | null): string[] {
  const kc = new KubeConfig()
  if (kubeconfig) kc.loadFromFile(kubeconfig)
  else loadLikeKubectl(kc)
  return kc.getContexts().map((c) => c.name).sort()
}

/** Whether kubectl would find a kubeconfig (KUBECONFIG, ~/.kube/config) or run in-cluster. */
export function kubeconfigAvailable(): boolean {
  return hasKubeconfig()
}

function hasKubeconfig(): boolean {
  const list = process.env.KUBECONFIG
  if (list) return list.split(delimiter).some((f) => f && existsSync(f))
  return existsSync(join(homedir(), '.kube', 'config')) || Boolean(process.env.KUBERNETES_SERVICE_HOST)
}

/**
 * kubectl's override flags on the loaded kubeconfig: --cluster / --user swap the context's entries for other ones
 * of the kubeconfig; --server, --certificate-authority, --insecure-skip-tls-verify, --tls-server-name change the
 * cluster; --token (replacing the user's other credentials), --client-certificate, --client-key and --as change
 * the user. With --server and no kubeconfig at all, the flags alone make the configuration, as with kubectl.
 */
function applyOverrides(kc: KubeConfig, o: KubeOverrides): void {
  if (Object.keys(o).length === 0) return
  if (!kc.getCurrentContext() && o.server) {
    kc.clusters = [...kc.clusters, {name: 'kr-flags', server: o.server, skipTLSVerify: false}]
    kc.users = [...kc.users, {name: 'kr-flags'}]
    kc.contexts = [...kc.contexts, {name: 'kr-flags', cluster: 'kr-flags', user: 'kr-flags'}]
    kc.setCurrentContext('kr-flags')
  }
  const context = kc.getContextObject(kc.getCurrentContext())
  if (!context) return
  let {cluster: clusterName, user: userName} = context
  if (o.cluster !== undefined) {
    if (!kc.getCluster(o.cluster)) throw new UserError(`cluster "${o.cluster}" not found in kubeconfig; available: ${kc.clusters.map((c) => c.name).join(', ') || 'none'}`)
    clusterName = o.cluster
  }
  if (o.user !== undefined) {
    if (!kc.getUser(o.user)) throw new UserError(`user "${o.user}" not found in kubeconfig; available: ${kc.users.map((u) => u.name).join(', ') || 'none'}`)
    userName = o.user
  }
  for (const [flag, file] of [['--certificate-authority', o.certificateAuthority], ['--client-certificate', o.clientCertificate], ['--client-key', o.clientKey]] as const) {
    if (file !== undefined && !existsSync(file)) throw new UserError(`${flag} ${file}: no such file`)
  }
  // the overridden context gets entries of its own: other contexts sharing the cluster or user keep theirs
  const base = kc.getCluster(clusterName) ?? {name: clusterName, server: o.server ?? '', skipTLSVerify: false}
  let cluster: Cluster = {...base, name: 'kr-override'}
  if (o.server !== undefined) cluster = {...cluster, server: o.server}
  if (o.certificateAuthority !== undefined) cluster = {...cluster, caFile: o.certificateAuthority, caData: undefined, skipTLSVerify: false}
  if (o.insecureSkipTlsVerify) cluster = {...cluster, skipTLSVerify: true, caFile: undefined, caData: undefined}
  if (o.tlsServerName !== undefined) cluster = {...cluster, tlsServerName: o.tlsServerName}
  const baseUser = kc.getUser(userName) ?? {name: userName}
  let user: User = {...baseUser, name: 'kr-override'}
  if (o.token !== undefined) user = {name: 'kr-override', token: o.token, certFile: user.certFile, certData: user.certData, keyFile: user.keyFile, keyData: user.keyData}
  if (o.clientCertificate !== undefined) user = {...user, certFile: o.clientCertificate, certData: undefined}
  if (o.clientKey !== undefined) user = {...user, keyFile: o.clientKey, keyData: undefined}
  if (o.as !== undefined) user = {...user, impersonateUser: o.as}
  kc.clusters = [...kc.clusters.filter((c) => c.name !== 'kr-override'), cluster]
  kc.users = [...kc.users.filter((u) => u.name !== 'kr-override'), user]
  kc.contexts = kc.contexts.map((c) => (c.name === context.name ? {...c, cluster: 'kr-override', user: 'kr-override'} : c))
}

/** Impersonate-Group and -Uid as kubectl sends them (client-node sends Impersonate-User itself, from the user). */
function impersonationHeaders(o: KubeOverrides): [string, string][] {
  const headers: [string, string][] = []
  if (o.as === undefined) return headers
  // a header value is one group; several groups would need the header repeated, which client-node cannot send
  if ((o.asGroups?.length ?? 0) > 1) throw new UserError(`--as-group given ${o.asGroups!.length} times: kubectl-kr can impersonate one group per run`)
  if (o.asGroups?.length) headers.push(['Impersonate-Group', o.asGroups[0]])
  if (o.asUid !== undefined) headers.push(['Impersonate-Uid', o.asUid])
  return headers
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

function toRequestError(what: string, server: string, error: unknown, timeoutMs: number): KubeRequestError {
  if (error instanceof KubeRequestError) return error
  if (error instanceof CredentialPluginError) return new KubeRequestError(`${what}: ${error.message}`, null)
  if (isTimeout(error)) return new KubeRequestError(`${what}: no answer from ${server} within ${formatDuration(timeoutMs)}`, null)
  // a watch that is refused says so with statusCode
  const code = (error as {code?: unknown}).code ?? (error as {statusCode?: unknown}).statusCode
  if (typeof code === 'number' && code >= 100) {
    const status = statusOf((error as {body?: unknown}).body)
    const message = status.message ?? `HTTP ${code}`
    if (code === 401) return new KubeRequestError(`the API server at ${server} rejected the credentials (401 Unauthorized): log in again or check the kubeconfig user`, 401)
    // a refused watch carries no body: the status alone says what happened
    if (code === 429) return new KubeRequestError(`${what}: the API server is throttling requests (429 Too Many Requests)${status.message ? `: ${status.message}` : ''}`, 429)
    return new KubeRequestError(`${what}: ${message}`, code)
  }
  return new KubeRequestError(`${what}: cannot reach the API server at ${server}: ${networkReason(error)}`, null)
}

function isTimeout(error: unknown): boolean {
  return Boolean(error) && (error as {name?: unknown}).name === 'TimeoutError'
}

/** Per-call options of client-node's generated API: our middleware hands the request its AbortSignal. */
type RequestOptions = NonNullable<Parameters<CoreV1Api['readNamespace']>[1]>

/** A kubeconfig exec credential plugin that failed or did not answer in time; names the plugin. */
class CredentialPluginError extends Error {}

/**
 * kubectl-style exec credential plugins (users[].user.exec) run through client-node's ExecAuth, which waits for
 * them without a limit. Its spawn is replaced by one that kills the plugin when it does not answer within the
 * request timeout (and names it when it fails); `cut()` kills the ones still running when a request's own deadline
 * passes first and says which plugin that was.
 */
function guardExecPlugins(kc: KubeConfig, timeoutMs: number): {cut(): string | null; takeFailure(): string | null} {
  const running = new Map<ChildProcess, {describe: string; stop(): void}>()
  // a plugin's own timer can fire just before the deadline of the request that started it: remember it
  let expired: string | null = null
  // a plugin that could not be started at all: client-node then rejects with the bare spawn error (ENOENT)
  let startFailure: string | null = null
  const user = kc.getCurrentUser()
  const authenticators = (kc as unknown as {authenticators?: unknown[]}).authenticators ?? []
  const execAuth = authenticators.find((a): a is {execFn: typeof spawn} => typeof a === 'object' && a !== null && 'execFn' in a)
  if (execAuth) {
    execAuth.execFn = ((command: string, args: readonly string[] | undefined, options: SpawnOptions) => {
      const describe = `credential plugin ${command}${user ? ` (kubeconfig user "${user.name}")` : ''}`
      const child = spawn(command, args ?? [], {...options, stdio: ['ignore', 'pipe', 'pipe']})
      let stderr = ''
      child.stderr?.on('data', (d: Buffer | string) => (stderr = (stderr + d.toString()).slice(-2000)))
      let done = false
      const stop = (reason: string) => {
        if (done) return
        done = true
        clearTimeout(timer)
        running.delete(child)
        // ExecAuth rejects with the last 'error' it saw once the process closes
        child.emit('error', new CredentialPluginError(reason))
        child.kill('SIGKILL')
        // a plugin's own children may hold the pipes open; ours are closed regardless
        child.stdout?.destroy()
        child.stderr?.destroy()
      }
      const timer = setTimeout(() => {
        expired = `${describe} did not answer within ${formatDuration(timeoutMs)}`
        stop(expired)
      }, timeoutMs)
      timer.unref()
      running.set(child, {describe, stop: () => stop(`${describe} did not answer within ${formatDuration(timeoutMs)}`)})
      child.on('error', (error) => {
        if (error instanceof CredentialPluginError || done) return
        done = true
        clearTimeout(timer)
        running.delete(child)
        const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (is it installed and on PATH?)' : oneLine(error)
        startFailure = `${describe} could not be run: ${why}`
        child.emit('error', new CredentialPluginError(startFailure))
      })
      child.on('exit', (code, signal) => {
        if (done) return
        done = true
        clearTimeout(timer)
        running.delete(child)
        if (code !== 0) {
          const last = stderr.trim().split('\n').pop() ?? ''
          child.emit('error', new CredentialPluginError(`${describe} failed (${signal ?? `exit code ${code}`})${last ? `: ${last.slice(0, 300)}` : ''}`))
        }
      })
      return child
    }) as typeof spawn
  }
  return {
    takeFailure() {
      const failure = startFailure
      startFailure = null
      return failure
    },
    cut() {
      const first = [...running.values()][0]
      for (const p of [...running.values()]) p.stop()
      return first ? `${first.describe} did not answer within ${formatDuration(timeoutMs)}` : expired
    },
  }
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
    // undici reports a refused connection as "fetch failed" caused by an AggregateError of the attempts
    e = (e as {cause?: unknown}).cause ?? (e as {errors?: unknown[]}).errors?.[0]
  }
  return oneLine(error)
}

/** JSON.parse's complaint without the bytes it quotes (garbage may hold control characters). */
function jsonProblem(error: SyntaxError): string {
  return printable(error.message.replace(/, ".*" is not valid JSON$/s, '')).slice(0, 200)
}

function retryAfterMs(error: unknown, attempt: number): number {
  const header = (error as {headers?: Record<string, string>}).headers?.['retry-after']
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 30) * 1000
  return Math.min(250 * 2 ** attempt, 5000)
}

/** The promise, or the error `onDeadline` makes once `ms` passed without it settling. */
function withDeadline<T>(promise: Promise<T>, ms: number, onDeadline: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onDeadline()), ms)
    timer.unref()
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0].slice(0, 300)
}
