// `ip -j -4|-6 rule show` (iproute2 JSON) -> Rule[]
//
// Real iproute2 6.1 shapes: `"src": "all"` or `"src": "10.244.1.0", "srclen": 24` (no srclen for a
// host source); `"fwmark": "0x3742"` plus `"fwmask"` only when the mask is not 0xffffffff;
// `"not": null` for inverted rules; `"goto": 32764` (no "action"); `"nop": null`; `"l3mdev": null`;
// `"action": "blackhole" | "unreachable" | "prohibit"`; plain lookups only carry `"table"`.
// `action` is "lookup" for table lookups, else "goto", "nop", "blackhole", "unreachable", "prohibit".
import {canonicalIp} from '../model/ip.js'
import type {Family, Parsed, Rule} from '../model/types.js'
import {asText, fatalOf, flagKey, guard, isRecord, issue, num, parseHex, parseJsonArray, rawOf, str, tableIdOf} from './common.js'

export function ruleSource(family: Family): string {
  return family === 6 ? 'ip6-rule.json' : 'ip-rule.json'
}

function scalar(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return null
}

function prefixText(addr: string | null, len: unknown): string {
  if (addr === null || addr === 'all') return 'all'
  const n = num(len)
  return n === null ? canonicalIp(addr) : `${canonicalIp(addr)}/${n}`
}

function hexOrNull(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  return typeof v === 'string' ? parseHex(v) : null
}

function range(o: Record<string, unknown>, key: string): string | null {
  const single = scalar(o[key])
  if (single !== null) return single
  const start = scalar(o[`${key}_start`])
  const end = scalar(o[`${key}_end`])
  if (start === null) return null
  return end === null || end === start ? start : `${start}-${end}`
}

export function parseIpRule(text: string, family: Family): Parsed<Rule[]> {
  const source = ruleSource(family)
  return guard(source, () => [], () => {
    const doc = parseJsonArray(asText(text), source)
    const issues = doc.issues
    const rules: Rule[] = []
    for (const item of doc.items) {
      const o = item.value
      const priority = isRecord(o) ? num(o.priority) : null
      if (!isRecord(o) || priority === null) {
        issues.push(issue(source, null, 'rule entry without priority', rawOf(item)))
        continue
      }
      const src = prefixText(str(o.src), o.srclen)
      const dst = prefixText(str(o.dst), o.dstlen)
      const fwmarkText = scalar(o.fwmark)
      const fwmaskText = scalar(o.fwmask)
      const fwmark = hexOrNull(o.fwmark)
      const fwmask = hexOrNull(o.fwmask)
      const table = scalar(o.table)
      const not = flagKey(o, 'not')
      const iif = str(o.iif)
      const oif = str(o.oif)
      const gotoTarget = scalar(o.goto)

      let action: string
      if (gotoTarget !== null || o.goto === null) action = 'goto'
      else if (flagKey(o, 'nop')) action = 'nop'
      else if (str(o.action) !== null) action = o.action as string
      else action = 'lookup'

      const parts: string[] = [`${priority}:`]
      if (not) parts.push('not')
      parts.push('from', src)
      if (dst !== 'all') parts.push('to', dst)
      const tos = scalar(o.tos) ?? scalar(o.dsfield)
      if (tos !== null) parts.push(o.tos !== undefined ? 'tos' : 'dsfield', tos)
      if (fwmarkText !== null) parts.push('fwmark', fwmaskText !== null ? `${fwmarkText}/${fwmaskText}` : fwmarkText)
      if (iif !== null) parts.push('iif', iif, ...(flagKey(o, 'iif_detached') ? ['[detached]'] : []))
      if (oif !== null) parts.push('oif', oif, ...(flagKey(o, 'oif_detached') ? ['[detached]'] : []))
      if (flagKey(o, 'l3mdev')) parts.push('lookup', '[l3mdev-table]')
      const uidStart = scalar(o.uid_start)
      if (uidStart !== null) parts.push('uidrange', `${uidStart}-${scalar(o.uid_end) ?? uidStart}`)
      const ipproto = scalar(o.ipproto)
      if (ipproto !== null) parts.push('ipproto', ipproto)
      const sport = range(o, 'sport')
      if (sport !== null) parts.push('sport', sport)
      const dport = range(o, 'dport')
      if (dport !== null) parts.push('dport', dport)
      const tunId = scalar(o.tun_id)
      if (tunId !== null) parts.push('tun_id', tunId)
      if (table !== null) {
        parts.push('lookup', table)
        const spl = scalar(o.suppress_prefixlen)
        if (spl !== null) parts.push('suppress_prefixlength', spl)
        const sig = scalar(o.suppress_ifgroup)
        if (sig !== null) parts.push('suppress_ifgroup', sig)
      }
      const realmsTo = scalar(o.flow_to)
      if (realmsTo !== null) parts.push('realms', scalar(o.flow_from) !== null ? `${o.flow_from}/${realmsTo}` : realmsTo)
      if (action === 'goto') parts.push('goto', gotoTarget ?? 'none')
      else if (action !== 'lookup') parts.push(action)
      const proto = scalar(o.protocol)
      if (proto !== null) parts.push('proto', proto)

      rules.push({
        family,
        priority,
        src,
        dst,
        fwmark,
        fwmask,
        iif,
        oif,
        table,
        tableId: tableIdOf(table),
        action,
        not,
        text: parts.join(' '),
      })
    }
    return {value: rules, issues, fatal: fatalOf(doc.fatal, rules.length, issues)}
  })
}
