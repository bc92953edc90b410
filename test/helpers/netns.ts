// Real kernel state for tests: network namespaces built to look like kube-router nodes.
//
// Needs root (ip netns, ipset, iptables). Every namespace is named
// `kr-<purpose>-<pid>-<n>` and every temp dir `kr-<purpose>-<pid>-XXXXXX`, so
// `cleanupStale()` can remove what a killed test run left behind.
//
// This kernel has no IPVS and no `dummy` link type: `kube-dummy-if` and
// `kube-bridge` are veth ends (their peers, `kr-dummy-peer` / `kr-bridge-peer`, sit
// in the same namespace), and `ipvsadm` is a fake that prints a recorded
// `ipvsadm -Ln` (test/fixtures/recorded). Put a scenario's `binDir` first in PATH
// (`scenario.probeEnv` does) to get the fakes.
//
// Every node (index i, default 1 = node-a): eth0 192.168.56.(10+i)/24, fd00:56::(10+i)/64,
// fe80::(10+i)/64, default routes via 192.168.56.1 / fd00:56::1 and the pod range via them (proto 17); kube-bridge 10.244.i.1/24,
// fd00:10:244:i::1/64; fixed MACs, no generated link-locals; ip_forward and IPv6 forwarding 1,
// arp_ignore 1, arp_announce 2; table 78 `local default dev lo` (both families); ipsets of
// kube-router-facts §5.1; KUBE-ROUTER-SERVICES + INPUT jump in iptables and ip6tables.
//
//   scenario  version  what is special
//   healthy   v2.11.1  all as it should be; networkd active with a drop-in setting both Manage*=no
//   seed001   v2.1.2   FM2: IPv6 VIPs (fd00:10:96::1, ::a) keep the kernel's proto-kernel routes
//   seed002   v2.1.2   FM3: inet6:kube-router-local-ips empty, node IPv6 in inet6:kube-router-svip
//   seed003   v2.4.1   FM4: networkd active, stock networkd.conf only; rules 77 and 79 missing
//   dsr       v2.2.2   FM1 layout: DSR+mh on 199.27.151.9:8080, fwmark 0x3742 rule, mangle rules,
//                      table 79 route; log noise in test/fixtures/recorded/kube-router-dsr-v2.2.2.log
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const NETNS_PREFIX = 'kr-'
export const RECORDED_DIR = fileURLToPath(new URL('../fixtures/recorded/', import.meta.url))

// ---------- running commands ----------

export interface RunResult {
  argv: string[]
  stdout: string
  stderr: string
  exitCode: number | null
  signal: NodeJS.Signals | null
}

export interface RunOptions {
  /** written to stdin */
  input?: string
  env?: NodeJS.ProcessEnv
  /** default 30 s; the command is killed after it */
  timeoutMs?: number
  /** resolve instead of reject on a non-zero exit */
  allowFailure?: boolean
}

export class CommandError extends Error {
  constructor(readonly result: RunResult) {
    super(
      `command failed (${result.signal ?? `exit ${result.exitCode}`}): ${result.argv.join(' ')}\n${result.stderr.trim() || result.stdout.trim()}`,
    )
    this.name = 'CommandError'
  }
}

/** Run argv (no shell); rejects with CommandError on failure unless allowFailure. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess
    try {
      child = spawn(argv[0], argv.slice(1), {env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe']})
    } catch (err) {
      reject(err)
      return
    }
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout?.on('data', (c: Buffer) => out.push(c))
    child.stderr?.on('data', (c: Buffer) => err.push(c))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(new Error(`cannot run ${argv[0]}: ${e.message}`))
    })
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer)
      const result: RunResult = {
        argv,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode,
        signal,
      }
      if ((exitCode !== 0 || signal) && !opts.allowFailure) reject(new CommandError(result))
      else resolve(result)
    })
    child.stdin?.on('error', () => {})
    child.stdin?.end(opts.input ?? '')
  })
}

// ---------- namespaces ----------

let counter = 0
const created = new Set<string>()
let exitHookInstalled = false

function slug(purpose: string): string {
  return (
    purpose
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24) || 'test'
  )
}

/** `kr-<purpose>-<pid>-<n>`, unique within this process. */
export function uniqueNetnsName(purpose: string): string {
  counter++
  return `${NETNS_PREFIX}${slug(purpose)}-${process.pid}-${counter}`
}

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const name of created) {
      try {
        execFileSync('ip', ['netns', 'del', name], {stdio: 'ignore'})
      } catch {
        // best effort; cleanupStale() catches the rest
      }
    }
  })
}

/** Create a namespace (loopback up) and return its name. */
export async function createNetns(purpose: string): Promise<string> {
  const name = uniqueNetnsName(purpose)
  await run(['ip', 'netns', 'add', name])
  created.add(name)
  installExitHook()
  try {
    await run(['ip', '-n', name, 'link', 'set', 'lo', 'up'])
  } catch (err) {
    await deleteNetns(name)
    throw err
  }
  return name
}

/** Delete a namespace; a namespace that is already gone is fine. */
export async function deleteNetns(name: string): Promise<void> {
  const r = await run(['ip', 'netns', 'del', name], {allowFailure: true})
  created.delete(name)
  if (r.exitCode !== 0 && !/No such file|not found|Invalid argument/i.test(r.stderr)) {
    throw new CommandError(r)
  }
}

/** Run argv inside the namespace (`ip netns exec`). */
export function nsExec(ns: string, argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(['ip', 'netns', 'exec', ns, ...argv], opts)
}

/** Names of all network namespaces (`ip netns list`). */
export async function listNetns(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list'], {allowFailure: true})
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n !== undefined && n !== '')
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid a `kr-<purpose>-<pid>-<n>` name (or temp dir `kr-<purpose>-<pid>-XXXXXX`) belongs to. */
function ownerPid(name: string): number | null {
  const m = /^kr-.+-(\d+)-[A-Za-z0-9]+$/.exec(name)
  return m ? Number(m[1]) : null
}

/**
 * Remove namespaces and temp dirs left by test runs that were killed: `kr-` names whose
 * pid is dead. Processes still inside such a namespace (listeners those runs started)
 * are killed by pid first. Returns what was removed.
 */
export async function cleanupStale(): Promise<string[]> {
  const removed: string[] = []
  for (const name of await listNetns()) {
    const pid = ownerPid(name)
    if (pid === null || pid === process.pid || pidAlive(pid)) continue
    const pids = await run(['ip', 'netns', 'pids', name], {allowFailure: true})
    for (const p of pids.stdout.split(/\s+/).filter((s) => /^\d+$/.test(s))) {
      try {
        process.kill(Number(p), 'SIGKILL')
      } catch {
        // gone already
      }
    }
    await deleteNetns(name)
    removed.push(name)
  }
  const tmp = os.tmpdir()
  for (const entry of await readdir(tmp).catch(() => [] as string[])) {
    if (!entry.startsWith(NETNS_PREFIX)) continue
    const pid = ownerPid(entry)
    if (pid === null || pid === process.pid || pidAlive(pid)) continue
    await rm(path.join(tmp, entry), {recursive: true, force: true})
    removed.push(path.join(tmp, entry))
  }
  return removed
}

// ---------- a listener inside a namespace ----------

export interface Listener {
  ns: string
  address: string
  port: number
  pid: number
  close(): Promise<void>
}

const LISTENER_CODE = `
const net = require('node:net')
const [address, port, mode] = process.argv.slice(1)
const server = net.createServer((c) => {
  c.on('error', () => {})
  if (mode === 'http') c.end('HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nok\\n')
})
server.listen(Number(port), address, () => console.log('listening'))
process.on('SIGTERM', () => process.exit(0))
`

/**
 * Start a TCP listener on address:port inside the namespace (node, same binary as the
 * tests). mode 'http' answers every connection with a tiny HTTP response; 'silent'
 * accepts and says nothing (curl then times out after connecting).
 */
export function startListener(ns: string, address: string, port: number, mode: 'http' | 'silent' = 'http'): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', LISTENER_CODE, address, String(port), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    let settled = false
    const exited = new Promise<void>((r) => child.on('exit', () => r()))
    const close = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    }
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdout.on('data', (c: Buffer) => {
      if (!settled && c.toString().includes('listening')) {
        settled = true
        resolve({ns, address, port, pid: child.pid ?? -1, close})
      }
    })
    child.on('exit', (code) => {
      if (!settled) {
        settled = true
        reject(new Error(`listener on ${address}:${port} in ${ns} exited (${code}): ${stderr.trim()}`))
      }
    })
    setTimeout(() => {
      if (!settled) {
        settled = true
        void close()
        reject(new Error(`listener on ${address}:${port} in ${ns} did not start: ${stderr.trim()}`))
      }
    }, 10_000)
  })
}

// ---------- snapshot (read-only proof) ----------

/** Keys of /proc/sys/net that move on their own (not state anyone sets). */
const VOLATILE_SYSCTL = [/\/nf_conntrack_count$/, /\/neigh\/[^/]+\/base_reachable_time$/]

function normaliseIptables(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'))
    .join('\n')
}

/**
 * Everything a probe could conceivably change in a namespace, as comparable text:
 * addresses and links, routes and rules of both families in every table, ipsets,
 * iptables/ip6tables of both backends (counters and comments stripped), and every
 * readable /proc/sys/net value.
 */
export async function snapshotNetns(ns: string): Promise<Record<string, string>> {
  const text = async (argv: string[]) => {
    const r = await nsExec(ns, argv, {allowFailure: true})
    return `${r.stdout}${r.exitCode === 0 ? '' : `\n[exit ${r.exitCode}] ${r.stderr}`}`
  }
  const snap: Record<string, string> = {}
  snap['ip -d addr'] = await text(['ip', '-d', 'addr', 'show'])
  snap['ip -4 route'] = await text(['ip', '-4', 'route', 'show', 'table', 'all'])
  snap['ip -6 route'] = await text(['ip', '-6', 'route', 'show', 'table', 'all'])
  snap['ip -4 rule'] = await text(['ip', '-4', 'rule', 'show'])
  snap['ip -6 rule'] = await text(['ip', '-6', 'rule', 'show'])
  snap['ipset save'] = await text(['ipset', 'save'])
  for (const tool of ['iptables-nft-save', 'ip6tables-nft-save', 'iptables-legacy-save', 'ip6tables-legacy-save']) {
    snap[tool] = normaliseIptables(await text([tool]))
  }
  const sysctl = await nsExec(ns, ['grep', '-r', '-s', '-H', '', '/proc/sys/net'], {allowFailure: true, timeoutMs: 60_000})
  snap['/proc/sys/net'] = sysctl.stdout
    .split('\n')
    .filter((l) => l !== '' && !VOLATILE_SYSCTL.some((re) => re.test(l.slice(0, l.indexOf(':')))))
    .sort()
    .join('\n')
  return snap
}

// ---------- scenario model ----------

export type IpFamilyName = 'IPv4' | 'IPv6'
export type IptablesBackend = 'nft' | 'legacy'

/** A Service as the scenario's cluster has it (enough to build v1 Service + EndpointSlice objects). */
export interface ServiceSpec {
  namespace: string
  name: string
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer'
  ipFamilies: IpFamilyName[]
  /** primary family first */
  clusterIPs: string[]
  externalIPs?: string[]
  annotations?: Record<string, string>
  ports: {name: string; protocol: 'TCP' | 'UDP'; port: number; targetPort: number; nodePort?: number}[]
  /** ready endpoint addresses (both families), with the node each runs on */
  endpoints: {address: string; nodeName: string}[]
}

export interface NodeSpec {
  /** scenario id, e.g. 'healthy', 'seed001' */
  scenario: string
  /** 1..89: node IPs 192.168.56.(10+i) / fd00:56::(10+i), pod CIDRs 10.244.i.0/24 / fd00:10:244:i::/64 */
  nodeIndex: number
  nodeName: string
  /** e.g. 'v2.11.1' (a file test/fixtures/recorded/kube-router-version-<v>.txt must exist) */
  kubeRouterVersion: string
  services: ServiceSpec[]
  /** the recorded `ipvsadm -Ln` the fake ipvsadm prints (file in test/fixtures/recorded) */
  ipvsadmFixture: string
  /** 'cleaned' = as kube-router >= v2.2.0 leaves them; 'kernel' = the extra kernel routes of FM2 stay */
  ipv6VipRoutes: 'cleaned' | 'kernel'
  /** false = inet6:kube-router-local-ips left empty (FM3, kube-router v2.0-v2.1) */
  ipv6LocalIps: boolean
  /** `from <podCIDR> lookup 77` and `32765: from all lookup 79`; false = wiped by networkd (FM4) */
  policyRules: boolean
  iptablesBackend: IptablesBackend
  networkd: {active: boolean; files: Record<string, string>}
  /** FM1-style DSR programming (fwmark rule, mangle rules, table 79 route up to v2.5.x) */
  dsr?: {externalIP: string; port: number; fwmark: number; mss: number}
  /** net.ipv4.vs.* values (this kernel has no IPVS): the probe reads them via KR_PROBE_IPVS_SYSCTL */
  ipvsSysctls?: Record<string, string>
}

export interface NodeScenario {
  scenario: string
  /** network namespace name */
  ns: string
  nodeName: string
  nodeIndex: number
  /** temp dir standing for the host's / (networkd config, run/systemd/netif/state) */
  hostRoot: string
  /** fake kube-router and ipvsadm (+ their recorded texts) */
  binDir: string
  nodeIp4: string
  nodeIp6: string
  podCidr4: string
  podCidr6: string
  /** VIPs on kube-dummy-if */
  vips4: string[]
  vips6: string[]
  kubeRouterVersion: string
  iptablesBackend: IptablesBackend
  services: ServiceSpec[]
  spec: NodeSpec
  /** environment for probe.sh: PATH (binDir first), KR_HOST_ROOT, KR_PROBE_IPVS_PROC */
  probeEnv: Record<string, string>
  /** delete the namespace and the temp dir (idempotent) */
  cleanup(): Promise<void>
}

export interface BuildOptions {
  /** default 1 */
  nodeIndex?: number
  /** default node-a, node-b, ... by index */
  nodeName?: string
  /** default nft */
  iptablesBackend?: IptablesBackend
  /** override the scenario's choice */
  ipv6VipRoutes?: NodeSpec['ipv6VipRoutes']
}

// ---------- the cluster the scenarios belong to ----------

export const CLUSTER = {
  nodes: ['node-a', 'node-b'],
  serviceCidr4: '10.96.0.0/12',
  serviceCidr6: 'fd00:10:96::/112',
  podCidr4: '10.244.0.0/16',
  podCidr6: 'fd00:10:244::/56',
  apiserver: {address: '192.168.56.11', address6: 'fd00:56::11', port: 6443},
} as const

export function nodeAddresses(index: number) {
  if (!Number.isInteger(index) || index < 1 || index > 89) throw new Error(`nodeIndex must be 1..89, got ${index}`)
  const host = String(10 + index)
  return {
    nodeIp4: `192.168.56.${host}`,
    nodeIp6: `fd00:56::${host}`,
    linkLocal6: `fe80::${host}`,
    gateway4: '192.168.56.1',
    gateway6: 'fd00:56::1',
    podCidr4: `10.244.${index}.0/24`,
    podCidr6: `fd00:10:244:${index}::/64`,
    bridge4: `10.244.${index}.1`,
    bridge6: `fd00:10:244:${index}::1`,
  }
}

function defaultNodeName(index: number): string {
  return index <= 26 ? `node-${String.fromCharCode(96 + index)}` : `node-${index}`
}

const SVC_KUBERNETES: ServiceSpec = {
  namespace: 'default',
  name: 'kubernetes',
  type: 'ClusterIP',
  ipFamilies: ['IPv4'],
  clusterIPs: ['10.96.0.1'],
  ports: [{name: 'https', protocol: 'TCP', port: 443, targetPort: 6443}],
  endpoints: [{address: '192.168.56.11', nodeName: 'node-a'}],
}

const SVC_KUBE_DNS: ServiceSpec = {
  namespace: 'kube-system',
  name: 'kube-dns',
  type: 'ClusterIP',
  ipFamilies: ['IPv4'],
  clusterIPs: ['10.96.0.10'],
  ports: [
    {name: 'dns', protocol: 'UDP', port: 53, targetPort: 53},
    {name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53},
    {name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153},
  ],
  endpoints: [{address: '10.244.1.5', nodeName: 'node-a'}],
}

/** Dual-stack NodePort, IPv6 primary: puts the node IPs into the svip sets. */
const SVC_ECHO: ServiceSpec = {
  namespace: 'default',
  name: 'echo',
  type: 'NodePort',
  ipFamilies: ['IPv6', 'IPv4'],
  clusterIPs: ['fd00:10:96::1', '10.96.0.20'],
  ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080}],
  endpoints: [
    {address: 'fd00:10:244:1::7', nodeName: 'node-a'},
    {address: '10.244.1.7', nodeName: 'node-a'},
  ],
}

/** The IPv6 service of failure mode 2. */
const SVC_WEB: ServiceSpec = {
  namespace: 'default',
  name: 'web',
  type: 'ClusterIP',
  ipFamilies: ['IPv6'],
  clusterIPs: ['fd00:10:96::a'],
  ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080}],
  endpoints: [{address: 'fd00:10:244:1::8', nodeName: 'node-a'}],
}

/** DSR + Maglev service of failure mode 1 (externalIP as in kube-router issue #1836). */
const SVC_DSR_WEB: ServiceSpec = {
  namespace: 'default',
  name: 'dsr-web',
  type: 'ClusterIP',
  ipFamilies: ['IPv4'],
  clusterIPs: ['10.96.0.30'],
  externalIPs: ['199.27.151.9'],
  annotations: {'kube-router.io/service.dsr': 'tunnel', 'kube-router.io/service.scheduler': 'mh'},
  ports: [{name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080}],
  endpoints: [
    {address: '10.244.1.9', nodeName: 'node-a'},
    {address: '10.244.2.9', nodeName: 'node-b'},
  ],
}

/** Debian's stock /etc/systemd/networkd.conf (systemd 252): every option commented out. */
export const NETWORKD_CONF_STOCK = `#  This file is part of systemd.
#
#  systemd is free software; you can redistribute it and/or modify it under the
#  terms of the GNU Lesser General Public License as published by the Free
#  Software Foundation; either version 2.1 of the License, or (at your option)
#  any later version.
#
# Entries in this file show the compile time defaults. Local configuration
# should be created by either modifying this file, or by creating "drop-ins" in
# the networkd.conf.d/ subdirectory. The latter is generally recommended.
# Defaults can be restored by simply deleting this file and all drop-ins.
#
# See networkd.conf(5) for details.

[Network]
#SpeedMeter=no
#SpeedMeterIntervalSec=10sec
#ManageForeignRoutingPolicyRules=yes
#ManageForeignRoutes=yes
#RouteTable=

[DHCPv4]
#DUIDType=vendor
#DUIDRawData=

[DHCPv6]
#DUIDType=vendor
#DUIDRawData=
`

/** The drop-in kube-router's docs recommend (FM4 remediation). */
export const NETWORKD_DROPIN_KUBE_ROUTER = `# kube-router manages its own routing policy rules and routes
[Network]
ManageForeignRoutingPolicyRules=no
ManageForeignRoutes=no
`

const NETWORKD_SAFE = {
  active: true,
  files: {
    'etc/systemd/networkd.conf': NETWORKD_CONF_STOCK,
    'etc/systemd/networkd.conf.d/50-kube-router.conf': NETWORKD_DROPIN_KUBE_ROUTER,
  },
}

function base(index: number, opts: BuildOptions) {
  return {
    nodeIndex: index,
    nodeName: opts.nodeName ?? defaultNodeName(index),
    iptablesBackend: opts.iptablesBackend ?? 'nft',
  }
}

/** kube-router v2.11.1, everything as it should be. */
export function healthySpec(opts: BuildOptions = {}): NodeSpec {
  return {
    scenario: 'healthy',
    ...base(opts.nodeIndex ?? 1, opts),
    kubeRouterVersion: 'v2.11.1',
    services: [SVC_KUBERNETES, SVC_KUBE_DNS, SVC_ECHO],
    ipvsadmFixture: 'ipvsadm-healthy.txt',
    ipv6VipRoutes: opts.ipv6VipRoutes ?? 'cleaned',
    ipv6LocalIps: true,
    policyRules: true,
    networkd: NETWORKD_SAFE,
  }
}

/** FM2 (kube-router v2.1.2): IPv6 VIPs keep the kernel's routes (fd00:10:96::a of default/web). */
export function seed001Spec(opts: BuildOptions = {}): NodeSpec {
  return {
    scenario: 'seed001',
    ...base(opts.nodeIndex ?? 1, opts),
    kubeRouterVersion: 'v2.1.2',
    services: [SVC_KUBERNETES, SVC_KUBE_DNS, SVC_ECHO, SVC_WEB],
    ipvsadmFixture: 'ipvsadm-seed001.txt',
    ipv6VipRoutes: opts.ipv6VipRoutes ?? 'kernel',
    ipv6LocalIps: true,
    policyRules: true,
    networkd: NETWORKD_SAFE,
  }
}

/** FM3 (kube-router v2.1.2): inet6:kube-router-local-ips empty while inet6:kube-router-svip holds the node IPv6. */
export function seed002Spec(opts: BuildOptions = {}): NodeSpec {
  return {
    scenario: 'seed002',
    ...base(opts.nodeIndex ?? 1, opts),
    kubeRouterVersion: 'v2.1.2',
    services: [SVC_KUBERNETES, SVC_KUBE_DNS, SVC_ECHO],
    ipvsadmFixture: 'ipvsadm-primary-nodeport.txt',
    ipv6VipRoutes: opts.ipv6VipRoutes ?? 'cleaned',
    ipv6LocalIps: false,
    policyRules: true,
    networkd: NETWORKD_SAFE,
  }
}

/** FM4 (kube-router v2.4.1): networkd active with default Manage* settings; rules 77/79 gone. */
export function seed003Spec(opts: BuildOptions = {}): NodeSpec {
  return {
    scenario: 'seed003',
    ...base(opts.nodeIndex ?? 1, opts),
    kubeRouterVersion: 'v2.4.1',
    services: [SVC_KUBERNETES, SVC_KUBE_DNS, SVC_ECHO],
    ipvsadmFixture: 'ipvsadm-primary-nodeport.txt',
    ipv6VipRoutes: opts.ipv6VipRoutes ?? 'cleaned',
    ipv6LocalIps: true,
    policyRules: false,
    networkd: {active: true, files: {'etc/systemd/networkd.conf': NETWORKD_CONF_STOCK}},
  }
}

/** FM1 (kube-router v2.2.2): a working DSR + Maglev service; the log noise is in kube-router-dsr-v2.2.2.log. */
export function dsrSpec(opts: BuildOptions = {}): NodeSpec {
  return {
    scenario: 'dsr',
    ...base(opts.nodeIndex ?? 1, opts),
    kubeRouterVersion: 'v2.2.2',
    services: [SVC_KUBERNETES, SVC_KUBE_DNS, SVC_DSR_WEB],
    ipvsadmFixture: 'ipvsadm-dsr.txt',
    ipv6VipRoutes: opts.ipv6VipRoutes ?? 'cleaned',
    ipv6LocalIps: true,
    policyRules: true,
    networkd: NETWORKD_SAFE,
    dsr: {externalIP: '199.27.151.9', port: 8080, fwmark: 14146, mss: 1440},
  }
}

export const buildHealthyNode = (opts: BuildOptions = {}) => buildNode(healthySpec(opts))
export const buildSeed001Node = (opts: BuildOptions = {}) => buildNode(seed001Spec(opts))
export const buildSeed002Node = (opts: BuildOptions = {}) => buildNode(seed002Spec(opts))
export const buildSeed003Node = (opts: BuildOptions = {}) => buildNode(seed003Spec(opts))
export const buildDsrNode = (opts: BuildOptions = {}) => buildNode(dsrSpec(opts))

// ---------- deriving kube-router's state from the spec ----------

function isV6(ip: string): boolean {
  return ip.includes(':')
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version)
  if (!m) return true
  const [a, b] = [Number(m[1]), Number(m[2])]
  return a > major || (a === major && b >= minor)
}

interface DerivedState {
  vips4: string[]
  vips6: string[]
  /** "ip,proto:port" per family */
  svipPrt4: string[]
  svipPrt6: string[]
  svip4: string[]
  svip6: string[]
}

/** What kube-router's proxy puts on kube-dummy-if and into the svip sets for these services. */
function deriveState(spec: NodeSpec): DerivedState {
  const a = nodeAddresses(spec.nodeIndex)
  const d: DerivedState = {vips4: [], vips6: [], svipPrt4: [], svipPrt6: [], svip4: [], svip6: []}
  const add = (list: string[], v: string) => {
    if (!list.includes(v)) list.push(v)
  }
  const secondFamilyNodePort = versionAtLeast(spec.kubeRouterVersion, 2, 11)
  const dsr = (s: ServiceSpec) => s.annotations?.['kube-router.io/service.dsr'] === 'tunnel'
  for (const s of spec.services) {
    for (const ip of s.clusterIPs) {
      add(isV6(ip) ? d.vips6 : d.vips4, ip)
      add(isV6(ip) ? d.svip6 : d.svip4, ip)
      for (const p of s.ports) add(isV6(ip) ? d.svipPrt6 : d.svipPrt4, `${ip},${p.protocol.toLowerCase()}:${p.port}`)
    }
    for (const ip of s.externalIPs ?? []) {
      // DSR external IPs are not on kube-dummy-if (VIP-less director); others are
      if (!dsr(s)) add(isV6(ip) ? d.vips6 : d.vips4, ip)
      add(isV6(ip) ? d.svip6 : d.svip4, ip)
      for (const p of s.ports) add(isV6(ip) ? d.svipPrt6 : d.svipPrt4, `${ip},${p.protocol.toLowerCase()}:${p.port}`)
    }
    if (s.type === 'NodePort' || s.type === 'LoadBalancer') {
      const families = secondFamilyNodePort ? s.ipFamilies : s.ipFamilies.slice(0, 1)
      for (const f of families) {
        const nodeIp = f === 'IPv6' ? a.nodeIp6 : a.nodeIp4
        add(f === 'IPv6' ? d.svip6 : d.svip4, nodeIp)
        for (const p of s.ports) {
          if (p.nodePort !== undefined) add(f === 'IPv6' ? d.svipPrt6 : d.svipPrt4, `${nodeIp},${p.protocol.toLowerCase()}:${p.nodePort}`)
        }
      }
    }
  }
  return d
}

function ipsetRestoreText(spec: NodeSpec, d: DerivedState): string {
  const a = nodeAddresses(spec.nodeIndex)
  const peers = CLUSTER.nodes.map((_, i) => nodeAddresses(i + 1))
  const lines: string[] = []
  const set = (name: string, type: string, family: 'inet' | 'inet6', members: string[]) => {
    lines.push(`create ${name} ${type} family ${family} hashsize 1024 maxelem 65536 timeout 0`)
    for (const m of members) lines.push(`add ${name} ${m} timeout 0`)
  }
  set('kube-router-local-ips', 'hash:ip', 'inet', ['127.0.0.1', a.nodeIp4])
  set('inet6:kube-router-local-ips', 'hash:ip', 'inet6', spec.ipv6LocalIps ? ['::1', a.nodeIp6] : [])
  set('kube-router-svip', 'hash:ip', 'inet', d.svip4)
  set('inet6:kube-router-svip', 'hash:ip', 'inet6', d.svip6)
  set('kube-router-svip-prt', 'hash:ip,port', 'inet', d.svipPrt4)
  set('inet6:kube-router-svip-prt', 'hash:ip,port', 'inet6', d.svipPrt6)
  set('kube-router-pod-subnets', 'hash:net', 'inet', peers.map((p) => p.podCidr4))
  set('inet6:kube-router-pod-subnets', 'hash:net', 'inet6', peers.map((p) => p.podCidr6))
  set('kube-router-node-ips', 'hash:ip', 'inet', peers.map((p) => p.nodeIp4))
  set('inet6:kube-router-node-ips', 'hash:ip', 'inet6', peers.map((p) => p.nodeIp6))
  return `${lines.join('\n')}\n`
}

/** filter KUBE-ROUTER-SERVICES + INPUT jump as setupIpvsFirewall writes it (kube-router-facts §5.2). */
function filterRestoreText(family: 4 | 6, version: string): string {
  const v6 = family === 6
  const set = (name: string) => (v6 ? `inet6:${name}` : name)
  const icmp = v6 ? '-p ipv6-icmp -m icmp6 --icmpv6-type' : '-p icmp -m icmp --icmp-type'
  const rules: string[] = []
  if (versionAtLeast(version, 2, 2)) {
    // utils.CommonICMPRules (v2.2.0+)
    rules.push(`${icmp} echo-request -m comment --comment "allow icmp echo requests" -j ACCEPT`)
    rules.push(`${icmp} destination-unreachable -m comment --comment "allow icmp destination unreachable messages" -j ACCEPT`)
    rules.push(`${icmp} time-exceeded -m comment --comment "allow icmp time exceeded messages" -j ACCEPT`)
    if (v6) {
      rules.push(`${icmp} neighbour-solicitation -m comment --comment "allow icmp neighbor solicitation messages" -j ACCEPT`)
      rules.push(`${icmp} neighbour-advertisement -m comment --comment "allow icmp neighbor advertisement messages" -j ACCEPT`)
      rules.push(`${icmp} echo-reply -m comment --comment "allow icmp echo reply messages" -j ACCEPT`)
    }
  } else {
    rules.push(`${icmp} echo-request -m comment --comment "allow icmp echo requests to service IPs" -j ACCEPT`)
    rules.push(`${icmp} time-exceeded -m comment --comment "allow icmp ttl exceeded messages to service IPs" -j ACCEPT`)
    rules.push(`${icmp} destination-unreachable -m comment --comment "allow icmp destination unreachable messages to service IPs" -j ACCEPT`)
  }
  rules.push(`-m comment --comment "allow input traffic to ipvs services" -m set --match-set ${set('kube-router-svip-prt')} dst,dst -j ACCEPT`)
  rules.push(
    `-m comment --comment "reject all unexpected traffic to service IPs" -m set ! --match-set ${set('kube-router-local-ips')} dst -j REJECT --reject-with ${v6 ? 'icmp6-port-unreachable' : 'icmp-port-unreachable'}`,
  )
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':KUBE-ROUTER-SERVICES - [0:0]',
    `-A INPUT -m comment --comment "handle traffic to IPVS service IPs in custom chain" -m set --match-set ${set('kube-router-svip')} dst -j KUBE-ROUTER-SERVICES`,
    ...rules.map((r) => `-A KUBE-ROUTER-SERVICES ${r}`),
    'COMMIT',
    '',
  ].join('\n')
}

function mangleRestoreText(dsr: NonNullable<NodeSpec['dsr']>): string {
  const mark = `0x${dsr.fwmark.toString(16)}/0xffffffff`
  return [
    '*mangle',
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    `-A PREROUTING -d ${dsr.externalIP}/32 -p tcp -m tcp --dport ${dsr.port} -j MARK --set-xmark ${mark}`,
    `-A PREROUTING -s ${dsr.externalIP}/32 -i kube-bridge -p tcp -m tcp --sport ${dsr.port} --tcp-flags SYN,RST SYN -j TCPMSS --set-mss ${dsr.mss}`,
    `-A OUTPUT -d ${dsr.externalIP}/32 -p tcp -m tcp --dport ${dsr.port} -j MARK --set-xmark ${mark}`,
    'COMMIT',
    '',
  ].join('\n')
}

/** The recorded ipvsadm text with this node's NodePort lines (written for node 1) moved to its IPs. */
async function ipvsadmText(spec: NodeSpec): Promise<string> {
  const text = await readFile(path.join(RECORDED_DIR, spec.ipvsadmFixture), 'utf8')
  if (spec.nodeIndex === 1) return text
  const a = nodeAddresses(spec.nodeIndex)
  return text
    .split('\n')
    .map((l) =>
      l.startsWith('TCP  192.168.56.11:') || l.startsWith('UDP  192.168.56.11:')
        ? l.replace('192.168.56.11', a.nodeIp4)
        : l.startsWith('TCP  [fd00:56::11]:') || l.startsWith('UDP  [fd00:56::11]:')
          ? l.replace('fd00:56::11', a.nodeIp6)
          : l,
    )
    .join('\n')
}

const FAKE_GOBGP = `#!/bin/sh
# fake gobgp for tests: \`gobgp neighbor\` prints the recorded neighbor table
if [ "$#" -eq 1 ] && [ "$1" = neighbor ]; then cat "$(dirname "$0")/gobgp-neighbor.txt"; exit 0; fi
echo "fake gobgp: only 'neighbor' is supported" >&2
exit 2
`

export const FAKE_KUBE_ROUTER = `#!/bin/sh
# fake kube-router for tests: \`--version\` prints the recorded version line on stderr
case "$1" in
--version | version) cat "$(dirname "$0")/kube-router-version.txt" >&2; exit 0 ;;
esac
echo "fake kube-router: only --version is supported" >&2
exit 2
`

export const FAKE_IPVSADM = `#!/bin/sh
# fake ipvsadm for tests (no IPVS in this kernel): prints a recorded \`ipvsadm -Ln\`
case "$*" in
-Ln | "-L -n" | -nL | "-n -L") exec cat "$(dirname "$0")/ipvsadm-Ln.txt" ;;
esac
echo "fake ipvsadm: only -Ln is supported" >&2
exit 2
`

/** Write an executable script into dir (replacing, never writing through, an existing symlink). */
async function waitForCarrier(ns: string, links: string[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await run(['ip', '-n', ns, '-o', 'link', 'show'], {allowFailure: true})
    const up = links.every((l) => r.stdout.split('\n').some((line) => line.includes(` ${l}@`) && line.includes('LOWER_UP')))
    if (up) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`links ${links.join(', ')} in ${ns} never came up`)
}

export async function writeExecutable(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name)
  await rm(file, {force: true})
  await writeFile(file, text, {flag: 'wx'})
  await chmod(file, 0o755)
  return file
}

// ---------- building ----------

/** Build one node in a fresh namespace. On any failure everything built so far is removed. */
export async function buildNode(spec: NodeSpec): Promise<NodeScenario> {
  const a = nodeAddresses(spec.nodeIndex)
  const d = deriveState(spec)
  let ns: string | null = null
  let dir: string | null = null
  let cleaned = false
  const cleanup = async () => {
    if (cleaned) return
    cleaned = true
    if (ns) await deleteNetns(ns)
    if (dir) await rm(dir, {recursive: true, force: true})
  }
  try {
    dir = await mkdtemp(path.join(os.tmpdir(), `${NETNS_PREFIX}${slug(spec.scenario)}-${process.pid}-`))
    ns = await createNetns(spec.scenario)
    const n = ns
    const ip = (...args: string[]) => run(['ip', '-n', n, ...args])
    const inNs = (argv: string[], input?: string) => nsExec(n, argv, {input})
    const mac = (role: number) => `02:00:00:${role.toString(16).padStart(2, '0')}:00:${spec.nodeIndex.toString(16).padStart(2, '0')}`

    // deterministic IPv6: no generated link-local addresses, no DAD
    await inNs(['sysctl', '-q', '-w', 'net.ipv6.conf.default.addr_gen_mode=1', 'net.ipv6.conf.default.accept_dad=0'])
    // what kube-router sets on the host
    await inNs(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'])
    await inNs(['sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2'])
    if (!versionAtLeast(spec.kubeRouterVersion, 2, 5)) await inNs(['sysctl', '-q', '-w', 'net.ipv4.conf.all.rp_filter=2'])

    // links: the node NIC and kube-router's two interfaces, as veth pairs
    await ip('link', 'add', 'eth0', 'address', mac(1), 'type', 'veth', 'peer', 'name', 'kr-uplink', 'address', mac(2))
    await ip('link', 'add', 'kube-bridge', 'address', mac(3), 'type', 'veth', 'peer', 'name', 'kr-bridge-peer', 'address', mac(4))
    await ip('link', 'add', 'kube-dummy-if', 'address', mac(5), 'type', 'veth', 'peer', 'name', 'kr-dummy-peer', 'address', mac(6))
    for (const l of ['kr-uplink', 'eth0', 'kr-bridge-peer', 'kube-bridge', 'kr-dummy-peer', 'kube-dummy-if']) {
      await ip('link', 'set', l, 'up')
    }
    // the kernel re-adds an address's local route when the carrier comes up: wait for it (slow on a loaded
    // machine), or a kernel route deleted below could come back afterwards
    await waitForCarrier(n, ['eth0', 'kube-bridge', 'kube-dummy-if'])

    // node addresses and default routes
    await ip('addr', 'add', `${a.nodeIp4}/24`, 'dev', 'eth0')
    await ip('-6', 'addr', 'add', `${a.nodeIp6}/64`, 'dev', 'eth0')
    await ip('-6', 'addr', 'add', `${a.linkLocal6}/64`, 'dev', 'eth0')
    await ip('route', 'add', 'default', 'via', a.gateway4, 'dev', 'eth0')
    await ip('-6', 'route', 'add', 'default', 'via', a.gateway6, 'dev', 'eth0')
    // the other nodes' pod CIDRs: the upstream router advertises the cluster's pod range over BGP and kube-router
    // injects what it learns with its protocol 17 (the pod-routes check accepts such a covering route)
    await ip('route', 'add', CLUSTER.podCidr4, 'via', a.gateway4, 'dev', 'eth0', 'proto', '17')
    await ip('-6', 'route', 'add', CLUSTER.podCidr6, 'via', a.gateway6, 'dev', 'eth0', 'proto', '17')

    // pod bridge: gateway = first address of the node's pod CIDRs
    await ip('addr', 'add', `${a.bridge4}/24`, 'dev', 'kube-bridge')
    await ip('-6', 'addr', 'add', `${a.bridge6}/64`, 'dev', 'kube-bridge')

    // service VIPs on kube-dummy-if, with kube-router's local routes (source = node IP)
    for (const vip of d.vips4) {
      await ip('addr', 'add', `${vip}/32`, 'dev', 'kube-dummy-if', 'scope', 'link')
      await ip('route', 'replace', 'local', vip, 'dev', 'kube-dummy-if', 'table', 'local', 'proto', 'kernel', 'scope', 'host', 'src', a.nodeIp4)
    }
    for (const vip of d.vips6) {
      // the kernel adds "<vip> proto kernel metric 256" (main) and "local <vip> ... metric 0" (local)
      await ip('-6', 'addr', 'add', `${vip}/128`, 'dev', 'kube-dummy-if', 'scope', 'link')
      await ip('-6', 'route', 'replace', 'local', vip, 'dev', 'kube-dummy-if', 'table', 'local', 'proto', 'kernel', 'src', a.nodeIp6, 'metric', '1024')
      if (spec.ipv6VipRoutes === 'cleaned') {
        // kube-router >= v2.2.0 (PR #1700) deletes VIP routes without src = node IP
        await ip('-6', 'route', 'del', vip, 'dev', 'kube-dummy-if', 'proto', 'kernel', 'metric', '256')
        await ip('-6', 'route', 'del', 'local', vip, 'dev', 'kube-dummy-if', 'table', 'local', 'proto', 'kernel', 'metric', '0')
      }
    }

    // policy routing: rules 77 (overlay, pod CIDR) and 79 (external IPs), table 78 for DSR
    if (spec.policyRules) {
      await ip('-4', 'rule', 'add', 'from', a.podCidr4, 'lookup', '77')
      await ip('-6', 'rule', 'add', 'from', a.podCidr6, 'lookup', '77')
      await ip('-4', 'rule', 'add', 'priority', '32765', 'from', 'all', 'lookup', '79')
      await ip('-6', 'rule', 'add', 'priority', '32765', 'from', 'all', 'lookup', '79')
    }
    await ip('-4', 'route', 'add', 'local', 'default', 'dev', 'lo', 'table', '78')
    await ip('-6', 'route', 'add', 'local', 'default', 'dev', 'lo', 'table', '78')
    if (spec.dsr) {
      await ip('-4', 'rule', 'add', 'priority', '32764', 'from', 'all', 'fwmark', `0x${spec.dsr.fwmark.toString(16)}`, 'lookup', '78')
      if (!versionAtLeast(spec.kubeRouterVersion, 2, 6)) {
        // <= v2.5.x: the DSR external IP routed to kube-bridge in table 79
        await ip('-4', 'route', 'add', spec.dsr.externalIP, 'dev', 'kube-bridge', 'table', '79')
      }
    }

    // ipsets (kube-router-facts §5.1), all with timeout 0
    await inNs(['ipset', 'restore'], ipsetRestoreText(spec, d))

    // iptables: KUBE-ROUTER-SERVICES in the chosen backend (+ DSR mangle rules)
    const be = spec.iptablesBackend
    await inNs([`iptables-${be}-restore`, '--noflush'], filterRestoreText(4, spec.kubeRouterVersion))
    await inNs([`ip6tables-${be}-restore`, '--noflush'], filterRestoreText(6, spec.kubeRouterVersion))
    if (spec.dsr) await inNs([`iptables-${be}-restore`, '--noflush'], mangleRestoreText(spec.dsr))

    // host files
    const hostRoot = path.join(dir, 'root')
    await mkdir(hostRoot)
    for (const [rel, text] of Object.entries(spec.networkd.files)) {
      await mkdir(path.dirname(path.join(hostRoot, rel)), {recursive: true})
      await writeFile(path.join(hostRoot, rel), text)
    }
    if (spec.networkd.active) {
      // what the running daemon writes: its state file (the links directory alone only means "installed")
      const links = path.join(hostRoot, 'run/systemd/netif/links')
      await mkdir(links, {recursive: true})
      await writeFile(path.join(links, '2'), 'ADMIN_STATE=configured\nOPER_STATE=routable\n')
      await writeFile(path.join(hostRoot, 'run/systemd/netif/state'), 'OPER_STATE=routable\nCARRIER_STATE=carrier\nADDRESS_STATE=routable\n')
    }

    // fake tools
    const binDir = path.join(dir, 'bin')
    await mkdir(binDir)
    await copyFile(path.join(RECORDED_DIR, `kube-router-version-${spec.kubeRouterVersion}.txt`), path.join(binDir, 'kube-router-version.txt'))
    await writeFile(path.join(binDir, 'ipvsadm-Ln.txt'), await ipvsadmText(spec))
    await writeExecutable(binDir, 'kube-router', FAKE_KUBE_ROUTER)
    await writeExecutable(binDir, 'ipvsadm', FAKE_IPVSADM)
    await copyFile(path.join(RECORDED_DIR, 'gobgp-neighbor-healthy.txt'), path.join(binDir, 'gobgp-neighbor.txt'))
    await writeExecutable(binDir, 'gobgp', FAKE_GOBGP)
    // stands for /proc/net/ip_vs (IPVS loaded) via KR_PROBE_IPVS_PROC
    const ipvsProc = path.join(dir, 'proc-net-ip_vs')
    await writeFile(ipvsProc, 'IP Virtual Server version 1.2.1 (size=4096)\n')
    const ipvsSysctlEnv: Record<string, string> = {}
    if (spec.ipvsSysctls) {
      const sysctlDir = path.join(dir, 'proc-sys-net-ipv4-vs')
      await mkdir(sysctlDir)
      for (const [key, value] of Object.entries(spec.ipvsSysctls)) await writeFile(path.join(sysctlDir, key), `${value}\n`)
      ipvsSysctlEnv.KR_PROBE_IPVS_SYSCTL = sysctlDir
    }

    return {
      scenario: spec.scenario,
      ns: n,
      nodeName: spec.nodeName,
      nodeIndex: spec.nodeIndex,
      hostRoot,
      binDir,
      nodeIp4: a.nodeIp4,
      nodeIp6: a.nodeIp6,
      podCidr4: a.podCidr4,
      podCidr6: a.podCidr6,
      vips4: d.vips4,
      vips6: d.vips6,
      kubeRouterVersion: spec.kubeRouterVersion,
      iptablesBackend: spec.iptablesBackend,
      services: spec.services,
      spec,
      probeEnv: {
        PATH: `${binDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
        KR_HOST_ROOT: hostRoot,
        KR_PROBE_IPVS_PROC: ipvsProc,
        ...ipvsSysctlEnv,
      },
      cleanup,
    }
  } catch (err) {
    await cleanup().catch(() => {})
    const message = err instanceof Error ? err.message : String(err)
    throw new Error(`building the ${spec.scenario} node failed: ${message}`, {cause: err})
  }
}
