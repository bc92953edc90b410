// A kubeconfig pointing at the test API server (plain http + insecure-skip-tls-verify +
// bearer token: what @kubernetes/client-node and kubectl accept for an http server).
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {stringify} from 'yaml'

export interface KubeconfigOptions {
  server: string
  /** context (and cluster) name; default "harness" */
  context?: string
  /** bearer token; default "harness-token" */
  token?: string
  /** user entry name; default "harness-user" */
  user?: string
  /** the context's default namespace; default "default" */
  namespace?: string
}

export function kubeconfigText(o: KubeconfigOptions): string {
  const context = o.context ?? 'harness'
  const user = o.user ?? 'harness-user'
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{name: context, cluster: {server: o.server, 'insecure-skip-tls-verify': true}}],
    users: [{name: user, user: {token: o.token ?? 'harness-token'}}],
    contexts: [{name: context, context: {cluster: context, user, namespace: o.namespace ?? 'default'}}],
    'current-context': context,
  })
}

export async function writeKubeconfig(file: string, o: KubeconfigOptions): Promise<void> {
  await mkdir(path.dirname(file), {recursive: true})
  await writeFile(file, kubeconfigText(o), {mode: 0o600})
}
