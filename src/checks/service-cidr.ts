// accuracy-audit §3 #6 (kube-router #1617, #1670): --service-cluster-ip-range not matching the cluster's Service
// range. kube-router lets pods reach Service IPs past their egress NetworkPolicies only inside that range (the
// RETURN rules of expected/service-ranges.ts), so ClusterIPs outside it are dropped for pods with egress policies
// (or default-deny), and from v2.8.0 strict external-IP validation measures external IPs against the wrong range.
// The range comes from the DaemonSet's flags (kube-router's own default 10.96.0.0/12 when the flag is absent), else
// from the RETURN rules on the nodes; without either the check cannot say anything.
import {defineClusterCheck, type FindingInput} from './define.js'
import {familyName} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {parseIp} from '../model/ip.js'
import {inAnyRange, rangesFromFlags, rangesFromRules, type RangeEvidence} from '../expected/service-ranges.js'
import type {Family} from '../model/types.js'

const FAMILIES: Family[] = [4, 6]

export const serviceCidr = defineClusterCheck({
  id: 'service-cidr',
  title: "Every Service ClusterIP is inside kube-router's --service-cluster-ip-range",
  needs: [],
  uses: ['iptables.txt', 'ip6tables.txt'],
  evaluate({cluster, config, nodes}) {
    if (!cluster) return {skip: "needs the cluster's Services"}
    let ranges: RangeEvidence[]
    if (config && cluster.kubeRouter) {
      const explicit = config.explicit.has('service-cluster-ip-range')
      ranges = rangesFromFlags(config.serviceClusterIpRanges, explicit
        ? `--service-cluster-ip-range=${config.serviceClusterIpRanges.join(',')} (kube-router DaemonSet)`
        : `--service-cluster-ip-range not set: kube-router's default ${config.serviceClusterIpRanges.join(',')}`)
    } else {
      const seen = new Map<string, RangeEvidence>()
      for (const {node} of nodes) {
        for (const source of ['iptables.txt', 'ip6tables.txt'] as const) {
          for (const r of rangesFromRules(sourceValue(node, source))) if (!seen.has(r.cidr)) seen.set(r.cidr, {...r, source: `nodes/${node.name}/${source}: ${r.source}`})
        }
      }
      ranges = [...seen.values()]
      if (ranges.length === 0) return {skip: "kube-router's --service-cluster-ip-range is unknown: no DaemonSet, and no node has kube-router's cluster-IP-range RETURN rule"}
    }

    const findings: FindingInput[] = []
    for (const family of FAMILIES) {
      const familyRanges = ranges.filter((r) => r.family === family)
      const outside: string[] = []
      for (const svc of cluster.services) {
        const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : []
        for (const ip of ips) {
          if (ip === 'None' || parseIp(ip)?.family !== family) continue
          if (!inAnyRange(ip, familyRanges)) outside.push(`${svc.metadata.namespace ?? 'default'}/${svc.metadata.name} ${ip}`)
        }
      }
      if (outside.length === 0) continue
      const rangeText = familyRanges.length ? familyRanges.map((r) => r.cidr).join(', ') : `no ${familyName(family)} range`
      findings.push({
        severity: 'warning',
        subject: familyRanges.length ? familyRanges.map((r) => r.cidr).join(',') : `${familyName(family)} Services`,
        title: `${outside.length} ${familyName(family)} ClusterIP(s) outside kube-router's --service-cluster-ip-range (${rangeText})`,
        detail:
          `kube-router lets pods reach Service IPs past their egress NetworkPolicies only inside --service-cluster-ip-range (a RETURN rule at the top of KUBE-ROUTER-INPUT per range). ` +
          'Pods with an egress policy (or --netpol-default-deny) cannot reach the ClusterIPs outside it, DNS included when kube-dns is one of them; ' +
          'from v2.8.0 the same range also decides which external IPs strict validation rejects. The range must be the API server\'s --service-cluster-ip-range, one per family.',
        evidence: [...outside.slice(0, 10), ...(outside.length > 10 ? [`... and ${outside.length - 10} more`] : []), ...new Set(ranges.map((r) => r.source))],
        remediation: [
          "Find the cluster's Service range: the kube-apiserver flag --service-cluster-ip-range (kubeadm: kubectl -n kube-system get cm kubeadm-config -o yaml | grep serviceSubnet).",
          'Give kube-router the same value (one --service-cluster-ip-range per family) in its DaemonSet; the pods restart with it.',
        ],
        fixedIn: null,
      })
    }
    return {findings}
  },
})
