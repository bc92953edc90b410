// A kube-router emulator for the test cluster: after `delayMs` (and again after every change of the store's
// Services, EndpointSlices or the kube-router DaemonSet) it reconciles the netns nodes the way kube-router's
// service proxy programs them (kube-router-facts.md §3.1, accuracy-audit.md §1.2, `setupExternalIPForDSRService`
// @ v2.11.1):
//
//   DSR Service (kube-router.io/service.dsr=tunnel), per external/LB IP and port:
//     mangle PREROUTING + OUTPUT `-d IP -p PROTO --dport PORT -j MARK --set-mark MARK` (FNV-1a mark, rehashed on a
//     collision in this node's in-memory map as kube-router does), TCP: PREROUTING
//     `-s IP -i kube-bridge -p tcp --sport PORT --tcp-flags SYN,RST SYN -j TCPMSS --set-mss MTU-60|-100`,
//     `32764: fwmark MARK lookup 78`, table 78 `local default dev lo`, the IP removed from kube-dummy-if, an IPVS
//     FWM service with Tunnel destinations = the ready endpoints (written into the recorded-format `ipvsadm -Ln`
//     text the fake ipvsadm prints), and for each ready endpoint on the node a network namespace standing for the
//     endpoint pod: eth0 with the pod IP, kube-tunnel-if (IPv4) / kube-tunnel-v6 (IPv6) holding the IP, rp_filter 0
//     on all, eth0 and kube-tunnel-if, and a process living in it (found by the probe through /proc: each node gets a
//     directory of links to its pods' /proc entries, KR_PROBE_PROC, standing for the node's own /proc).
//   Other Services: the cluster and external IPs on kube-dummy-if, IPVS `PROTO IP:PORT` services with Masq
//     destinations (NodePorts on the node IPs).
//   Only nodes with a kube-router pod (label k8s-app=kube-router in kube-system), when there are such pods.
//   ETP Local (or kube-router.io/service.local): external IPs only on nodes with a ready local endpoint.
//   From v2.8.0 strict external-IP validation (default on) drops IPs outside --service-external-ip-range /
//   --loadbalancer-ip-range or inside --service-cluster-ip-range.
//
// Removing the annotation undoes the DSR programming but for the fwmark rules (kube-router never deletes them).
// kube-tunnel-if is a veth here: this kernel has no ipip (nor dummy) link type; the probe only reads its name and
// addresses. Version-dependent behaviour follows the DaemonSet image: before v2.1.3 no TCPMSS clamp (the outcome of
// KNOWN_BUGS dsr-tcpmss: kube-router itself wrote an older per-IP form, which a Service sharing the IP deleted), before
// v2.7.0 the IPv6 MSS is MTU-60, from v2.6.0 sloppy_tcp=1 for mh (into KR_PROBE_IPVS_SYSCTL).
//
// Faults: 'never-programs' (reconciles nothing), {kind: 'some-nodes', nodes} (only those), 'wrong-mark' (the MARK
// rules set another mark than the fwmark rule and the FWM service use), 'pod-side-fails' (no kube-tunnel-if in the
// endpoint pods: "unable to setup DSR receiver inside pod"), 'broken-version' (the DaemonSet image and the nodes'
// kube-router become v2.1.2, which has the dsr-tcpmss bug, and the emulator behaves as it: no TCPMSS clamp).
import {spawn, type ChildProcess} from 'node:child_process'
import {copyFile, mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {deleteNetns, NETNS_PREFIX, RECORDED_DIR, run, uniqueNetnsName} from '../helpers/netns.js'
import type {Store} from './store.js'
import type {HarnessNode} from './types.js'

export type KubeRouterEmulatorFault = 'never-programs' | {kind: 'some-nodes'; nodes: string[]} | 'wrong-mark' | 'pod-side-fails' | 'broken-version'

export interface KubeRouterEmulatorOptions {
  /** from a change to the programming; default 300 ms */
  delayMs?: number
  fault?: KubeRouterEmulatorFault
  /** its working directory (kept at close); default a fresh temp dir, removed at close. The node's stand-in for
   * /proc is emulatorProcDir(dir, node): a cluster that must give its probe pods KR_PROBE_PROC before the emulator
   * starts (the lab) points it there. */
  dir?: string
}

/** What the emulator reads from the cluster: the test API server's Store, or test/lab/api-mirror.ts for the lab. */
export type EmulatorStore = Pick<Store, 'list' | 'subscribe' | 'mutate'>

/** The directory standing for a node's /proc (KR_PROBE_PROC of its probe pods) under the emulator's dir. */
export function emulatorProcDir(dir: string, node: string): string {
  return path.join(dir, node, 'proc')
}

/** The version 'broken-version' switches to: in KNOWN_BUGS dsr-tcpmss [v2.0.0, v2.1.3). */
export const BROKEN_DSR_VERSION = 'v2.1.2'

type Obj = Record<string, any>
type Family = 4 | 6
type NetnsNode = HarnessNode & {runtime: Extract<HarnessNode['runtime'], {kind: 'netns'}>}

const DSR_ANNOTATION = 'kube-router.io/service.dsr'
const FWMARK_PRIORITY = '32764'
const DSR_TABLE = '78'

// ---------- kube-router's arithmetic (written from its source, not from src/) ----------

function fnv1a32(text: string): number {
  let h = 0x811c9dc5
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** `generateUniqueFWMark`: FNV-1a of "ip-proto-port" & 0x3fff; taken by another key -> "ip-proto-port-n". */
function uniqueMark(marks: Map<number, string>, key: string): number {
  for (let n = 0; ; n++) {
    const mark = fnv1a32(n === 0 ? key : `${key}-${n}`) & 0x3fff
    const holder = marks.get(mark)
    if (holder === undefined || holder === key) {
      marks.set(mark, key)
      return mark
    }
  }
}

function versionOf(image: string | undefined): [number, number, number] | null {
  const m = /:v?(\d+)\.(\d+)\.(\d+)/.exec(image ?? '')
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null
}

function atLeast(v: [number, number, number] | null, major: number, minor: number, patch: number): boolean {
  if (!v) return true
  return v[0] !== major ? v[0] > major : v[1] !== minor ? v[1] > minor : v[2] >= patch
}

function familyOf(ip: string): Family {
  return ip.includes(':') ? 6 : 4
}

function hostLen(ip: string): string {
  return familyOf(ip) === 6 ? '128' : '32'
}

// ---------- what the node should hold ----------

interface Tuple {
  service: string
  ip: string
  protocol: 'tcp' | 'udp' | 'sctp'
  port: number
  scheduler: string
  flags: string[]
  /** ready endpoints of the tuple's family: address, port, node */
  endpoints: {address: string; port: number; node: string | null}[]
}

interface Desired {
  /** DSR tuples the node programs */
  dsr: Tuple[]
  /** ordinary IPVS services: protocol, address, port, scheduler, destinations */
  plain: {protocol: string; ip: string; port: number; scheduler: string; flags: string[]; endpoints: {address: string; port: number}[]}[]
  /** IPs on kube-dummy-if */
  dummy: Set<string>
  /** endpoint pods on this node: pod IP -> the DSR IPs its tunnel interfaces hold */
  pods: Map<string, Set<string>>
}

function isProxied(svc: Obj): boolean {
  const labels = svc.metadata?.labels ?? {}
  const proxy = labels['service.kubernetes.io/service-proxy-name']
  if ((proxy !== undefined && proxy !== 'kube-router') || 'service.kubernetes.io/headless' in labels) return false
  if (svc.spec?.type === 'ExternalName') return false
  const ip = svc.spec?.clusterIP
  return !(ip === undefined || ip === '' || ip === 'None')
}

function schedulerOf(svc: Obj): string {
  const s = svc.metadata?.annotations?.['kube-router.io/service.scheduler']
  return ['rr', 'lc', 'dh', 'sh', 'mh'].includes(s) ? s : 'rr'
}

function schedFlags(svc: Obj): string[] {
  if (schedulerOf(svc) !== 'mh') return []
  const names: Record<string, string> = {'flag-1': 'mh-fallback', 'flag-2': 'mh-port', 'flag-3': 'flag-3'}
  return String(svc.metadata?.annotations?.['kube-router.io/service.schedflags'] ?? '').split(',').map((f) => names[f.trim()]).filter(Boolean)
}

/** externalIPs and LB ingress IPs; with strict validation (v2.8.0+, default on) those outside the ranges are dropped. */
function externalIps(svc: Obj, flags: EmulatedFlags | null): string[] {
  const ok = (ip: string, ranges: string[]) => !flags || !flags.strict || (ranges.some((r) => inCidr(ip, r)) && !flags.clusterIpRanges.some((r) => inCidr(ip, r)))
  const out: string[] = (svc.spec?.externalIPs ?? []).filter((ip: string) => ok(ip, flags?.externalIpRanges ?? []))
  if (!('kube-router.io/service.skiplbips' in (svc.metadata?.annotations ?? {}))) {
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip && ing.ipMode !== 'Proxy' && ok(ing.ip, flags?.lbIpRanges ?? [])) out.push(ing.ip)
  }
  return out
}

function ipBits(ip: string): bigint | null {
  if (ip.includes(':')) {
    const [head, tail] = ip.split('::')
    const parts = (x: string) => (x ? x.split(':') : [])
    const h = parts(head)
    const t = tail === undefined ? [] : parts(tail)
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
    if (groups.length !== 8) return null
    return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n)
  }
  const o = ip.split('.').map(Number)
  return o.length === 4 ? o.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n) : null
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split('/')
  if (familyOf(net) !== familyOf(ip)) return false
  const width = familyOf(ip) === 6 ? 128n : 32n
  const a = ipBits(ip)
  const b = ipBits(net)
  if (a === null || b === null) return false
  const shift = width - BigInt(Number(len ?? width))
  return a >> shift === b >> shift
}

/** kube-router's DaemonSet flags the emulator honours (strict external-IP validation, v2.8.0+). */
export interface EmulatedFlags {
  strict: boolean
  externalIpRanges: string[]
  lbIpRanges: string[]
  clusterIpRanges: string[]
}

function flagsOf(args: string[]): EmulatedFlags {
  const values = (name: string) => args.filter((a) => a.startsWith(`--${name}=`)).flatMap((a) => a.slice(name.length + 3).split(',')).filter(Boolean)
  const strict = args.find((a) => a.startsWith('--strict-external-ip-validation'))
  return {
    strict: strict === undefined || !/=false$/.test(strict),
    externalIpRanges: values('service-external-ip-range'),
    lbIpRanges: values('loadbalancer-ip-range'),
    clusterIpRanges: values('service-cluster-ip-range'),
  }
}

function readyEndpoints(slices: Obj[], svc: Obj, port: Obj): {address: string; port: number; node: string | null}[] {
  const out: {address: string; port: number; node: string | null}[] = []
  const protocol = port.protocol ?? 'TCP'
  for (const slice of slices) {
    if (slice.metadata?.namespace !== svc.metadata.namespace || slice.metadata?.labels?.['kubernetes.io/service-name'] !== svc.metadata.name) continue
    const sp = (slice.ports ?? []).find((p: Obj) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === protocol)
    if (sp?.port === undefined) continue
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue
      for (const address of ep.addresses ?? []) out.push({address, port: sp.port, node: ep.nodeName ?? null})
    }
  }
  return out
}

function desiredFor(node: NetnsNode, services: Obj[], slices: Obj[], marks: Map<number, string>, nodeIps: string[], krFlags: EmulatedFlags | null): Desired {
  const d: Desired = {dsr: [], plain: [], dummy: new Set(), pods: new Map()}
  for (const svc of services) {
    if (!isProxied(svc)) continue
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`
    const local = svc.spec?.externalTrafficPolicy === 'Local' || svc.metadata?.annotations?.['kube-router.io/service.local'] === 'true'
    const dsr = svc.metadata?.annotations?.[DSR_ANNOTATION] === 'tunnel'
    const scheduler = schedulerOf(svc)
    const flags = schedFlags(svc)
    for (const port of svc.spec?.ports ?? []) {
      const protocol = String(port.protocol ?? 'TCP').toLowerCase() as Tuple['protocol']
      const endpoints = readyEndpoints(slices, svc, port)
      const hasLocal = endpoints.some((e) => e.node === node.name)
      for (const ip of svc.spec?.clusterIPs ?? [svc.spec.clusterIP]) {
        d.dummy.add(ip)
        d.plain.push({protocol, ip, port: port.port, scheduler, flags, endpoints: endpoints.filter((e) => familyOf(e.address) === familyOf(ip))})
      }
      if (port.nodePort && (svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer')) {
        for (const ip of nodeIps) d.plain.push({protocol, ip, port: port.nodePort, scheduler, flags, endpoints: endpoints.filter((e) => familyOf(e.address) === familyOf(ip))})
      }
      if (local && !hasLocal) continue // setupExternalIPServices skips the external IPs here
      for (const ip of externalIps(svc, krFlags)) {
        const eps = endpoints.filter((e) => familyOf(e.address) === familyOf(ip) && (!local || e.node === node.name))
        if (!dsr) {
          d.dummy.add(ip)
          d.plain.push({protocol, ip, port: port.port, scheduler, flags, endpoints: eps})
          continue
        }
        uniqueMark(marks, `${ip}-${protocol}-${port.port}`)
        d.dsr.push({service: key, ip, protocol, port: port.port, scheduler, flags, endpoints: eps})
        for (const e of eps) {
          if (e.node !== node.name) continue
          if (!d.pods.has(e.address)) d.pods.set(e.address, new Set())
          d.pods.get(e.address)!.add(ip)
        }
      }
    }
  }
  for (const t of d.dsr) d.dummy.delete(t.ip)
  return d
}

// ---------- ipvsadm -Ln text ----------

function hostPort(ip: string, port: number): string {
  return familyOf(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`
}

function destinationLine(address: string, port: number, forward: string): string {
  return `  -> ${hostPort(address, port).padEnd(28)}${forward.padEnd(8)}1      0          0         `
}

function ipvsadmText(d: Desired, markOf: (t: Tuple) => number): string {
  const lines = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn']
  const seen = new Set<string>()
  const order = ['tcp', 'udp', 'sctp']
  const plain = [...d.plain].sort((a, b) => order.indexOf(a.protocol) - order.indexOf(b.protocol) || familyOf(a.ip) - familyOf(b.ip) || a.ip.localeCompare(b.ip, 'en', {numeric: true}) || a.port - b.port)
  for (const s of plain) {
    const key = `${s.protocol}|${s.ip}|${s.port}`
    if (seen.has(key)) continue
    seen.add(key)
    lines.push(`${s.protocol.toUpperCase()}  ${hostPort(s.ip, s.port)} ${s.scheduler}${s.flags.length ? ` (${s.flags.join(',')})` : ''}`)
    for (const e of s.endpoints) lines.push(destinationLine(e.address, e.port, 'Masq'))
  }
  const fwm = [...d.dsr].sort((a, b) => markOf(a) - markOf(b))
  const marks = new Set<number>()
  for (const t of fwm) {
    const mark = markOf(t)
    if (marks.has(mark)) continue
    marks.add(mark)
    lines.push(`FWM  ${mark}${familyOf(t.ip) === 6 ? ' IPv6' : ''} ${t.scheduler}${t.flags.length ? ` (${t.flags.join(',')})` : ''}`)
    for (const e of t.endpoints) lines.push(destinationLine(e.address, e.port, 'Tunnel'))
  }
  return `${lines.join('\n')}\n`
}

// ---------- per node state ----------

interface EndpointPod {
  ns: string
  proc: ChildProcess
  pid: number
  /** DSR IPs on its tunnel interfaces */
  vips: Set<string>
  tunnels: boolean
}

interface NodeState {
  node: NetnsNode
  /** kube-router's in-memory fwmark map (lives as long as the kube-router pod) */
  marks: Map<number, string>
  /** mangle rules the emulator added: "family|chain|args" */
  mangle: Set<string>
  /** IPs the emulator put on kube-dummy-if */
  dummyAdded: Set<string>
  pods: Map<string, EndpointPod>
  procDir: string
  backend: 'nft' | 'legacy' | null
}

export class KubeRouterEmulator {
  private readonly delayMs: number
  private readonly nodes: NodeState[] = []
  private readonly unsubscribe: (() => void)[] = []
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> = Promise.resolve()
  private closed = false
  private dir = ''
  /** completed reconciliations (tests wait for a count) */
  reconciliations = 0
  /** the last reconciliation's failure, if any (a test should see it, not a silent emulator) */
  lastError: Error | null = null

  constructor(
    private readonly store: EmulatorStore,
    harnessNodes: Map<string, HarnessNode>,
    private readonly opts: KubeRouterEmulatorOptions,
  ) {
    this.delayMs = opts.delayMs ?? 300
    for (const n of harnessNodes.values()) {
      if (n.runtime.kind !== 'netns') continue
      this.nodes.push({node: n as NetnsNode, marks: new Map(), mangle: new Set(), dummyAdded: new Set(), pods: new Map(), procDir: '', backend: null})
    }
  }

  async start(): Promise<void> {
    this.dir = this.opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), `${NETNS_PREFIX}kr-emulator-${process.pid}-`)))
    for (const n of this.nodes) {
      n.procDir = emulatorProcDir(this.dir, n.node.name)
      await mkdir(n.procDir, {recursive: true})
      // the probe looks for endpoint pods' processes here (the node's own /proc in a real cluster)
      n.node.runtime.env.KR_PROBE_PROC = n.procDir
    }
    if (this.opts.fault === 'broken-version') await this.installBrokenVersion()
    for (const resource of ['services', 'endpointslices', 'daemonsets']) this.unsubscribe.push(this.store.subscribe(resource, () => this.schedule()))
    this.schedule()
  }

  /** Resolves once no reconciliation is pending or running. */
  async settled(): Promise<void> {
    for (;;) {
      const current = this.running
      await current
      if (this.timer === null && current === this.running) return
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  async close(): Promise<void> {
    this.closed = true
    for (const u of this.unsubscribe) u()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running.catch(() => {})
    for (const n of this.nodes) for (const ip of [...n.pods.keys()]) await this.removePod(n, ip)
    if (this.dir && !this.opts.dir) await rm(this.dir, {recursive: true, force: true})
  }

  private schedule(): void {
    if (this.closed || this.opts.fault === 'never-programs') return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      this.running = this.running.then(() => this.reconcileAll()).catch((e: Error) => {
        this.lastError = e
      })
    }, this.delayMs)
  }

  private async installBrokenVersion(): Promise<void> {
    for (const ds of this.store.list('daemonsets', 'kube-system')) {
      this.store.mutate('daemonsets', 'kube-system', ds.metadata.name, (o: Obj) => {
        for (const c of o.spec?.template?.spec?.containers ?? []) if (String(c.image ?? '').includes('kube-router')) c.image = String(c.image).replace(/:[^:/]+$/, `:${BROKEN_DSR_VERSION}`)
      })
    }
    for (const n of this.nodes) {
      await copyFile(path.join(RECORDED_DIR, `kube-router-version-${BROKEN_DSR_VERSION}.txt`), path.join(n.node.runtime.binDir, 'kube-router-version.txt'))
    }
  }

  private container(): Obj | undefined {
    for (const ds of this.store.list('daemonsets')) {
      for (const c of (ds as Obj).spec?.template?.spec?.containers ?? []) if (String(c.image ?? '').includes('kube-router')) return c
    }
    return undefined
  }

  private async reconcileAll(): Promise<void> {
    if (this.closed) return
    const services = this.store.list('services') as Obj[]
    const slices = this.store.list('endpointslices') as Obj[]
    const container = this.container()
    const version = versionOf(container?.image)
    const flags = atLeast(version, 2, 8, 0) ? flagsOf([...(container?.command ?? []), ...(container?.args ?? [])]) : null
    const fault = this.opts.fault
    // kube-router runs where its DaemonSet has a pod (when the cluster has kube-router pods at all)
    const pods = (this.store.list('pods', 'kube-system') as Obj[]).filter((p) => p.metadata?.labels?.['k8s-app'] === 'kube-router')
    for (const n of this.nodes) {
      if (typeof fault === 'object' && fault.kind === 'some-nodes' && !fault.nodes.includes(n.node.name)) continue
      if (pods.length && !pods.some((p) => p.spec?.nodeName === n.node.name)) continue
      await this.reconcileNode(n, services, slices, version, flags)
    }
    this.reconciliations++
  }

  private ns(n: NodeState, argv: string[], allowFailure = false) {
    return run(['ip', 'netns', 'exec', n.node.runtime.ns, ...argv], {allowFailure})
  }

  private async reconcileNode(n: NodeState, services: Obj[], slices: Obj[], version: [number, number, number] | null, flags: EmulatedFlags | null): Promise<void> {
    const nodeIps = (n.node.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address)
    const d = desiredFor(n.node, services, slices, n.marks, nodeIps, flags)
    const markOf = (t: Tuple) => uniqueMark(n.marks, `${t.ip}-${t.protocol}-${t.port}`)
    n.backend ??= await this.backendOf(n)

    // mangle: MARK (+ TCPMSS) per DSR tuple
    const mtu = await this.nodeMtu(n, nodeIps)
    const want = new Set<string>()
    for (const t of d.dsr) {
      const fam = familyOf(t.ip)
      const mark = this.opts.fault === 'wrong-mark' ? (markOf(t) + 1) & 0x3fff : markOf(t)
      const match = ['-d', `${t.ip}/${hostLen(t.ip)}`, '-p', t.protocol, '-m', t.protocol, '--dport', String(t.port), '-j', 'MARK', '--set-mark', String(mark)]
      want.add(`${fam}|PREROUTING|${match.join(' ')}`)
      want.add(`${fam}|OUTPUT|${match.join(' ')}`)
      // TCPMSS from v2.1.3 on (KNOWN_BUGS dsr-tcpmss); IPv6 MTU-100 from v2.7.0 (#1995)
      if (t.protocol === 'tcp' && atLeast(version, 2, 1, 3)) {
        const mss = mtu - (fam === 6 && atLeast(version, 2, 7, 0) ? 100 : 60)
        want.add(`${fam}|PREROUTING|${['-s', `${t.ip}/${hostLen(t.ip)}`, '-i', 'kube-bridge', '-p', 'tcp', '-m', 'tcp', '--sport', String(t.port), '--tcp-flags', 'SYN,RST', 'SYN', '-j', 'TCPMSS', '--set-mss', String(mss)].join(' ')}`)
      }
    }
    for (const rule of [...n.mangle]) {
      if (want.has(rule)) continue
      await this.mangle(n, rule, '-D')
      n.mangle.delete(rule)
    }
    for (const rule of want) {
      if (n.mangle.has(rule)) continue
      await this.mangle(n, rule, '-A')
      n.mangle.add(rule)
    }

    // fwmark rules (never deleted) and table 78
    for (const fam of [4, 6] as Family[]) {
      const tuples = d.dsr.filter((t) => familyOf(t.ip) === fam)
      if (tuples.length === 0) continue
      await this.ns(n, ['ip', `-${fam}`, 'route', 'replace', 'local', 'default', 'dev', 'lo', 'table', DSR_TABLE])
      const rules = (await this.ns(n, ['ip', `-${fam}`, 'rule', 'show'])).stdout
      for (const t of tuples) {
        const hex = `0x${markOf(t).toString(16)}`
        if (new RegExp(`fwmark ${hex} lookup (78|kube-router-dsr)\\b`).test(rules)) continue
        await this.ns(n, ['ip', `-${fam}`, 'rule', 'add', 'priority', FWMARK_PRIORITY, 'fwmark', hex, 'lookup', DSR_TABLE])
      }
    }

    // kube-dummy-if: DSR IPs off, the others on
    const held = await this.dummyAddresses(n)
    for (const ip of held) {
      if (d.dummy.has(ip)) continue
      if (d.dsr.some((t) => t.ip === ip) || n.dummyAdded.has(ip)) {
        await this.ns(n, ['ip', 'addr', 'del', `${ip}/${hostLen(ip)}`, 'dev', 'kube-dummy-if'], true)
        n.dummyAdded.delete(ip)
      }
    }
    for (const ip of d.dummy) {
      if (held.has(ip)) continue
      await this.ns(n, ['ip', 'addr', 'add', `${ip}/${hostLen(ip)}`, 'dev', 'kube-dummy-if', 'scope', 'link'])
      n.dummyAdded.add(ip)
    }

    // IPVS as the fake ipvsadm prints it
    await writeFile(path.join(n.node.runtime.binDir, 'ipvsadm-Ln.txt'), ipvsadmText(d, markOf))

    // sloppy_tcp for DSR + mh from v2.6.0 (FM5)
    const sysctlDir = n.node.runtime.env.KR_PROBE_IPVS_SYSCTL
    if (sysctlDir && atLeast(version, 2, 6, 0) && d.dsr.some((t) => t.scheduler === 'mh')) await writeFile(path.join(sysctlDir, 'sloppy_tcp'), '1\n')

    // endpoint pods
    for (const ip of [...n.pods.keys()]) if (!d.pods.has(ip)) await this.removePod(n, ip)
    for (const [ip, vips] of d.pods) await this.ensurePod(n, ip, vips)
  }

  private async backendOf(n: NodeState): Promise<'nft' | 'legacy'> {
    const nft = await this.ns(n, ['iptables-nft-save'], true)
    return nft.stdout.includes(':KUBE-ROUTER') ? 'nft' : 'legacy'
  }

  private async mangle(n: NodeState, rule: string, op: '-A' | '-D'): Promise<void> {
    const [fam, chain, args] = rule.split('|')
    const tool = `${fam === '6' ? 'ip6tables' : 'iptables'}-${n.backend}`
    await this.ns(n, [tool, '-t', 'mangle', op, chain, ...args.split(' ')], op === '-D')
  }

  private async nodeMtu(n: NodeState, nodeIps: string[]): Promise<number> {
    const links = JSON.parse((await this.ns(n, ['ip', '-j', 'addr', 'show'])).stdout) as Obj[]
    const link = links.find((l) => (l.addr_info ?? []).some((a: Obj) => nodeIps.includes(a.local)))
    return link?.mtu ?? 1500
  }

  private async dummyAddresses(n: NodeState): Promise<Set<string>> {
    const r = await this.ns(n, ['ip', '-j', 'addr', 'show', 'dev', 'kube-dummy-if'], true)
    if (r.exitCode !== 0) return new Set()
    const links = JSON.parse(r.stdout) as Obj[]
    return new Set(links.flatMap((l) => (l.addr_info ?? []).filter((a: Obj) => a.scope !== 'link' || !String(a.local).startsWith('fe80')).map((a: Obj) => String(a.local))))
  }

  private async ensurePod(n: NodeState, podIp: string, vips: Set<string>): Promise<void> {
    let pod = n.pods.get(podIp)
    const fam = familyOf(podIp)
    const tunnel = fam === 4 ? 'kube-tunnel-if' : 'kube-tunnel-v6'
    const pip = (ns: string, ...args: string[]) => run(['ip', '-n', ns, ...args])
    if (!pod) {
      const ns = uniqueNetnsName('kr-ep')
      await run(['ip', 'netns', 'add', ns])
      try {
        await pip(ns, 'link', 'set', 'lo', 'up')
        await pip(ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer')
        await pip(ns, 'link', 'set', 'eth0', 'up')
        await pip(ns, 'link', 'set', 'eth0-peer', 'up')
        await pip(ns, ...(fam === 6 ? ['-6'] : []), 'addr', 'add', `${podIp}/${fam === 6 ? 64 : 24}`, 'dev', 'eth0', ...(fam === 6 ? ['nodad'] : []))
        const proc = spawn('ip', ['netns', 'exec', ns, 'sleep', 'infinity'], {stdio: 'ignore', detached: true})
        await new Promise<void>((resolve, reject) => {
          proc.once('spawn', () => resolve())
          proc.once('error', reject)
        })
        proc.unref()
        pod = {ns, proc, pid: proc.pid!, vips: new Set(), tunnels: false}
        await symlink(`/proc/${pod.pid}`, path.join(n.procDir, String(pod.pid)))
        n.pods.set(podIp, pod)
      } catch (error) {
        await deleteNetns(ns).catch(() => {})
        throw error
      }
    }
    if (this.opts.fault === 'pod-side-fails') return // "unable to setup DSR receiver inside pod": nothing inside
    if (!pod.tunnels) {
      // configureContainerForDSR: the tunnel interface up, rp_filter 0 on it, eth0 and all
      await pip(pod.ns, 'link', 'add', tunnel, 'type', 'veth', 'peer', 'name', `${tunnel.slice(0, 11)}-pr`)
      await pip(pod.ns, 'link', 'set', tunnel, 'up')
      await run(['ip', 'netns', 'exec', pod.ns, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0', ...(fam === 4 ? [`net.ipv4.conf.${tunnel}.rp_filter=0`] : [])])
      pod.tunnels = true
    }
    for (const vip of vips) {
      if (pod.vips.has(vip) || familyOf(vip) !== fam) continue
      await pip(pod.ns, ...(fam === 6 ? ['-6'] : []), 'addr', 'add', `${vip}/${hostLen(vip)}`, 'dev', tunnel, ...(fam === 6 ? ['nodad'] : []))
      pod.vips.add(vip)
    }
    for (const vip of [...pod.vips]) {
      if (vips.has(vip)) continue
      await pip(pod.ns, 'addr', 'del', `${vip}/${hostLen(vip)}`, 'dev', tunnel)
      pod.vips.delete(vip)
    }
  }

  private async removePod(n: NodeState, podIp: string): Promise<void> {
    const pod = n.pods.get(podIp)
    if (!pod) return
    n.pods.delete(podIp)
    await rm(path.join(n.procDir, String(pod.pid)), {force: true})
    try {
      process.kill(pod.pid, 'SIGKILL')
    } catch {
      // already gone
    }
    await deleteNetns(pod.ns).catch(() => {})
  }

  /** The directory standing for the node's /proc (KR_PROBE_PROC of its probe pods). */
  procDir(node: string): string | undefined {
    return this.nodes.find((x) => x.node.name === node)?.procDir
  }

  /** The endpoint pods the emulator runs on a node: pod IP -> network namespace and pid (for tests). */
  endpointPods(node: string): {ip: string; ns: string; pid: number}[] {
    const n = this.nodes.find((x) => x.node.name === node)
    return n ? [...n.pods].map(([ip, p]) => ({ip, ns: p.ns, pid: p.pid})) : []
  }
}
