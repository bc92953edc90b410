// Whether kube-router's routing controller can start on a node (accuracy-audit §3 #7; kube-router #320, #360):
// NewNetworkRoutingController calls utils.GetPodCidrFromNodeSpec, which takes the singular
// `kube-router.io/pod-cidr` annotation (it must parse as a CIDR) or else spec.podCIDR, and klog.Fatalf's when
// neither is there; setupHandlers then parses the plural `kube-router.io/pod-cidrs` annotation (every entry must
// be a CIDR) or spec.podCIDRs. So the plural annotation alone is not enough (pkg/utils/pod_cidr.go,
// network_routes_controller.go @ v2.0.0 and v2.11.1; the service proxy does the same with --run-router).
import {parsePrefix} from '../model/ip.js'
import type {NodeObject} from '../model/types.js'

export const POD_CIDR_ANNOTATION = 'kube-router.io/pod-cidr'
export const POD_CIDRS_ANNOTATION = 'kube-router.io/pod-cidrs'

export type PodCidrVerdict =
  | {ok: true; from: string}
  | {ok: false; problem: 'missing' | 'bad-annotation' | 'bad-annotations'; why: string}

function isCidr(text: string): boolean {
  return text.includes('/') && parsePrefix(text) !== null
}

export function routerPodCidr(node: NodeObject): PodCidrVerdict {
  const annotations = node.metadata.annotations ?? {}
  const single = annotations[POD_CIDR_ANNOTATION]
  const plural = annotations[POD_CIDRS_ANNOTATION]
  const spec = node.spec?.podCIDR ?? node.spec?.podCIDRs?.[0]
  if (single !== undefined && !isCidr(single)) {
    return {ok: false, problem: 'bad-annotation', why: `${POD_CIDR_ANNOTATION}: "${single}" is not a CIDR ("error parsing pod CIDR in node annotation")`}
  }
  if (single === undefined && !spec) {
    return {
      ok: false, problem: 'missing',
      why: plural !== undefined
        ? `spec.podCIDR is empty and there is no ${POD_CIDR_ANNOTATION} annotation; ${POD_CIDRS_ANNOTATION} (${plural}) alone is not read at this point`
        : `spec.podCIDR is empty and there is no ${POD_CIDR_ANNOTATION} annotation ("node.Spec.PodCIDR not set for node: ${node.metadata.name}")`,
    }
  }
  if (plural !== undefined) {
    const bad = plural.split(',').filter((c) => !isCidr(c))
    if (bad.length) return {ok: false, problem: 'bad-annotations', why: `${POD_CIDRS_ANNOTATION}: "${bad.join('", "')}" is not a CIDR`}
  }
  return {ok: true, from: single !== undefined ? `${POD_CIDR_ANNOTATION}: ${single}` : `spec.podCIDR: ${spec}`}
}
