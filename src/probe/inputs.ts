// The probe script's inputs. They travel as environment variables only (never
// spliced into script text); the script validates every field again.
import type {Family, ProbeResult} from '../model/types.js'

export type ProbeSections = 'passive' | 'active' | 'all'

/** One connection the active section makes from the node. */
export interface ProbeTarget {
  kind: ProbeResult['kind']
  family: Family
  /** a plain IP address (no brackets, no zone) */
  address: string
  port: number
  /** "namespace/name", or null */
  service: string | null
}

export interface ProbeInputs {
  /** where the host's / is mounted (pods: /host). Default / */
  hostRoot?: string
  sections?: ProbeSections
  targets?: readonly ProbeTarget[]
  /** seconds per external command (script default 10) */
  cmdTimeoutSec?: number
  /** seconds for curl's TCP connect (script default 2) */
  connectTimeoutSec?: number
  /** kube-router binary (default: kube-router from PATH) */
  kubeRouterBin?: string
  /** the kubelet log directory of the node's kube-router container, relative to the host root */
  kubeRouterLogDir?: string
  /** pod IPs of DSR endpoints on the node, read inside their network namespaces (dsr-endpoints.txt) */
  dsrEndpoints?: readonly string[]
}

/** KR_PROBE_TARGETS: one "kind family address port service" record per line. */
export function formatProbeTargets(targets: readonly ProbeTarget[]): string {
  return targets
    .map((t) => [t.kind, String(t.family), t.address, String(t.port), t.service ?? '-'].map((f) => f.replace(/\s+/g, '_')).join(' '))
    .join('\n')
}

/** The environment variables that carry `inputs` to probe.sh. */
export function probeEnvironment(inputs: ProbeInputs): Record<string, string> {
  const env: Record<string, string> = {}
  if (inputs.hostRoot !== undefined) env.KR_HOST_ROOT = inputs.hostRoot
  env.KR_PROBE_SECTIONS = inputs.sections ?? 'all'
  env.KR_PROBE_TARGETS = formatProbeTargets(inputs.targets ?? [])
  if (inputs.cmdTimeoutSec !== undefined) env.KR_PROBE_CMD_TIMEOUT = String(Math.max(1, Math.round(inputs.cmdTimeoutSec)))
  if (inputs.connectTimeoutSec !== undefined) env.KR_PROBE_CONNECT_TIMEOUT = String(Math.max(1, Math.round(inputs.connectTimeoutSec)))
  if (inputs.kubeRouterBin !== undefined) env.KR_KUBE_ROUTER_BIN = inputs.kubeRouterBin
  if (inputs.kubeRouterLogDir !== undefined) env.KR_KUBE_ROUTER_LOG_DIR = inputs.kubeRouterLogDir
  if (inputs.dsrEndpoints?.length) env.KR_DSR_ENDPOINTS = inputs.dsrEndpoints.join('\n')
  return env
}
