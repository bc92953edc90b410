// kube-router's --service-cluster-ip-range as a node shows it (accuracy-audit §3 #6): the network-policy controller
// puts `-A KUBE-ROUTER-INPUT -d <range> -m comment --comment "allow traffic to primary/secondary cluster IP range
// - …" -j RETURN` first into KUBE-ROUTER-INPUT for each configured range (npc_iptables.go ensureTopLevelChains
// @ v2.0.0-v2.11.1), so Service traffic from pods skips their egress policies only inside these ranges.
import {networkOf, parseIp, parsePrefix, prefixContains} from '../model/ip.js'
import type {Family, IptablesState} from '../model/types.js'
import {rulesInChain} from '../parsers/iptables-save.js'

export interface RangeEvidence {
  cidr: string
  family: Family
  /** the flag or rule the range came from */
  source: string
}

/** The cluster IP ranges in a node's KUBE-ROUTER-INPUT RETURN rules. */
export function rangesFromRules(ipt: IptablesState | null): RangeEvidence[] {
  const out: RangeEvidence[] = []
  for (const r of ipt ? rulesInChain(ipt, 'KUBE-ROUTER-INPUT') : []) {
    if (r.target !== 'RETURN' || !/cluster IP range/.test(r.text)) continue
    const i = r.args.indexOf('-d')
    const cidr = i >= 0 ? networkOf(r.args[i + 1] ?? '') : null
    const family = cidr ? parsePrefix(cidr)?.family : undefined
    if (cidr && family) out.push({cidr, family, source: r.text})
  }
  return out
}

export function rangesFromFlags(ranges: string[], source: string): RangeEvidence[] {
  const out: RangeEvidence[] = []
  for (const text of ranges) {
    const cidr = networkOf(text)
    const family = cidr ? parsePrefix(cidr)?.family : undefined
    if (cidr && family) out.push({cidr, family, source})
  }
  return out
}

export function inAnyRange(ip: string, ranges: RangeEvidence[]): boolean {
  const addr = parseIp(ip)
  if (!addr) return true
  return ranges.some((r) => {
    const p = parsePrefix(r.cidr)
    return p !== null && prefixContains(p, addr)
  })
}
