// Shared by vip-reachability and apiserver-reachability: the probe's curl results as evidence lines.
import type {ProbeResult} from '../model/types.js'

/** "10.96.0.1:443" / "[fd00:10:96::1]:443": an IPv6 address is bracketed, else "fd00::a:53" names another address. */
export function hostPort(p: ProbeResult): string {
  return `${p.family === 6 ? `[${p.target}]` : p.target}:${p.port}`
}

export function probeUrl(p: ProbeResult): string {
  return p.kind === 'apiserver' ? `https://${hostPort(p)}/healthz` : `http://${hostPort(p)}/`
}

export function probeLine(p: ProbeResult, node: string): string {
  const outcome = p.ok ? `connected${p.ms !== null ? ` in ${p.ms} ms` : ''}` : `failed: ${p.error ?? 'no connection'}`
  return `curl ${probeUrl(p)} from ${node}${p.service ? ` (${p.service})` : ''}: ${outcome}`
}
