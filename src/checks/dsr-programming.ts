// Compares a node's DSR programming with what kube-router should have put there (expected/dsr-programming.ts,
// kube-router-facts.md §3.1). The IP is absent from kube-dummy-if, IPVS shows FWM instead of ip:port (normal). Stale
// fwmark rules are never deleted by kube-router (normal). Marks can be rehashed on collisions: the mangle rule is the
// authority for the mark in use, and of several MARK rules for a tuple the last one decides (MARK does not stop
// the chain; kube-router appends); a computed mark that differs is "unverifiable", not an error. Also checked
// (accuracy-audit.md §1.2): the TCPMSS clamp and its value, hostNetwork endpoints named as the cause, DSR setup
// failures the kube-router log shows (the pod side is invisible on the node), and strict external-IP validation
// never assumed without the DaemonSet's ranges.
import {defineNodeCheck, type FindingInput} from './define.js'
import {dsrStatusCommand, familyName, kubeRouterLogs, routesOf, rulesOf} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {expectedDsrProgramming, expectedDsrTuples, type ExpectedDsrTuple} from '../expected/dsr-programming.js'
import {DSR_TABLE} from '../expected/route-tables.js'
import {fwmarkHex} from '../expected/fwmark.js'
import {BEHAVIOUR_CHANGES, hasFix, isAffectedBy, knownBug, type KnownBugId} from '../expected/version-matrix.js'
import {hostOf, sameIp} from '../model/ip.js'
import {dsrMssOverhead} from '../expected/dsr-programming.js'
import {argValue} from '../parsers/iptables-save.js'
import type {Family, IptablesRule, IptablesState, IpvsState, LogLine, Version} from '../model/types.js'
import type {NodeFacts} from '../expected/node-facts.js'

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

/** The TCPMSS clamp rules of a tuple: `-s <ip> --sport <port>` (v2.1.3+); before the fix any clamp naming the IP. */
function tcpmssRules(ipt: IptablesState, t: ProgrammedTuple, version: Version | null): IptablesRule[] {
  const newForm = version === null || hasFix(version, 'dsr-tcpmss')
  return ipt.rules.filter((r) => {
    if (r.table !== 'mangle' || r.target !== 'TCPMSS') return false
    const src = argValue(r, '-s')
    if (src !== null && sameIp(hostOf(src), t.ip) && argValue(r, '--sport') === String(t.port)) return true
    if (newForm) return false
    const dst = argValue(r, '-d')
    return (src !== null && sameIp(hostOf(src), t.ip)) || (dst !== null && sameIp(hostOf(dst), t.ip))
  })
}

/**
 * MTU of the interface holding the node's primary IP, as kube-router's GetNodeMTU reads it: the Node's first
 * InternalIP (else ExternalIP) whatever its family (getPrimaryNodeIP, pkg/utils/node.go@v2.11.1:324); without the
 * Node object the doctor's node IP, IPv4 first.
 */
function nodeMtu(facts: NodeFacts, links: {ifname: string; mtu: number | null; addresses: {local: string}[]}[]): {mtu: number; ifname: string} | null {
  const addresses = facts.nodeObject?.status?.addresses ?? []
  const primary = addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'ExternalIP')
  for (const ip of primary ? [primary.address] : [facts.nodeIp[4], facts.nodeIp[6]]) {
    if (!ip) continue
    const link = links.find((l) => l.addresses.some((a) => sameIp(hostOf(a.local), ip)))
    if (link?.mtu) return {mtu: link.mtu, ifname: link.ifname}
  }
  return null
}

/** "failed to setup DSR endpoint <ip>: <why>" lines of the log, by IP (the last one kept first in the list). */
function dsrSetupFailures(log: LogLine[] | null): Map<string, LogLine[]> {
  const out = new Map<string, LogLine[]>()
  for (const line of log ?? []) {
    const m = /failed to setup DSR endpoint (\S+?):/.exec(line.message)
    if (!m) continue
    out.set(m[1], [...(out.get(m[1]) ?? []), line])
  }
  return out
}

/** The known bug a DSR setup error message belongs to on this version, if any (accuracy-audit.md §2). */
function dsrSetupBug(message: string, version: Version | null): KnownBugId | null {
  if (!version) return null
  if (message.includes('produced zero addresses') && isAffectedBy(version, 'dsr-cri-resolver-zero-addresses')) return 'dsr-cri-resolver-zero-addresses'
  if (message.includes('could not find container') && isAffectedBy(version, 'dsr-container-not-found')) return 'dsr-container-not-found'
  return null
}

function table78Ready(routes: ReturnType<typeof routesOf>): boolean {
  return routes.some((r) => r.tableId === DSR_TABLE && r.type === 'local' && (r.dst === 'default' || r.dst === '0.0.0.0/0' || r.dst === '::/0'))
}

export const dsrProgramming = defineNodeCheck({
  id: 'dsr-programming',
  title: 'DSR services are programmed as kube-router does it',
  needs: ['ip-rule.json', 'ip-route.json'],
  uses: ['ip6-rule.json', 'ip6-route.json', 'ipvsadm.txt', 'iptables.txt', 'ip6tables.txt', 'ip-addr.json', 'kube-router.log'],
  evaluate({node, facts, cluster, config}) {
    const ipvs: IpvsState | null = sourceValue(node, 'ipvsadm.txt')
    if (!cluster) {
      const fwm = ipvs?.services.filter((s) => s.protocol === 'FWM') ?? []
      if (!ipvs) return {skip: 'needs the cluster\'s Services (give a kubeconfig) or ipvsadm output to know the DSR services'}
      if (fwm.length === 0) return {findings: [], note: 'no FWM (DSR) virtual services in IPVS'}
      return {findings: fwm.flatMap((s) => checkMark(s.fwmark!, s.family ?? 4, null, node.name)), note: 'checked from IPVS FWM services (no cluster objects)'}
    }
    const mtu = nodeMtu(facts, sourceValue(node, 'ip-addr.json') ?? [])
    const tuples = expectedDsrTuples(expectedDsrProgramming(cluster, config, facts.version, facts, mtu?.mtu ?? null))
    if (tuples.length === 0) return {findings: [], note: 'no Service has kube-router.io/service.dsr=tunnel'}
    const log = sourceValue(node, 'kube-router.log')
    const hostNetworkLog = (log ?? []).filter((l) => l.message.includes('DSR does not work with hostNetwork'))
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
      const fwmInIpvs = ipvs?.services.some((s) => s.protocol === 'FWM' && s.fwmark === t.fwmark) ?? false
      if (ipt && marks.length === 0 && t.hostNetworkEndpoints.length > 0) {
        const logLines = hostNetworkLog.filter((l) => l.message.includes(`service (${t.service.replace('/', ':')})`)).slice(-2)
        findings.push({
          severity: 'error', subject,
          title: `DSR for ${subject} (${t.service}) is not set up: its endpoints run with hostNetwork: true`,
          detail: `kube-router cannot add the DSR address inside a pod that shares the node's network namespace: when any pod of the Service has hostNetwork: true it logs "DSR does not work with hostNetwork: true pods, skipping!" and programs nothing for the Service (no MARK rule, no fwmark rule, no FWM service), on every node. The endpoints ${t.hostNetworkEndpoints.join(', ')} are node addresses.`,
          evidence: [...logLines.map((l) => l.text), `${t.service} endpoints: ${t.hostNetworkEndpoints.join(', ')} (node addresses)`],
          remediation: [`Run the pods of ${t.service} without hostNetwork: true, or remove the kube-router.io/service.dsr annotation from the Service.`],
          fixedIn: null,
        })
        continue
      }
      if (t.validationUnknown && marks.length === 0 && !fwmInIpvs) {
        // v2.8.0+ drops IPs outside the DaemonSet's ranges; without the DaemonSet this cannot be told from a fault
        findings.push({
          severity: 'info', subject,
          title: `DSR ${subject} (${t.service}) is not programmed on this node; strict external-IP validation may have dropped ${t.ip}`,
          detail: `kube-router ${facts.version?.text ?? ''} (${BEHAVIOUR_CHANGES['strict-external-ip-validation'].since}+) drops external and LoadBalancer IPs outside --service-external-ip-range / --loadbalancer-ip-range while --strict-external-ip-validation=true (the default). The DaemonSet is unknown, so its ranges are too: nothing programmed (no MARK rule, no FWM service) is what a dropped IP looks like, and also what a failed DSR setup looks like.`,
          evidence: [`${t.service}: ${t.ip} port ${t.port}/${t.protocol}`, `(no -d ${t.ip} --dport ${t.port} -j MARK rule, no IPVS FWM ${t.fwmark})`],
          remediation: ['Give a kubeconfig (or a bundle with cluster/kube-router.json) so the DaemonSet\'s ranges decide.', `${kubeRouterLogs(node.name)} | grep -iE 'rejecting|external ip|dsr'`],
          fixedIn: null,
        })
        continue
      }
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
        // MARK does not end the chain: of two rules for the tuple (a stale mark, then the current one) the last decides
        mark = markOf(marks[marks.length - 1]) ?? t.director.mark.fwmark
      }
      findings.push(...checkMark(mark, t.family, t, node.name, ipvs, marks.map((r) => r.text)))
      if (ipt && marks.length > 0 && t.director.tcpmss) findings.push(...tcpmssFindings(ipt, t, subject))
    }
    // the pod side (kube-tunnel-if in each local endpoint) is set up after everything above and only the log shows
    // its failures; setupExternalIPServices returns on the first one, skipping the rest of that sync
    for (const [ip, lines] of dsrSetupFailures(log)) {
      const mine = tuples.filter((t) => t.disposition === 'programmed' && sameIp(t.ip, ip))
      if (mine.length === 0) continue
      const last = lines[lines.length - 1]
      const why = last.message.slice(last.message.indexOf(`${ip}:`) + ip.length + 1).trim()
      const inPod = why.includes('inside pod')
      const bug = dsrSetupBug(why, facts.version)
      const services = [...new Set(mine.map((t) => t.service))]
      findings.push({
        severity: 'error',
        subject: ip,
        title: inPod
          ? `DSR for ${ip} (${services.join(', ')}) fails on this node: kube-router could not set up the receiver inside the pod`
          : `DSR setup for ${ip} (${services.join(', ')}) fails on this node: ${why}`,
        detail:
          `kube-router logged ${lines.length === 1 ? 'a DSR setup error' : `${lines.length} DSR setup errors`} for ${ip}. ` +
          (inPod ? 'The director side (MARK, fwmark rule, table 78, FWM service with Tunnel destinations) is added first and looks complete, but without the address on kube-tunnel-if inside the endpoint pods the tunnelled packets are dropped. ' : '') +
          'kube-router also stops the external-IP setup of the sync at the first such error, so later DSR Services and the sloppy_tcp setting of that sync are skipped.' +
          (bug ? ` This is the known bug "${knownBug(bug).title}", fixed in ${knownBug(bug).fixedIn}.` : ''),
        evidence: lines.slice(-3).map((l) => l.text),
        remediation: [
          ...(bug ? [`Upgrade kube-router to ${knownBug(bug).fixedIn} or later.`] : []),
          `${kubeRouterLogs(node.name)} | grep -iE 'dsr|runtime|container'`,
          'Check the DSR requirements: --runtime-endpoint pointing at the container runtime socket (mounted), hostPID: true, endpoints not hostNetwork.',
          ...services.map((svc) => dsrStatusCommand(svc)),
        ],
        fixedIn: bug ? knownBug(bug).fixedIn : null,
      })
    }
    const notes = [
      ...(notHere.size ? [`not expected on this node (externalTrafficPolicy: Local, no ready local endpoint): ${[...notHere].join(', ')}`] : []),
    ]
    return {findings, note: notes.length ? notes.join('; ') : undefined}

    function tcpmssFindings(ipt: IptablesState, t: ProgrammedTuple, subject: string): FindingInput[] {
      const clamp = t.director.tcpmss!
      const rules = tcpmssRules(ipt, t, facts.version)
      const want = clamp.mss
      const mtuText = mtu ? `MTU ${mtu.mtu} of ${mtu.ifname} - ${clamp.overhead}` : `the node MTU - ${clamp.overhead}`
      if (rules.length === 0) {
        return [{
          severity: 'warning', subject,
          title: `No TCPMSS clamp for DSR ${subject} (${t.service})`,
          detail: `kube-router clamps the MSS of SYN-ACKs the local endpoints send for a DSR tuple (mangle PREROUTING -s ${t.ip} -i kube-bridge --sport ${t.port} -j TCPMSS --set-mss ${want ?? mtuText}, i.e. ${mtuText}): replies leave the node directly while requests arrive tunnelled, so without it large transfers stall. It is added with the MARK rule, so something deleted it (before v2.1.3 the cleanup of another Service sharing the IP did).`,
          evidence: [...markRules(ipt, t).map((r) => r.text), `(no -j TCPMSS rule with -s ${t.ip} --sport ${t.port} in ${t.family === 4 ? 'iptables' : 'ip6tables'}-save -t mangle)`],
          remediation: [`${kubeRouterLogs(node.name)} | grep -iE 'tcpmss|dsr'`, 'kube-router re-adds it at its next IPVS sync; restart kube-router on the node if it stays missing.', dsrStatusCommand(t.service)],
          fixedIn: null,
        }]
      }
      if (want === null) return []
      const values = rules.map((r) => Number(argValue(r, '--set-mss')))
      if (values.includes(want)) return []
      // IPv6 with the IPv4 overhead before v2.7.0 is the known bug dsr-ipv6-mss-value, listed by kube-router-version
      if (t.family === 6 && mtu && values.includes(mtu.mtu - 60) && facts.version && isAffectedBy(facts.version, 'dsr-ipv6-mss-value')) return []
      return [{
        severity: 'warning', subject,
        title: `TCPMSS clamp for DSR ${subject} is ${values.join(', ')}; kube-router sets ${want} (${mtuText})`,
        detail: `kube-router sets the MSS of the endpoints' SYN-ACKs to the node MTU minus ${clamp.overhead} (two ${t.family === 4 ? 'IPv4' : 'IPv6'} headers and TCP). A larger value lets replies exceed the path MTU and stall large transfers; a different value also means the rule is not kube-router's current one (an MTU change since it was added, or a hand-made rule).`,
        evidence: rules.map((r) => r.text),
        remediation: ['Restart kube-router on the node after an MTU change, so it recomputes the clamp; remove hand-made TCPMSS rules for the IP.', dsrStatusCommand(t.service)],
        fixedIn: null,
      }]
    }

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
