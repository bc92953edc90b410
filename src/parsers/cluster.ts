// Cluster objects from the bundle: cluster/nodes.json (v1 NodeList), cluster/services.json (v1 ServiceList),
// cluster/endpointslices.json (discovery.k8s.io/v1 EndpointSliceList), cluster/kube-router.json (DaemonSet),
// cluster/kube-router-pods.json (parsers/kube-router-pods.ts).
//
// Items must have metadata.name. The typed wrappers (parseNodeList, parseServiceList,
// parseEndpointSliceList, parseDaemonSet) also drop fields of the subset in model/types.ts that have
// the wrong JSON type, so checks can trust the declared types; every drop is an issue.
import {parseKubeRouterPods} from './kube-router-pods.js'
import type {ClusterObjects, DaemonSetObject, RawClusterObjects, EndpointSliceObject, NodeObject, Parsed, ParseIssue, ServiceObject} from '../model/types.js'
import {asText, guard, isBlank, isRecord, issue, safeStringify, salvageArray} from './common.js'

type Report = (message: string, value: unknown) => void

// ---------- field sanitisers (mutate the freshly parsed JSON in place) ----------

function optString(o: Record<string, unknown>, key: string, path: string, report: Report): void {
  if (o[key] !== undefined && o[key] !== null && typeof o[key] !== 'string') {
    report(`${path}${key} is not a string`, o[key])
    delete o[key]
  } else if (o[key] === null) delete o[key]
}

function optNumber(o: Record<string, unknown>, key: string, path: string, report: Report): void {
  if (o[key] !== undefined && o[key] !== null && (typeof o[key] !== 'number' || !Number.isFinite(o[key]))) {
    report(`${path}${key} is not a number`, o[key])
    delete o[key]
  } else if (o[key] === null) delete o[key]
}

function optBoolean(o: Record<string, unknown>, key: string, path: string, report: Report, keepNull = false): void {
  if (o[key] === null && keepNull) return
  if (o[key] !== undefined && o[key] !== null && typeof o[key] !== 'boolean') {
    report(`${path}${key} is not a boolean`, o[key])
    delete o[key]
  } else if (o[key] === null) delete o[key]
}

function optStringArray(o: Record<string, unknown>, key: string, path: string, report: Report): void {
  const v = o[key]
  if (v === undefined) return
  if (!Array.isArray(v)) {
    if (v !== null) report(`${path}${key} is not an array`, v)
    delete o[key]
    return
  }
  if (v.every((s) => typeof s === 'string')) return
  report(`${path}${key} has non-string entries`, v)
  o[key] = v.filter((s) => typeof s === 'string')
}

function optStringMap(o: Record<string, unknown>, key: string, path: string, report: Report): void {
  const v = o[key]
  if (v === undefined) return
  if (!isRecord(v)) {
    if (v !== null) report(`${path}${key} is not an object`, v)
    delete o[key]
    return
  }
  for (const k of Object.keys(v)) {
    if (typeof v[k] !== 'string') {
      report(`${path}${key}.${k} is not a string`, v[k])
      delete v[k]
    }
  }
}

function optRecord(o: Record<string, unknown>, key: string, path: string, report: Report): Record<string, unknown> | null {
  const v = o[key]
  if (v === undefined) return null
  if (!isRecord(v)) {
    if (v !== null) report(`${path}${key} is not an object`, v)
    delete o[key]
    return null
  }
  return v
}

/** Keep the array entries that are objects and pass `each`; report the others. */
function optObjectArray(o: Record<string, unknown>, key: string, path: string, report: Report, each: (item: Record<string, unknown>, path: string) => string | null): void {
  const v = o[key]
  if (v === undefined) return
  if (!Array.isArray(v)) {
    if (v !== null) report(`${path}${key} is not an array`, v)
    delete o[key]
    return
  }
  const kept: unknown[] = []
  for (let i = 0; i < v.length; i++) {
    const item = v[i]
    const p = `${path}${key}[${i}].`
    if (!isRecord(item)) {
      report(`${path}${key}[${i}] is not an object`, item)
      continue
    }
    const problem = each(item, p)
    if (problem !== null) report(problem, item)
    else kept.push(item)
  }
  o[key] = kept
}

function cleanMetadata(item: Record<string, unknown>, report: Report): string | null {
  const m = item.metadata
  if (!isRecord(m) || typeof m.name !== 'string' || m.name === '') return null
  optString(m, 'namespace', 'metadata.', report)
  optStringMap(m, 'labels', 'metadata.', report)
  optStringMap(m, 'annotations', 'metadata.', report)
  optObjectArray(m, 'managedFields', 'metadata.', report, (f, p) => {
    optString(f, 'manager', p, report)
    return null
  })
  return m.name
}

function sanitizeNode(n: Record<string, unknown>, report: Report): void {
  const spec = optRecord(n, 'spec', '', report)
  if (spec) {
    optString(spec, 'podCIDR', 'spec.', report)
    optStringArray(spec, 'podCIDRs', 'spec.', report)
    optBoolean(spec, 'unschedulable', 'spec.', report)
  }
  const status = optRecord(n, 'status', '', report)
  if (status) {
    optObjectArray(status, 'addresses', 'status.', report, (a, p) => (typeof a.type === 'string' && typeof a.address === 'string' ? null : `${p}type/address missing`))
    optObjectArray(status, 'conditions', 'status.', report, (c, p) => (typeof c.type === 'string' && typeof c.status === 'string' ? null : `${p}type/status missing`))
  }
}

function sanitizeService(s: Record<string, unknown>, report: Report): void {
  const spec = optRecord(s, 'spec', '', report)
  if (spec) {
    for (const k of ['type', 'clusterIP', 'externalTrafficPolicy', 'internalTrafficPolicy']) optString(spec, k, 'spec.', report)
    for (const k of ['clusterIPs', 'externalIPs', 'ipFamilies']) optStringArray(spec, k, 'spec.', report)
    optStringMap(spec, 'selector', 'spec.', report)
    optObjectArray(spec, 'ports', 'spec.', report, (port, p) => {
      if (typeof port.port !== 'number' || !Number.isFinite(port.port)) return `${p}port is not a number`
      optString(port, 'name', p, report)
      optString(port, 'protocol', p, report)
      optNumber(port, 'nodePort', p, report)
      if (port.targetPort !== undefined && typeof port.targetPort !== 'number' && typeof port.targetPort !== 'string') {
        report(`${p}targetPort is neither a number nor a string`, port.targetPort)
        delete port.targetPort
      }
      return null
    })
  }
  const status = optRecord(s, 'status', '', report)
  const lb = status ? optRecord(status, 'loadBalancer', 'status.', report) : null
  if (lb) {
    optObjectArray(lb, 'ingress', 'status.loadBalancer.', report, (ing, p) => {
      for (const k of ['ip', 'hostname', 'ipMode']) optString(ing, k, p, report)
      return null
    })
  }
}

function sanitizeEndpointSlice(e: Record<string, unknown>, report: Report): void {
  optString(e, 'addressType', '', report)
  optObjectArray(e, 'endpoints', '', report, (ep, p) => {
    if (!Array.isArray(ep.addresses)) return `${p}addresses is not an array`
    optStringArray(ep, 'addresses', p, report)
    optString(ep, 'nodeName', p, report)
    const cond = optRecord(ep, 'conditions', p, report)
    if (cond) for (const k of ['ready', 'serving', 'terminating']) optBoolean(cond, k, `${p}conditions.`, report, true)
    return null
  })
  optObjectArray(e, 'ports', '', report, (port, p) => {
    optString(port, 'name', p, report)
    optString(port, 'protocol', p, report)
    optNumber(port, 'port', p, report)
    return null
  })
}

function sanitizeDaemonSet(d: Record<string, unknown>, report: Report): void {
  const spec = optRecord(d, 'spec', '', report)
  const template = spec ? optRecord(spec, 'template', 'spec.', report) : null
  const podSpec = template ? optRecord(template, 'spec', 'spec.template.', report) : null
  if (!podSpec) return
  optObjectArray(podSpec, 'containers', 'spec.template.spec.', report, (c, p) => {
    if (typeof c.name !== 'string') return `${p}name is not a string`
    optString(c, 'image', p, report)
    optStringArray(c, 'args', p, report)
    optStringArray(c, 'command', p, report)
    optObjectArray(c, 'env', p, report, (e, q) => {
      if (typeof e.name !== 'string') return `${q}name is not a string`
      optString(e, 'value', q, report)
      return null
    })
    optObjectArray(c, 'volumeMounts', p, report, (m, q) => {
      if (typeof m.name !== 'string' || typeof m.mountPath !== 'string') return `${q}name/mountPath missing`
      optBoolean(m, 'readOnly', q, report)
      return null
    })
    const sc = optRecord(c, 'securityContext', p, report)
    if (sc) optBoolean(sc, 'readOnlyRootFilesystem', `${p}securityContext.`, report)
    return null
  })
  optBoolean(podSpec, 'hostPID', 'spec.template.spec.', report)
  optBoolean(podSpec, 'hostIPC', 'spec.template.spec.', report)
  optObjectArray(podSpec, 'volumes', 'spec.template.spec.', report, (v, p) => {
    if (typeof v.name !== 'string') return `${p}name is not a string`
    const hp = optRecord(v, 'hostPath', p, report)
    if (hp && typeof hp.path !== 'string') {
      report(`${p}hostPath.path is not a string`, hp.path)
      delete v.hostPath
    }
    return null
  })
}

// ---------- documents ----------

function parseDocument(text: string, source: string): {doc: unknown; issues: ParseIssue[]; ok: boolean} {
  try {
    return {doc: JSON.parse(text), issues: [], ok: true}
  } catch {
    // truncated List: salvage the complete elements of its "items" array
    const at = text.indexOf('"items"')
    if (at >= 0) {
      let j = at + 7
      while (j < text.length && (text[j] === ' ' || text[j] === ':' || text[j] === '\n' || text[j] === '\t' || text[j] === '\r')) j++
      if (text[j] === '[') {
        const r = salvageArray(text.slice(j), source, true)
        const issues = [issue(source, null, 'document is not complete JSON; salvaged the complete items', text.slice(0, 200)), ...r.issues]
        return {doc: {items: r.items.map((x) => x.value)}, issues, ok: true}
      }
    }
    return {doc: null, issues: [issue(source, null, 'not JSON', text)], ok: false}
  }
}

/** The items that are objects of the right kind with a metadata.name, their fields sanitised; the rest are issues. */
function keepItems<T>(items: readonly unknown[], source: string, itemKind: string | null, issues: ParseIssue[], sanitize?: (item: Record<string, unknown>, report: Report) => void): T[] {
  const out: T[] = []
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if (!isRecord(item)) {
      issues.push(issue(source, null, `items[${i}] is not an object`, safeStringify(item)))
      continue
    }
    if (itemKind !== null && typeof item.kind === 'string' && item.kind !== itemKind) {
      issues.push(issue(source, null, `items[${i}] is a ${item.kind}, expected ${itemKind}`, safeStringify(item)))
      continue
    }
    const meta = isRecord(item.metadata) ? item.metadata : null
    if (meta === null || typeof meta.name !== 'string' || meta.name === '') {
      issues.push(issue(source, null, `items[${i}] has no metadata.name`, safeStringify(item)))
      continue
    }
    const where = typeof meta.namespace === 'string' ? `${meta.namespace}/${meta.name}` : meta.name
    const report: Report = (message, value) => issues.push(issue(source, null, `${where}: ${message}`, safeStringify(value)))
    cleanMetadata(item, report)
    sanitize?.(item, report)
    out.push(item as T)
  }
  return out
}

/**
 * Items of a Kubernetes list document (`{"kind": expectedKind, "items": [...]}`, a `List`, or a bare
 * array). Items without metadata.name, or whose own `kind` contradicts the list kind, are issues.
 */
function parseObjectList<T>(text: string, source: string, expectedKind: string, sanitize?: (item: Record<string, unknown>, report: Report) => void): Parsed<T[]> {
  return guard(source, () => [] as T[], () => {
    const input = asText(text)
    if (isBlank(input)) return {value: [] as T[], issues: [issue(source, null, 'empty input', '')], fatal: true}
    const {doc, issues, ok} = parseDocument(input, source)
    if (!ok) return {value: [] as T[], issues, fatal: true}
    let items: unknown[]
    if (Array.isArray(doc)) items = doc
    else if (isRecord(doc) && Array.isArray(doc.items)) {
      const kind = doc.kind
      if (typeof kind === 'string' && kind !== expectedKind && kind !== 'List') {
        issues.push(issue(source, null, `expected kind ${expectedKind}, got ${kind}`, input.slice(0, 200)))
        return {value: [] as T[], issues, fatal: true}
      }
      items = doc.items
    } else {
      issues.push(issue(source, null, `expected a ${expectedKind} object with items, or an array`, input))
      return {value: [] as T[], issues, fatal: true}
    }
    const itemKind = expectedKind.endsWith('List') ? expectedKind.slice(0, -4) : null
    const out = keepItems<T>(items, source, itemKind, issues, sanitize)
    return {value: out, issues, fatal: out.length === 0 && issues.length > 0}
  })
}

export function parseNodeList(text: string): Parsed<NodeObject[]> {
  return parseObjectList<NodeObject>(text, 'cluster/nodes.json', 'NodeList', sanitizeNode)
}

export function parseServiceList(text: string): Parsed<ServiceObject[]> {
  return parseObjectList<ServiceObject>(text, 'cluster/services.json', 'ServiceList', sanitizeService)
}

export function parseEndpointSliceList(text: string): Parsed<EndpointSliceObject[]> {
  return parseObjectList<EndpointSliceObject>(text, 'cluster/endpointslices.json', 'EndpointSliceList', sanitizeEndpointSlice)
}

/** cluster/kube-router.json: a DaemonSet (or a list holding one; the first DaemonSet is used). */
export function parseDaemonSet(text: string, source = 'cluster/kube-router.json'): Parsed<DaemonSetObject | null> {
  return guard(source, () => null, () => {
    const input = asText(text)
    if (isBlank(input)) return {value: null, issues: [issue(source, null, 'empty input', '')], fatal: true}
    let doc: unknown
    try {
      doc = JSON.parse(input)
    } catch {
      return {value: null, issues: [issue(source, null, 'not JSON', input)], fatal: true}
    }
    const issues: ParseIssue[] = []
    let ds: unknown = doc
    if (isRecord(doc) && Array.isArray(doc.items)) {
      const sets = doc.items.filter((i) => isRecord(i) && (i.kind === undefined || i.kind === 'DaemonSet'))
      if (sets.length > 1) issues.push(issue(source, null, `${sets.length} DaemonSets in the document; using the first`, ''))
      ds = sets[0]
    }
    if (!isRecord(ds) || (typeof ds.kind === 'string' && ds.kind !== 'DaemonSet')) {
      issues.push(issue(source, null, 'not a DaemonSet', input))
      return {value: null, issues, fatal: true}
    }
    const report: Report = (message, value) => issues.push(issue(source, null, message, safeStringify(value)))
    if (cleanMetadata(ds, report) === null) {
      issues.push(issue(source, null, 'DaemonSet has no metadata.name', input))
      return {value: null, issues, fatal: true}
    }
    sanitizeDaemonSet(ds, report)
    return {value: ds as unknown as DaemonSetObject, issues, fatal: false}
  })
}

/**
 * Typed cluster objects from raw ones, whatever their shape: what cannot be used is dropped and becomes an
 * issue naming where it was (`origin`/nodes.json, …), keeping the raw value. Never throws.
 */
export function parseClusterObjects(raw: RawClusterObjects, origin: 'cluster' | 'api' = 'cluster'): Parsed<ClusterObjects> {
  const issues: ParseIssue[] = []
  const where = origin === 'api' ? API_SOURCES : BUNDLE_SOURCES
  const copy = (items: readonly unknown[]): unknown[] => (Array.isArray(items) ? structuredClone(items) : [])
  const nodes = keepItems<NodeObject>(copy(raw.nodes), where.nodes, 'Node', issues, sanitizeNode)
  const services = keepItems<ServiceObject>(copy(raw.services), where.services, 'Service', issues, sanitizeService)
  const endpointSlices = keepItems<EndpointSliceObject>(copy(raw.endpointSlices), where.endpointSlices, 'EndpointSlice', issues, sanitizeEndpointSlice)
  let kubeRouter: DaemonSetObject | null = null
  if (raw.kubeRouter !== null && raw.kubeRouter !== undefined) {
    const parsed = parseDaemonSet(safeStringify(raw.kubeRouter), where.kubeRouter)
    kubeRouter = parsed.value
    issues.push(...parsed.issues)
  }
  const value: ClusterObjects = {nodes, services, endpointSlices, kubeRouter}
  if (raw.kubeRouterPods !== undefined) {
    const pods = parseKubeRouterPods(raw.kubeRouterPods, origin === 'api' ? 'the kube-router pods from the API' : 'cluster/kube-router-pods.json')
    value.kubeRouterPods = pods.value
    issues.push(...pods.issues)
  }
  return {value, issues, fatal: false}
}

const BUNDLE_SOURCES = {nodes: 'cluster/nodes.json', services: 'cluster/services.json', endpointSlices: 'cluster/endpointslices.json', kubeRouter: 'cluster/kube-router.json'}
const API_SOURCES = {nodes: 'Nodes from the API', services: 'Services from the API', endpointSlices: 'EndpointSlices from the API', kubeRouter: 'the kube-router DaemonSet from the API'}
