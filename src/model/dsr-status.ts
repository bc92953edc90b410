// `kubectl kr dsr status`: the document every renderer reads (json/yaml print it as is; README "dsr status"), and
// the shape of one DSR requirement (expected/dsr-requirements.ts decides them). Plain, serialisable data.
import type {DsrNodeVerdict} from './dsr-verification.js'

export type RequirementStatus = 'pass' | 'fail' | 'unknown'
export type RequirementSeverity = 'error' | 'warning' | 'info'

export type DsrRequirementId =
  | 'dsr-annotation'
  | 'external-ips'
  | 'port-equals-target-port'
  | 'no-host-network-endpoints'
  | 'ips-in-allowed-ranges'
  | 'service-proxy'
  | 'host-pid-ipc'
  | 'container-runtime'
  | 'rt-tables'
  | 'version-bugs'
  | 'maglev-sloppy-tcp'
  | 'external-traffic-policy'
  | 'gitops-managed'

export interface DsrRequirement {
  id: DsrRequirementId
  title: string
  status: RequirementStatus
  /** error: DSR cannot work while it fails; warning: it works with a caveat; info: worth knowing */
  severity: RequirementSeverity
  /** failing, DSR does not work for the Service (what makes a Service "not ready") */
  blocking: boolean
  /** failing, `dsr enable` refuses (the annotation itself is what enable sets, so it does not block enable) */
  blocksEnable: boolean
  /** what was looked at: verbatim values from the objects */
  evidence: string[]
  /** the exact change that makes it pass; empty when it passes */
  fix: string[]
}

/**
 * What the nodes show for a Service, from its per-node verdicts: programmed (every node that should program it does,
 * at least one), not programmed (a node is broken, or kube-router programs it nowhere), unknown (no node is broken but
 * one could not be probed or could not tell), not probed (--no-probe).
 */
export type DsrServiceNodeState = 'programmed' | 'not programmed' | 'unknown' | 'not probed'

export interface DsrIp {
  ip: string
  family: 4 | 6
  kind: 'external-ip' | 'load-balancer-ip'
}

export interface DsrTupleStatus {
  ip: string
  protocol: 'tcp' | 'udp' | 'sctp'
  port: number
  targetPort: number | string | null
  /** FNV-1a mark kube-router computes (kube-router-facts.md §3.1); a collision rehash on a node can differ */
  fwmark: number
  fwmarkHex: string
}

export interface DsrServiceStatus {
  namespace: string
  name: string
  /** the kube-router.io/service.dsr value, null when absent */
  annotation: string | null
  /** ready for DSR: no blocking requirement fails */
  ready: boolean
  scheduler: string
  /** kube-router.io/service.schedflags, honoured only with scheduler mh */
  schedFlags: string[]
  externalTrafficPolicy: 'Cluster' | 'Local'
  /** the IPs kube-router programs for DSR: externalIPs + LB ingress, minus what it skips */
  dsrIps: DsrIp[]
  /** external/LB IPs kube-router leaves out, with why */
  skippedIps: {ip: string; reason: string}[]
  tuples: DsrTupleStatus[]
  requirements: DsrRequirement[]
  nodeState: DsrServiceNodeState
  /** one verdict per node of the cluster (nodes that should not program the Service say so); null with --no-probe */
  nodes: DsrNodeVerdict[] | null
}

export interface DsrStatusDocument {
  apiVersion: 'kr.kube-router.io/v1'
  kind: 'DsrStatus'
  context: string
  /** the namespace looked in, null with -A */
  namespace: string | null
  kubeRouter: {image: string | null; version: string | null}
  /** false with --no-probe */
  probed: boolean
  services: DsrServiceStatus[]
  /** programmed: Services whose nodeState is programmed; null with --no-probe */
  summary: {services: number; ready: number; notReady: number; programmed: number | null}
}
