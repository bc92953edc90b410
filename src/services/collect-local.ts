// Local mode: probe this host directly. Passive sources first, then the active probes, whose targets come from
// the cluster objects when a kubeconfig was given, else from the IPVS services on kube-dummy-if.
import {parseIpvsadm} from '../parsers/ipvsadm.js'
import {parseIpAddr} from '../parsers/ip-addr.js'
import {apiserverTargets, serviceVipTargets, targetsFromIpvs, type ProbeTarget} from '../expected/probe-targets.js'
import {hostOf} from '../model/ip.js'
import {kubeRouterDeployment} from '../model/kube-router-config.js'
import {versionFromImage} from '../parsers/kube-router-version.js'
import type {ClusterObjects, NodeCapture, Snapshot} from '../model/types.js'

export interface LocalProbePort {
  run(opts: {nodeName: string; hostRoot: string; sections: 'passive' | 'active'; targets: ProbeTarget[]}): Promise<{capture: NodeCapture; issues: string[]}>
  merge(a: NodeCapture, b: NodeCapture): NodeCapture
}

export interface LocalCollectOptions {
  nodeName: string
  hostRoot: string
  cluster: ClusterObjects | null
  context: string | null
  /** text of a kube-router log to include as kube-router.log (optional) */
  kubeRouterLog: string | null
  /** probe only the VIPs of Services in this namespace (null: every namespace) */
  serviceNamespace?: string | null
  now?: Date
}

export function localTargets(capture: NodeCapture, cluster: ClusterObjects | null, nodeName: string, serviceNamespace: string | null = null): ProbeTarget[] {
  if (cluster) {
    const image = kubeRouterDeployment(cluster.kubeRouter).image
    return [...apiserverTargets(cluster), ...serviceVipTargets(cluster, nodeName, image ? versionFromImage(image) : null, serviceNamespace)]
  }
  // without cluster objects no VIP's namespace is known: -n leaves none to probe
  if (serviceNamespace !== null) return []
  const ipvsText = capture.files['ipvsadm.txt']
  const addrText = capture.files['ip-addr.json']
  if (ipvsText === undefined || addrText === undefined) return []
  const vips = parseIpAddr(addrText).value.filter((l) => l.ifname === 'kube-dummy-if').flatMap((l) => l.addresses.map((a) => hostOf(a.local)))
  return targetsFromIpvs(parseIpvsadm(ipvsText).value, vips)
}

export async function collectLocal(probe: LocalProbePort, opts: LocalCollectOptions): Promise<{snapshot: Snapshot; issues: string[]}> {
  const passive = await probe.run({nodeName: opts.nodeName, hostRoot: opts.hostRoot, sections: 'passive', targets: []})
  const targets = localTargets(passive.capture, opts.cluster, opts.nodeName, opts.serviceNamespace ?? null)
  let capture = passive.capture
  const issues = [...passive.issues]
  if (targets.length > 0) {
    const active = await probe.run({nodeName: opts.nodeName, hostRoot: opts.hostRoot, sections: 'active', targets})
    capture = probe.merge(capture, active.capture)
    issues.push(...active.issues)
  } else {
    capture = {...capture, missing: {...capture.missing, 'probes.json': 'no targets to probe (no cluster objects and no IPVS services on kube-dummy-if)'}}
  }
  if (opts.kubeRouterLog !== null) capture = {...capture, files: {...capture.files, 'kube-router.log': opts.kubeRouterLog}}
  else if (!capture.files['kube-router.log']) {
    capture = {...capture, missing: {...capture.missing, 'kube-router.log': 'not collected in local mode (pass --kube-router-log FILE)'}}
  }
  return {
    issues,
    snapshot: {
      mode: 'local',
      context: opts.context,
      bundle: null,
      createdAt: (opts.now ?? new Date()).toISOString(),
      cluster: opts.cluster,
      nodes: [capture],
      failedNodes: [],
    },
  }
}
