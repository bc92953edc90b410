// A node's capture parsed into typed state. Each source is either parsed (value + issues) or absent with a reason.
import {parseIpAddr} from '../parsers/ip-addr.js'
import {parseIpRoute} from '../parsers/ip-route.js'
import {parseIpRule} from '../parsers/ip-rule.js'
import {parseIpsetSave} from '../parsers/ipset.js'
import {parseIpvsadm} from '../parsers/ipvsadm.js'
import {parseIptablesSave} from '../parsers/iptables-save.js'
import {parseSysctl} from '../parsers/sysctl.js'
import {parseNetworkd} from '../parsers/networkd.js'
import {parseKubeRouterVersionOutput} from '../parsers/kube-router-version.js'
import {parseKlog} from '../parsers/kube-router-log.js'
import {parseProbes} from '../parsers/probes.js'
import type {
  IpSetState, IptablesState, IpvsState, KubeRouterVersionInfo, Link, LogLine, NetworkdState, NodeCapture,
  Parsed, ProbeResult, Route, Rule, SourceName, SysctlState,
} from './types.js'

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
  'kube-router.log': LogLine[]
  'probes.json': ProbeResult[]
}

const PARSERS: {[K in SourceName]: (text: string) => Parsed<SourceTypes[K]>} = {
  'ip-addr.json': parseIpAddr,
  'ip-route.json': (t) => parseIpRoute(t, 4),
  'ip6-route.json': (t) => parseIpRoute(t, 6),
  'ip-rule.json': (t) => parseIpRule(t, 4),
  'ip6-rule.json': (t) => parseIpRule(t, 6),
  'ipset.txt': parseIpsetSave,
  'ipvsadm.txt': parseIpvsadm,
  'iptables.txt': parseIptablesSave,
  'ip6tables.txt': (t) => parseIptablesSave(t, 'ip6tables.txt'),
  'sysctl.txt': parseSysctl,
  'networkd.txt': parseNetworkd,
  'kube-router-version.txt': parseKubeRouterVersionOutput,
  'kube-router.log': parseKlog,
  'probes.json': parseProbes,
}

export const SOURCE_NAMES = Object.keys(PARSERS) as SourceName[]

export type SourceState<K extends SourceName> =
  | {present: true; parsed: Parsed<SourceTypes[K]>}
  | {present: false; reason: string}

export interface NodeState {
  name: string
  sources: {[K in SourceName]: SourceState<K>}
}

function parseSource<K extends SourceName>(capture: NodeCapture, name: K): SourceState<K> {
  const text = capture.files[name]
  if (text === undefined) return {present: false, reason: capture.missing[name] ?? 'not collected'}
  try {
    return {present: true, parsed: PARSERS[name](text)}
  } catch (error) {
    // Parsers are total; this guards the run against a parser bug all the same.
    const message = error instanceof Error ? error.message : String(error)
    return {present: true, parsed: {value: undefined as never, issues: [{source: name, line: null, message: `parser failed: ${message}`, raw: ''}], fatal: true}}
  }
}

export function parseNodeCapture(capture: NodeCapture): NodeState {
  const sources = {} as Record<SourceName, SourceState<SourceName>>
  for (const name of SOURCE_NAMES) sources[name] = parseSource(capture, name)
  return {name: capture.name, sources: sources as NodeState['sources']}
}

/** The parsed value of a source, or null when absent or unusable. */
export function sourceValue<K extends SourceName>(node: NodeState, name: K): SourceTypes[K] | null {
  const s = node.sources[name] as SourceState<K>
  if (!s.present || s.parsed.fatal) return null
  return s.parsed.value
}

/** Why a source cannot be used, or null when it can. */
export function sourceProblem(node: NodeState, name: SourceName): string | null {
  const s = node.sources[name]
  if (!s.present) return `nodes/${node.name}/${name}, which is missing: ${s.reason}`
  if (s.parsed.fatal) {
    const first = s.parsed.issues[0]
    return `nodes/${node.name}/${name} could not be read (${first ? first.message : 'no usable content'})`
  }
  return null
}
