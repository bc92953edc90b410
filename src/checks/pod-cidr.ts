// accuracy-audit §3 #7: a node kube-router cannot start on for want of a pod CIDR (expected/pod-cidr.ts). With
// --run-router kube-router exits ("Failed to get pod CIDR from node spec") and crash-loops on that node: no pod
// network there at all. Usual causes: kube-controller-manager without --allocate-node-cidrs, or only the plural
// kube-router.io/pod-cidrs annotation set. The DaemonSet says whether the routing controller runs; without it the
// verdict rests on kube-router's default (--run-router=true) and is lowered to a warning.
import {defineClusterCheck, type FindingInput} from './define.js'
import {sourceValue} from '../model/node-state.js'
import {POD_CIDR_ANNOTATION, POD_CIDRS_ANNOTATION, routerPodCidr} from '../expected/pod-cidr.js'

export const podCidr = defineClusterCheck({
  id: 'pod-cidr',
  title: 'Every node has the pod CIDR kube-router needs to start',
  needs: [],
  uses: ['kube-router.log'],
  evaluate({cluster, config, nodes}) {
    if (!cluster) return {skip: "needs the cluster's Node objects"}
    const known = config !== null && cluster.kubeRouter !== null
    if (known && !config.runRouter) return {findings: [], note: 'kube-router runs with --run-router=false: it does not need a pod CIDR'}
    const findings: FindingInput[] = []
    for (const node of cluster.nodes) {
      const verdict = routerPodCidr(node)
      if (verdict.ok) continue
      const name = node.metadata.name
      const log = nodes.find((n) => n.node.name === name)
      const lines = (log ? sourceValue(log.node, 'kube-router.log') ?? [] : []).filter((l) => /Failed to get pod CIDR|error parsing pod CIDR/.test(l.message)).map((l) => l.text)
      const annotations = node.metadata.annotations ?? {}
      findings.push({
        severity: known ? 'error' : 'warning',
        subject: name,
        title: `kube-router cannot start on ${name}: ${verdict.problem === 'missing' ? 'the node has no pod CIDR it reads' : 'a pod CIDR annotation is not a CIDR'}`,
        detail:
          `${verdict.why}. kube-router's routing controller reads the node's pod CIDR at start and exits when it cannot, so it crash-loops on ${name}: no pod network, no Service proxy on that node. ` +
          (known ? '' : 'The DaemonSet was not read, so this assumes kube-router\'s default --run-router=true. ') +
          (verdict.problem === 'missing' ? `It needs spec.podCIDR (kube-controller-manager --allocate-node-cidrs) or the singular ${POD_CIDR_ANNOTATION} annotation.` : ''),
        evidence: [
          `spec.podCIDR: ${node.spec?.podCIDR ?? '(none)'}; spec.podCIDRs: ${node.spec?.podCIDRs?.join(',') ?? '(none)'}`,
          ...[POD_CIDR_ANNOTATION, POD_CIDRS_ANNOTATION].filter((a) => annotations[a] !== undefined).map((a) => `${a}: ${annotations[a]}`),
          ...lines.slice(-3),
        ],
        remediation: verdict.problem === 'missing'
          ? [
            'Let kube-controller-manager allocate pod CIDRs (--allocate-node-cidrs=true --cluster-cidr=<pod range>), or',
            `annotate the node: kubectl annotate node ${name} ${POD_CIDR_ANNOTATION}=<this node's pod CIDR>${annotations[POD_CIDRS_ANNOTATION] ? ` (e.g. the IPv4 entry of ${POD_CIDRS_ANNOTATION})` : ''}`,
          ]
          : [`Fix the annotation to a CIDR such as 10.244.1.0/24: kubectl annotate --overwrite node ${name} ${verdict.problem === 'bad-annotation' ? POD_CIDR_ANNOTATION : POD_CIDRS_ANNOTATION}=<CIDR>`],
        fixedIn: null,
      })
    }
    return {findings}
  },
})
