// Compares a node's DSR programming with what kube-router should have put there (expected/dsr-programming.ts,
// kube-router-facts.md §3.1). The IP is absent from kube-dummy-if, IPVS shows FWM instead of ip:port (normal). Stale
// fwmark rules are never deleted by kube-router (normal). Marks can be rehashed on collisions: the mangle rule is the
// authority for the mark in use; a computed mark that differs is "unverifiable", not an error.
import {defineNodeCheck, type FindingInput} from './define.js'
import {dsrStatusCommand, familyName, kubeRouterLogs, routesOf, rulesOf} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {expectedDsrProgramming, expectedDsrTuples, type ExpectedDsrTuple} from '../expected/dsr-programming.js'
import {DSR_TABLE} from '../expected/route-tables.js'
import {fwmarkHex} from '../expected/fwmark.js'
import {BEHAVIOUR_CHANGES} from '../expected/version-matrix.js'
import {hostOf, sameIp} from '../model/ip.js'
import {argValue} from '../parsers/iptables-save.js'
import type {Family, IptablesRule, IptablesState, IpvsState} from '../model/types.js'

type ProgrammedTuple = Extract<ExpectedDsrTuple, {disposition: 'programmed'}>

function markRules(ipt: IptablesState | null, t: ProgrammedTuple): IptablesRule[] {
  if (!ipt) return []
  const {table, chains} = t.director.mark
  return ipt.rules.filter((r) => {
    if (r.table !== table || r.target !== 'MARK' || !(chains as readonly string[]).includes(r.chain)) return false
    const dst = argValue(r, '-d')
    return dst !== null && sameIp(hostOf(dst), t.ip) && (argValue(r, '-p') ?? '').toLowerCase() === t.protocol && argValue(r, '--dport') === String(t.port)
  })
}

function markOf(rule: IptablesRule): number | null {
  const v = argValue(rule, '--set-xmark') ?? argValue(rule, '--set-mark')
  if (!v) return null
  const n = Number(v.split('/')[0])
  return Number.isInteger(n) ? n : null
}

function table78Ready(routes: ReturnType<typeof routesOf>): boolean {
  return routes.some((r) => r.tableId === DSR_TABLE && r.type === 'local' && (r.dst === 'default' || r.dst === '0.0.0.0/0' || r.dst === '::/0'))
}

export const dsrProgramming = defineNodeCheck({
  id: 'dsr-programming',
  title: 'DSR services are programmed as kube-router does it',
  needs: ['ip-rule.json', 'ip-route.json'],
  uses: ['ip6-rule.json', 'ip6-route.json', 'ipvsadm.txt', 'iptables.txt', 'ip6tables.txt'],
  evaluate({node, facts, cluster, config}) {
    const ipvs: IpvsState | null = sourceValue(node, 'ipvsadm.txt')
    if (!cluster) {
      const fwm = ipvs?.services.filter((s) => s.protocol === 'FWM') ?? []
      if (!ipvs) return {skip: 'needs the cluster\'s Services (give a kubeconfig) or ipvsadm output to know the DSR services'}
      if (fwm.length === 0) return {findings: [], note: 'no FWM (DSR) virtual services in IPVS'}
      return {findings: fwm.flatMap((s) => checkMark(s.fwmark!, s.family ?? 4, null, node.name)), note: 'checked from IPVS FWM services (no cluster objects)'}
    }
    const tuples = expectedDsrTuples(expectedDsrProgramming(cluster, config, facts.version, facts))
    if (tuples.length === 0) return {findings: [], note: 'no Service has kube-router.io/service.dsr=tunnel'}
    const findings: FindingInput[] = []
    const notHere = new Set<string>()
    for (const t of tuples) {
      const subject = `${t.ip}:${t.port}/${t.protocol}`
      // externalTrafficPolicy: Local without a ready endpoint on this node: kube-router skips the Service's
      // external IPs here entirely (no MARK, no rule, no FWM service), by design
      if (t.disposition === 'not-on-node') {
        notHere.add(t.service)
        continue
      }
      if (t.disposition === 'rejected') {
        findings.push({
          severity: 'warning', subject,
          title: `DSR IP ${t.ip} of ${t.service} is rejected by strict external-IP validation and not programmed`,
          detail: `kube-router ${facts.version?.text ?? ''} (${BEHAVIOUR_CHANGES['strict-external-ip-validation'].since}+) drops external and LoadBalancer IPs outside --service-external-ip-range / --loadbalancer-ip-range (or inside the cluster IP range) while --strict-external-ip-validation=true: no IPVS service, no VIP, no DSR.`,
          evidence: [`${t.service}: ${t.ip} port ${t.port}/${t.protocol}`, `kube-router args: ${(config?.explicit.size ? '' : '(defaults) ')}--service-external-ip-range=${config?.serviceExternalIpRanges.join(',') ?? ''} --loadbalancer-ip-range=${config?.loadBalancerIpRanges.join(',') ?? ''}`],
          remediation: ['Add the IP range to --service-external-ip-range or --loadbalancer-ip-range on the kube-router DaemonSet, or set --strict-external-ip-validation=false.'],
          fixedIn: null,
        })
        continue
      }
      if (t.remapsPort) {
        findings.push({
          severity: 'warning', subject,
          title: `DSR service ${t.service} remaps port ${t.port} to targetPort ${t.targetPort}; DSR needs them equal`,
          detail: 'With DSR the backend answers the client directly from the VIP and the Service port; kube-router cannot translate ports, so port must equal targetPort.',
          evidence: [`${t.service}: port ${t.port} targetPort ${t.targetPort} (${t.protocol})`],
          remediation: [`Set targetPort: ${t.port} on ${t.service} and make the pods listen on ${t.port}.`],
          fixedIn: null,
        })
      }
      const ipt = sourceValue(node, t.family === 4 ? 'iptables.txt' : 'ip6tables.txt')
      const marks = markRules(ipt, t)
      let mark = t.director.mark.fwmark
      if (ipt && marks.length === 0) {
        findings.push({
          severity: 'error', subject,
          title: `No mangle MARK rule for DSR ${subject} (${t.service})`,
          detail: `kube-router marks packets for ${subject} in mangle PREROUTING and OUTPUT with fwmark ${t.director.mark.fwmark} (${fwmarkHex(t.director.mark.fwmark)}); without the mark they never reach the IPVS FWM service and DSR does not work on this node.`,
          evidence: [`(no -d ${t.ip} -p ${t.protocol} --dport ${t.port} -j MARK rule in ${t.family === 4 ? 'iptables' : 'ip6tables'}-save -t mangle)`],
          remediation: [`${kubeRouterLogs(node.name)} | grep -iE 'dsr|external ip'`, 'kube-router re-programs DSR at its next IPVS sync; if it stays missing, check the DSR requirements (runtime endpoint, hostPID, rt_tables, endpoints not hostNetwork).', dsrStatusCommand(t.service)],
          fixedIn: null,
        })
      } else if (marks.length > 0) {
        mark = markOf(marks[0]) ?? t.director.mark.fwmark
      }
      findings.push(...checkMark(mark, t.family, t, node.name, ipvs, marks.map((r) => r.text)))
    }
    const note = notHere.size
      ? `not expected on this node (externalTrafficPolicy: Local, no ready local endpoint): ${[...notHere].join(', ')}`
      : undefined
    return {findings, note}

    function checkMark(markValue: number, family: Family, tuple: ProgrammedTuple | null, nodeName: string, ipvsState = ipvs, markEvidence: string[] = []): FindingInput[] {
      return dsrMarkFindings({markValue, family, tuple, nodeName, ipvs: ipvsState, rules: rulesOf(node, family), routes: routesOf(node, family), markEvidence})
    }
  },
})

function dsrMarkFindings(a: {
  markValue: number; family: Family; tuple: ProgrammedTuple | null; nodeName: string; ipvs: IpvsState | null
  rules: ReturnType<typeof rulesOf>; routes: ReturnType<typeof routesOf>; markEvidence: string[]
}): FindingInput[] {
  const out: FindingInput[] = []
  const {markValue, family, tuple} = a
  const label = tuple ? `DSR ${tuple.ip}:${tuple.port}/${tuple.protocol} (${tuple.service})` : `FWM ${markValue}`
  const subject = tuple ? `${tuple.ip}:${tuple.port}/${tuple.protocol}` : `fwmark ${markValue}`
  const rule = a.rules.find((r) => r.fwmark === markValue && r.tableId === DSR_TABLE)
  const missing: string[] = []
  const evidence = [...a.markEvidence]
  if (rule) evidence.push(rule.text)
  else missing.push(`ip rule \`fwmark ${fwmarkHex(markValue)} lookup kube-router-dsr (78)\``)
  const t78 = a.routes.filter((r) => r.tableId === DSR_TABLE)
  if (!table78Ready(a.routes)) missing.push(`\`local default dev lo\` in table 78 (${familyName(family)})`)
  else evidence.push(...t78.map((r) => r.text))
  if (a.ipvs) {
    const svc = a.ipvs.services.find((s) => s.protocol === 'FWM' && s.fwmark === markValue)
    if (!svc) missing.push(`IPVS firewall-mark service FWM ${markValue}`)
    else {
      evidence.push(svc.text, ...svc.destinations.map((d) => d.text))
      const notTunnel = svc.destinations.filter((d) => d.forward !== 'Tunnel')
      if (notTunnel.length) missing.push(`Tunnel forwarding for ${notTunnel.map((d) => `${d.address}:${d.port} (${d.forward})`).join(', ')}`)
    }
  }
  if (missing.length === 0) return out
  out.push({
    severity: 'error',
    subject,
    title: `${label} is not fully programmed: missing ${missing.join(', ')}`,
    detail:
      `For DSR kube-router marks the packets (mark ${markValue} = ${fwmarkHex(markValue)}), routes marked packets through table 78 to \`local default dev lo\` so IPVS accepts them without the VIP on any interface, and forwards them with an IPVS firewall-mark service in Tunnel mode to the endpoints. ` +
      'Missing pieces mean DSR traffic for this IP is dropped or answered through the proxy on this node. kube-router re-adds them at its next IPVS sync (--ipvs-sync-period, default 5m); if they stay missing, DSR setup is failing.' +
      (tuple && tuple.fwmark !== markValue ? ` The mark in use differs from the computed ${tuple.fwmark}: kube-router rehashed it after a collision.` : ''),
    evidence: evidence.length ? evidence : [`(nothing programmed for ${label})`],
    remediation: [
      `${kubeRouterLogs(a.nodeName)} | grep -iE 'dsr|fwmark|external ip'`,
      `ip ${family === 6 ? '-6 ' : ''}rule show; ip ${family === 6 ? '-6 ' : ''}route show table 78; ipvsadm -Ln --fwmark-service ${markValue}`,
      dsrStatusCommand(tuple?.service ?? null),
    ],
    fixedIn: null,
  })
  return out
}
