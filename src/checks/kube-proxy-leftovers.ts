// accuracy-audit §3 #4: kube-proxy next to kube-router's service proxy (still running, or its rules left behind
// after it was removed). kube-proxy's nat KUBE-SERVICES chain DNATs Service traffic before IPVS sees it, and its
// IPVS mode (kube-ipvs0, KUBE-* ipsets) rewrites the same IPVS services kube-router owns. Neither goes away when
// the kube-proxy DaemonSet is deleted: `kube-proxy --cleanup` removes them. Trap: with kube-router's service
// proxy off (k3s, or kube-router only for routing/policy) kube-proxy is the service proxy and all of this is normal.
import {defineNodeCheck} from './define.js'
import {sourceValue} from '../model/node-state.js'
import {kubeProxyFootprint, KUBE_PROXY_IPVS_IF} from '../expected/kube-proxy.js'

export const kubeProxyLeftovers = defineNodeCheck({
  id: 'kube-proxy-leftovers',
  title: "No kube-proxy rules or kube-ipvs0 next to kube-router's service proxy",
  needs: ['ip-addr.json'],
  uses: ['iptables.txt', 'ip6tables.txt', 'iptables-backends.txt', 'ipset.txt'],
  evaluate({node, facts}) {
    const iptables = sourceValue(node, 'iptables.txt')
    const ip6tables = sourceValue(node, 'ip6tables.txt')
    const backends = sourceValue(node, 'iptables-backends.txt')
    if (!iptables && !ip6tables && !backends) return {skip: `needs nodes/${node.name}/iptables.txt or iptables-backends.txt: no iptables ruleset of this node could be read`}
    const found = kubeProxyFootprint({links: sourceValue(node, 'ip-addr.json'), iptables, ip6tables, backends: backends?.saves ?? null, ipsets: sourceValue(node, 'ipset.txt')})
    const any = found.chains.length > 0 || found.ipsets.length > 0 || found.ipvsLink !== null
    if (!facts.proxyRunning) {
      return {findings: [], note: any ? "kube-router's service proxy does not run on this node: kube-proxy is the service proxy here" : "kube-router's service proxy does not run on this node"}
    }
    if (!any) return {findings: []}
    const active = found.jumps.length > 0 || found.ipvsLink !== null
    return {
      findings: [{
        severity: active ? 'error' : 'warning',
        subject: found.ipvsLink ? KUBE_PROXY_IPVS_IF : 'KUBE-SERVICES',
        title: active
          ? "kube-proxy's rules are active next to kube-router's service proxy"
          : "kube-proxy's chains are left on the node (no built-in chain jumps to them)",
        detail:
          'kube-router is the service proxy on this node, yet kube-proxy\'s footprint is here: ' +
          [found.chains.length ? `${found.chains.length} kube-proxy chain(s)` : '', found.jumps.length ? `${found.jumps.length} jump(s) into them from built-in chains` : '',
            found.ipsets.length ? `its IPVS ipsets (${found.ipsets.join(', ')})` : '', found.ipvsLink ? `the ${KUBE_PROXY_IPVS_IF} interface` : ''].filter(Boolean).join(', ') + '. ' +
          (active
            ? 'Traffic to Services goes through kube-proxy\'s rules before kube-router\'s IPVS: kube-proxy DNATs ClusterIPs to endpoints it knows (stale ones when it no longer runs), and in IPVS mode it rewrites the IPVS services kube-router programs. '
            : 'Nothing jumps to them now, so they do not act on traffic, but a kube-proxy that starts again would find them. ') +
          'Deleting the kube-proxy DaemonSet does not remove them (kube-router docs: user-guide, "kube-proxy --cleanup").',
        evidence: [...found.jumps.slice(0, 8), ...found.chains.slice(0, 12), ...(found.chains.length > 12 ? [`... and ${found.chains.length - 12} more kube-proxy chain(s)`] : []),
          ...(found.ipsets.length ? [`ipsets: ${found.ipsets.join(', ')}`] : []), ...(found.ipvsLink ? [found.ipvsLink] : [])],
        remediation: [
          'Make sure kube-proxy no longer runs: kubectl -n kube-system get ds kube-proxy (delete it when kube-router is the service proxy).',
          'Remove its rules on the node with the kube-proxy binary of your Kubernetes version: kube-proxy --cleanup (as root; it also removes kube-ipvs0 and its ipsets), then restart kube-router on the node.',
        ],
        fixedIn: null,
      }],
    }
  },
})
