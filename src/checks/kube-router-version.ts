// Known kube-router bugs that apply to the versions running in the cluster (src/expected/version-matrix.ts).
// Each bug is reported only when its precondition (IPv6, DSR, DSR+Maglev) holds or cannot be ruled out.
import {defineClusterCheck, type FindingInput} from './define.js'
import {bugsAffecting, type BugCondition} from '../expected/version-matrix.js'
import {dsrTuples} from '../expected/services.js'
import {defaultKubeRouterConfig} from '../model/kube-router-config.js'
import {sourceValue} from '../model/node-state.js'
import {versionFromImage} from '../parsers/kube-router-version.js'
import type {Version} from '../model/types.js'

const CONDITION_TEXT: Record<BugCondition, string> = {
  always: '',
  ipv6: 'IPv6 is enabled',
  dsr: 'DSR services exist',
  'dsr-maglev': 'DSR services use the Maglev (mh) scheduler',
  'dsr-ipv6': 'IPv6 DSR services exist',
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

    // Preconditions: true, false, or null when they cannot be decided from what was collected.
    const ipv6 = nodes.some((n) => n.facts.families[6]) || (config?.enableIpv6 ?? false)
    let dsr: boolean | null = null
    let dsrMaglev: boolean | null = null
    let dsrIpv6: boolean | null = null
    if (cluster) {
      const tuples = dsrTuples(cluster, config ?? defaultKubeRouterConfig(), null)
      dsr = tuples.length > 0
      dsrMaglev = tuples.some((t) => t.scheduler === 'mh')
      dsrIpv6 = tuples.some((t) => t.family === 6)
    } else {
      const fwm = nodes.flatMap((n) => sourceValue(n.node, 'ipvsadm.txt')?.services.filter((s) => s.protocol === 'FWM') ?? [])
      if (nodes.some((n) => sourceValue(n.node, 'ipvsadm.txt'))) {
        dsr = fwm.length > 0
        dsrMaglev = fwm.some((s) => s.scheduler === 'mh')
        dsrIpv6 = fwm.some((s) => s.family === 6)
      }
    }
    const holds: Record<BugCondition, boolean | null> = {always: true, ipv6, dsr, 'dsr-maglev': dsrMaglev, 'dsr-ipv6': dsrIpv6}

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
          severity: bug.severity,
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
