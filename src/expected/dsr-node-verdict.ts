// Whether one node shows a DSR Service programmed the way kube-router programs it (expectation 'enabled'), or
// undone (expectation 'disabled'), judged from the node's capture: pure. Director side per (IP, protocol, port)
// tuple (kube-router-facts.md §3.1, accuracy-audit.md §1.2): the last mangle MARK rule matching the tuple sets a
// mark kube-router computes for it (FNV-1a, or a collision rehash), `fwmark <mark> lookup 78`, table 78
// `local default dev lo`, an IPVS FWM service for the mark whose Tunnel destinations are the ready endpoints, the
// TCPMSS clamp with this version's value, the IP absent from kube-dummy-if, sloppy_tcp where mh needs it. Endpoint
// side on nodes with a ready local endpoint (§3.1 step 6): inside each endpoint pod, kube-tunnel-if (IPv4) /
// kube-tunnel-v6 (IPv6) holding the IP, rp_filter 0 on it and on `all`. After `dsr disable`: no FWM service for
// the marks and the IPs served the ordinary way (IPVS ip:port service, IP on kube-dummy-if); the fwmark rules
// stay (kube-router never deletes them) and are no failure.
import {canonicalIp, hostOf, parseIp, sameIp} from '../model/ip.js'
import {sourceValue, type NodeState} from '../model/node-state.js'
import {expectedDsrProgramming, type ExpectedDsrTuple} from './dsr-programming.js'
import {dsrFwmark, fwmarkHex} from './fwmark.js'
import {deriveNodeFacts, DUMMY_IF, BRIDGE_IF} from './node-facts.js'
import {DSR_TABLE} from './route-tables.js'
import {isDsrService, isExternalTrafficLocal, isProxiedService, readyEndpoints, serviceKey} from './services.js'
import {isAffectedBy, knownBug} from './version-matrix.js'
import {argValue} from '../parsers/iptables-save.js'
import type {DsrExpectation, DsrNodeCheck, DsrNodeCheckId, DsrNodeCheckStatus, DsrNodeVerdict} from '../model/dsr-verification.js'
import type {KubeRouterConfig} from '../model/kube-router-config.js'
import type {ClusterObjects, DsrEndpointPod, Family, IptablesRule, IpvsService, ServiceObject, Version} from '../model/types.js'

type ProgrammedTuple = Extract<ExpectedDsrTuple, {disposition: 'programmed'}>

/** How far kube-router's rehash after a collision is followed when deciding whether a mark is one of its own. */
const MAX_REHASH = 64

const TITLES: Record<DsrNodeCheckId, string> = {
  'mangle-mark': 'mangle MARK rules set the fwmark (the last matching rule wins)',
  'fwmark-rule': 'ip rule `fwmark <mark> lookup 78`',
  'table-78': 'table 78 `local default dev lo`',
  'ipvs-fwm-service': 'IPVS FWM service with Tunnel destinations = the ready endpoints',
  'tcpmss-clamp': 'TCP MSS clamp (mangle TCPMSS)',
  'vip-off-dummy': 'DSR IP not on kube-dummy-if',
  'sloppy-tcp': 'net.ipv4.vs.sloppy_tcp=1 (Maglev)',
  'pod-tunnel-if': 'endpoint pod: kube-tunnel-if / kube-tunnel-v6 holds the DSR IP',
  'pod-rp-filter': 'endpoint pod: rp_filter 0 (all, kube-tunnel-if)',
  'fwm-service-gone': 'no IPVS FWM service for the Service\'s marks',
  'served-normally': 'IPs served the non-DSR way (IPVS ip:port service, IP on kube-dummy-if)',
}

const DIRECTOR_CHECKS: DsrNodeCheckId[] = ['mangle-mark', 'fwmark-rule', 'table-78', 'ipvs-fwm-service', 'tcpmss-clamp', 'vip-off-dummy', 'sloppy-tcp']
const ENDPOINT_CHECKS: DsrNodeCheckId[] = ['pod-tunnel-if', 'pod-rp-filter']
const DISABLED_CHECKS: DsrNodeCheckId[] = ['fwm-service-gone', 'served-normally']

const RANK: Record<DsrNodeCheckStatus, number> = {'not-applicable': 0, pass: 1, unknown: 2, fail: 3}

/** One check being built from several tuples / endpoint pods: the worst status wins, evidence and fixes add up. */
class CheckBuilder {
  private status: DsrNodeCheckStatus = 'not-applicable'
  private readonly evidence: string[] = []
  private readonly fix: string[] = []
  constructor(private readonly id: DsrNodeCheckId) {}

  add(status: DsrNodeCheckStatus, evidence: string[], fix: string[] = []): void {
    if (RANK[status] > RANK[this.status]) this.status = status
    for (const e of evidence) if (!this.evidence.includes(e)) this.evidence.push(e)
    if (status === 'fail' || status === 'unknown') for (const f of fix) if (!this.fix.includes(f)) this.fix.push(f)
  }

  build(): DsrNodeCheck {
    return {id: this.id, title: TITLES[this.id], status: this.status, evidence: this.evidence, fix: this.status === 'pass' || this.status === 'not-applicable' ? [] : this.fix}
  }
}

/** Where kube-router should program a Service: every node, or with externalTrafficPolicy Local only the nodes
 * holding a ready endpoint (`setupExternalIPServices`, kube-router-facts "General traps"). */
export interface DsrNodePlan {
  node: string
  /** kube-router should program (or, disabled, serve) the Service's external IPs here */
  expected: boolean
  /** ready endpoint IPs of the Service on this node (canonical) */
  localEndpoints: string[]
  /** a kube-router pod of the DaemonSet runs here; null = unknown (then it is assumed to) */
  kubeRouterRuns: boolean | null
}

/** `kubeRouterNodes`: the nodes running a kube-router pod, null when unknown. */
export function dsrNodePlan(cluster: ClusterObjects, svc: ServiceObject, kubeRouterNodes: ReadonlySet<string> | null = null): DsrNodePlan[] {
  const local = isExternalTrafficLocal(svc)
  const endpoints = readyEndpoints(cluster, svc)
  return cluster.nodes.map((n) => {
    const localEndpoints = [...new Set(endpoints.filter((e) => e.nodeName === n.metadata.name && parseIp(e.address)).map((e) => canonicalIp(e.address)))]
    return {node: n.metadata.name, expected: !local || localEndpoints.length > 0, localEndpoints, kubeRouterRuns: kubeRouterNodes ? kubeRouterNodes.has(n.metadata.name) : null}
  })
}

/** Why a node is 'not-expected', or null when it is expected to program the Service. */
export function notExpectedReason(cluster: ClusterObjects, svc: ServiceObject, plan: DsrNodePlan, expectation: DsrExpectation): string | null {
  if (expectation === 'enabled' && !isDsrService(svc)) {
    const value = svc.metadata.annotations?.['kube-router.io/service.dsr']
    return value === undefined ? 'the Service has no kube-router.io/service.dsr annotation: kube-router does not program DSR for it' : `kube-router.io/service.dsr is "${value}", not "tunnel": kube-router does not program DSR for it`
  }
  if (!isProxiedService(svc)) return 'kube-router does not proxy this Service (headless, ExternalName, or another service proxy\'s)'
  if (plan.kubeRouterRuns === false) return 'no kube-router pod of the DaemonSet runs on this node: nothing programs the Service here (route no DSR traffic to it)'
  if (!plan.expected) return 'externalTrafficPolicy: Local and no ready endpoint of the Service on this node: kube-router sets up the Service\'s external IPs only on nodes with one'
  return null
}

export interface DsrNodeVerdictInput {
  cluster: ClusterObjects
  service: ServiceObject
  /** the DaemonSet's flags; null = unknown (kube-router's defaults) */
  config: KubeRouterConfig | null
  /** the DaemonSet image, for the version when the node's capture has none */
  image: string | null
  expectation: DsrExpectation
  plan: DsrNodePlan
  /** the node's parsed capture, or why it could not be probed */
  capture: NodeState | {notProbed: string}
}

export function dsrNodeVerdict(input: DsrNodeVerdictInput): DsrNodeVerdict {
  const {cluster, service: svc, plan, expectation} = input
  const base = {node: plan.node, hasLocalEndpoint: plan.localEndpoints.length > 0}
  const notExpected = notExpectedReason(cluster, svc, plan, expectation)
  if (notExpected) return {...base, state: 'not-expected', reason: notExpected, checks: []}
  if ('notProbed' in input.capture) return {...base, state: 'not-probed', reason: input.capture.notProbed, checks: []}
  const node = input.capture
  const facts = deriveNodeFacts(node, cluster, input.config, input.image)
  const key = serviceKey(svc)
  const tuples = expectedDsrProgramming({...cluster, services: [svc]}, input.config, facts.version, {name: plan.node})
    .filter((s) => s.service === key)
    .flatMap((s) => s.tuples)
    .filter((t): t is ProgrammedTuple => t.disposition === 'programmed')
  // expectation 'disabled': the Service is no DSR Service any more, so its tuples are computed as if it were
  const ipTuples = expectation === 'disabled' ? disabledTuples(cluster, svc, input.config, facts.version, plan.node) : tuples
  if (ipTuples.length === 0) {
    return {...base, state: 'not-expected', reason: 'the Service has no external or LoadBalancer IP kube-router programs: nothing to look for', checks: []}
  }
  const checks = expectation === 'enabled'
    ? [...directorChecks(node, tuples, facts.version, facts.nodeIp, svc), ...endpointChecks(node, tuples, plan)]
    : disabledChecks(node, ipTuples)
  const failed = checks.filter((c) => c.status === 'fail')
  const unknown = checks.filter((c) => c.status === 'unknown')
  const good = expectation === 'enabled' ? 'programmed' : 'undone'
  if (failed.length) return {...base, state: 'broken', reason: failed.map((c) => c.title).join('; '), checks}
  if (unknown.length) return {...base, state: 'unknown', reason: `could not tell: ${unknown.map((c) => c.title).join('; ')}`, checks}
  return {...base, state: good, reason: null, checks}
}

function disabledTuples(cluster: ClusterObjects, svc: ServiceObject, config: KubeRouterConfig | null, version: Version | null, node: string): ProgrammedTuple[] {
  const annotations = {...svc.metadata.annotations, 'kube-router.io/service.dsr': 'tunnel'}
  const asDsr: ServiceObject = {...svc, metadata: {...svc.metadata, annotations}}
  return expectedDsrProgramming({...cluster, services: [asDsr]}, config, version, {name: node})
    .flatMap((s) => s.tuples)
    .filter((t): t is ProgrammedTuple => t.disposition === 'programmed')
}

// ---------- director side ----------

function subjectOf(t: ProgrammedTuple): string {
  return `${t.ip}:${t.port}/${t.protocol}`
}

function iptablesCmd(family: Family): string {
  return family === 4 ? 'iptables' : 'ip6tables'
}

function ipCmd(family: Family): string {
  return family === 4 ? 'ip' : 'ip -6'
}

function kubeRouterLogs(node: string): string {
  return `kubectl -n kube-system logs $(kubectl -n kube-system get pod -l k8s-app=kube-router --field-selector spec.nodeName=${node} -o name) | grep -iE 'dsr|fwmark|external ip|tunnel'`
}

function restartKubeRouter(node: string): string {
  return `kubectl -n kube-system delete pod -l k8s-app=kube-router --field-selector spec.nodeName=${node}   # kube-router programs DSR again as it starts`
}

function markRulesOf(rules: IptablesRule[], t: ProgrammedTuple, chain: string): IptablesRule[] {
  return rules.filter((r) => {
    if (r.table !== 'mangle' || r.chain !== chain || r.target !== 'MARK') return false
    const dst = argValue(r, '-d')
    return dst !== null && parseIp(hostOf(dst)) !== null && sameIp(hostOf(dst), t.ip) && (argValue(r, '-p') ?? '').toLowerCase() === t.protocol && argValue(r, '--dport') === String(t.port)
  })
}

function markOf(rule: IptablesRule): number | null {
  const v = argValue(rule, '--set-xmark') ?? argValue(rule, '--set-mark')
  if (!v) return null
  const n = Number(v.split('/')[0])
  return Number.isInteger(n) ? n : null
}

/** 0 = the FNV mark, n = the n-th rehash, null = not a mark kube-router gives this tuple. */
function rehashIndex(t: ProgrammedTuple, mark: number): number | null {
  for (let n = 0; n <= MAX_REHASH; n++) if (dsrFwmark(t.ip, t.protocol, t.port, n) === mark) return n
  return null
}

function deleteCommand(rule: IptablesRule, family: Family): string {
  return `${iptablesCmd(family)} -t ${rule.table} ${rule.text.replace(/^-A /, '-D ')}`
}

/** The MSS kube-router clamps to: MTU of the node IP's interface - 60 (IPv4), - 100 (IPv6 from v2.7.0). */
function expectedMss(node: NodeState, nodeIp: Record<Family, string | null>, family: Family, version: Version | null): {mss: number | null; why: string} {
  const links = sourceValue(node, 'ip-addr.json') ?? []
  const ip = nodeIp[family] ?? nodeIp[4]
  const link = ip ? links.find((l) => l.addresses.some((a) => sameIp(a.local, ip))) : undefined
  if (!link || link.mtu === null) return {mss: null, why: `the interface holding the node IP ${ip ?? '(unknown)'} is not in ip-addr.json`}
  const oldIpv6 = family === 6 && version !== null && isAffectedBy(version, 'dsr-ipv6-mss-value')
  const overhead = family === 4 || oldIpv6 ? 60 : 100
  return {mss: link.mtu - overhead, why: `${link.ifname} mtu ${link.mtu} - ${overhead}${oldIpv6 ? ` (kube-router ${version!.text} uses 60 for IPv6 too)` : ''}`}
}

function directorChecks(node: NodeState, tuples: ProgrammedTuple[], version: Version | null, nodeIp: Record<Family, string | null>, svc: ServiceObject): DsrNodeCheck[] {
  const b = new Map(DIRECTOR_CHECKS.map((id) => [id, new CheckBuilder(id)]))
  const ipvs = sourceValue(node, 'ipvsadm.txt')
  const links = sourceValue(node, 'ip-addr.json')
  const sysctl = sourceValue(node, 'sysctl.txt')
  const logs = kubeRouterLogs(node.name)
  const restart = restartKubeRouter(node.name)
  for (const t of tuples) {
    const subject = subjectOf(t)
    const ipt = sourceValue(node, t.family === 4 ? 'iptables.txt' : 'ip6tables.txt')
    const source = t.family === 4 ? 'iptables.txt' : 'ip6tables.txt'

    // mangle MARK: MARK does not end the chain and --set-xmark v/0xffffffff overwrites, so the last rule decides
    let mark: number | null = null
    if (!ipt) {
      b.get('mangle-mark')!.add('unknown', [`${subject}: ${source} not captured`], [logs])
    } else {
      const pre = markRulesOf(ipt.rules, t, 'PREROUTING')
      const out = markRulesOf(ipt.rules, t, 'OUTPUT')
      const last = pre.at(-1) ?? null
      mark = last ? markOf(last) : null
      const evidence = [...pre, ...out].map((r) => r.text)
      if (!last || mark === null) {
        b.get('mangle-mark')!.add('fail', [`${subject}: no mangle PREROUTING rule -d ${t.ip} -p ${t.protocol} --dport ${t.port} -j MARK`, ...evidence], [logs, restart])
      } else {
        const n = rehashIndex(t, mark)
        const outMark = out.at(-1) ? markOf(out.at(-1)!) : null
        const problems: string[] = []
        if (n === null) problems.push(`${subject}: the last MARK rule sets ${mark} (${fwmarkHex(mark)}), not a mark kube-router gives this tuple (${t.fwmark} = ${fwmarkHex(t.fwmark)}, or a rehash after a collision)`)
        if (outMark !== mark) problems.push(`${subject}: OUTPUT ${outMark === null ? 'has no MARK rule' : `sets ${outMark} (${fwmarkHex(outMark)})`}, PREROUTING sets ${mark}`)
        const note = n !== null && n > 0 ? [`${subject}: mark ${mark} is kube-router's rehash #${n} after a collision (FNV mark ${t.fwmark})`] : []
        const foreign = [...pre, ...out].filter((r) => markOf(r) !== null && rehashIndex(t, markOf(r)!) === null)
        b.get('mangle-mark')!.add(problems.length ? 'fail' : 'pass', [...evidence, ...note, ...problems], [...foreign.map((r) => deleteCommand(r, t.family)), restart])
      }
    }
    const useMark = mark ?? t.fwmark

    // fwmark rule and table 78
    const rules = sourceValue(node, t.family === 4 ? 'ip-rule.json' : 'ip6-rule.json')
    if (!rules) b.get('fwmark-rule')!.add('unknown', [`${t.family === 4 ? 'ip-rule.json' : 'ip6-rule.json'} not captured`], [logs])
    else {
      const rule = rules.find((r) => r.fwmark === useMark && r.tableId === DSR_TABLE)
      if (rule) b.get('fwmark-rule')!.add('pass', [rule.text])
      else b.get('fwmark-rule')!.add('fail', [`${subject}: no rule \`fwmark ${fwmarkHex(useMark)} lookup 78\` (${t.family === 4 ? 'IPv4' : 'IPv6'})`], [logs, restart])
    }
    const routes = sourceValue(node, t.family === 4 ? 'ip-route.json' : 'ip6-route.json')
    if (!routes) b.get('table-78')!.add('unknown', [`${t.family === 4 ? 'ip-route.json' : 'ip6-route.json'} not captured`], [logs])
    else {
      const local = routes.find((r) => r.tableId === DSR_TABLE && r.type === 'local' && (r.dst === 'default' || r.dst === '0.0.0.0/0' || r.dst === '::/0') && r.dev === 'lo')
      if (local) b.get('table-78')!.add('pass', [local.text])
      else b.get('table-78')!.add('fail', [`no \`local default dev lo table 78\` (${t.family === 4 ? 'IPv4' : 'IPv6'})`, ...routes.filter((r) => r.tableId === DSR_TABLE).map((r) => r.text)], [`${ipCmd(t.family)} route replace local default dev lo table 78`, restart])
    }

    // IPVS FWM service
    if (!ipvs) b.get('ipvs-fwm-service')!.add('unknown', [`ipvsadm.txt not captured: ${node.sources['ipvsadm.txt'].present ? 'unreadable' : (node.sources['ipvsadm.txt'] as {reason: string}).reason}`], [logs])
    else {
      const fwm = ipvs.services.find((s) => s.protocol === 'FWM' && s.fwmark === useMark && (s.family ?? 4) === t.family)
      b.get('ipvs-fwm-service')!.add(...fwmVerdict(fwm ?? null, t, useMark, logs, restart))
    }

    // TCP MSS clamp (TCP only)
    if (t.protocol !== 'tcp') b.get('tcpmss-clamp')!.add('not-applicable', [])
    else if (ipt) {
      const clamp = ipt.rules.filter((r) => r.table === 'mangle' && r.chain === 'PREROUTING' && r.target === 'TCPMSS' && argValue(r, '-s') !== null && sameIp(hostOf(argValue(r, '-s')!), t.ip) && argValue(r, '--sport') === String(t.port) && argValue(r, '-i') === BRIDGE_IF)
      const want = expectedMss(node, nodeIp, t.family, version)
      const buggy = version !== null && isAffectedBy(version, 'dsr-tcpmss')
      const fix = buggy ? [`upgrade kube-router to ${knownBug('dsr-tcpmss').fixedIn} or later (${knownBug('dsr-tcpmss').title}; ${version!.text} is affected)`] : [restart]
      if (clamp.length === 0) {
        b.get('tcpmss-clamp')!.add('fail', [`${subject}: no mangle PREROUTING -s ${t.ip} -i kube-bridge -p tcp --sport ${t.port} -j TCPMSS rule${want.mss !== null ? ` (expected --set-mss ${want.mss}: ${want.why})` : ''}`], fix)
      } else {
        const value = Number(argValue(clamp.at(-1)!, '--set-mss'))
        if (want.mss === null) b.get('tcpmss-clamp')!.add('unknown', [...clamp.map((r) => r.text), `cannot tell the expected MSS: ${want.why}`])
        else if (value === want.mss) b.get('tcpmss-clamp')!.add('pass', [...clamp.map((r) => r.text)])
        else b.get('tcpmss-clamp')!.add('fail', [...clamp.map((r) => r.text), `${subject}: --set-mss ${value}, expected ${want.mss} (${want.why})`], fix)
      }
    } else b.get('tcpmss-clamp')!.add('unknown', [`${source} not captured`])

    // VIP off kube-dummy-if
    if (!links) b.get('vip-off-dummy')!.add('unknown', ['ip-addr.json not captured'])
    else {
      const dummy = links.find((l) => l.ifname === DUMMY_IF)
      const held = dummy?.addresses.find((a) => sameIp(a.local, t.ip))
      if (held) b.get('vip-off-dummy')!.add('fail', [`${t.ip}/${held.prefixlen} is on ${DUMMY_IF}: the node answers for it itself instead of through the FWM service`], [`${ipCmd(t.family)} addr del ${t.ip}/${held.prefixlen} dev ${DUMMY_IF}`, restart])
      else b.get('vip-off-dummy')!.add('pass', [`${t.ip} not on ${DUMMY_IF}`])
    }
  }

  // sloppy_tcp for Maglev (FM5): one host sysctl
  const scheduler = tuples[0]?.scheduler ?? 'rr'
  if (scheduler !== 'mh') b.get('sloppy-tcp')!.add('not-applicable', [`scheduler ${scheduler}`])
  else {
    const line = sysctl?.lines.get('net.ipv4.vs.sloppy_tcp')
    const value = sysctl?.values.get('net.ipv4.vs.sloppy_tcp')
    const fix = ['sysctl -w net.ipv4.vs.sloppy_tcp=1 on the node, and persist it: echo net.ipv4.vs.sloppy_tcp=1 > /etc/sysctl.d/90-ipvs-sloppy-tcp.conf']
    if (value === undefined) b.get('sloppy-tcp')!.add('unknown', ['net.ipv4.vs.sloppy_tcp not captured (IPVS sysctls not readable)'], fix)
    else if (value.trim() === '1') b.get('sloppy-tcp')!.add('pass', [line ?? `net.ipv4.vs.sloppy_tcp = ${value}`])
    else b.get('sloppy-tcp')!.add('fail', [line ?? `net.ipv4.vs.sloppy_tcp = ${value}`, `${serviceKey(svc)} uses mh: flows die on failover without sloppy_tcp (FM5)`], fix)
  }
  return DIRECTOR_CHECKS.map((id) => b.get(id)!.build())
}

function fwmVerdict(fwm: IpvsService | null, t: ProgrammedTuple, mark: number, logs: string, restart: string): [DsrNodeCheckStatus, string[], string[]] {
  const subject = subjectOf(t)
  if (!fwm) return ['fail', [`${subject}: no IPVS service FWM ${mark} (${t.family === 4 ? 'IPv4' : 'IPv6'})`], [logs, restart]]
  const evidence = [fwm.text, ...fwm.destinations.map((d) => d.text)]
  const want = t.director.ipvs.destinations
  const have = fwm.destinations
  const problems: string[] = []
  for (const d of have) if (d.forward !== 'Tunnel') problems.push(`${subject}: destination ${d.address}:${d.port} forwards by ${d.forward}, not Tunnel`)
  for (const w of want) if (!have.some((d) => sameIp(d.address, w.address) && d.port === w.port)) problems.push(`${subject}: ready endpoint ${w.address}:${w.port} is not a destination`)
  for (const d of have) if (!want.some((w) => sameIp(d.address, w.address) && d.port === w.port)) problems.push(`${subject}: destination ${d.address}:${d.port} is not a ready endpoint of the Service`)
  if (fwm.scheduler !== t.scheduler) evidence.push(`scheduler ${fwm.scheduler}, the Service asks for ${t.scheduler} (kube-router creates FWM services as rr and switches at a later sync)`)
  return problems.length ? ['fail', [...evidence, ...problems], [logs, restart]] : ['pass', evidence, []]
}

// ---------- endpoint side ----------

function tunnelIf(family: Family): string {
  return family === 4 ? 'kube-tunnel-if' : 'kube-tunnel-v6'
}

function endpointChecks(node: NodeState, tuples: ProgrammedTuple[], plan: DsrNodePlan): DsrNodeCheck[] {
  const tunnel = new CheckBuilder('pod-tunnel-if')
  const rp = new CheckBuilder('pod-rp-filter')
  if (plan.localEndpoints.length === 0) return [tunnel.build(), rp.build()]
  const source = node.sources['dsr-endpoints.txt']
  const state = sourceValue(node, 'dsr-endpoints.txt')
  const logs = kubeRouterLogs(node.name)
  const fix = [logs, 'check the DSR requirements of `kubectl kr dsr status` (container runtime endpoint, hostPID); kube-router sets the pod side up again at its next sync', restartKubeRouter(node.name)]
  if (!state) {
    const why = source.present ? 'dsr-endpoints.txt unreadable' : `dsr-endpoints.txt missing: ${source.reason}`
    tunnel.add('unknown', [why])
    rp.add('unknown', [why])
    return [tunnel.build(), rp.build()]
  }
  const ips = [...new Set(tuples.map((t) => t.ip))]
  for (const endpoint of plan.localEndpoints) {
    const family = parseIp(endpoint)!.family
    const vips = ips.filter((ip) => parseIp(ip)!.family === family)
    if (vips.length === 0) continue
    const pods = state.pods.filter((p) => p.ip === endpoint)
    if (pods.length === 0) {
      const why = state.notRead.get(endpoint) ?? (state.requested.includes(endpoint) ? 'no record' : 'not requested from the probe')
      tunnel.add('unknown', [`endpoint ${endpoint}: ${why}`], [`kubectl get pods -A -o wide --field-selector spec.nodeName=${node.name} | grep -w ${endpoint}`])
      rp.add('unknown', [`endpoint ${endpoint}: ${why}`])
      continue
    }
    for (const pod of pods) podChecks(pod, family, vips, tunnel, rp, fix)
  }
  return [tunnel.build(), rp.build()]
}

function podChecks(pod: DsrEndpointPod, family: Family, vips: string[], tunnel: CheckBuilder, rp: CheckBuilder, fix: string[]): void {
  const name = tunnelIf(family)
  const who = `endpoint ${pod.ip} (pid ${pod.pid ?? '?'}, ${pod.netns ?? '?'})`
  const errors = pod.errors.map((e) => `${who}: ${e}`)
  const link = pod.links.find((l) => l.ifname === name)
  if (!link) {
    tunnel.add(pod.links.length ? 'fail' : 'unknown', [`${who}: no ${name} in the pod`, ...errors], fix)
  } else {
    for (const vip of vips) {
      const held = pod.addresses.find((a) => a.ifname === name && sameIp(a.address, vip))
      if (held) tunnel.add('pass', [`${who}: ${link.line}`, `${who}: ${held.line}`])
      else tunnel.add('fail', [`${who}: ${link.line}`, `${who}: ${vip} is not on ${name}`, ...pod.addresses.filter((a) => a.ifname === name).map((a) => `${who}: ${a.line}`)], fix)
    }
  }
  if (family === 6) {
    rp.add('not-applicable', [`${who}: IPv6 has no rp_filter`])
    return
  }
  const all = pod.rpFilter.get('all')
  const tif = pod.rpFilter.get(name)
  const evidence = [all, tif, pod.rpFilter.get('eth0')].filter((x) => x !== undefined).map((x) => `${who}: ${x!.line}`)
  if (!all || (!tif && link)) {
    rp.add('unknown', [...evidence, `${who}: rp_filter of ${!all ? 'all' : name} not read`, ...errors])
    return
  }
  if (!link) {
    rp.add('unknown', [...evidence, `${who}: no ${name}, so its rp_filter cannot be read`])
    return
  }
  // the kernel uses the larger of conf.all and conf.<interface>
  const bad = [all, tif!].filter((x) => x.value.trim() !== '0')
  if (bad.length === 0) rp.add('pass', evidence)
  else rp.add('fail', [...evidence, `${who}: rp_filter must be 0 on all and ${name}: replies to the DSR IP arriving on ${name} are dropped otherwise`], fix)
}

// ---------- disabled ----------

function disabledChecks(node: NodeState, tuples: ProgrammedTuple[]): DsrNodeCheck[] {
  const gone = new CheckBuilder('fwm-service-gone')
  const normal = new CheckBuilder('served-normally')
  const ipvs = sourceValue(node, 'ipvsadm.txt')
  const links = sourceValue(node, 'ip-addr.json')
  const restart = restartKubeRouter(node.name)
  for (const t of tuples) {
    const subject = subjectOf(t)
    const rules = sourceValue(node, t.family === 4 ? 'ip-rule.json' : 'ip6-rule.json') ?? []
    const stale = rules.filter((r) => r.fwmark === t.fwmark && r.tableId === DSR_TABLE).map((r) => `${r.text}   (stale fwmark rule: kube-router never deletes them; harmless)`)
    if (!ipvs) {
      gone.add('unknown', ['ipvsadm.txt not captured'])
      normal.add('unknown', ['ipvsadm.txt not captured'])
      continue
    }
    const fwm = ipvs.services.find((s) => s.protocol === 'FWM' && s.fwmark === t.fwmark && (s.family ?? 4) === t.family)
    if (fwm) gone.add('fail', [`${subject}: ${fwm.text}`, ...fwm.destinations.map((d) => d.text), ...stale], [kubeRouterLogs(node.name), restart])
    else gone.add('pass', [`${subject}: no FWM ${t.fwmark} service`, ...stale])
    const plain = ipvs.services.find((s) => s.protocol.toLowerCase() === t.protocol && s.address !== null && sameIp(s.address, t.ip) && s.port === t.port)
    const onDummy = links?.find((l) => l.ifname === DUMMY_IF)?.addresses.find((a) => sameIp(a.local, t.ip))
    const problems: string[] = []
    if (!plain) problems.push(`${subject}: no IPVS service ${t.protocol.toUpperCase()} ${t.family === 6 ? `[${t.ip}]` : t.ip}:${t.port}`)
    if (links && !onDummy) problems.push(`${t.ip} is not on ${DUMMY_IF}`)
    const evidence = [plain ? plain.text : null, ...(plain?.destinations.map((d) => d.text) ?? []), onDummy ? `${DUMMY_IF}: ${t.ip}/${onDummy.prefixlen}` : null].filter((x): x is string => x !== null)
    if (problems.length) normal.add('fail', [...evidence, ...problems], [kubeRouterLogs(node.name), restart])
    else if (!links) normal.add('unknown', [...evidence, 'ip-addr.json not captured'])
    else normal.add('pass', evidence)
  }
  return [gone.build(), normal.build()]
}

export {DIRECTOR_CHECKS, ENDPOINT_CHECKS, DISABLED_CHECKS}
