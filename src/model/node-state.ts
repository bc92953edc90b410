// A node's capture as typed state (parsers/node-capture.ts makes it). Each source is either parsed (value +
// issues) or absent with a reason.
import type {
  DsrEndpointsState, IpSetState, IptablesState, IpvsState, KubeRouterProcess, KubeRouterVersionInfo, Link, LogLine, NetworkdState,
  Parsed, ProbeResult, Route, Rule, SourceName, SysctlState,
} from './types.js'
import type {BgpNeighborsState, IptablesBackendsState} from './failure-mode-sources.js'

export interface SourceTypes {
  'ip-addr.json': Link[]
  'ip-route.json': Route[]
  'ip6-route.json': Route[]
  'ip-rule.json': Rule[]
  'ip6-rule.json': Rule[]
  'ipset.txt': IpSetState
  'ipvsadm.txt': IpvsState
  'iptables.txt': IptablesState
  'ip6tables.txt': IptablesState
  'sysctl.txt': SysctlState
  'networkd.txt': NetworkdState
  'kube-router-version.txt': KubeRouterVersionInfo
  'kube-router-process.txt': KubeRouterProcess[]
  'iptables-backends.txt': IptablesBackendsState
  'gobgp-neighbors.txt': BgpNeighborsState
  'kube-router.log': LogLine[]
  'probes.json': ProbeResult[]
  'dsr-endpoints.txt': DsrEndpointsState
}

export type SourceState<K extends SourceName> =
  | {present: true; parsed: Parsed<SourceTypes[K]>}
  | {present: false; reason: string}

export interface NodeState {
  name: string
  sources: {[K in SourceName]: SourceState<K>}
}

/** The parsed value of a source, or null when absent or unusable. */
export function sourceValue<K extends SourceName>(node: NodeState, name: K): SourceTypes[K] | null {
  const s = node.sources[name] as SourceState<K>
  if (!s.present || s.parsed.fatal) return null
  return s.parsed.value
}

/** Why a source cannot be used: absent from the capture, or present but not parseable. `text` is what users read. */
export interface SourceProblem {
  kind: 'missing' | 'unreadable'
  source: SourceName
  text: string
}

/** Why a source cannot be used, or null when it can. */
export function sourceProblem(node: NodeState, name: SourceName): SourceProblem | null {
  const s = node.sources[name]
  if (!s.present) return {kind: 'missing', source: name, text: `nodes/${node.name}/${name}, which is missing: ${s.reason}`}
  if (s.parsed.fatal) {
    const first = s.parsed.issues[0]
    return {kind: 'unreadable', source: name, text: `nodes/${node.name}/${name} could not be read (${first ? first.message : 'no usable content'})`}
  }
  return null
}
