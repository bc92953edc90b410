// Small helpers shared by checks: no I/O, no state.
import {sourceValue, type NodeState} from '../model/node-state.js'
import type {Family, Route, Rule} from '../model/types.js'

export function routesOf(node: NodeState, family: Family): Route[] {
  return sourceValue(node, family === 4 ? 'ip-route.json' : 'ip6-route.json') ?? []
}

export function rulesOf(node: NodeState, family: Family): Rule[] {
  return sourceValue(node, family === 4 ? 'ip-rule.json' : 'ip6-rule.json') ?? []
}

/**
 * A value from a node, a bundle or the API as one shell word in a remediation command a person pastes as root:
 * left as it is when it holds only characters no shell treats specially (IPs, names, ports, CIDRs), otherwise
 * single-quoted. Hand-written rather than a quoting library's output because that escapes every ':' of an IPv6
 * address, which makes the command hard to read for the person who has to trust it.
 */
export function shellWord(value: string): string {
  if (/^[A-Za-z0-9_.,:/@%+=-]+$/.test(value)) return value
  return `'${value.replace(/'/g, `'\\''`)}'`
}

export function familyName(family: Family): string {
  return family === 4 ? 'IPv4' : 'IPv6'
}

export function ipCmd(family: Family): string {
  return family === 4 ? 'ip' : 'ip -6'
}

/** Command that restarts kube-router on one node. */
export function restartKubeRouter(node: string, namespace = 'kube-system'): string {
  return `kubectl -n ${shellWord(namespace)} delete pod -l k8s-app=kube-router --field-selector ${shellWord(`spec.nodeName=${node}`)}`
}

export function kubeRouterLogs(node: string, namespace = 'kube-system'): string {
  return `kubectl -n ${shellWord(namespace)} logs $(kubectl -n ${shellWord(namespace)} get pod -l k8s-app=kube-router --field-selector ${shellWord(`spec.nodeName=${node}`)} -o name)`
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** Renders a route as the arguments of `ip route del` that remove exactly it. */
export function routeDeleteCommand(route: Route): string {
  const parts = [ipCmd(route.family), 'route', 'del']
  if (route.type !== 'unicast') parts.push(shellWord(route.type))
  parts.push(shellWord(route.dst))
  if (route.dev) parts.push('dev', shellWord(route.dev))
  if (route.table !== 'main') parts.push('table', shellWord(String(route.table)))
  if (route.protocol) parts.push('proto', shellWord(route.protocol))
  if (route.metric !== null) parts.push('metric', shellWord(String(route.metric)))
  return parts.join(' ')
}

/** Where a DSR finding sends the reader: `kubectl kr dsr status` of the Service (ns/name), or of every namespace. */
export function dsrStatusCommand(service: string | null): string {
  return service ? `kubectl kr dsr status ${shellWord(service)}   # per-node DSR state of the Service` : 'kubectl kr dsr status -A   # per-node DSR state of every DSR Service'
}
