// accuracy-audit §3 #15 (a1f0b2ee, GHSA-phqm-jgc3-qf8g): from v2.8.0 kube-router's strict external-IP validation
// silently leaves externalIPs and LoadBalancer IPs outside the configured ranges unprogrammed
// (expected/external-ip-validation.ts). Evidence, strongest first: the rejection warnings in a node's kube-router
// log; the DaemonSet's flags run through the same rules. A node whose IPVS does serve the IP overrules a prediction
// (accuracy-audit §1.2: flags are never assumed against node evidence), and without the DaemonSet nothing is predicted.
import {defineClusterCheck, type FindingInput} from './define.js'
import {sourceValue} from '../model/node-state.js'
import {canonicalIp} from '../model/ip.js'
import {versionFromImage} from '../parsers/kube-router-version.js'
import {BEHAVIOUR_CHANGES, hasBehaviour} from '../expected/version-matrix.js'
import {externalAndLbIps, isDsrService, isProxiedService, serviceKey} from '../expected/services.js'
import {dsrFwmark} from '../expected/fwmark.js'
import {KIND_FLAG, loggedRejections, rejection, type IpKind} from '../expected/external-ip-validation.js'
import type {IpvsState, ServiceObject} from '../model/types.js'

interface Dropped {
  service: string
  kind: IpKind
  ip: string | null
  reasons: Set<string>
  evidence: string[]
}

function servedBy(ipvs: IpvsState, svc: ServiceObject | undefined, ip: string): boolean {
  const want = canonicalIp(ip)
  if (ipvs.services.some((s) => s.address !== null && canonicalIp(s.address) === want)) return true
  if (!svc || !isDsrService(svc)) return false
  const marks = (svc.spec?.ports ?? []).map((p) => dsrFwmark(want, p.protocol ?? 'TCP', p.port))
  return ipvs.services.some((s) => s.fwmark !== null && marks.includes(s.fwmark))
}

export const externalIpValidation = defineClusterCheck({
  id: 'external-ip-validation',
  title: 'No externalIP or LoadBalancer IP is dropped by strict external-IP validation',
  needs: [],
  uses: ['kube-router.log', 'ipvsadm.txt'],
  evaluate({nodes, cluster, config, image}) {
    const since = BEHAVIOUR_CHANGES['strict-external-ip-validation'].since
    const version = nodes.map((n) => n.facts.version).find((v) => v !== null) ?? (image ? versionFromImage(image) : null)
    if (version && !hasBehaviour(version, 'strict-external-ip-validation')) return {skip: `kube-router ${version.text} has no strict external-IP validation (it exists from ${since})`}
    const services = new Map((cluster?.services ?? []).map((s) => [serviceKey(s), s]))
    const dropped = new Map<string, Dropped>()
    const entry = (service: string, kind: IpKind, ip: string | null): Dropped => {
      const key = `${service} ${kind} ${ip ?? '*'}`
      let d = dropped.get(key)
      if (!d) dropped.set(key, (d = {service, kind, ip, reasons: new Set(), evidence: []}))
      return d
    }

    let logs = 0
    for (const {node} of nodes) {
      const log = sourceValue(node, 'kube-router.log')
      if (!log) continue
      logs++
      const seen = new Set<string>()
      for (const r of loggedRejections(log).reverse()) {
        const key = `${r.service} ${r.kind} ${r.ip ?? '*'}`
        if (seen.has(key)) continue
        seen.add(key)
        const d = entry(r.service, r.kind, r.ip === null ? null : canonicalIp(r.ip))
        d.reasons.add(r.reason)
        d.evidence.push(`nodes/${node.name}/kube-router.log: ${r.line.text}`)
      }
    }

    const predicted = config !== null && cluster?.kubeRouter !== null && cluster !== null && version !== null
    if (predicted) {
      for (const svc of cluster!.services) {
        if (!isProxiedService(svc)) continue
        for (const {ip, kind} of externalAndLbIps(svc)) {
          const why = rejection(ip, kind, config!)
          if (!why) continue
          const ipvsServing = nodes.filter(({node}) => {
            const ipvs = sourceValue(node, 'ipvsadm.txt')
            return ipvs !== null && servedBy(ipvs, svc, ip)
          })
          if (ipvsServing.length > 0) continue
          // a logged "rejecting all …" of the same kind already covers this IP
          const d = dropped.get(`${serviceKey(svc)} ${kind} *`) ?? entry(serviceKey(svc), kind, ip)
          d.reasons.add(why)
          d.evidence.push(`${KIND_FLAG[kind]}=${(kind === 'external-ip' ? config!.serviceExternalIpRanges : config!.loadBalancerIpRanges).join(',') || '(not set)'}; --service-cluster-ip-range=${config!.serviceClusterIpRanges.join(',')} (kube-router DaemonSet)`)
        }
      }
    }
    if (!predicted && logs === 0) return {skip: "needs the kube-router DaemonSet's flags or a node's kube-router log to tell which IPs strict validation drops"}

    const findings: FindingInput[] = []
    for (const d of dropped.values()) {
      const svc = services.get(d.service)
      const ips = d.ip ? [d.ip] : (svc ? externalAndLbIps(svc).filter((x) => x.kind === d.kind).map((x) => x.ip) : [])
      const missingOn = nodes.filter(({node}) => {
        const ipvs = sourceValue(node, 'ipvsadm.txt')
        return ipvs !== null && ips.length > 0 && ips.every((ip) => !servedBy(ipvs, svc, ip))
      }).map(({node}) => node.name)
      const what = d.kind === 'external-ip' ? 'externalIP' : 'LoadBalancer IP'
      findings.push({
        severity: 'warning',
        subject: d.ip ?? d.service,
        title: d.ip ? `${d.service}: ${what} ${d.ip} is dropped by strict external-IP validation` : `${d.service}: every ${what} is dropped by strict external-IP validation`,
        detail:
          `kube-router (${since} and later, --strict-external-ip-validation=true by default) does not program this ${what}: ${[...d.reasons].join('; ')}. ` +
          'Nothing tells the Service\'s users: traffic to it is not load-balanced by kube-router on any node. ' +
          (missingOn.length ? `IPVS on ${missingOn.join(', ')} has no virtual service for it.` : ''),
        evidence: [...new Set(d.evidence)].slice(0, 6),
        remediation: [
          `Allow the address: add ${KIND_FLAG[d.kind]}=<CIDR holding ${d.ip ?? `the Service's ${what}s`}> to kube-router's arguments (it must not overlap --service-cluster-ip-range).`,
          'Or turn the check off where every Service author is trusted: --strict-external-ip-validation=false.',
        ],
        fixedIn: null,
      })
    }
    return {findings}
  },
})
