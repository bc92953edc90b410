// FM5 (kube-router-facts.md "FM5"): with DSR + Maglev (mh), the node that takes over a flow drops mid-stream
// packets unless net.ipv4.vs.sloppy_tcp=1. kube-router sets it itself from v2.6.0 (setupSloppyTCP).
// Trap: 0 with no DSR+mh service is expected on >= v2.6.0; a fresh FWM service may show `rr` until the next sync.
import {defineNodeCheck} from './define.js'
import {dsrStatusCommand, kubeRouterLogs} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {dsrTuples} from '../expected/services.js'
import {hasFix, knownBug} from '../expected/version-matrix.js'
import {defaultKubeRouterConfig} from '../model/kube-router-config.js'

const KEY = 'net.ipv4.vs.sloppy_tcp'

export const dsrSloppyTcp = defineNodeCheck({
  id: 'dsr-sloppy-tcp',
  title: 'net.ipv4.vs.sloppy_tcp=1 where DSR services use Maglev',
  needs: ['sysctl.txt'],
  uses: ['ipvsadm.txt'],
  evaluate({node, facts, cluster, config}) {
    let services: string[]
    if (cluster) {
      const tuples = dsrTuples(cluster, config ?? defaultKubeRouterConfig(), facts.version).filter((t) => t.scheduler === 'mh' && !t.rejectedByValidation)
      services = [...new Set(tuples.map((t) => t.service))]
    } else {
      const ipvs = sourceValue(node, 'ipvsadm.txt')
      if (!ipvs) return {skip: 'needs the cluster\'s Services or ipvsadm output to know whether DSR services use Maglev'}
      services = ipvs.services.filter((s) => s.protocol === 'FWM' && s.scheduler === 'mh').map((s) => s.text)
    }
    if (services.length === 0) return {findings: [], note: 'no DSR service uses the Maglev (mh) scheduler'}
    const sysctl = sourceValue(node, 'sysctl.txt')!
    const value = sysctl.values.get(KEY)
    if (value === undefined) return {skip: `${KEY} is not readable on this node (the ip_vs module is not loaded in the host network namespace)`}
    if (value.trim() === '1') return {findings: [], note: `${KEY} = 1 with ${services.length} DSR+Maglev service(s)`}
    const {fixedIn} = knownBug('dsr-maglev-sloppy-tcp')
    const manages = facts.version !== null && hasFix(facts.version, 'dsr-maglev-sloppy-tcp')
    return {
      findings: [{
        severity: 'error',
        subject: KEY,
        title: `${KEY} is ${value.trim()} while DSR services use Maglev: connections die when their ingress node fails`,
        detail:
          `${cluster ? 'Services' : 'IPVS services'} with DSR and the mh scheduler: ${services.join(', ')}. When the node that saw the SYN disappears, ECMP moves the flow to another node whose IPVS has no connection entry and drops the mid-stream packets; with sloppy_tcp=1 it creates the entry and Maglev picks the same backend. ` +
          (manages
            ? `kube-router ${facts.version!.text} sets this itself when a DSR+mh service exists, so it did not get there: an earlier DSR setup error in the same sync returns before it, or the value was forced back.`
            : `kube-router before ${fixedIn} does not manage this sysctl.`),
        evidence: [sysctl.lines.get(KEY) ?? `${KEY} = ${value}`, ...(cluster ? [] : services)],
        remediation: [
          ...(manages
            ? [`Look for DSR errors in the kube-router log: ${kubeRouterLogs(node.name)} | grep -iE 'dsr|sloppy'`, `sysctl -w ${KEY}=1`]
            : [
                `sysctl -w ${KEY}=1 && echo '${KEY} = 1' > /etc/sysctl.d/90-kube-router-dsr.conf   # on every node`,
                `Upgrade kube-router to ${fixedIn} or later, which manages the sysctl for DSR+Maglev services.`,
              ]),
          ...(cluster ? services.map((svc) => dsrStatusCommand(svc)) : [dsrStatusCommand(null)]),
        ],
        // from v2.6.0 kube-router sets it itself: an upgrade is no remedy there
        fixedIn: manages ? null : fixedIn,
      }],
    }
  },
})
