// What probe pods found on the nodes for one DSR Service: the shared result of `dsr status` (without --no-probe),
// and of the verification step of `dsr enable` / `dsr disable` (issue 11). Plain, serialisable data; the per-node
// judgement lives in expected/ (what kube-router should have programmed), the probing in services/dsr-verify.ts.

/** What the verification expects the nodes to show: DSR programmed (status, enable) or undone (disable). */
export type DsrExpectation = 'enabled' | 'disabled'

export type DsrNodeCheckStatus = 'pass' | 'fail' | 'unknown' | 'not-applicable'

export type DsrNodeCheckId =
  // director side (every node that programs the Service)
  | 'mangle-mark' // the last mangle MARK rule matching (ip, proto, port) sets the tuple's fwmark
  | 'fwmark-rule' // `fwmark <mark> lookup 78` (family of the VIP)
  | 'table-78' // `local default dev lo table 78`
  | 'ipvs-fwm-service' // an IPVS FWM service per mark with Tunnel destinations = the EndpointSlice's ready endpoints
  | 'tcpmss-clamp' // the TCPMSS rule for the tuple with kube-router's value for this version
  | 'vip-off-dummy' // the DSR VIP is not on kube-dummy-if
  | 'sloppy-tcp' // net.ipv4.vs.sloppy_tcp=1 where the mh scheduler needs it
  // endpoint side (nodes with a local endpoint pod, read inside the pod's netns)
  | 'pod-tunnel-if' // kube-tunnel-if / kube-tunnel-v6 exists in the pod and holds the VIP
  | 'pod-rp-filter' // rp_filter 0 in the pod for the tunnel interface
  // after `dsr disable`
  | 'fwm-service-gone' // no IPVS FWM service for the Service's marks any more
  | 'served-normally' // the IPs are served the non-DSR way again (IPVS service on ip:port, VIP on kube-dummy-if)

export interface DsrNodeCheck {
  id: DsrNodeCheckId
  title: string
  status: DsrNodeCheckStatus
  /** verbatim lines from the node's capture */
  evidence: string[]
  /** the exact command or change that makes it pass; empty when it passes */
  fix: string[]
}

/**
 * programmed: every applicable check passes; not-expected: kube-router should not program the Service on this node
 * (ETP Local without a local endpoint), nothing to check; broken: a check fails; unknown: the capture could not tell;
 * not-probed: no capture (probe pod failed: `reason` says why).
 */
export type DsrNodeState = 'programmed' | 'undone' | 'not-expected' | 'broken' | 'unknown' | 'not-probed'

export interface DsrNodeVerdict {
  node: string
  /** the node holds a ready endpoint of the Service (so the endpoint-side checks apply) */
  hasLocalEndpoint: boolean
  state: DsrNodeState
  /** one line: why not programmed / why not probed; null when programmed */
  reason: string | null
  checks: DsrNodeCheck[]
}

export interface DsrServiceVerification {
  namespace: string
  name: string
  expectation: DsrExpectation
  nodes: DsrNodeVerdict[]
  /** every node is programmed / undone / not-expected, and with expectation 'enabled' at least one is programmed */
  verified: boolean
}
