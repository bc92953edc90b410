// kube-router's network-policy sync and what it leaves when it fails (accuracy-audit §3 #10; kube-router #1072,
// #1521, #1653, #1732, #1927, #2059). Every sync restores its ipsets through temporary sets: `create TMP-<hash>`,
// fill, swap with the real set, flush, and finally `destroy` every TMP set, in one `ipset restore`
// (pkg/utils/ipset.go BuildIPSetRestore @ v2.11.1), then restores the filter table; any error aborts the sync
// ("Aborting sync. …", npc_iptables.go / npc_nftables.go). A TMP set outlives a restore only when it failed half way
// or kube-router died during it.
import type {IpSetState, LogLine} from '../model/types.js'

const TMP_SET = /^(inet6:)?TMP-/

/** The messages a failed network-policy sync logs. */
const SYNC_FAILURE = /Aborting sync\. Failed to|failed to perform ipset restore|ipset v[\d.]+: Error in line \d+|iptables-restore: line \d+ failed|ip6tables-restore: line \d+ failed/

export function leftoverTmpSets(ipsets: IpSetState): {name: string; members: number; createLine: string}[] {
  return [...ipsets.sets.values()].filter((s) => TMP_SET.test(s.name)).map((s) => ({name: s.name, members: s.members.size, createLine: s.createLine}))
}

export function syncFailureLines(log: LogLine[]): LogLine[] {
  return log.filter((l) => SYNC_FAILURE.test(l.message))
}

/** Set names `-m set --match-set <name>` rules use that `ipset save` does not have (only a capture taken mid-sync shows this). */
export function rulesNamingMissingSets(ruleTexts: string[], ipsets: IpSetState): string[] {
  // a Set: a node with 100k netpol rules captured mid-sync names as many missing sets
  const missing = new Set<string>()
  for (const text of ruleTexts) {
    for (const m of text.matchAll(/--match-set (\S+)/g)) if (!ipsets.sets.has(m[1])) missing.add(m[1])
  }
  return [...missing]
}
