// Local mode without cluster objects (`doctor --local` on a host without a kubeconfig), IPVS unavailable and no
// probe targets: the checks that need cluster objects, IPVS or probes are skipped with a reason; none errors.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {runCase} from './run-case.js'
import {CHECK_IDS} from '../../src/checks/index.js'

test('local-mode-no-cluster: every check runs or is skipped with a reason naming what it needs', async () => {
  const {report, sourceWarnings} = await runCase('local-mode-no-cluster')
  assert.deepEqual(sourceWarnings, [])
  assert.equal(report.source.mode, 'bundle')
  assert.equal(report.kubeRouter.image, null)
  const status = Object.fromEntries(report.results.map((r) => [r.check, r.status]))
  assert.deepEqual(Object.keys(status), [...CHECK_IDS])
  assert.deepEqual(status, {
    'kube-router-version': 'pass',
    'dsr-programming': 'skipped',
    'dsr-route-noise': 'skipped',
    'ipv6-vip-routes': 'pass',
    'vip-reachability': 'skipped',
    'local-ips-ipset': 'pass',
    'apiserver-reachability': 'skipped',
    'networkd-foreign-rules': 'pass',
    'policy-routing-rules': 'pass',
    'dsr-sloppy-tcp': 'skipped',
    'kube-router-present': 'pass',
    'iptables-backend': 'skipped',
    'kube-proxy-leftovers': 'pass',
    'pod-routes': 'skipped',
    'service-cidr': 'skipped',
    'pod-cidr': 'skipped',
    'mtu': 'pass',
    'hairpin': 'pass',
    'node-ips-ipset': 'skipped',
    'netpol-sync': 'skipped',
    'external-ip-validation': 'skipped',
    'kube-router-log': 'skipped',
    'kube-router-pods': 'skipped',
  })
  const reason = (id: string) => report.results.find((r) => r.check === id)!.reason ?? ''
  assert.match(reason('dsr-programming'), /cluster's Services .*ipvsadm/)
  assert.match(reason('dsr-sloppy-tcp'), /cluster's Services or ipvsadm/)
  assert.match(reason('dsr-route-noise'), /nodes\/node-a\/kube-router\.log/)
  assert.match(reason('vip-reachability'), /nodes\/node-a\/probes\.json/)
  assert.match(reason('apiserver-reachability'), /nodes\/node-a\/probes\.json/)
  // without cluster objects or IPVS, DSR use is unknown: only the version's conditional bugs can be listed (as info)
  assert.deepEqual(report.findings.filter((f) => f.severity !== 'info'), [])
  assert.equal(report.summary.errors, 0)
})
