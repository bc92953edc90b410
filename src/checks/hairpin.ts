// accuracy-audit §3 #8 (kube-router #9, #189, #637, #1158, #1196, #1235): a pod reaching itself through its own
// Service needs both kube-router's KUBE-ROUTER-HAIRPIN SNAT rules (per Service with the kube-router.io/service.hairpin
// annotation, or all with --hairpin-mode) and hairpin_mode=1 on the pod's kube-bridge port, which kube-router leaves
// to the bridge CNI plugin's "hairpinMode": true since v2.1.1 (317c754a; docs/user-guide.md "Hairpin Mode").
// `ip -d` reports each bridge port's hairpin flag. Trap: without any hairpin request, ports with hairpin off are normal.
import {defineNodeCheck} from './define.js'
import {sourceValue} from '../model/node-state.js'
import {kubeRouterDeployment} from '../model/kube-router-config.js'
import {BRIDGE_IF} from '../expected/node-facts.js'
import {rulesInChain} from '../parsers/iptables-save.js'

const HAIRPIN_ANNOTATION = 'kube-router.io/service.hairpin'
const HAIRPIN_CHAIN = 'KUBE-ROUTER-HAIRPIN'

function globalHairpin(args: string[]): string | null {
  const flag = args.find((a) => /^--?hairpin-mode(=|$)/.test(a))
  if (!flag) return null
  const value = flag.includes('=') ? flag.split('=')[1].toLowerCase() : 'true'
  return ['true', '1', 't', 'yes'].includes(value) ? flag : null
}

export const hairpin = defineNodeCheck({
  id: 'hairpin',
  title: 'kube-bridge ports have hairpin mode where Services ask for hairpin traffic',
  needs: ['ip-addr.json'],
  uses: ['iptables.txt'],
  evaluate({node, cluster}) {
    const links = sourceValue(node, 'ip-addr.json')!
    if (!links.some((l) => l.ifname === BRIDGE_IF)) return {skip: `no ${BRIDGE_IF} on this node`}
    const ports = links.filter((l) => l.master === BRIDGE_IF)
    const reported = ports.filter((l) => l.hairpin !== null && l.hairpin !== undefined)
    const ipt = sourceValue(node, 'iptables.txt')
    const hairpinRules = (ipt ? rulesInChain(ipt, HAIRPIN_CHAIN) : []).filter((r) => r.table === 'nat')
    const flag = globalHairpin(kubeRouterDeployment(cluster?.kubeRouter ?? null).args)
    const annotated = (cluster?.services ?? []).filter((s) => s.metadata.annotations?.[HAIRPIN_ANNOTATION] !== undefined)
      .map((s) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`)
    const requested = flag !== null || annotated.length > 0 || hairpinRules.length > 0
    if (!requested) return {findings: [], note: 'no Service asks for hairpin traffic (no --hairpin-mode, no kube-router.io/service.hairpin annotation, no KUBE-ROUTER-HAIRPIN rules)'}
    if (ports.length === 0) return {findings: [], note: `no pod ports on ${BRIDGE_IF}`}
    if (reported.length === 0) return {skip: `ip -d reported no bridge-port details for the ${BRIDGE_IF} ports`}
    const off = reported.filter((l) => l.hairpin === false)
    if (off.length === 0) return {findings: []}
    const why = [flag ? `kube-router runs with ${flag}` : '', annotated.length ? `Services annotated ${HAIRPIN_ANNOTATION}: ${annotated.slice(0, 5).join(', ')}${annotated.length > 5 ? ', ...' : ''}` : '',
      hairpinRules.length ? `${hairpinRules.length} ${HAIRPIN_CHAIN} rule(s) in nat` : ''].filter(Boolean)
    return {
      findings: [{
        severity: 'warning',
        subject: BRIDGE_IF,
        title: `${off.length} of ${reported.length} ${BRIDGE_IF} port(s) have hairpin mode off while hairpin traffic is wanted`,
        detail:
          `Hairpin traffic is asked for (${why.join('; ')}), but a pod behind a port without hairpin mode cannot reach itself through its Service: ` +
          `the bridge never sends a frame back out of the port it came in on, so the connection times out when IPVS picks the pod itself. ` +
          'kube-router (v2.1.1+) leaves hairpin_mode to the bridge CNI plugin\'s "hairpinMode": true, which applies to pods created after it is set.',
        evidence: [...off.slice(0, 10).map((l) => `${l.ifname}: master ${BRIDGE_IF} hairpin off`), ...(off.length > 10 ? [`... and ${off.length - 10} more`] : []), ...hairpinRules.slice(0, 3).map((r) => r.text)],
        remediation: [
          'Add "hairpinMode": true to the bridge plugin in /etc/cni/net.d/10-kuberouter.conflist (kube-router\'s cni-conf.json) on every node, then recreate the pods (or reboot the node).',
          `Until then, per port: echo 1 > /sys/class/net/<port>/brport/hairpin_mode (for example ${off[0].ifname}).`,
        ],
        fixedIn: null,
      }],
    }
  },
})
