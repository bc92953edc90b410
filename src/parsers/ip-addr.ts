// `ip -j -d addr show` (iproute2 JSON) -> Link[]
import {canonicalIp} from '../model/ip.js'
import type {Family, IpAddress, Link, Parsed, ParseIssue} from '../model/types.js'
import {asText, fatalOf, guard, isRecord, issue, num, parseJsonArray, rawOf, str} from './common.js'

const SOURCE = 'ip-addr.json'

/** addr_info keys that are data, not flags (every other `true`/null-valued key is a flag such as "dynamic"). */
const NON_FLAG_KEYS = new Set(['family', 'local', 'address', 'prefixlen', 'scope', 'label', 'broadcast', 'peer', 'valid_life_time', 'preferred_life_time', 'metric', 'anycast'])

function familyOf(v: unknown): Family | null {
  if (v === 'inet') return 4
  if (v === 'inet6') return 6
  return null
}

function parseAddress(a: unknown, ifname: string, issues: ParseIssue[]): IpAddress | null {
  if (!isRecord(a)) {
    issues.push(issue(SOURCE, null, `${ifname}: addr_info entry is not an object`, rawOf({value: a, raw: ''})))
    return null
  }
  const family = familyOf(a.family)
  // other families (e.g. "mpls", "link") carry no IP address: skip them quietly
  if (family === null) return null
  const local = str(a.local)
  const prefixlen = num(a.prefixlen)
  if (local === null || prefixlen === null) {
    issues.push(issue(SOURCE, null, `${ifname}: address without local/prefixlen`, rawOf({value: a, raw: ''})))
    return null
  }
  const flags: string[] = []
  for (const key of Object.keys(a)) {
    const v = a[key]
    if ((v === true || v === null) && !NON_FLAG_KEYS.has(key)) flags.push(key)
  }
  return {family, local: canonicalIp(local), prefixlen, scope: str(a.scope) ?? 'global', flags}
}

/** `hairpin` of a bridge port's slave data (ip -d), null when the link is no bridge port. */
function bridgePortHairpin(linkinfo: Record<string, unknown> | null): boolean | null {
  if (!linkinfo || linkinfo.info_slave_kind !== 'bridge' || !isRecord(linkinfo.info_slave_data)) return null
  const h = linkinfo.info_slave_data.hairpin
  return typeof h === 'boolean' ? h : null
}

/** The encapsulation of an ipip/ip6tnl tunnel (`encap: {type: "fou"}` in info_data), null when none. */
function tunnelEncap(linkinfo: Record<string, unknown> | null): string | null {
  if (!linkinfo || !isRecord(linkinfo.info_data) || !isRecord(linkinfo.info_data.encap)) return null
  const type = str(linkinfo.info_data.encap.type)
  return type && type !== 'none' ? type : null
}

export function parseIpAddr(text: string): Parsed<Link[]> {
  return guard(SOURCE, () => [], () => {
    const doc = parseJsonArray(asText(text), SOURCE)
    const issues = doc.issues
    const links: Link[] = []
    for (const item of doc.items) {
      const o = item.value
      if (!isRecord(o) || str(o.ifname) === null) {
        issues.push(issue(SOURCE, null, 'link entry without ifname', rawOf(item)))
        continue
      }
      const ifname = o.ifname as string
      const linkinfo = isRecord(o.linkinfo) ? o.linkinfo : null
      const flags = Array.isArray(o.flags) ? o.flags.filter((f): f is string => typeof f === 'string') : []
      const addresses: IpAddress[] = []
      if (Array.isArray(o.addr_info)) {
        for (const a of o.addr_info) {
          const addr = parseAddress(a, ifname, issues)
          if (addr) addresses.push(addr)
        }
      } else if (o.addr_info !== undefined) {
        issues.push(issue(SOURCE, null, `${ifname}: addr_info is not an array`, rawOf(item)))
      }
      links.push({
        ifindex: num(o.ifindex) ?? -1,
        ifname,
        flags,
        mtu: num(o.mtu),
        operstate: str(o.operstate),
        kind: linkinfo ? str(linkinfo.info_kind) : null,
        addresses,
        master: str(o.master),
        hairpin: bridgePortHairpin(linkinfo),
        encap: tunnelEncap(linkinfo),
      })
    }
    return {value: links, issues, fatal: fatalOf(doc.fatal, links.length, issues)}
  })
}
