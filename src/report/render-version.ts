// `kubectl kr version`: plain text, or -o json|yaml in kubectl's shape ({"clientVersion": …, "serverVersion": …})
// plus kube-router's versions when a cluster was reached.
import {stringify} from 'yaml'
import {oneLine} from './text.js'

export interface KubeRouterVersions {
  daemonSet: string | null
  image: string | null
  imageVersion: string | null
  running: {version: string; line: string; pods: string[]}[]
  unknownPods: string[]
  podsNotRead: number
}

export interface VersionDocument {
  clientVersion: {kubectlKr: string; node: string}
  serverVersion?: {gitVersion: string}
  kubeRouter?: KubeRouterVersions
}

export function renderVersion(doc: VersionDocument, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc, {version: '1.1', lineWidth: 0})
}

const pods = (n: number) => `${n} pod${n === 1 ? '' : 's'}`

/** kubectl-kr 0.1.0 / Server Version: v1.31.0 / kube-router: v2.1.2 on 3 pods (image …) */
export function renderVersionText(doc: VersionDocument): string {
  const lines = [`kubectl-kr ${doc.clientVersion.kubectlKr}`]
  if (doc.serverVersion) lines.push(`Server Version: ${oneLine(doc.serverVersion.gitVersion)}`)
  const kr = doc.kubeRouter
  if (kr) {
    if (!kr.daemonSet) lines.push('kube-router: no kube-router DaemonSet found')
    else {
      const image = kr.image ? `image ${oneLine(kr.image)}` : 'no image'
      const running = kr.running.map((r) => `${oneLine(r.version)} on ${pods(r.pods.length)}`)
      if (kr.unknownPods.length) running.push(`unknown on ${pods(kr.unknownPods.length)} (no version line in the log)`)
      if (kr.podsNotRead) running.push(`${pods(kr.podsNotRead)} not read`)
      const tag = kr.imageVersion ? `${kr.imageVersion} by its image tag` : 'the image tag names no version'
      lines.push(`kube-router: ${running.length ? running.join(', ') : 'no pod running'} (${image}; ${tag})`)
    }
  }
  return `${lines.join('\n')}\n`
}
