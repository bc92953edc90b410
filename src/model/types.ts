// Core data types shared by parsers, the model, checks and renderers.
// Everything here is plain, serialisable data: no classes, no functions.
import type {SourceName} from './sources.js'
import type {FailedNode} from './node-failure.js'
import type {KubeRouterPodStatus} from './kube-router-pods.js'

export type {SourceName}

export type Family = 4 | 6

/** A problem met while parsing one source; keeps the raw text so nothing is lost. */
export interface ParseIssue {
  source: string
  line: number | null
  message: string
  raw: string
}

/** Every parser returns this: a typed value (possibly partial) plus what it could not read. */
export interface Parsed<T> {
  value: T
  issues: ParseIssue[]
  /** true when the input gave nothing usable (empty, not JSON, wrong shape). */
  fatal: boolean
}

// ---------- iproute2 ----------

export interface IpAddress {
  family: Family
  local: string
  prefixlen: number
  scope: string
  /** e.g. "dynamic", "deprecated"; informational. */
  flags: string[]
}

export interface Link {
  ifindex: number
  ifname: string
  flags: string[]
  mtu: number | null
  operstate: string | null
  /** "veth", "dummy", "ipip", ... when iproute2 reported it. */
  kind: string | null
  addresses: IpAddress[]
  /** the bridge (or bond) the link is a port of, when `ip -d` reported one */
  master?: string | null
  /** a bridge port's hairpin mode (`info_slave_data.hairpin`), null when not a bridge port or not reported */
  hairpin?: boolean | null
  /** a tunnel's encapsulation (`info_data.encap.type`: "fou", "gue"), null for plain ipip/ip6tnl or other links */
  encap?: string | null
}

export interface Route {
  family: Family
  /** unicast | local | broadcast | anycast | multicast | blackhole | unreachable | prohibit | throw */
  type: string
  /** "default" or an address / prefix as iproute2 prints it (host routes have no "/len"). */
  dst: string
  /** "main", "local", "77", "kube-router", ... as printed; `tableId` holds the numeric form when known. */
  table: string
  tableId: number | null
  dev: string | null
  gateway: string | null
  protocol: string | null
  scope: string | null
  prefsrc: string | null
  metric: number | null
  /** The route in `ip route` syntax, used as evidence. */
  text: string
}

export interface Rule {
  family: Family
  priority: number
  /** "all" or a prefix such as 10.244.1.0/24 */
  src: string
  dst: string
  fwmark: number | null
  fwmask: number | null
  iif: string | null
  oif: string | null
  /** "main", "77", "kube-router", ... as printed; `tableId` holds the numeric form when known. */
  table: string | null
  tableId: number | null
  action: string
  not: boolean
  /** The rule in `ip rule` syntax, used as evidence. */
  text: string
}

// ---------- ipset ----------

export interface IpSet {
  name: string
  type: string
  family: 'inet' | 'inet6' | null
  /** The `create` line verbatim. */
  createLine: string
  /** member key (first token after the set name on an `add` line) -> the `add` line verbatim */
  members: Map<string, string>
}

export interface IpSetState {
  sets: Map<string, IpSet>
}

// ---------- IPVS ----------

export interface IpvsDestination {
  address: string
  port: number
  forward: string
  weight: number
  activeConn: number
  inactConn: number
  text: string
}

export interface IpvsService {
  protocol: 'TCP' | 'UDP' | 'SCTP' | 'FWM'
  /** null for FWM services */
  address: string | null
  port: number | null
  fwmark: number | null
  family: Family | null
  scheduler: string
  /** everything after the scheduler: flags, persistent ..., IPv6 marker */
  options: string
  destinations: IpvsDestination[]
  text: string
}

export interface IpvsState {
  services: IpvsService[]
}

// ---------- iptables ----------

export interface IptablesRule {
  table: string
  chain: string
  /** argv-like tokens after "-A <chain>" with quotes removed */
  args: string[]
  /** -j target, or null */
  target: string | null
  /** the line verbatim, used as evidence */
  text: string
}

export interface IptablesChain {
  name: string
  policy: string | null
}

export interface IptablesState {
  /** "nft" | "legacy" | null when unknown */
  backend: string | null
  /** table name -> chains */
  chains: Map<string, Map<string, IptablesChain>>
  rules: IptablesRule[]
}

// ---------- sysctl, networkd, version, log, probes ----------

export interface SysctlState {
  values: Map<string, string>
  /** key -> the line verbatim */
  lines: Map<string, string>
}

/** One network namespace of a DSR endpoint pod, as the probe read it (dsr-endpoints.txt). */
export interface DsrEndpointPod {
  /** the requested endpoint (pod) IP the namespace holds */
  ip: string
  pid: number | null
  /** e.g. "net:[4026532301]" */
  netns: string | null
  /** interface names with their `ip -o link show` line */
  links: {ifname: string; line: string}[]
  /** `ip -o addr show` addresses */
  addresses: {ifname: string; family: Family; address: string; prefixlen: number; line: string}[]
  /** interface (all, default, eth0, kube-tunnel-if) -> rp_filter value and its line */
  rpFilter: Map<string, {value: string; line: string}>
  /** why something could not be read in the namespace (record lines "endpoint IP error …") */
  errors: string[]
}

export interface DsrEndpointsState {
  /** the endpoint IPs the probe was asked about */
  requested: string[]
  pods: DsrEndpointPod[]
  /** endpoint IP -> why no namespace was read for it ("not-found …" / "error …" record) */
  notRead: Map<string, string>
}

export interface NetworkdFile {
  path: string
  /** "Section.Key" -> value, last assignment wins within the file */
  settings: Map<string, {value: string; line: string}>
}

/** A running kube-router process (kube-router-process.txt). */
export interface KubeRouterProcess {
  pid: number
  commandLine: string
}

export interface NetworkdState {
  active: boolean | null
  /** the host's systemd major version (probe line "# systemd-version: N"), null when not recorded */
  systemdVersion: number | null
  files: NetworkdFile[]
}

export interface Version {
  major: number
  minor: number
  patch: number
  /** "-dirty", "-rc1" ... or "" */
  suffix: string
  /** canonical text, e.g. "v2.1.2" */
  text: string
}

export interface KubeRouterVersionInfo {
  version: Version | null
  /** the line the version came from, verbatim */
  line: string | null
}

export interface LogLine {
  severity: 'I' | 'W' | 'E' | 'F' | null
  file: string | null
  message: string
  text: string
}

export interface ProbeResult {
  kind: 'service-vip' | 'apiserver'
  target: string
  port: number
  family: Family
  service: string | null
  ok: boolean
  error: string | null
  ms: number | null
}

// ---------- cluster objects (the subset of the API shapes we read) ----------

export interface ObjectMeta {
  name: string
  namespace?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  /** who wrote the object's fields (server-side apply, kubectl, controllers); only `manager` is read */
  managedFields?: {manager?: string}[]
}

export interface NodeObject {
  metadata: ObjectMeta
  spec?: {podCIDR?: string; podCIDRs?: string[]; unschedulable?: boolean}
  status?: {
    addresses?: {type: string; address: string}[]
    conditions?: {type: string; status: string}[]
  }
}

export interface ServicePort {
  name?: string
  protocol?: string
  port: number
  targetPort?: number | string
  nodePort?: number
}

export interface ServiceObject {
  metadata: ObjectMeta
  spec?: {
    type?: string
    clusterIP?: string
    clusterIPs?: string[]
    externalIPs?: string[]
    ipFamilies?: string[]
    ports?: ServicePort[]
    externalTrafficPolicy?: string
    internalTrafficPolicy?: string
    selector?: Record<string, string>
  }
  status?: {loadBalancer?: {ingress?: {ip?: string; hostname?: string; ipMode?: string}[]}}
}

export interface EndpointSliceObject {
  metadata: ObjectMeta
  addressType?: string
  endpoints?: {
    addresses: string[]
    conditions?: {ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null}
    nodeName?: string
  }[]
  ports?: {name?: string; port?: number; protocol?: string}[]
}

export interface DaemonSetContainer {
  name: string
  image?: string
  args?: string[]
  command?: string[]
  env?: {name: string; value?: string}[]
  volumeMounts?: {name: string; mountPath: string; readOnly?: boolean}[]
  securityContext?: {readOnlyRootFilesystem?: boolean}
}

export interface DaemonSetObject {
  metadata: ObjectMeta
  spec?: {
    template?: {
      spec?: {
        containers?: DaemonSetContainer[]
        hostPID?: boolean
        hostIPC?: boolean
        volumes?: {name: string; hostPath?: {path: string}}[]
      }
    }
  }
}

export interface ClusterObjects {
  nodes: NodeObject[]
  services: ServiceObject[]
  endpointSlices: EndpointSliceObject[]
  kubeRouter: DaemonSetObject | null
  /** kube-router's pods (cluster mode, or a bundle that has them); absent when not collected */
  kubeRouterPods?: KubeRouterPodStatus[]
}

// ---------- capture and node state ----------

/** Raw outputs of one node, as saved in a bundle. A missing source has no entry and a reason in `missing`. */
export interface NodeCapture {
  name: string
  files: Partial<Record<SourceName, string>>
  /** why a source is absent (tool not found, timed out, ...) */
  missing: Partial<Record<SourceName, string>>
}

/** Cluster objects and every node's capture: the immutable snapshot that checks run on. */
/** Cluster objects as they came (from the API or a bundle's files): any shape, nothing trusted yet
 * (parsers/cluster.ts makes ClusterObjects of them). */
export interface RawClusterObjects {
  nodes: readonly unknown[]
  services: readonly unknown[]
  endpointSlices: readonly unknown[]
  kubeRouter: unknown
  /** a KubeRouterPodList document (model/kube-router-pods.ts); absent when not collected */
  kubeRouterPods?: unknown
}

export interface Snapshot {
  mode: 'cluster' | 'local' | 'bundle'
  context: string | null
  bundle: string | null
  createdAt: string
  cluster: ClusterObjects | null
  nodes: NodeCapture[]
  /** nodes that could not be probed at all: name, reason, and (when the producer knows it) the kind */
  failedNodes: FailedNode[]
}
