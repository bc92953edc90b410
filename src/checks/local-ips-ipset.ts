// FM3 (kube-router-facts.md "FM3", §5.1-5.2): traffic to addresses in [inet6:]kube-router-svip enters
// KUBE-ROUTER-SERVICES, which REJECTs everything but service ports unless the destination is in
// [inet6:]kube-router-local-ips. Known bugs left the set short (version-matrix: ipv6-local-ips-missing,
// local-ips-not-restored). The expected members are in expected/ipset-members.ts. Traps: the node IP in
// kube-router-svip is normal; addresses on kube-*/dummy/docker interfaces are never expected in the set.
import {defineNodeCheck} from './define.js'
import {familyName, plural, shellWord} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {canonicalIp} from '../model/ip.js'
import {expectedLocalIps, ipsetName, SERVICE_VIPS_SET} from '../expected/ipset-members.js'
import {isAffectedBy, knownBug, type KnownBugId} from '../expected/version-matrix.js'
import type {Family, IptablesState, Version} from '../model/types.js'

function serviceChainLines(ipt: IptablesState | null, localSet: string, svipSet: string): {input: string[]; reject: string[]} {
  if (!ipt) return {input: [], reject: []}
  const input = ipt.rules.filter((r) => r.table === 'filter' && r.chain === 'INPUT' && r.target === 'KUBE-ROUTER-SERVICES' && r.text.includes(svipSet))
  const reject = ipt.rules.filter((r) => r.table === 'filter' && r.chain === 'KUBE-ROUTER-SERVICES' && r.target === 'REJECT' && r.text.includes(localSet))
  return {input: input.map((r) => r.text), reject: reject.map((r) => r.text)}
}

/** The release that fixes the known bug behind a short set on this version, if one applies. */
function fixedInFor(version: Version | null, family: Family): string | null {
  if (!version) return null
  const bugs: KnownBugId[] = family === 6 ? ['local-ips-not-restored', 'ipv6-local-ips-missing'] : ['local-ips-not-restored']
  const bug = bugs.find((id) => isAffectedBy(version, id))
  return bug ? knownBug(bug).fixedIn : null
}

export const localIpsIpset = defineNodeCheck({
  id: 'local-ips-ipset',
  title: 'kube-router-local-ips holds every node address',
  needs: ['ipset.txt', 'ip-addr.json'],
  uses: ['iptables.txt', 'ip6tables.txt'],
  evaluate({node, facts, config}) {
    const ipsets = sourceValue(node, 'ipset.txt')!
    const findings = []
    let checked = 0
    for (const {family, set: local, members: expected} of expectedLocalIps(facts)) {
      const svip = ipsetName(SERVICE_VIPS_SET, family)
      const svipSet = ipsets.sets.get(svip)
      const localSet = ipsets.sets.get(local)
      if (!svipSet && !localSet) continue
      checked++
      const members = localSet ? [...localSet.members.keys()].map(canonicalIp) : []
      const missing = expected.filter((a) => !members.includes(a))
      if (localSet && missing.length === 0) continue
      if (expected.length === 0) continue
      const nodeIp = facts.nodeIp[family]
      const nodeIpInSvip = nodeIp !== null && svipSet !== undefined && [...svipSet.members.keys()].some((m) => canonicalIp(m) === canonicalIp(nodeIp))
      const ipt = sourceValue(node, family === 4 ? 'iptables.txt' : 'ip6tables.txt')
      const chain = serviceChainLines(ipt, local, svip)
      const rejecting = chain.reject.length > 0 && (config?.ipvsPermitAll ?? true)
      const nodeIpMissing = nodeIp !== null && missing.includes(canonicalIp(nodeIp))
      const severity = nodeIpMissing && nodeIpInSvip && rejecting ? ('error' as const) : ('warning' as const)
      const evidence = [
        localSet ? localSet.createLine : `(no ipset named ${local})`,
        ...[...(localSet?.members.values() ?? [])].slice(0, 8),
        ...(nodeIpInSvip ? [svipSet!.members.get(nodeIp!) ?? [...svipSet!.members.entries()].find(([k]) => canonicalIp(k) === canonicalIp(nodeIp!))![1]] : []),
        ...chain.input,
        ...chain.reject,
      ]
      findings.push({
        severity,
        subject: nodeIp ?? missing[0],
        title: localSet
          ? `${local} lacks ${missing.length === 1 ? `the node address ${missing[0]}` : `${plural(missing.length, 'node address')} (${missing.join(', ')})`}`
          : `${local} does not exist while ${svip} does`,
        detail:
          `kube-router sends traffic for every address in ${svip} to KUBE-ROUTER-SERVICES, which rejects all but Service ports unless the destination is in ${local}. ` +
          (severity === 'error'
            ? `The node's ${familyName(family)} address ${nodeIp} is in ${svip} (normal when a NodePort or LoadBalancer Service exists), so connections to it — the API server on 6443, the kubelet, ssh — are refused with port-unreachable. `
            : nodeIpInSvip && !rejecting
              ? `The chain holds no REJECT rule${config?.ipvsPermitAll === false ? ' (--ipvs-permit-all=false)' : ''}, so nothing is refused yet. `
              : `Nothing is refused yet, but as soon as a NodePort or LoadBalancer Service exists the node IP enters ${svip} and connections to it are refused. `) +
          (family === 6 ? 'kube-router v2.0.0-v2.1.3 never put IPv6 addresses into this set (kube-router issue #1685); ' : '') +
          'v2.6.1 left the sets unrestored (issue #1924).',
        evidence,
        remediation: [
          'Upgrade kube-router to v2.2.0 or later (avoid v2.6.1); restarting kube-router does not help on affected versions.',
          'Temporary workaround: run kube-router with --ipvs-permit-all=false (empties KUBE-ROUTER-SERVICES).',
          `Immediate relief until kube-router's next sync rewrites the set: ${missing.map((a) => `ipset add ${shellWord(local)} ${shellWord(a)}`).join(' && ')}`,
        ],
        fixedIn: fixedInFor(facts.version, family),
      })
    }
    if (checked === 0) return {skip: "kube-router's service proxy ipsets (kube-router-svip, kube-router-local-ips) are not on this node"}
    return {findings}
  },
})
