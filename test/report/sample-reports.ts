// Realistic doctor reports shared by the renderer tests.
import {summarise} from '../../src/report/summary.js'
import {CHECKS} from '../../src/checks/index.js'
import type {CheckInfo, CheckResult, DoctorReport, Finding, NodeReport} from '../../src/model/report.js'

export const IPV6_ROUTE_EVIDENCE = 'local fd00:10:96::a dev kube-dummy-if table local proto kernel metric 0 pref medium'

/** The checks that ran, as analyse lists them: registry order, id and title. */
export function checksOf(results: readonly CheckResult[]): CheckInfo[] {
  return CHECKS.filter((c) => results.some((r) => r.check === c.id)).map(({id, title}) => ({id, title}))
}

function report(parts: Omit<DoctorReport, 'apiVersion' | 'kind' | 'summary' | 'checks'>): DoctorReport {
  return {apiVersion: 'kr.kube-router.io/v1', kind: 'DoctorReport', ...parts, checks: checksOf(parts.results), summary: summarise(parts.findings, parts.nodes)}
}

const ipv6Finding = (node: string): Finding => ({
  check: 'ipv6-vip-routes',
  severity: 'error',
  node,
  subject: 'fd00:10:96::a',
  title: 'Service VIP fd00:10:96::a is unreachable from the node: extra kernel route on kube-dummy-if',
  detail:
    'kube-router assigns every IPv6 service VIP to kube-dummy-if. The kernel then adds a "local" route for it in ' +
    'table local, so traffic from the node itself to the VIP is delivered to the dummy interface instead of being ' +
    'balanced by IPVS. Pods are not affected; host-network clients (kubelet probes, node-local DNS) time out.',
  evidence: [IPV6_ROUTE_EVIDENCE],
  remediation: [
    'ip -6 route del local fd00:10:96::a dev kube-dummy-if table local',
    'upgrade kube-router to v2.2.0 or later, which removes these routes itself',
  ],
  fixedIn: 'v2.2.0',
})

/** A cluster run with problems: IPv6 VIP routes on two nodes, an ipset that could not be read, a failed node. */
export function problemReport(): DoctorReport {
  const nodes: NodeReport[] = [
    {name: 'node-a', status: 'probed', error: null, kubeRouterVersion: 'v2.1.2'},
    {name: 'node-b', status: 'probed', error: null, kubeRouterVersion: 'v2.1.2', sourceIssues: {'probes.json': 'curl not found in image'}},
    {name: 'node-c', status: 'failed', error: 'probe pod kr-probe-node-c did not start: ImagePullBackOff'},
  ]
  const results: CheckResult[] = [
    {check: 'kube-router-version', node: null, status: 'fail', reason: null},
    {check: 'ipv6-vip-routes', node: 'node-a', status: 'fail', reason: null},
    {check: 'ipv6-vip-routes', node: 'node-b', status: 'fail', reason: null},
    {check: 'local-ips-ipset', node: 'node-a', status: 'pass', reason: null},
    {check: 'local-ips-ipset', node: 'node-b', status: 'error', reason: 'ipset.txt: line 12: cannot read member "fd00::1 timeout x"'},
    {check: 'vip-reachability', node: 'node-a', status: 'skipped', reason: 'probes.json missing: curl not found in image'},
    {check: 'vip-reachability', node: 'node-b', status: 'skipped', reason: 'probes.json missing: curl not found in image'},
    {check: 'dsr-sloppy-tcp', node: 'node-a', status: 'skipped', reason: 'no DSR service uses the mh scheduler'},
    {check: 'dsr-sloppy-tcp', node: 'node-b', status: 'skipped', reason: 'no DSR service uses the mh scheduler'},
    {check: 'networkd-foreign-rules', node: 'node-a', status: 'pass', reason: null},
    {check: 'networkd-foreign-rules', node: 'node-b', status: 'fail', reason: null},
  ]
  const findings: Finding[] = [
    {
      check: 'networkd-foreign-rules',
      severity: 'warning',
      node: 'node-b',
      subject: '/etc/systemd/networkd.conf',
      title: `systemd-networkd may delete kube-router's rules <ManageForeignRoutingPolicyRules> & "routes"`,
      detail:
        'systemd-networkd is active and does not set ManageForeignRoutingPolicyRules=no, so a restart of networkd ' +
        'removes the ip rules kube-router installed (table 77, 78, 79).',
      evidence: ['# active: yes', '# file: /etc/systemd/networkd.conf', '[Network]', '#ManageForeignRoutingPolicyRules=yes'],
      remediation: [
        'printf "[Network]\\nManageForeignRoutingPolicyRules=no\\nManageForeignRoutes=no\\n" > /etc/systemd/networkd.conf.d/kube-router.conf',
      ],
      fixedIn: null,
    },
    ipv6Finding('node-b'),
    {
      check: 'kube-router-version',
      severity: 'warning',
      node: null,
      subject: 'v2.1.2',
      title: 'kube-router v2.1.2 has known bugs that apply to this cluster',
      detail: 'Dual-stack services get extra IPv6 kernel routes on kube-dummy-if (fixed in v2.2.0).',
      evidence: ['image docker.io/cloudnativelabs/kube-router:v2.1.2'],
      remediation: ['upgrade the kube-router DaemonSet to v2.2.0 or later'],
      fixedIn: 'v2.2.0',
    },
    ipv6Finding('node-a'),
  ]
  return report({
    generatedAt: '2025-05-01T10:00:00Z',
    source: {mode: 'cluster', context: 'prod-eu', bundle: null},
    kubeRouter: {
      version: 'v2.1.2',
      image: 'docker.io/cloudnativelabs/kube-router:v2.1.2',
      args: ['--run-router=true', '--run-firewall=true', '--run-service-proxy=true', '--enable-ipv6=true'],
    },
    nodes,
    results,
    findings,
  })
}

/** A clean local run: passes only. */
export function cleanReport(): DoctorReport {
  const checks = ['policy-routing-rules', 'local-ips-ipset', 'ipv6-vip-routes']
  return report({
    generatedAt: '2025-05-02T08:30:00Z',
    source: {mode: 'local', context: null, bundle: null},
    kubeRouter: {version: 'v2.2.1', image: null, args: []},
    nodes: [{name: 'worker-1', status: 'probed', error: null}],
    results: checks.map((check) => ({check, node: 'worker-1', status: 'pass', reason: null})),
    findings: [],
  })
}

/** A bundle with many nodes (long names), an info finding on a passing check and a skipped node. */
export function bundleReport(nodeCount = 12): DoctorReport {
  const names = Array.from({length: nodeCount}, (_, i) => `ip-10-0-${i}-17.eu-west-1.compute.internal`)
  const nodes: NodeReport[] = [
    ...names.map((name): NodeReport => ({name, status: 'probed', error: null})),
    {name: 'ip-10-9-9-9.eu-west-1.compute.internal', status: 'skipped', error: 'node is NotReady'},
  ]
  const results: CheckResult[] = []
  for (const name of names) {
    results.push({check: 'dsr-route-noise', node: name, status: 'pass', reason: null})
    results.push({check: 'policy-routing-rules', node: name, status: name === names[3] ? 'fail' : 'pass', reason: null})
    results.push({check: 'dsr-programming', node: name, status: 'skipped', reason: 'no Service has the kube-router.io/service.dsr annotation'})
  }
  const findings: Finding[] = [
    {
      check: 'dsr-route-noise',
      severity: 'info',
      node: names[0],
      subject: '203.0.113.10',
      title: '"Failed to add route" for 203.0.113.10 is benign: the route exists',
      detail: 'kube-router logs this error on every sync when the route is already in table 78.',
      evidence: ['E0501 10:00:00.000000 1 service_endpoints_sync.go:123] Failed to add route to custom route table for external IP\'s due to: file exists'],
      remediation: [],
      fixedIn: null,
    },
    {
      check: 'policy-routing-rules',
      severity: 'error',
      node: names[3],
      subject: 'table 77',
      title: 'ip rule "from all lookup 77" is missing',
      detail: 'Without it, return traffic of DSR services is not routed.',
      evidence: ['0:\tfrom all lookup local', '32766:\tfrom all lookup main'],
      remediation: ['restart the kube-router pod on this node'],
      fixedIn: null,
    },
  ]
  return report({
    generatedAt: '2025-05-03T12:00:00Z',
    source: {mode: 'bundle', context: 'staging', bundle: './support/staging.tar.gz'},
    kubeRouter: {version: null, image: null, args: []},
    nodes,
    results,
    findings,
  })
}
