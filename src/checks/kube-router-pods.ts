// accuracy-audit §3 (the issue's kube-router-pods): kube-router itself not running well on a node: its pod not
// Ready, restarting or crash-looping. Cluster mode reads the DaemonSet's pods and, for those that restarted, the
// previous container's last log lines (model/kube-router-pods.ts): the reason a container died is usually in them
// (a Fatal line: pod CIDR, ipvs firewall, iptables) or in its termination (OOMKilled, Error + exit code).
import {defineClusterCheck, type FindingInput} from './define.js'
import {kubeRouterLogs} from './util.js'
import type {KubeRouterPodStatus} from '../model/kube-router-pods.js'

/** The lines of a dead container's log that say why it died: klog F/E lines, else its last lines. */
function telling(log: string[]): string[] {
  const fatal = log.filter((l) => /^[FE]\d{4} /.test(l.replace(/^\S+Z (stdout|stderr) [FP] /, '').replace(/^\S+Z /, '')))
  return (fatal.length ? fatal : log).slice(-5)
}

function describeTermination(p: KubeRouterPodStatus): string {
  const t = p.lastTermination
  if (!t) return ''
  return `The last container ended with ${t.reason ?? 'an unknown reason'}${t.exitCode !== null ? ` (exit code ${t.exitCode})` : ''}${t.finishedAt ? ` at ${t.finishedAt}` : ''}${t.message ? `: ${t.message.trim().split('\n')[0]}` : ''}. `
}

export const kubeRouterPods = defineClusterCheck({
  id: 'kube-router-pods',
  title: 'kube-router pods are Ready and not restarting',
  needs: [],
  evaluate({cluster}) {
    if (!cluster?.kubeRouterPods) return {skip: "needs kube-router's pods, which cluster mode reads (not in this bundle or local run)"}
    const findings: FindingInput[] = []
    for (const p of cluster.kubeRouterPods) {
      const crashLoop = p.waiting?.reason === 'CrashLoopBackOff'
      const notReady = p.ready === false
      if (!crashLoop && !notReady && p.restarts === 0) continue
      const node = p.node ?? '(unscheduled)'
      const oom = p.lastTermination?.reason === 'OOMKilled'
      const severity = crashLoop || notReady ? 'error' : 'warning'
      const state = crashLoop ? 'is crash-looping' : notReady ? `is not Ready${p.waiting?.reason ? ` (${p.waiting.reason})` : p.phase ? ` (${p.phase})` : ''}` : `restarted ${p.restarts} time${p.restarts === 1 ? '' : 's'}`
      const log = p.previousLog ?? []
      findings.push({
        severity,
        subject: node,
        title: `kube-router on ${node} ${state}${crashLoop || notReady ? `, ${p.restarts} restart${p.restarts === 1 ? '' : 's'}` : ''}${p.lastTermination?.reason ? ` (last: ${p.lastTermination.reason})` : ''}`,
        detail:
          `Pod ${p.namespace}/${p.name}. ` +
          (crashLoop || notReady
            ? `While kube-router is down on ${node}, nothing there keeps routes, Services, IPVS and network policies in sync, and its BGP peers withdraw the node's pod routes. `
            : 'Each restart re-syncs routes, IPVS and policies from scratch; its BGP sessions flap unless graceful restart is on. ') +
          describeTermination(p) +
          (oom ? 'OOMKilled: the container hit its memory limit; large clusters (many Services or policies) need more. ' : '') +
          (log.length ? 'The previous container\'s last error lines are in the evidence.' : p.previousLogError ? `Its previous log could not be read: ${p.previousLogError}.` : ''),
        evidence: [
          `${p.namespace}/${p.name} on ${node}: phase ${p.phase ?? '?'}, ready ${p.ready ?? '?'}, restarts ${p.restarts}${p.waiting?.reason ? `, waiting ${p.waiting.reason}${p.waiting.message ? `: ${p.waiting.message}` : ''}` : ''}`,
          ...telling(log),
        ],
        remediation: [
          `Previous container's log: kubectl -n ${p.namespace} logs ${p.name} --previous`,
          `Current log: ${kubeRouterLogs(node, p.namespace)}`,
          ...(oom ? ['Raise the kube-router container\'s memory limit in the DaemonSet.'] : []),
          `Events: kubectl -n ${p.namespace} describe pod ${p.name}`,
        ],
        fixedIn: null,
      })
    }
    return {findings}
  },
})
