// A node's capture parsed into typed state: one parser per source (model/sources.ts lists the sources; the type
// below makes the compiler ask for a parser for each).
import {parseIpAddr} from './ip-addr.js'
import {parseIpRoute} from './ip-route.js'
import {parseIpRule} from './ip-rule.js'
import {parseIpsetSave} from './ipset.js'
import {parseIpvsadm} from './ipvsadm.js'
import {parseIptablesSave} from './iptables-save.js'
import {parseSysctl} from './sysctl.js'
import {parseNetworkd} from './networkd.js'
import {parseKubeRouterVersionOutput} from './kube-router-version.js'
import {parseKlog} from './kube-router-log.js'
import {parseKubeRouterProcesses} from './kube-router-process.js'
import {parseProbes} from './probes.js'
import {parseIptablesBackends} from './iptables-backends.js'
import {parseGobgpNeighbors} from './gobgp-neighbors.js'
import {parseDsrEndpoints} from './dsr-endpoints.js'
import {SOURCE_NAMES} from '../model/sources.js'
import type {NodeState, SourceState, SourceTypes} from '../model/node-state.js'
import type {NodeCapture, Parsed, SourceName} from '../model/types.js'

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
  'kube-router-process.txt': parseKubeRouterProcesses,
  'iptables-backends.txt': parseIptablesBackends,
  'gobgp-neighbors.txt': parseGobgpNeighbors,
  'kube-router.log': parseKlog,
  'probes.json': parseProbes,
  'dsr-endpoints.txt': parseDsrEndpoints,
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

