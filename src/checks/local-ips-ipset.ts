// FM3 (kube-router-facts.md "FM3", §5.1-5.2): traffic to addresses in [inet6:]kube-router-svip enters
// KUBE-ROUTER-SERVICES, which REJECTs everything but service ports unless the destination is in
// [inet6:]kube-router-local-ips. The question (accuracy-audit.md §1.6): is every node address that is in svip also
// in local-ips, whatever interface holds it (`lo` and names with dummy/kube/docker included)? The REJECT rule as the
// node shows it decides whether connections are refused, not the --ipvs-permit-all flag (before v2.9.0 the flag
// cleared only one family's chain). Traps: the node IP in kube-router-svip is normal.
import {defineNodeCheck, type FindingInput} from './define.js'
import {familyName, plural, shellWord} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {canonicalIp} from '../model/ip.js'
import {ipsetName, LOCAL_IPS_SET, SERVICE_VIPS_SET} from '../expected/ipset-members.js'
import {isAffectedBy, knownBug, type KnownBugId} from '../expected/version-matrix.js'
import type {NodeFacts} from '../expected/node-facts.js'
import type {Family, IpSet, IptablesState, Version} from '../model/types.js'
import {rulesInChain} from '../parsers/iptables-save.js'

function serviceChainLines(ipt: IptablesState | null, localSet: string, svipSet: string): {input: string[]; reject: string[]} {
  if (!ipt) return {input: [], reject: []}
  const input = rulesInChain(ipt, 'INPUT').filter((r) => r.table === 'filter' && r.target === 'KUBE-ROUTER-SERVICES' && r.text.includes(svipSet))
  const reject = rulesInChain(ipt, 'KUBE-ROUTER-SERVICES').filter((r) => r.table === 'filter' && r.target === 'REJECT' && r.text.includes(localSet))
  return {input: input.map((r) => r.text), reject: reject.map((r) => r.text)}
}

/**
 * The `add` line of `address` in a set, or null. ipset prints IPv4 members as given and IPv6 ones in its own
 * spelling, so only IPv6 needs the canonical comparison; sets can hold 50,000 members, so no copy of them is made.
 */
function memberLine(set: IpSet | undefined, address: string): string | null {
  if (!set) return null
  const direct = set.members.get(address)
  if (direct !== undefined) return direct
  if (!address.includes(':')) return null
  for (const [member, line] of set.members) if (member.includes(':') && canonicalIp(member) === address) return line
  return null
}

/** kube-router's getAllLocalIPs skips interfaces whose names contain these (utils.go@v2.11.1:552). */
function excludedByName(ifname: string): boolean {
  return /dummy|kube|docker/.test(ifname)
}

/** The known bug behind a short set on this version, if one applies. */
function bugFor(version: Version | null, family: Family): KnownBugId | null {
  if (!version) return null
  const bugs: KnownBugId[] = family === 6 ? ['local-ips-not-restored', 'ipv6-local-ips-missing'] : ['local-ips-not-restored']
  return bugs.find((id) => isAffectedBy(version, id)) ?? null
}

/** The node's addresses of a family with the interface holding each: the Node object's first, then the rest. */
function nodeAddressesOf(facts: NodeFacts, family: Family): {address: string; ifname: string | null}[] {
  const out: {address: string; ifname: string | null}[] = []
  const seen = new Set<string>()
  const onHost = new Map(facts.hostAddresses[family].map((h) => [canonicalIp(h.address), h.ifname]))
  for (const a of [...facts.nodeAddresses[family], ...(facts.nodeIp[family] ? [facts.nodeIp[family]!] : []), ...facts.hostAddresses[family].map((h) => h.address)]) {
    const c = canonicalIp(a)
    if (seen.has(c)) continue
    seen.add(c)
    out.push({address: c, ifname: onHost.get(c) ?? null})
  }
  return out
}

export const localIpsIpset = defineNodeCheck({
  id: 'local-ips-ipset',
  title: 'kube-router-local-ips holds every node address kube-router-svip holds',
  needs: ['ipset.txt', 'ip-addr.json'],
  uses: ['iptables.txt', 'ip6tables.txt'],
  evaluate({node, facts, config}) {
    const ipsets = sourceValue(node, 'ipset.txt')!
    const findings: FindingInput[] = []
    let checked = 0
    for (const family of [4, 6] as Family[]) {
      const local = ipsetName(LOCAL_IPS_SET, family)
      const svip = ipsetName(SERVICE_VIPS_SET, family)
      const svipSet = ipsets.sets.get(svip)
      const localSet = ipsets.sets.get(local)
      if (!svipSet && !localSet) continue
      checked++
      const inLocal = (a: string) => memberLine(localSet, a) !== null
      const nodeIp = facts.nodeIp[family] ? canonicalIp(facts.nodeIp[family]!) : null
      // node addresses in svip but not in local-ips: refused when the chain rejects
      const exposed = nodeAddressesOf(facts, family)
        .map((a) => ({...a, svipLine: memberLine(svipSet, a.address)}))
        .filter((a) => a.svipLine !== null && !inLocal(a.address))
      // the node IP not in local-ips, not (yet) in svip: refused as soon as a NodePort puts it there
      const latent = nodeIp !== null && !inLocal(nodeIp) && memberLine(svipSet, nodeIp) === null
      if (exposed.length === 0 && !latent) continue
      const missing = [...exposed.map((a) => a.address), ...(latent ? [nodeIp!] : [])]
      const ipt = sourceValue(node, family === 4 ? 'iptables.txt' : 'ip6tables.txt')
      const chain = serviceChainLines(ipt, local, svip)
      const rejecting = chain.reject.length > 0
      const severity = exposed.length > 0 && rejecting ? 'error' : 'warning'
      const byName = exposed.filter((a) => a.ifname !== null && excludedByName(a.ifname))
      const bug = bugFor(facts.version, family)
      const permitAllIgnored = rejecting && config?.ipvsPermitAll === false
      const evidence = [
        localSet ? localSet.createLine : `(no ipset named ${local})`,
        ...[...(localSet?.members.values() ?? [])].slice(0, 8),
        ...exposed.map((a) => a.svipLine!),
        ...chain.input,
        ...chain.reject,
      ]
      // the interface is worth naming where it is unusual for a node IP (lo, or a name kube-router filters out)
      const where = (a: {address: string; ifname: string | null}) =>
        (a.ifname && (a.ifname === 'lo' || excludedByName(a.ifname)) ? `${a.address} (on ${a.ifname})` : a.address)
      findings.push({
        severity,
        subject: exposed[0]?.address ?? nodeIp ?? missing[0],
        title: localSet
          ? `${local} lacks ${missing.length === 1 ? `the node address ${missing[0]}` : `${plural(missing.length, 'node address')} (${missing.join(', ')})`}`
          : `${local} does not exist while ${svip} does`,
        detail:
          `kube-router sends traffic for every address in ${svip} to KUBE-ROUTER-SERVICES, which rejects all but Service ports unless the destination is in ${local}. ` +
          (severity === 'error'
            ? `The node's ${familyName(family)} ${exposed.length === 1 ? `address ${where(exposed[0])} is` : `addresses ${exposed.map(where).join(', ')} are`} in ${svip} (normal when a NodePort or LoadBalancer Service exists), so connections to ${exposed.length === 1 ? 'it' : 'them'} — the API server on 6443, the kubelet, ssh — are refused with port-unreachable. `
            : exposed.length > 0
              ? `${exposed.map(where).join(', ')} ${exposed.length === 1 ? 'is' : 'are'} in ${svip}, but the chain holds no REJECT rule${config?.ipvsPermitAll === false ? ' (--ipvs-permit-all=false)' : ''}, so nothing is refused yet. `
              : `Nothing is refused yet, but once a NodePort puts the node IP into ${svip} (the primary family's node IP only, before v2.11.0) connections to it are refused. `) +
          (permitAllIgnored ? `The REJECT rule is there although kube-router runs with --ipvs-permit-all=false: before ${knownBug('permit-all-off-one-family').fixedIn} it cleared only the first family's chain. ` : '') +
          (byName.length
            ? `kube-router never adds addresses of interfaces whose names contain dummy, kube or docker (getAllLocalIPs): ${byName.map(where).join(', ')}. `
            : bug === 'ipv6-local-ips-missing'
              ? 'kube-router v2.0.0-v2.1.3 never put IPv6 addresses into this set (kube-router issue #1685). '
              : bug === 'local-ips-not-restored'
                ? 'kube-router v2.6.1 never refreshes the sets (kube-router issue #1924). '
                : 'kube-router refreshes the set at every IPVS sync (it does not watch addresses): an address added since the last sync is missing until then. '),
        evidence,
        remediation: [
          ...(byName.length
            ? [`Move the address to an interface whose name contains none of dummy, kube, docker (e.g. rename ${byName[0].ifname} to bgp0 or put the /32 on lo), so kube-router adds it.`]
            : bug
              ? [`Upgrade kube-router to ${knownBug(bug).fixedIn} or later${bug === 'local-ips-not-restored' ? ' (avoid v2.6.1)' : ''}; restarting kube-router does not help on affected versions.`]
              : ['Wait for the next IPVS sync (--ipvs-sync-period, default 5m) or restart kube-router on the node.']),
          ...(permitAllIgnored ? [] : ['Temporary workaround: run kube-router with --ipvs-permit-all=false (empties KUBE-ROUTER-SERVICES).']),
          `Immediate relief until kube-router's next sync rewrites the set: ${missing.map((a) => `ipset add ${shellWord(local)} ${shellWord(a)}`).join(' && ')}`,
        ],
        fixedIn: byName.length || !bug ? null : knownBug(bug).fixedIn,
      })
    }
    if (checked === 0) return {skip: "kube-router's service proxy ipsets (kube-router-svip, kube-router-local-ips) are not on this node"}
    return {findings}
  },
})
