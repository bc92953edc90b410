// probes.json: [{"kind": "service-vip"|"apiserver", "target": "<ip>", "port": 443, "family": 4|6,
//                "service": "ns/name"|null, "ok": true, "error": "<text>"|null, "ms": 3}]
import {canonicalIp, ipFamily} from '../model/ip.js'
import type {Family, Parsed, ProbeResult} from '../model/types.js'
import {asText, fatalOf, guard, isRecord, issue, num, parseJsonArray, rawOf, str} from './common.js'

const SOURCE = 'probes.json'

function check(o: Record<string, unknown>): ProbeResult | string {
  const kind = o.kind
  if (kind !== 'service-vip' && kind !== 'apiserver') return `unknown probe kind ${JSON.stringify(kind) ?? 'undefined'}`
  const target = str(o.target)
  if (target === null || target === '') return 'probe without target'
  const port = num(o.port)
  if (port === null || !Number.isInteger(port) || port < 0 || port > 65535) return 'probe without a valid port'
  const fromTarget = ipFamily(target)
  let family: Family | null = o.family === 4 || o.family === 6 ? o.family : null
  if (family === null) {
    if (o.family !== undefined && o.family !== null) return `invalid probe family ${JSON.stringify(o.family)}`
    family = fromTarget
  }
  if (family === null) return 'probe family unknown'
  if (typeof o.ok !== 'boolean') return 'probe without boolean ok'
  if (o.service !== undefined && o.service !== null && typeof o.service !== 'string') return 'probe service is not a string'
  if (o.error !== undefined && o.error !== null && typeof o.error !== 'string') return 'probe error is not a string'
  const ms = num(o.ms)
  return {
    kind,
    target: canonicalIp(target),
    port,
    family,
    service: str(o.service),
    ok: o.ok,
    error: str(o.error),
    ms: ms !== null && ms >= 0 ? ms : null,
  }
}

export function parseProbes(text: string): Parsed<ProbeResult[]> {
  return guard(SOURCE, () => [], () => {
    const doc = parseJsonArray(asText(text), SOURCE)
    const issues = doc.issues
    const out: ProbeResult[] = []
    for (const item of doc.items) {
      const r = isRecord(item.value) ? check(item.value) : 'probe entry is not an object'
      if (typeof r === 'string') issues.push(issue(SOURCE, null, r, rawOf(item)))
      else out.push(r)
    }
    return {value: out, issues, fatal: fatalOf(doc.fatal, out.length, issues)}
  })
}
