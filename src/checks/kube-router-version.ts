// Known kube-router bugs that apply to the versions running in the cluster (src/expected/version-matrix.ts).
// Each bug is reported only when its precondition (IPv6, DSR, DSR+Maglev) holds or cannot be ruled out.
import {defineClusterCheck, type FindingInput} from './define.js'
import {bugsAffecting, type BugCondition} from '../expected/version-matrix.js'
import {dsrTuples, LOCAL_ANNOTATION} from '../expected/services.js'
import {defaultKubeRouterConfig} from '../model/kube-router-config.js'
import {sourceValue} from '../model/node-state.js'
import {versionFromImage} from '../parsers/kube-router-version.js'
import type {Version} from '../model/types.js'

const CONDITION_TEXT: Record<BugCondition, string> = {
  always: '',
  ipv6: 'a node has an IPv6 address',
  'service-proxy': "kube-router's service proxy runs",
  'dual-stack': 'nodes are dual-stack',
  dsr: 'DSR services exist',
  'dsr-on-ipv6-node': 'DSR services exist on IPv6-capable nodes',
  'dsr-maglev': 'DSR services use the Maglev (mh) scheduler',
  'dsr-ipv6': 'IPv6 DSR services exist',
  'dsr-shared-ip': 'several DSR Services share one IP',
  'dsr-cri': 'DSR services exist and kube-router uses a CRI --runtime-endpoint',
  'ipv6-firewall': "a node has an IPv6 address and kube-router's network policy controller runs",
  'ipv6-bgp-no-graceful-restart': 'a node has an IPv6 address, kube-router routes pods with BGP and --bgp-graceful-restart is off',
  'dual-stack-permit-all-off': 'nodes are dual-stack and --ipvs-permit-all=false',
  'overlay-fou': 'the overlay uses FOU encapsulation (--overlay-encap=fou)',
  'service-local': 'a Service carries kube-router.io/service.local',
  'external-traffic-local': 'a Service has externalTrafficPolicy: Local',
}

/** null when either side is unknown and neither is false. */
function both(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false
  return a === null || b === null ? null : true
}

export const kubeRouterVersion = defineClusterCheck({
  id: 'kube-router-version',
  title: 'Known kube-router bugs for the running version',
  needs: [],
  uses: ['kube-router-version.txt'],
  evaluate({nodes, cluster, config, image}) {
    const byVersion = new Map<string, {version: Version; evidence: string[]; nodes: string[]}>()
    for (const {node, facts} of nodes) {
      if (!facts.version) continue
      const entry = byVersion.get(facts.version.text) ?? {version: facts.version, evidence: [], nodes: []}
      entry.nodes.push(node.name)
      const line = sourceValue(node, 'kube-router-version.txt')?.line ?? facts.versionLine
      if (line && entry.evidence.length < 3) entry.evidence.push(`${node.name}: ${line}`)
      byVersion.set(facts.version.text, entry)
    }
    if (byVersion.size === 0 && image) {
      const v = versionFromImage(image)
      if (v) byVersion.set(v.text, {version: v, evidence: [`DaemonSet image ${image}`], nodes: []})
    }
    if (byVersion.size === 0) {
      return {skip: `kube-router version unknown: no \`kube-router --version\` output from any node${image ? ` and the image ${image} carries no version tag` : ''}`}
    }

    // Preconditions: true, false, or null when they cannot be decided from what was collected. A family is
    // kube-router's when a Node has an address of it, whatever --enable-ipv6 says (accuracy-audit.md §0, §1.1).
    const ipv6 = nodes.length ? nodes.some((n) => n.facts.families[6]) : (config?.enableIpv6 ?? false)
    const dualStack = nodes.length ? nodes.some((n) => n.facts.families[4] && n.facts.families[6]) : null
    let dsrSharedIp: boolean | null = null
    let serviceLocal: boolean | null = null
    let externalTrafficLocal: boolean | null = null
    let dsr: boolean | null = null
    let dsrMaglev: boolean | null = null
    let dsrIpv6: boolean | null = null
    if (cluster) {
      const tuples = dsrTuples(cluster, config ?? defaultKubeRouterConfig(), null)
      dsr = tuples.length > 0
      dsrMaglev = tuples.some((t) => t.scheduler === 'mh')
      dsrIpv6 = tuples.some((t) => t.family === 6)
      const servicesByIp = new Map<string, Set<string>>()
      for (const t of tuples) servicesByIp.set(t.ip, (servicesByIp.get(t.ip) ?? new Set()).add(t.service))
      dsrSharedIp = [...servicesByIp.values()].some((s) => s.size > 1)
      serviceLocal = cluster.services.some((s) => s.metadata.annotations?.[LOCAL_ANNOTATION] !== undefined)
      externalTrafficLocal = cluster.services.some((s) => s.spec?.externalTrafficPolicy === 'Local')
    } else {
      const fwm = nodes.flatMap((n) => sourceValue(n.node, 'ipvsadm.txt')?.services.filter((s) => s.protocol === 'FWM') ?? [])
      if (nodes.some((n) => sourceValue(n.node, 'ipvsadm.txt'))) {
        dsr = fwm.length > 0
        dsrMaglev = fwm.some((s) => s.scheduler === 'mh')
        dsrIpv6 = fwm.some((s) => s.family === 6)
      }
    }
    const flag = <T>(read: (c: NonNullable<typeof config>) => T): T | null => (config ? read(config) : null)
    const proxy = config ? config.runServiceProxy : nodes.length ? nodes.some((n) => n.facts.proxyRunning) : null
    const holds: Record<BugCondition, boolean | null> = {
      always: true,
      ipv6,
      'service-proxy': proxy,
      'dual-stack': dualStack,
      dsr,
      'dsr-on-ipv6-node': both(dsr, ipv6),
      'dsr-maglev': dsrMaglev,
      'dsr-ipv6': dsrIpv6,
      'dsr-shared-ip': dsrSharedIp,
      'dsr-cri': both(dsr, flag((c) => c.runtimeEndpoint !== '' && !c.runtimeEndpoint.includes('docker'))),
      'ipv6-firewall': both(ipv6, flag((c) => c.runFirewall)),
      'ipv6-bgp-no-graceful-restart': both(ipv6, flag((c) => c.runRouter && !c.bgpGracefulRestart)),
      'dual-stack-permit-all-off': both(dualStack, flag((c) => !c.ipvsPermitAll)),
      'overlay-fou': flag((c) => c.enableOverlay && c.overlayEncap === 'fou'),
      'service-local': serviceLocal,
      'external-traffic-local': externalTrafficLocal,
    }

    const findings: FindingInput[] = []
    if (byVersion.size > 1) {
      findings.push({
        severity: 'warning',
        subject: 'kube-router versions',
        title: `Nodes run ${byVersion.size} different kube-router versions: ${[...byVersion.keys()].join(', ')}`,
        detail: 'A DaemonSet rollout in progress or pinned pods: behaviour differs between nodes, and bugs fixed on some nodes remain on others.',
        evidence: [...byVersion.values()].map((e) => `${e.version.text}: ${fewNames(e.nodes, 20)}`),
        remediation: ['kubectl -n kube-system rollout status ds/kube-router'],
        fixedIn: null,
      })
    }
    for (const {version, evidence, nodes: names} of byVersion.values()) {
      for (const bug of bugsAffecting(version)) {
        const applies = holds[bug.when]
        if (applies === false) continue
        findings.push({
          // a precondition that could not be decided (no cluster objects, no DaemonSet) lowers it to info
          severity: applies === null ? 'info' : bug.severity,
          subject: version.text,
          title: `kube-router ${version.text}: ${bug.title}`,
          detail:
            `${bug.detail} Fixed in ${bug.fixedIn}.` +
            (names.length ? ` Running on ${fewNames(names, 5)}.` : '') +
            (bug.when !== 'always' ? (applies ? ` Applies here: ${CONDITION_TEXT[bug.when]}.` : ` Applies if ${CONDITION_TEXT[bug.when]}, which could not be determined.`) : '') +
            (bug.relatedCheck ? ` The ${bug.relatedCheck} check looks for its footprint on each node.` : ''),
          evidence,
          remediation: [
            `Upgrade kube-router to ${bug.fixedIn} or later: kubectl -n kube-system set image ds/kube-router kube-router=docker.io/cloudnativelabs/kube-router:<version>`,
            ...bug.links.map((l) => `See ${l}`),
          ],
          fixedIn: bug.fixedIn,
        })
      }
    }
    const versions = [...byVersion.keys()].join(', ')
    return {findings, note: findings.length ? undefined : `kube-router ${versions}: no known bug applies`}
  },
})

/** "a, b, c" or, past `max` names, "a, b, c, d and 196 more nodes": a 200-node cluster's list stays one line. */
function fewNames(names: readonly string[], max: number): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max - 1).join(', ')} and ${names.length - max + 1} more nodes`
}
