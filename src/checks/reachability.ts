// Shared by vip-reachability and apiserver-reachability: the probe's curl results as evidence lines.
import type {ProbeResult} from '../model/types.js'

export function probeUrl(p: ProbeResult): string {
  const host = p.family === 6 ? `[${p.target}]` : p.target
  return p.kind === 'apiserver' ? `https://${host}:${p.port}/healthz` : `http://${host}:${p.port}/`
}

export function probeLine(p: ProbeResult, node: string): string {
  const outcome = p.ok ? `connected${p.ms !== null ? ` in ${p.ms} ms` : ''}` : `failed: ${p.error ?? 'no connection'}`
  return `curl ${probeUrl(p)} from ${node}${p.service ? ` (${p.service})` : ''}: ${outcome}`
}
