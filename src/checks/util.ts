// Small helpers shared by checks: no I/O, no state.
import {sourceValue, type NodeState} from '../model/node-state.js'
import type {Family, Route, Rule} from '../model/types.js'

export function routesOf(node: NodeState, family: Family): Route[] {
  return sourceValue(node, family === 4 ? 'ip-route.json' : 'ip6-route.json') ?? []
}

export function rulesOf(node: NodeState, family: Family): Rule[] {
  return sourceValue(node, family === 4 ? 'ip-rule.json' : 'ip6-rule.json') ?? []
}

export function familyName(family: Family): string {
  return family === 4 ? 'IPv4' : 'IPv6'
}

export function ipCmd(family: Family): string {
  return family === 4 ? 'ip' : 'ip -6'
}

/** Command that restarts kube-router on one node. */
export function restartKubeRouter(node: string, namespace = 'kube-system'): string {
  return `kubectl -n ${namespace} delete pod -l k8s-app=kube-router --field-selector spec.nodeName=${node}`
}

export function kubeRouterLogs(node: string, namespace = 'kube-system'): string {
  return `kubectl -n ${namespace} logs $(kubectl -n ${namespace} get pod -l k8s-app=kube-router --field-selector spec.nodeName=${node} -o name)`
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** Renders a route as the arguments of `ip route del` that remove exactly it. */
export function routeDeleteCommand(route: Route): string {
  const parts = [ipCmd(route.family), 'route', 'del']
  if (route.type !== 'unicast') parts.push(route.type)
  parts.push(route.dst)
  if (route.dev) parts.push('dev', route.dev)
  if (route.table !== 'main') parts.push('table', route.table)
  if (route.protocol) parts.push('proto', route.protocol)
  if (route.metric !== null) parts.push('metric', String(route.metric))
  return parts.join(' ')
}
