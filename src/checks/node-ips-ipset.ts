// accuracy-audit §3 #14 (kube-router #1778, #1780): [inet6:]kube-router-node-ips must hold every node's addresses
// (expected/node-ips.ts). A node IP missing from it makes the pod-egress MASQUERADE rule SNAT this node's pods'
// traffic to that node to this node's IP: NetworkPolicies on the far side see the wrong source, and ipip paths
// between nodes break. v2.3.0-v2.4.0 kept only the local node in the set (version matrix: node-ips-only-local).
import {defineNodeCheck, type FindingInput} from './define.js'
import {familyName, kubeRouterLogs, restartKubeRouter} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {canonicalIp} from '../model/ip.js'
import {ipsetName} from '../expected/ipset-members.js'
import {expectedNodeIps, NODE_IPS_SET} from '../expected/node-ips.js'
import {isAffectedBy, knownBug} from '../expected/version-matrix.js'
import type {Family} from '../model/types.js'
import {rulesInChain} from '../parsers/iptables-save.js'

const FAMILIES: Family[] = [4, 6]

export const nodeIpsIpset = defineNodeCheck({
  id: 'node-ips-ipset',
  title: "kube-router-node-ips holds every node's addresses",
  needs: ['ipset.txt'],
  uses: ['iptables.txt', 'ip6tables.txt'],
  evaluate({node, facts, cluster}) {
    if (!cluster) return {skip: "needs the cluster's Node objects (every node's addresses)"}
    const ipsets = sourceValue(node, 'ipset.txt')!
    const findings: FindingInput[] = []
    let checked = 0
    for (const family of FAMILIES) {
      const name = ipsetName(NODE_IPS_SET, family)
      const set = ipsets.sets.get(name)
      if (!set) continue
      checked++
      const members = new Set([...set.members.keys()].map(canonicalIp))
      const missing = expectedNodeIps(cluster.nodes, family).filter((e) => !members.has(e.ip))
      if (missing.length === 0) continue
      const ipt = sourceValue(node, family === 4 ? 'iptables.txt' : 'ip6tables.txt')
      const masquerade = (ipt ? rulesInChain(ipt, 'POSTROUTING') : []).filter((r) => r.table === 'nat' && r.target === 'MASQUERADE' && r.text.includes(name))
      const bug = facts.version && isAffectedBy(facts.version, 'node-ips-only-local') ? knownBug('node-ips-only-local') : null
      const others = missing.filter((m) => m.node !== node.name)
      findings.push({
        severity: 'warning',
        subject: name,
        title: `${name} lacks ${missing.length} ${familyName(family)} node address${missing.length === 1 ? '' : 'es'} (${missing.slice(0, 3).map((m) => `${m.ip} of ${m.node}`).join(', ')}${missing.length > 3 ? `, … +${missing.length - 3}` : ''})`,
        detail:
          `kube-router keeps every node's InternalIP and ExternalIP addresses in ${name} so that traffic from pods to nodes is not masqueraded. ` +
          `Without ${missing.length === 1 ? 'this one' : 'these'}, pods on ${node.name} reach ${others.length ? [...new Set(others.map((m) => m.node))].join(', ') : 'the node'} with ${node.name}'s address as source: NetworkPolicies there see the wrong source and overlay (ipip) paths between nodes break. ` +
          (bug ? `kube-router ${facts.version!.text} keeps only the local node in the set (${knownBug('node-ips-only-local').links[0]}).` : 'The routing controller refreshes the set on every sync, so a set that stays short means its sync fails or the Node objects changed after it last ran.'),
        evidence: [set.createLine, ...[...set.members.values()].slice(0, 8), ...masquerade.map((r) => r.text)],
        remediation: bug
          ? [`Upgrade kube-router to ${bug.fixedIn} or later.`]
          : [`Read kube-router's log for sync errors: ${kubeRouterLogs(node.name)}`, `Restart kube-router on the node: ${restartKubeRouter(node.name)}`],
        fixedIn: bug ? bug.fixedIn : null,
      })
    }
    if (checked === 0) return {skip: `no ${NODE_IPS_SET} set on this node: kube-router's routing controller does not run here`}
    return {findings}
  },
})
