// No false green (issue 12 item 4): a node where kube-router left no footprint at all gives the other checks nothing
// to judge, so their silence would read as "no problems found". kube-router's footprint (kube-router-facts.md §1,
// §5): kube-dummy-if (service proxy), kube-bridge (routing controller), KUBE-ROUTER-* chains (every controller; the
// only sign of k3s's embedded network policy controller), kube-router-* ipsets, a running kube-router process.
import {defineNodeCheck} from './define.js'
import {sourceProblem, sourceValue} from '../model/node-state.js'
import {BRIDGE_IF, DUMMY_IF} from '../expected/node-facts.js'

export const kubeRouterPresent = defineNodeCheck({
  id: 'kube-router-present',
  title: 'kube-router runs on the node',
  needs: ['ip-addr.json'],
  uses: ['iptables.txt', 'ip6tables.txt', 'ipset.txt', 'kube-router-process.txt', 'kube-router.log'],
  evaluate({node}) {
    const links = sourceValue(node, 'ip-addr.json') ?? []
    const signs: string[] = []
    for (const ifname of [DUMMY_IF, BRIDGE_IF]) if (links.some((l) => l.ifname === ifname)) signs.push(`link ${ifname}`)
    for (const file of ['iptables.txt', 'ip6tables.txt'] as const) {
      const chains = [...(sourceValue(node, file)?.chains.values() ?? [])].flatMap((t) => [...t.keys()]).filter((c) => c.startsWith('KUBE-ROUTER'))
      if (chains.length) signs.push(`${file === 'iptables.txt' ? 'iptables' : 'ip6tables'} chains ${[...new Set(chains)].slice(0, 3).join(', ')}`)
    }
    const sets = [...(sourceValue(node, 'ipset.txt')?.sets.keys() ?? [])].filter((n) => n.includes('kube-router'))
    if (sets.length) signs.push(`ipsets ${sets.slice(0, 3).join(', ')}`)
    const processes = sourceValue(node, 'kube-router-process.txt')
    if (processes?.length) signs.push(`process ${processes[0].pid} ${processes[0].commandLine}`)
    if (signs.length) return {findings: [], note: `kube-router's footprint: ${signs.join('; ')}`}

    const processProblem = sourceProblem(node, 'kube-router-process.txt')
    const unread = (['iptables.txt', 'ip6tables.txt', 'ipset.txt'] as const).map((f) => sourceProblem(node, f)).filter((p) => p !== null)
    const absent = [
      `no ${DUMMY_IF} and no ${BRIDGE_IF} link`,
      'no KUBE-ROUTER chains in iptables or ip6tables',
      'no kube-router ipsets',
      processProblem ? `kube-router processes not checked (${processProblem.text})` : 'no kube-router process',
    ]
    return {
      findings: [{
        severity: 'error',
        subject: node.name,
        title: `kube-router is not running on ${node.name}: nothing of it is on the node`,
        detail:
          `${absent.join(', ')}. Every other check looks at kube-router's routes, rules, ipsets and chains, so on this host they find nothing wrong because there is nothing of kube-router to judge: their passes mean nothing here.` +
          (unread.length ? ` Not readable: ${unread.map((p) => p!.text).join('; ')}.` : ''),
        evidence: [`links: ${links.map((l) => l.ifname).join(', ') || '(none)'}`, ...(processes ? ['kube-router-process.txt: (no kube-router process)'] : [])],
        remediation: [
          'Run `kubectl kr doctor --local` on a node of the kube-router cluster, or `kubectl kr doctor` with a kubeconfig to probe every node.',
          'On a cluster node: kubectl -n kube-system get pods -l k8s-app=kube-router -o wide   # is a kube-router pod scheduled and running here?',
        ],
        fixedIn: null,
      }],
    }
  },
})
