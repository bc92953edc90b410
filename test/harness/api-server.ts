// The HTTP side of the test cluster: routing of real Kubernetes API paths, bearer-token
// authentication (401), RBAC denials (403, and SelfSubjectAccessReview answers), Status
// errors, pagination with continue tokens, watch streams, pod logs, the request log,
// injected latency, "API server gone" (failAfter), "API server hangs" (hang), "API server throttles" (throttle:
// 429 with Retry-After) and "API server answers garbage" (garble).
import http from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import {randomUUID} from 'node:crypto'
import {isDeepStrictEqual} from 'node:util'
import type {Kubelet, LogQuery} from './kubelet.js'
import {defaultPod, generateSuffix, podSecurity, schedule, validatePod} from './objects.js'
import {type FieldRequirement, type LabelSelector, matchFields, matchLabels, parseFieldSelector, parseLabelSelector} from './selectors.js'
import {ApiError, type StatusObject} from './status.js'
import {type KubeObject, RESOURCES, type ResourceInfo, type Store, type StoreEvent, apiVersionOf, objectKey, timestamp} from './store.js'
import type {Denial, Garbage, RequestMatch, RequestRecord} from './types.js'

type Obj = Record<string, any>

export interface ApiServerOptions {
  store: Store
  kubelet: Kubelet
  token?: string
  user: string
  deny: Denial[]
  latencyMs: number
  serverVersion: string
}

/** What a request asks for, in RBAC terms. */
export interface RequestAttributes {
  verb: string
  resource: string
  subresource?: string
  group: string
  namespace?: string
  name?: string
}

interface Route {
  info: ResourceInfo
  namespace?: string
  name?: string
  subresource?: string
}

interface FailRule {
  n: number
  method?: string
  pathIncludes?: string
  count: number
}

interface ThrottleRule {
  match: RequestMatch
  left: number
  retryAfterSeconds: number
}

interface GarbleRule {
  match: RequestMatch
  left: number
  garbage: Garbage
}

const CORE_PREFIX = ['api', 'v1']

/** A gzip header and binary: neither JSON nor text, and no newline (a watch line of it stays one line). */
const NOT_JSON = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0xfe, 0x00, 0x9c, 0x3c, 0x21, 0x2d, 0x2d, 0xc3, 0x28])

function matchesRequest(m: RequestMatch, method: string, url: URL): boolean {
  if (m.method && m.method.toUpperCase() !== method) return false
  if (m.path !== undefined && !(typeof m.path === 'string' ? m.path === url.pathname : m.path.test(url.pathname))) return false
  for (const [k, v] of Object.entries(m.query ?? {})) {
    if (!url.searchParams.has(k) || (v !== '*' && url.searchParams.get(k) !== v)) return false
  }
  return true
}

/** The first rule that matches and has requests left. */
function findRule<R extends {match: RequestMatch; left: number}>(rules: R[], method: string, url: URL): R | undefined {
  return rules.find((r) => r.left > 0 && matchesRequest(r.match, method, url))
}

/** What a garbled response sends instead of `text` (`parsed`: the object it encodes, when JSON). */
function garbleBody(text: string, garbage: Garbage, parsed?: unknown): string | Buffer {
  switch (garbage) {
    case 'not-json':
      return NOT_JSON
    case 'truncated':
      return text.slice(0, Math.floor(text.length / 2))
    case 'null-items':
      return parsed && typeof parsed === 'object' && Array.isArray((parsed as Obj).items) ? JSON.stringify({...(parsed as Obj), items: null}) : text
    case 'json-string':
      return '"ok"'
  }
}

/** The extra line a garbled watch sends before its first event `firstLine`. */
function garbageWatchLine(garbage: Garbage, firstLine: string): string | Buffer {
  switch (garbage) {
    case 'not-json':
      return Buffer.concat([NOT_JSON, Buffer.from('\n')])
    case 'truncated':
      return `${firstLine.slice(0, Math.floor(firstLine.length / 2))}\n`
    case 'null-items':
      return `${JSON.stringify({type: 'ADDED', object: null})}\n`
    case 'json-string':
      return '"ok"\n'
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export function isDenied(deny: readonly Denial[], a: RequestAttributes): boolean {
  return deny.some(
    (d) =>
      (d.verb === '*' || d.verb === a.verb) &&
      (d.resource === '*' || d.resource === a.resource) &&
      (d.subresource === '*' || (d.subresource ?? '') === (a.subresource ?? '')) &&
      (d.group === undefined || d.group === '*' || d.group === a.group) &&
      (d.namespace === undefined || d.namespace === a.namespace),
  )
}

interface ContinueToken {
  v: string
  rv: number
  start: string
}

function encodeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000`} satisfies ContinueToken)).toString('base64url')
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken
    if (t.v !== 'meta.k8s.io/v1' || typeof t.start !== 'string' || typeof t.rv !== 'number') throw new Error('bad')
    return t
  } catch {
    throw ApiError.badRequest(`continue key is not valid: illegal base64 data at input byte 0`)
  }
}

function intParam(q: Record<string, string>, name: string): number | undefined {
  const v = q[name]
  if (v === undefined || v === '') return undefined
  if (!/^-?\d+$/.test(v)) throw ApiError.badRequest(`${name}: Invalid value: "${v}": must be an integer`)
  return Number(v)
}

function boolParam(q: Record<string, string>, name: string): boolean {
  const v = q[name]
  return v === 'true' || v === '1'
}

/** Merge patch (RFC 7386). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const out: Obj = target !== null && typeof target === 'object' && !Array.isArray(target) ? {...(target as Obj)} : {}
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

/** JSON patch (RFC 6902). */
function jsonPatch(target: unknown, ops: Obj[]): unknown {
  let doc = structuredClone(target)
  const parse = (p: string) =>
    p === ''
      ? []
      : p
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  const get = (d: any, path: string[]) => path.reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), d)
  for (const op of ops) {
    const path = parse(op.path)
    const parent = path.length ? get(doc, path.slice(0, -1)) : undefined
    const last = path[path.length - 1]
    const setAt = (value: unknown, insert: boolean) => {
      if (!path.length) {
        doc = value
        return
      }
      if (parent === undefined || parent === null) throw ApiError.invalid('Object', '', [{field: op.path, reason: 'FieldValueInvalid', message: 'doc is missing path'}])
      if (Array.isArray(parent)) {
        const i = last === '-' ? parent.length : Number(last)
        if (insert) parent.splice(i, 0, value)
        else parent[i] = value
      } else parent[last] = value
    }
    switch (op.op) {
      case 'add':
        setAt(structuredClone(op.value), true)
        break
      case 'replace':
        setAt(structuredClone(op.value), false)
        break
      case 'remove':
        if (Array.isArray(parent)) parent.splice(Number(last), 1)
        else if (parent) delete parent[last]
        break
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(op.value)) throw ApiError.invalid('Object', '', [{field: op.path, reason: 'FieldValueInvalid', message: 'testing value failed'}])
        break
      case 'copy':
      case 'move': {
        const from = parse(op.from)
        const v = structuredClone(get(doc, from))
        if (op.op === 'move') {
          const fp = get(doc, from.slice(0, -1))
          if (Array.isArray(fp)) fp.splice(Number(from[from.length - 1]), 1)
          else if (fp) delete fp[from[from.length - 1]]
        }
        setAt(v, true)
        break
      }
      default:
        throw ApiError.badRequest(`Unexpected kind: ${op.op}`)
    }
  }
  return doc
}

export class ApiServer {
  readonly requests: RequestRecord[] = []
  private readonly server: http.Server
  private readonly sockets = new Set<Socket>()
  private readonly watchEnders = new Set<() => void>()
  private failRule?: FailRule
  private readonly throttles: ThrottleRule[] = []
  private readonly garbles: GarbleRule[] = []
  /** the garble rule a response falls under, with its request's log entry */
  private readonly garbled = new WeakMap<http.ServerResponse, {rule: GarbleRule; rec: RequestRecord}>()
  private failed = false
  private hanging = false
  private latencyMs: number
  url = ''

  constructor(private readonly o: ApiServerOptions) {
    this.latencyMs = o.latencyMs
    this.server = http.createServer((req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = 5000
    this.server.on('connection', (s: Socket) => {
      if (this.failed) {
        s.destroy()
        return
      }
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => {
        const a = this.server.address() as AddressInfo
        this.url = `http://127.0.0.1:${a.port}`
        resolve(this.url)
      })
    })
  }

  setLatency(ms: number): void {
    this.latencyMs = ms
  }

  failAfter(n: number, what: {method?: string; pathIncludes?: string}): void {
    this.failRule = {n, method: what.method?.toUpperCase(), pathIncludes: what.pathIncludes, count: 0}
  }

  /** The next `n` requests matching `what` are answered 429 TooManyRequests with Retry-After (header and
   * details.retryAfterSeconds), before anything else happens to them; later ones are served as usual. */
  throttle(n: number, what: RequestMatch, opts: {retryAfterSeconds?: number} = {}): void {
    this.throttles.push({match: what, left: n, retryAfterSeconds: opts.retryAfterSeconds ?? 1})
  }

  /** Requests matching `what` (the first `times`; default all) that succeed are answered 200 with garbage
   * instead of their body (types.ts: Garbage). */
  garble(what: RequestMatch, garbage: Garbage, opts: {times?: number} = {}): void {
    this.garbles.push({match: what, left: opts.times ?? Infinity, garbage})
  }

  /** The API server stops answering: connections are still accepted and kept open, but no request gets a
   * response any more and open watches and log streams send nothing more. */
  hang(): void {
    this.hanging = true
  }

  /** The API server goes away: listener closed, every connection (open watches too) destroyed. */
  private goAway(): void {
    if (this.failed) return
    this.failed = true
    this.server.close()
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    for (const end of [...this.watchEnders]) end()
  }

  async close(): Promise<void> {
    for (const end of [...this.watchEnders]) end()
    if (!this.failed) {
      this.failed = true
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve())
        this.server.closeAllConnections()
        for (const s of this.sockets) s.destroy()
      })
    }
  }

  // ---------- request plumbing ----------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://harness')
    const query: Record<string, string> = {}
    for (const [k, v] of url.searchParams) query[k] = v
    const rec: RequestRecord = {method: req.method ?? 'GET', path: url.pathname, query, status: 0, at: Date.now()}
    if (req.headers['user-agent']) rec.userAgent = req.headers['user-agent']
    const impersonate = {user: req.headersDistinct['impersonate-user']?.[0], groups: req.headersDistinct['impersonate-group'], uid: req.headersDistinct['impersonate-uid']?.[0]}
    if (impersonate.user || impersonate.groups || impersonate.uid) rec.impersonate = impersonate
    const bearer = /^Bearer (.*)$/.exec(req.headers.authorization ?? '')
    if (bearer) rec.token = bearer[1]
    this.requests.push(rec)
    res.on('close', () => {
      if (!res.headersSent) rec.status = 0
    })
    const origWriteHead = res.writeHead.bind(res)
    res.writeHead = ((code: number, ...rest: any[]) => {
      rec.status = code
      return origWriteHead(code, ...rest)
    }) as typeof res.writeHead

    if (this.hanging) return
    let triggerAfter = false
    const rule = this.failRule
    if (rule && (!rule.method || rule.method === rec.method) && (!rule.pathIncludes || `${url.pathname}${url.search}`.includes(rule.pathIncludes))) {
      rule.count++
      if (rule.count > rule.n) {
        req.socket.destroy()
        this.goAway()
        return
      }
      if (rule.count === rule.n) triggerAfter = true
    }
    if (triggerAfter) {
      res.on('finish', () => setImmediate(() => this.goAway()))
      ;(res as any).krFailAfterStream = () => setImmediate(() => this.goAway())
    }

    try {
      let body: unknown
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(rec.method)) {
        const text = await readBody(req)
        if (text.trim() !== '') {
          const type = String(req.headers['content-type'] ?? 'application/json')
          if (type.includes('yaml') || type.includes('protobuf') || type.includes('cbor')) throw ApiError.unsupportedMediaType(type)
          try {
            body = JSON.parse(text)
          } catch (err) {
            throw ApiError.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`)
          }
          if (rec.method !== 'DELETE') rec.body = body
        }
      }
      if (this.latencyMs > 0) await sleep(this.latencyMs)
      if (this.hanging) return
      if (this.failed) {
        req.socket.destroy()
        return
      }
      if (this.o.token !== undefined) {
        const auth = req.headers.authorization ?? ''
        if (auth !== `Bearer ${this.o.token}`) throw ApiError.unauthorized()
      }
      res.setHeader('Audit-Id', randomUUID())
      res.setHeader('Cache-Control', 'no-cache, private')
      const throttled = findRule(this.throttles, rec.method, url)
      if (throttled) {
        throttled.left--
        res.setHeader('Retry-After', String(throttled.retryAfterSeconds))
        throw ApiError.tooManyRequests(throttled.retryAfterSeconds)
      }
      const garbled = findRule(this.garbles, rec.method, url)
      if (garbled) this.garbled.set(res, {rule: garbled, rec})
      await this.route(req, res, url.pathname, query, body)
    } catch (err) {
      const e = err instanceof ApiError ? err : ApiError.internal((err as Error)?.message ?? String(err))
      if (!res.headersSent) this.sendStatus(res, e.toStatus())
      else res.destroy()
    }
  }

  /** The garbage this successful answer is to be, if any (counted as used, and logged). */
  private garbageFor(res: http.ServerResponse): Garbage | undefined {
    const g = this.garbled.get(res)
    this.garbled.delete(res)
    if (!g || g.rule.left <= 0) return undefined
    g.rule.left--
    g.rec.garbled = g.rule.garbage
    return g.rule.garbage
  }

  private sendJson(res: http.ServerResponse, code: number, obj: unknown): void {
    const garbage = code < 300 ? this.garbageFor(res) : undefined
    const text = garbage ? garbleBody(JSON.stringify(obj), garbage, obj) : JSON.stringify(obj)
    res.writeHead(code, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)})
    res.end(text)
  }

  private sendStatus(res: http.ServerResponse, s: StatusObject): void {
    this.sendJson(res, s.code, s)
  }

  private authorize(a: RequestAttributes): void {
    if (isDenied(this.o.deny, a)) throw ApiError.forbidden({user: this.o.user, ...a})
  }

  // ---------- routing ----------

  private async route(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, q: Record<string, string>, body: unknown): Promise<void> {
    const method = req.method ?? 'GET'
    const parts = pathname.split('/').filter((p) => p !== '')
    const get = method === 'GET'
    if (get && parts.length === 1 && ['version', 'healthz', 'livez', 'readyz'].includes(parts[0])) {
      if (parts[0] === 'version') return this.sendJson(res, 200, this.version())
      res.writeHead(200, {'Content-Type': 'text/plain; charset=utf-8'})
      res.end('ok')
      return
    }
    if (get && pathname === '/api') return this.sendJson(res, 200, {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: this.url.replace(/^http:\/\//, '')}]})
    if (get && pathname === '/apis') return this.sendJson(res, 200, this.groupList())

    let group: string
    let version: string
    let rest: string[]
    if (parts[0] === 'api' && parts[1] === 'v1') {
      group = ''
      version = 'v1'
      rest = parts.slice(CORE_PREFIX.length)
    } else if (parts[0] === 'apis' && parts.length >= 3) {
      group = parts[1]
      version = parts[2]
      rest = parts.slice(3)
    } else throw ApiError.noRoute()

    if (rest.length === 0) {
      if (!get) throw ApiError.methodNotAllowed()
      return this.sendJson(res, 200, this.resourceList(group, version))
    }
    if (group === 'authorization.k8s.io' && version === 'v1' && rest.length === 1 && rest[0] === 'selfsubjectaccessreviews') {
      if (method !== 'POST') throw ApiError.methodNotAllowed()
      this.authorize({verb: 'create', resource: 'selfsubjectaccessreviews', group})
      return this.sendJson(res, 201, this.ssar(body))
    }

    const route = this.parseRoute(group, version, rest)
    const {info, namespace, name, subresource} = route
    const watch = boolParam(q, 'watch')
    let verb: string
    if (get) verb = watch ? 'watch' : name === undefined ? 'list' : 'get'
    else if (method === 'POST') verb = 'create'
    else if (method === 'PUT') verb = 'update'
    else if (method === 'PATCH') verb = 'patch'
    else if (method === 'DELETE') verb = name === undefined ? 'deletecollection' : 'delete'
    else throw ApiError.methodNotAllowed()
    if (method === 'POST' && name !== undefined) throw ApiError.methodNotAllowed()
    this.authorize({verb, resource: info.resource, subresource, group: info.group, namespace, name})

    if (subresource !== undefined) {
      if (info.resource === 'pods' && subresource === 'log' && get) return this.podLog(req, res, namespace!, name!, q)
      if (subresource === 'status' && get) return this.sendJson(res, 200, this.getObject(info, namespace, name!))
      throw ApiError.noRoute()
    }
    if (get && watch) {
      // the deprecated single-object watch path is a watch with a metadata.name field selector
      const query = name === undefined ? q : {...q, fieldSelector: [q.fieldSelector, `metadata.name=${name}`].filter(Boolean).join(',')}
      return this.watch(req, res, info, namespace, query)
    }
    if (get && name === undefined) {
      return this.sendJson(res, 200, this.list(info, namespace, q))
    }
    if (get) return this.sendJson(res, 200, this.getObject(info, namespace, name!))
    if (method === 'POST') return this.create(res, info, namespace, body, q)
    if (method === 'PUT') return this.sendJson(res, 200, this.update(info, namespace, name!, body))
    if (method === 'PATCH') return this.sendJson(res, 200, this.patch(info, namespace, name!, body, String(req.headers['content-type'] ?? ''), q))
    if (method === 'DELETE') {
      const grace = intParam(q, 'gracePeriodSeconds') ?? (body as Obj | undefined)?.gracePeriodSeconds
      if (name !== undefined) return this.sendJson(res, 200, this.deleteOne(info, namespace, name, grace))
      return this.sendJson(res, 200, this.deleteCollection(info, namespace, q, grace))
    }
    throw ApiError.methodNotAllowed()
  }

  private parseRoute(group: string, version: string, rest: string[]): Route {
    const find = (resource: string): ResourceInfo => {
      const info = RESOURCES[resource]
      if (!info || info.group !== group || info.version !== version) throw ApiError.noRoute()
      return info
    }
    if (rest[0] === 'namespaces' && group === '' && rest.length >= 3) {
      const info = find(rest[2])
      if (!info.namespaced) throw ApiError.noRoute()
      if (rest.length > 5) throw ApiError.noRoute()
      return {info, namespace: rest[1], name: rest[3], subresource: rest[4]}
    }
    if (rest[0] === 'namespaces' && group !== '' && rest.length >= 3) {
      const info = find(rest[2])
      if (!info.namespaced || rest.length > 5) throw ApiError.noRoute()
      return {info, namespace: rest[1], name: rest[3], subresource: rest[4]}
    }
    const info = find(rest[0])
    if (rest.length > 3) throw ApiError.noRoute()
    if (info.namespaced && rest.length > 1) throw ApiError.noRoute()
    return {info, name: rest[1], subresource: rest[2]}
  }

  private version(): Obj {
    const m = /^v(\d+)\.(\d+)/.exec(this.o.serverVersion)
    return {
      major: m?.[1] ?? '1',
      minor: m?.[2] ?? '33',
      emulationMajor: m?.[1] ?? '1',
      emulationMinor: m?.[2] ?? '33',
      gitVersion: this.o.serverVersion,
      gitCommit: 'f5da4a9b3b2a5b3b1a6ad0e0d6a1b2f8c2d0e6a1',
      gitTreeState: 'clean',
      buildDate: '2025-08-12T10:00:00Z',
      goVersion: 'go1.24.5',
      compiler: 'gc',
      platform: 'linux/amd64',
    }
  }

  private groupList(): Obj {
    const groups = new Map<string, string>()
    for (const info of Object.values(RESOURCES)) if (info.group) groups.set(info.group, info.version)
    groups.set('authorization.k8s.io', 'v1')
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, v]) => ({name, versions: [{groupVersion: `${name}/${v}`, version: v}], preferredVersion: {groupVersion: `${name}/${v}`, version: v}})),
    }
  }

  private resourceList(group: string, version: string): Obj {
    const infos = Object.values(RESOURCES).filter((i) => i.group === group && i.version === version)
    const resources: Obj[] = []
    for (const i of infos) {
      const r: Obj = {name: i.resource, singularName: i.kind.toLowerCase(), namespaced: i.namespaced, kind: i.kind, verbs: i.verbs}
      if (i.shortNames) r.shortNames = i.shortNames
      resources.push(r)
      if (i.resource === 'pods') resources.push({name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get']})
    }
    if (group === 'authorization.k8s.io' && version === 'v1') {
      resources.push({name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, group, version, kind: 'SelfSubjectAccessReview', verbs: ['create']})
    }
    if (!resources.length) throw ApiError.noRoute()
    return {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources}
  }

  // ---------- SelfSubjectAccessReview ----------

  private ssar(body: unknown): Obj {
    const spec = ((body as Obj | undefined)?.spec ?? {}) as Obj
    const ra = spec.resourceAttributes as Obj | undefined
    const nra = spec.nonResourceAttributes as Obj | undefined
    if (!ra === !nra) {
      throw ApiError.invalid(
        'SelfSubjectAccessReview',
        '',
        [{field: 'spec.resourceAttributes', reason: 'FieldValueInvalid', message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`}],
        'authorization.k8s.io',
      )
    }
    let allowed = true
    if (ra) {
      allowed = !isDenied(this.o.deny, {
        verb: ra.verb ?? '',
        resource: ra.resource ?? '',
        subresource: ra.subresource || undefined,
        group: ra.group ?? '',
        namespace: ra.namespace || undefined,
        name: ra.name || undefined,
      })
    }
    const status: Obj = {allowed}
    if (allowed) status.reason = `RBAC: allowed by ClusterRoleBinding "harness-admin" of ClusterRole "cluster-admin" to User "${this.o.user}"`
    return {kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {creationTimestamp: null}, spec, status}
  }

  // ---------- read ----------

  private requireNamespace(namespace: string | undefined): void {
    if (namespace !== undefined && !this.o.store.get('namespaces', undefined, namespace)) throw ApiError.notFound('namespaces', namespace)
  }

  private getObject(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject {
    const obj = this.o.store.get(info.resource, namespace, name)
    if (!obj) throw ApiError.notFound(info.resource, name, info.group)
    return obj
  }

  private selectors(info: ResourceInfo, q: Record<string, string>): {labels: LabelSelector; fields: FieldRequirement[]} {
    return {labels: parseLabelSelector(q.labelSelector), fields: parseFieldSelector(q.fieldSelector, info.fieldLabels)}
  }

  private list(info: ResourceInfo, namespace: string | undefined, q: Record<string, string>): Obj {
    const {labels, fields} = this.selectors(info, q)
    const store = this.o.store
    let items = store.list(info.resource, namespace)
    const filtered = labels.length > 0 || fields.length > 0
    if (filtered) items = items.filter((o) => matchLabels(labels, o.metadata.labels) && matchFields(fields, o))
    const limit = intParam(q, 'limit')
    const metadata: Obj = {resourceVersion: String(store.resourceVersion)}
    if (q.continue) {
      const token = decodeContinue(q.continue)
      const start = token.start
      const keyOf = (o: KubeObject) => objectKey(info.namespaced ? o.metadata.namespace : undefined, o.metadata.name)
      // items are sorted by key: binary search the first key >= start
      let lo = 0
      let hi = items.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (keyOf(items[mid]) < start) lo = mid + 1
        else hi = mid
      }
      items = items.slice(lo)
    }
    if (limit !== undefined && limit > 0 && items.length > limit) {
      const page = items.slice(0, limit)
      const last = page[page.length - 1]
      metadata.continue = encodeContinue(store.resourceVersion, objectKey(info.namespaced ? last.metadata.namespace : undefined, last.metadata.name))
      if (!filtered) metadata.remainingItemCount = items.length - limit
      items = page
    }
    return {
      kind: `${info.kind}List`,
      apiVersion: apiVersionOf(info),
      metadata,
      items: items.map((o) => ({...o, apiVersion: undefined, kind: undefined})),
    }
  }

  // ---------- watch ----------

  private watch(req: http.IncomingMessage, res: http.ServerResponse, info: ResourceInfo, namespace: string | undefined, q: Record<string, string>): void {
    const {labels, fields} = this.selectors(info, q)
    const store = this.o.store
    const timeoutSeconds = intParam(q, 'timeoutSeconds')
    const bookmarks = boolParam(q, 'allowWatchBookmarks')
    const rvParam = q.resourceVersion
    const sendInitial = q.sendInitialEvents === 'true'
    const matches = (o: KubeObject | undefined) =>
      o !== undefined && (namespace === undefined || o.metadata.namespace === namespace) && matchLabels(labels, o.metadata.labels) && matchFields(fields, o)

    let from: number
    if (rvParam !== undefined && rvParam !== '' && rvParam !== '0' && !sendInitial) {
      if (!/^\d+$/.test(rvParam)) throw ApiError.badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a number`)
      from = Number(rvParam)
    } else from = -1

    res.writeHead(200, {'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked'})
    res.flushHeaders()
    let garbage = this.garbageFor(res)
    const write = (type: string, object: unknown) => {
      if (res.writableEnded || res.destroyed || this.hanging) return
      const line = `${JSON.stringify({type, object})}\n`
      if (garbage) res.write(garbageWatchLine(garbage, line))
      garbage = undefined
      res.write(line)
    }
    const send = (e: StoreEvent) => {
      const now = matches(e.type === 'DELETED' ? e.prev : e.object)
      if (e.type === 'ADDED') {
        if (now) write('ADDED', e.object)
      } else if (e.type === 'DELETED') {
        if (now) write('DELETED', e.object)
      } else {
        const before = matches(e.prev)
        if (before && now) write('MODIFIED', e.object)
        else if (now) write('ADDED', e.object)
        else if (before) write('DELETED', e.object)
      }
    }
    const bookmark = (annotations?: Record<string, string>) => {
      const metadata: Obj = {resourceVersion: String(store.resourceVersion), creationTimestamp: null}
      if (annotations) metadata.annotations = annotations
      write('BOOKMARK', {kind: info.kind, apiVersion: apiVersionOf(info), metadata})
    }

    if (from < 0) {
      for (const o of store.list(info.resource, namespace)) if (matches(o)) write('ADDED', o)
      if (sendInitial && bookmarks) bookmark({'k8s.io/initial-events-end': 'true'})
    } else {
      for (const e of store.eventsSince(info.resource, from)) send(e)
    }
    const unsubscribe = store.subscribe(info.resource, send)
    let timer: NodeJS.Timeout | undefined
    const end = () => {
      unsubscribe()
      if (timer) clearTimeout(timer)
      this.watchEnders.delete(end)
      if (!res.writableEnded) res.end()
    }
    this.watchEnders.add(end)
    if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
      timer = setTimeout(() => {
        if (bookmarks) bookmark()
        end()
      }, timeoutSeconds * 1000)
    }
    req.on('close', end)
    res.on('close', end)
    ;(res as any).krFailAfterStream?.()
  }

  // ---------- pod logs ----------

  private podLog(req: http.IncomingMessage, res: http.ServerResponse, namespace: string, name: string, q: Record<string, string>): void {
    const pod = this.getObject(RESOURCES.pods, namespace, name)
    const lq: LogQuery = {
      container: q.container || undefined,
      tailLines: intParam(q, 'tailLines'),
      limitBytes: intParam(q, 'limitBytes'),
      sinceSeconds: intParam(q, 'sinceSeconds'),
      sinceTime: q.sinceTime || undefined,
      timestamps: boolParam(q, 'timestamps'),
      previous: boolParam(q, 'previous'),
    }
    if (lq.sinceSeconds !== undefined && lq.sinceTime !== undefined) throw ApiError.invalid('PodLogOptions', '', [{field: 'sinceSeconds', reason: 'FieldValueForbidden', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified'}])
    if (lq.limitBytes !== undefined && lq.limitBytes < 1) throw ApiError.invalid('PodLogOptions', '', [{field: 'limitBytes', reason: 'FieldValueInvalid', message: `Invalid value: ${lq.limitBytes}: must be greater than 0`}])
    if (!boolParam(q, 'follow')) {
      const log = this.o.kubelet.readLog(pod, lq)
      const garbage = this.garbageFor(res)
      const text = garbage ? garbleBody(log, garbage) : log
      res.writeHead(200, {'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text)})
      res.end(text)
      return
    }
    let started = false
    const cancel = this.o.kubelet.followLog(
      pod,
      lq,
      (text) => {
        if (!started) {
          started = true
          res.writeHead(200, {'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked'})
          res.flushHeaders()
        }
        if (text && !res.writableEnded && !this.hanging) res.write(text)
      },
      () => {
        if (!started) {
          started = true
          res.writeHead(200, {'Content-Type': 'text/plain'})
        }
        if (!res.writableEnded) res.end()
        this.watchEnders.delete(end)
      },
    )
    const end = () => {
      cancel()
      if (!res.writableEnded) res.end()
      this.watchEnders.delete(end)
    }
    if (!res.writableEnded) this.watchEnders.add(end)
    req.on('close', cancel)
  }

  // ---------- write ----------

  private create(res: http.ServerResponse, info: ResourceInfo, namespace: string | undefined, body: unknown, q: Record<string, string>): void {
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('the body of the request was empty or not an object')
    const obj = structuredClone(body) as Obj
    obj.metadata ??= {}
    if (info.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== namespace) {
        throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request')
      }
      obj.metadata.namespace = namespace
      this.requireNamespace(namespace)
    }
    delete obj.metadata.resourceVersion
    delete obj.metadata.uid
    delete obj.metadata.creationTimestamp
    delete obj.metadata.deletionTimestamp
    const dryRun = dryRunOf(q, 'CreateOptions')
    validateMetadata(info, obj)
    if (info.resource === 'pods') return this.createPod(res, obj, dryRun)
    if (info.resource === 'events') validateEvent(obj)
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + generateSuffix()
    if (!obj.metadata.name) throw ApiError.invalid(info.kind, '', [{field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required'}], info.group)
    if (info.resource === 'namespaces') obj.metadata.labels = {...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name}
    if (this.o.store.get(info.resource, namespace, obj.metadata.name)) throw ApiError.alreadyExists(info.resource, obj.metadata.name, info.group)
    if (dryRun) return this.sendJson(res, 201, {...obj, apiVersion: apiVersionOf(info), kind: info.kind})
    this.sendJson(res, 201, this.o.store.create(info.resource, obj as KubeObject))
  }

  private createPod(res: http.ServerResponse, pod: Obj, dryRun: boolean): void {
    const store = this.o.store
    const causes = validatePod(pod)
    if (causes.length) throw ApiError.invalid('Pod', pod.metadata.name ?? '', causes)
    if (!pod.metadata.name) {
      for (let i = 0; i < 8; i++) {
        pod.metadata.name = pod.metadata.generateName + generateSuffix()
        if (!store.get('pods', pod.metadata.namespace, pod.metadata.name)) break
      }
    }
    const ns = store.get('namespaces', undefined, pod.metadata.namespace) as Obj
    const psa = podSecurity(pod, ns.metadata.labels ?? {})
    if (psa.enforce) throw new ApiError(403, 'Forbidden', `pods "${pod.metadata.name}" is forbidden: ${psa.enforce}`, {name: pod.metadata.name, kind: 'pods'})
    if (psa.warn) res.setHeader('Warning', `299 - "would ${psa.warn.replace(/"/g, '\\"')}"`)
    if (store.get('pods', pod.metadata.namespace, pod.metadata.name)) throw ApiError.alreadyExists('pods', pod.metadata.name)
    defaultPod(pod)
    let scheduledBy: string | undefined
    if (pod.spec.nodeName) {
      pod.status.conditions = [{type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp()}]
    }
    if (dryRun) return this.sendJson(res, 201, {...pod, apiVersion: 'v1', kind: 'Pod'})
    let created = store.create('pods', pod as KubeObject)
    if (!pod.spec.nodeName) {
      // the scheduler binds it (or reports it unschedulable)
      const verdict = schedule(pod, store.list('nodes'))
      const now = timestamp()
      if ('node' in verdict) {
        scheduledBy = 'default-scheduler'
        created =
          store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p: Obj) => {
            p.spec.nodeName = verdict.node
            p.status.conditions = [{type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now}]
          }) ?? created
      } else {
        store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p: Obj) => {
          p.status.conditions = [{type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'Unschedulable', message: verdict.message}]
        })
        this.sendJson(res, 201, created)
        return
      }
    }
    this.o.kubelet.podCreated(created, scheduledBy)
    this.sendJson(res, 201, created)
  }

  private update(info: ResourceInfo, namespace: string | undefined, name: string, body: unknown): KubeObject {
    const cur = this.getObject(info, namespace, name)
    const obj = structuredClone(body) as Obj
    if (obj?.metadata?.name !== name) throw ApiError.badRequest('the name of the object does not match the name on the URL')
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) throw ApiError.conflict(info.resource, name, info.group)
    return this.o.store.replace(info.resource, this.keepSystemFields(info, cur, obj))
  }

  private keepSystemFields(info: ResourceInfo, cur: KubeObject, obj: Obj): KubeObject {
    obj.metadata = {...obj.metadata, uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp, namespace: cur.metadata.namespace, name: cur.metadata.name}
    obj.apiVersion = apiVersionOf(info)
    obj.kind = info.kind
    if (cur.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = cur.metadata.deletionTimestamp
    if (info.resource === 'pods') obj.status = (cur as Obj).status
    return obj as KubeObject
  }

  /**
   * PATCH as the real server does it: the patch is applied to the current object, the result validated; a
   * `metadata.resourceVersion` in the result that is not the current one (a merge patch carrying the version its
   * author read, or a JSON patch replacing it) is a precondition: 409 Conflict. A patch that changes nothing
   * stores nothing (no new resourceVersion, no watch event); `dryRun=All` validates and returns the would-be
   * object without storing it.
   */
  private patch(info: ResourceInfo, namespace: string | undefined, name: string, body: unknown, contentType: string, q: Record<string, string>): KubeObject {
    const dryRun = dryRunOf(q, 'PatchOptions')
    const cur = this.getObject(info, namespace, name)
    let next: unknown
    if (contentType.startsWith('application/json-patch+json')) {
      if (!Array.isArray(body)) throw ApiError.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
      next = jsonPatch(cur, body as Obj[])
    } else if (contentType.startsWith('application/merge-patch+json') || contentType.startsWith('application/strategic-merge-patch+json')) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}')
      // strategic merge patch is approximated by a JSON merge patch (lists are replaced); for metadata maps
      // (annotations, labels) the two are the same
      next = mergePatch(cur, body)
    } else throw ApiError.unsupportedMediaType(contentType, ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'])
    if (next === null || typeof next !== 'object' || Array.isArray(next)) throw ApiError.badRequest('the patch does not leave an object')
    const obj = next as Obj
    obj.metadata ??= {}
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw ApiError.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`)
    }
    obj.metadata.name = name
    const rv = obj.metadata.resourceVersion
    if (rv !== undefined && rv !== cur.metadata.resourceVersion) throw ApiError.conflict(info.resource, name, info.group)
    validateMetadata(info, obj)
    const merged = this.keepSystemFields(info, cur, obj)
    merged.metadata.resourceVersion = cur.metadata.resourceVersion
    if (dryRun || isDeepStrictEqual(merged, {...cur, apiVersion: apiVersionOf(info), kind: info.kind})) return merged
    return this.o.store.replace(info.resource, merged)
  }

  private deleteOne(info: ResourceInfo, namespace: string | undefined, name: string, grace: number | undefined): KubeObject {
    const cur = this.getObject(info, namespace, name)
    if (info.resource === 'pods') return this.o.kubelet.deletePod(cur, grace)
    if (info.resource === 'namespaces' || info.resource === 'nodes') throw ApiError.methodNotAllowed()
    return this.o.store.remove(info.resource, namespace, name) ?? cur
  }

  private deleteCollection(info: ResourceInfo, namespace: string | undefined, q: Record<string, string>, grace: number | undefined): Obj {
    if (info.resource === 'namespaces' || info.resource === 'nodes') throw ApiError.methodNotAllowed()
    const {labels, fields} = this.selectors(info, q)
    const victims = this.o.store.list(info.resource, namespace).filter((o) => matchLabels(labels, o.metadata.labels) && matchFields(fields, o))
    const items = victims.map((o) => this.deleteOne(info, info.namespaced ? o.metadata.namespace : undefined, o.metadata.name, grace))
    return {
      kind: `${info.kind}List`,
      apiVersion: apiVersionOf(info),
      metadata: {resourceVersion: String(this.o.store.resourceVersion)},
      items: items.map((o) => ({...o, apiVersion: undefined, kind: undefined})),
    }
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > 16 * 1024 * 1024) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** `dryRun`: absent (a real request) or `All`; anything else is refused as the real server refuses it. */
function dryRunOf(q: Record<string, string>, options: 'CreateOptions' | 'PatchOptions'): boolean {
  const value = q.dryRun
  if (value === undefined) return false
  if (value === 'All') return true
  // the real message names the kind with its group: PatchOptions.meta.k8s.io
  throw ApiError.invalid(`${options}.meta.k8s.io`, '', [{field: 'dryRun', reason: 'FieldValueNotSupported', message: `Unsupported value: "${value}": supported values: "All"`}])
}

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/

/** Labels and annotations: string values (else the decoder refuses the body: 400) and qualified-name keys (422). */
function validateMetadata(info: ResourceInfo, obj: Obj): void {
  for (const field of ['labels', 'annotations'] as const) {
    const map = obj.metadata?.[field]
    if (map === undefined || map === null) continue
    if (typeof map !== 'object' || Array.isArray(map)) throw ApiError.badRequest(`json: cannot unmarshal ${Array.isArray(map) ? 'array' : typeof map} into Go struct field ObjectMeta.metadata.${field} of type map[string]string`)
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== 'string') throw ApiError.badRequest(`json: cannot unmarshal ${value === null ? 'null' : typeof value} into Go struct field ObjectMeta.metadata.${field} of type string`)
      if (!QUALIFIED_NAME.test(key) || key.split('/')[0].length > 253) {
        throw ApiError.invalid(info.kind, obj.metadata.name ?? '', [{field: `metadata.${field}`, reason: 'FieldValueInvalid', message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`}], info.group)
      }
    }
  }
}

/** core/v1 Event admission (the checks of the legacy validation that matter here). */
function validateEvent(event: Obj): void {
  const name = event.metadata?.name ?? event.metadata?.generateName ?? ''
  const involved = event.involvedObject
  if (!involved || typeof involved !== 'object') {
    throw ApiError.invalid('Event', name, [{field: 'involvedObject', reason: 'FieldValueRequired', message: 'Required value'}])
  }
  if (involved.namespace !== undefined && involved.namespace !== event.metadata.namespace) {
    throw ApiError.invalid('Event', name, [{field: 'involvedObject.namespace', reason: 'FieldValueInvalid', message: `Invalid value: "${involved.namespace}": does not match event.namespace`}])
  }
  if (event.type !== undefined && event.type !== 'Normal' && event.type !== 'Warning') {
    throw ApiError.invalid('Event', name, [{field: 'type', reason: 'FieldValueNotSupported', message: `Unsupported value: "${event.type}": supported values: "Normal", "Warning"`}])
  }
  if (typeof event.reason === 'string' && event.reason.length > 128) {
    throw ApiError.invalid('Event', name, [{field: 'reason', reason: 'FieldValueTooLong', message: 'Too long: may not be more than 128 bytes'}])
  }
}
