// FM2 (kube-router-facts.md "FM2"): adding a /128 to kube-dummy-if makes the kernel add
// `<VIP> dev kube-dummy-if proto kernel metric 256` and `local <VIP> ... table local proto kernel metric 0`
// without `src`; they outrank kube-router's `local <VIP> ... src <nodeIP>` route, so the node sources
// packets from the VIP. Fixed in v2.2.0 (PR #1700). Trap: routes with `src <node IP>` are expected.
import {defineNodeCheck} from './define.js'
import {routeDeleteCommand, routesOf, plural} from './util.js'
import {hasFix, knownBug} from '../expected/version-matrix.js'
import {hostOf, sameIp} from '../model/ip.js'

export const ipv6VipRoutes = defineNodeCheck({
  id: 'ipv6-vip-routes',
  title: 'No extra kernel IPv6 routes for Service VIPs on kube-dummy-if',
  needs: ['ip-addr.json', 'ip6-route.json'],
  evaluate({facts, node}) {
    const vips = facts.dummyVips[6]
    if (vips.length === 0) return {findings: [], note: 'no IPv6 VIPs on kube-dummy-if'}
    const routes = routesOf(node, 6)
    const {fixedIn} = knownBug('ipv6-vip-kernel-routes')
    // kube-router's src is its own pick of the Node's IPv6 address (FindBestIPv6NodeAddress); without the Node object
    // the doctor's guess may differ, so only a missing src or the VIP itself prove the fault (accuracy-audit.md §1.4)
    const nodeIp = facts.nodeIpFromNode[6] ? facts.nodeIp[6] : null
    const findings = []
    for (const vip of vips) {
      const forVip = routes.filter((r) => r.dst !== 'default' && sameIp(hostOf(r.dst), vip) && !r.dst.includes('/'))
      const bad = forVip.filter((r) => r.prefsrc === null || sameIp(r.prefsrc, vip) || (nodeIp !== null && !sameIp(r.prefsrc, nodeIp)))
      if (bad.length === 0) continue
      const good = forVip.filter((r) => !bad.includes(r))
      const fixed = facts.version !== null && hasFix(facts.version, 'ipv6-vip-kernel-routes')
      findings.push({
        severity: 'error' as const,
        subject: vip,
        title: `IPv6 VIP ${vip} is unreachable from this node: ${plural(bad.length, 'kernel route')} without the node IP as source`,
        detail:
          `The kernel added ${bad.length === 1 ? 'a route' : 'routes'} for ${vip} on kube-dummy-if without \`src\`. ` +
          `They outrank kube-router's route${nodeIp ? ` with \`src ${nodeIp}\`` : ''}, so connections from the node itself leave with the VIP as source and never complete. ` +
          (good.length === 0 ? `kube-router's own \`local ${vip} ... src <node IP>\` route is missing too. ` : '') +
          (fixed
            ? `kube-router ${facts.version!.text} removes these routes at every IPVS sync, so their presence means its proxy sync is not running or failing on this node.`
            : `kube-router before ${fixedIn} does not remove them (kube-router issue #1698).`),
        evidence: forVip.map((r) => r.text),
        remediation: [
          ...(fixed ? [] : [`Upgrade kube-router to ${fixedIn} or later.`]),
          `Workaround on the node (the routes come back only if the address is re-added): ${bad.map(routeDeleteCommand).join(' && ')}`,
        ],
        // the running version already has the fix: upgrading does not help, its proxy sync does not run
        fixedIn: fixed ? null : fixedIn,
      })
    }
    return {findings, note: findings.length ? undefined : `${plural(vips.length, 'IPv6 VIP')} on kube-dummy-if, each routed with the node IP as source`}
  },
})
