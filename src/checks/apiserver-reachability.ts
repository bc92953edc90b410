// Active: the kubernetes Service VIP and the API server endpoints reached from the node itself.
// A refused connection to the node's own IPv6 address on 6443 is FM3 (kube-router-facts.md "FM3").
import {defineNodeCheck} from './define.js'
import {hostPort, probeLine} from './reachability.js'
import {shellWord} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {isNodeIp} from '../expected/node-facts.js'

export const apiserverReachability = defineNodeCheck({
  id: 'apiserver-reachability',
  title: 'The API server answers from the node (kubernetes Service VIP and endpoints)',
  needs: ['probes.json'],
  evaluate({node, facts}) {
    const probes = sourceValue(node, 'probes.json')!.filter((p) => p.kind === 'apiserver')
    if (probes.length === 0) return {skip: "no API server target was probed (needs the cluster's kubernetes Service: run with a kubeconfig)"}
    const failed = probes.filter((p) => !p.ok)
    if (failed.length === 0) return {findings: [], note: `${probes.length} API server address${probes.length === 1 ? '' : 'es'} answered`}
    const ownIp = failed.filter((p) => isNodeIp(facts, p.target))
    const refused = failed.some((p) => /refused|unreachable/i.test(p.error ?? ''))
    return {
      findings: [{
        severity: 'error',
        subject: failed.map(hostPort).join(', '),
        title: `The API server is unreachable from the node at ${failed.map(hostPort).join(', ')}`,
        detail:
          `${failed.length} of ${probes.length} API server address${probes.length === 1 ? '' : 'es'} did not accept a TCP connection from ${node.name}'s host network namespace. ` +
          (ownIp.length
            ? `${ownIp.map((p) => p.target).join(', ')} is this node's own address: when a NodePort or LoadBalancer Service exists, kube-router sends traffic for the node IP through KUBE-ROUTER-SERVICES and rejects it unless the address is in kube-router-local-ips (see local-ips-ipset). `
            : refused
              ? 'The connection was refused or rejected rather than timing out, which points at a REJECT rule on the path (KUBE-ROUTER-SERVICES on the control-plane node) rather than routing. '
              : 'kubelet and pods on this node that use the kubernetes Service are affected. ') +
          'Compare with the other nodes of the run.',
        evidence: failed.map((p) => probeLine(p, node.name)),
        remediation: [
          ...failed.slice(0, 2).map((p) => `curl -k --connect-timeout 3 ${shellWord(`https://${hostPort(p)}/healthz`)}`),
          'ip6tables -nvL KUBE-ROUTER-SERVICES; iptables -nvL KUBE-ROUTER-SERVICES',
        ],
        fixedIn: null,
      }],
    }
  },
})
