// Active: Service VIPs curled from the node itself, per family (kube-router-facts.md FM2 symptom).
// Targets exclude DSR VIPs and Services without ready endpoints, which are not expected to answer from a node.
import {defineNodeCheck, type FindingInput} from './define.js'
import {hostPort, probeLine} from './reachability.js'
import {familyName, plural, shellWord} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {isAffectedBy, knownBug} from '../expected/version-matrix.js'
import {clusterIpIsNodeLocal, readyEndpoints, serviceKey} from '../expected/services.js'
import type {Family} from '../model/types.js'

export const vipReachability = defineNodeCheck({
  id: 'vip-reachability',
  title: 'Service VIPs answer from the node itself',
  needs: ['probes.json'],
  evaluate({node, facts, cluster}) {
    const all = sourceValue(node, 'probes.json')!.filter((p) => p.kind === 'service-vip')
    if (all.length === 0) return {skip: 'no Service VIP was probed (no Services with ready endpoints, or no cluster objects and no IPVS services)'}
    // a ClusterIP the node's kube-router version keeps node-local is expected to refuse where no endpoint runs
    const nodeLocal = new Set<string>()
    for (const p of all) {
      const svc = p.service ? cluster?.services.find((s) => serviceKey(s) === p.service) : undefined
      if (!svc || p.ok || !clusterIpIsNodeLocal(svc, facts.version)) continue
      if (!readyEndpoints(cluster!, svc).some((e) => e.nodeName === node.name)) nodeLocal.add(p.service!)
    }
    const probes = all.filter((p) => !(p.service && nodeLocal.has(p.service)))
    const localNote = nodeLocal.size
      ? `; not expected to answer here (node-local ClusterIP on kube-router ${facts.version?.text ?? ''}, no ready endpoint on ${node.name}): ${[...nodeLocal].join(', ')}`
      : ''
    const findings: FindingInput[] = []
    for (const family of [4, 6] as Family[]) {
      const mine = probes.filter((p) => p.family === family)
      const failed = mine.filter((p) => !p.ok)
      if (failed.length === 0) continue
      const otherOk = probes.some((p) => p.family !== family && p.ok)
      const all = failed.length === mine.length
      const hint = family === 6 && all && otherOk
        ? ' Every IPv6 VIP fails while IPv4 VIPs answer: the signature of extra kernel routes on kube-dummy-if (see ipv6-vip-routes).'
        : ''
      findings.push({
        severity: 'error',
        subject: failed.length === 1 ? hostPort(failed[0]) : `${familyName(family)} VIPs`,
        title: failed.length === 1
          ? `Service VIP ${hostPort(failed[0])}${failed[0].service ? ` (${failed[0].service})` : ''} is unreachable from the node`
          : `${failed.length} of ${plural(mine.length, `${familyName(family)} Service VIP`)} are unreachable from the node`,
        detail:
          `TCP connections from ${node.name}'s host network namespace to ${failed.length === 1 ? `this ${familyName(family)} VIP` : all ? `every ${familyName(family)} VIP` : `these ${familyName(family)} VIPs`} failed, although the Service has ready endpoints. ` +
          'Host-network pods, kubelet probes and node-local clients of these Services are affected.' + hint,
        evidence: failed.map((p) => probeLine(p, node.name)),
        remediation: [
          ...failed.slice(0, 3).map((p) => `ipvsadm -Ln -t ${shellWord(hostPort(p))}`),
          `ip ${family === 6 ? '-6 ' : ''}route show table all | grep -F ${shellWord(failed[0].target)}`,
        ],
        fixedIn: family === 6 && hint && facts.version && isAffectedBy(facts.version, 'ipv6-vip-kernel-routes') ? knownBug('ipv6-vip-kernel-routes').fixedIn : null,
      })
    }
    return {findings, note: findings.length ? (localNote ? localNote.slice(2) : undefined) : `${plural(probes.length, 'VIP')} answered${localNote}`}
  },
})
