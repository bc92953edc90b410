// `ip -j -4|-6 route show table all` (iproute2 JSON) -> Route[]
//
// iproute2 JSON leaves out what the text form leaves out: no `type` for unicast, no `table` for
// main, no `protocol` for boot, no `scope` for universe, no `metric` for IPv4 metric 0.
// `text` re-renders the route in the order iproute2's print_route() uses, so it reads like a line of
// `ip route show table all` (multipath nexthops on one line; iproute2's JSON drops the `lock` of
// locked metrics, so `mtu lock 1400` renders as `mtu 1400`).
import {canonicalIp} from '../model/ip.js'
import type {Family, Parsed, Route} from '../model/types.js'
import {asText, fatalOf, guard, isRecord, issue, num, parseJsonArray, rawOf, str, tableIdOf} from './common.js'

function routeSource(family: Family): string {
  return family === 6 ? 'ip6-route.json' : 'ip-route.json'
}

function scalar(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return null
}

function pushFlags(parts: string[], flags: unknown): void {
  if (!Array.isArray(flags)) return
  for (const f of flags) if (typeof f === 'string' && f !== '') parts.push(f)
}

function pushVia(parts: string[], o: Record<string, unknown>): void {
  const gw = str(o.gateway)
  if (gw !== null) parts.push('via', gw)
  else if (isRecord(o.via)) {
    const fam = str(o.via.family)
    const host = str(o.via.host)
    if (host !== null) parts.push('via', ...(fam ? [fam] : []), host)
  }
}

function renderMetrics(parts: string[], metrics: unknown): void {
  const list = Array.isArray(metrics) ? metrics : isRecord(metrics) ? [metrics] : []
  for (const m of list) {
    if (!isRecord(m)) continue
    for (const key of Object.keys(m)) {
      const v = m[key]
      if (key === 'rtt' || key === 'rttvar' || key === 'rto_min') {
        const ms = num(v)
        if (ms !== null) parts.push(key, ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`)
        continue
      }
      if (Array.isArray(v)) {
        const words = v.filter((w) => typeof w === 'string')
        if (words.length) parts.push(key, ...words)
        continue
      }
      const s = scalar(v)
      if (s !== null) parts.push(key, s)
    }
  }
}

/** The iproute2 JSON object of one route in `ip route` text syntax (see the header comment). */
function renderRouteJson(o: Record<string, unknown>): string {
  const parts: string[] = []
  const type = str(o.type)
  if (type !== null && type !== 'unicast') parts.push(type)
  parts.push(scalar(o.dst) ?? 'default')
  const from = str(o.from)
  if (from !== null) parts.push('from', from)
  const nhid = scalar(o.nhid)
  if (nhid !== null) parts.push('nhid', nhid)
  const tos = scalar(o.tos)
  if (tos !== null) parts.push('tos', tos)
  pushVia(parts, o)
  const dev = str(o.dev)
  if (dev !== null) parts.push('dev', dev)
  const table = scalar(o.table)
  if (table !== null && table !== 'main') parts.push('table', table)
  const proto = scalar(o.protocol)
  if (proto !== null) parts.push('proto', proto)
  const scope = str(o.scope)
  if (scope !== null) parts.push('scope', scope)
  const prefsrc = str(o.prefsrc)
  if (prefsrc !== null) parts.push('src', prefsrc)
  const metric = scalar(o.metric)
  if (metric !== null) parts.push('metric', metric)
  pushFlags(parts, o.flags)
  const mark = scalar(o.mark)
  if (mark !== null) parts.push('mark', typeof o.mark === 'number' ? `0x${(o.mark as number).toString(16)}` : mark)
  const realms = scalar(o.flow_to) ?? scalar(o.realms)
  if (realms !== null) parts.push('realms', scalar(o.flow_from) !== null ? `${o.flow_from}/${realms}` : realms)
  const expires = num(o.expires)
  if (expires !== null) parts.push('expires', `${expires}sec`)
  renderMetrics(parts, o.metrics)
  const iif = str(o.iif)
  if (iif !== null) parts.push('iif', iif)
  if (Array.isArray(o.nexthops)) {
    for (const nh of o.nexthops) {
      if (!isRecord(nh)) continue
      parts.push('nexthop')
      pushVia(parts, nh)
      const nhDev = str(nh.dev)
      if (nhDev !== null) parts.push('dev', nhDev)
      const weight = scalar(nh.weight)
      if (weight !== null) parts.push('weight', weight)
      pushFlags(parts, nh.flags)
    }
  }
  const pref = str(o.pref)
  if (pref !== null) parts.push('pref', pref)
  return parts.join(' ')
}

/**
 * A route whose `ip route` text is rendered on first use: a node can have 20k+ routes and the text is evidence
 * for the few a finding names.
 */
class ParsedRoute implements Route {
  #text: string | null = null

  constructor(
    readonly family: Family,
    readonly type: string,
    readonly dst: string,
    readonly table: string,
    readonly tableId: number | null,
    readonly dev: string | null,
    readonly gateway: string | null,
    readonly protocol: string | null,
    readonly scope: string | null,
    readonly prefsrc: string | null,
    readonly metric: number | null,
    /** the iproute2 JSON object the route came from */
    private readonly json: Record<string, unknown>,
  ) {}

  get text(): string {
    return (this.#text ??= renderRouteJson(this.json))
  }
}

export function parseIpRoute(text: string, family: Family): Parsed<Route[]> {
  const source = routeSource(family)
  return guard(source, () => [], () => {
    const doc = parseJsonArray(asText(text), source)
    const issues = doc.issues
    const routes: Route[] = []
    for (const item of doc.items) {
      const o = item.value
      if (!isRecord(o) || scalar(o.dst) === null) {
        issues.push(issue(source, null, 'route entry without dst', rawOf(item)))
        continue
      }
      const table = scalar(o.table) ?? 'main'
      const gateway = str(o.gateway) ?? (isRecord(o.via) ? str(o.via.host) : null)
      const prefsrc = str(o.prefsrc)
      routes.push(new ParsedRoute(
        family,
        str(o.type) ?? 'unicast',
        scalar(o.dst) as string,
        table,
        tableIdOf(table),
        str(o.dev),
        gateway === null ? null : canonicalIp(gateway),
        scalar(o.protocol),
        str(o.scope),
        prefsrc === null ? null : canonicalIp(prefsrc),
        num(o.metric),
        o,
      ))
    }
    return {value: routes, issues, fatal: fatalOf(doc.fatal, routes.length, issues)}
  })
}
