// kube-router-log (accuracy-audit §3 #9/#12, §2): known error lines in kube-router's log, each with cause, fix and
// the release that fixed it (from the version matrix), judged against the node's version.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {clusterCase} from './cluster-case.js'
import {assertHasLine, assertQuietPass, findingsOf, resultOf} from './run-case.js'
import {LOG_PATTERNS, classify} from '../../src/expected/log-patterns.js'

const ID = 'kube-router-log'

test('v2.2.1 DSR log: "produced zero addresses" is the CRI resolver bug fixed in v2.2.2; the other known lines each get their finding', async () => {
  const report = await clusterCase('kube-router-log-v2.2.1', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const found = findingsOf(report, ID)
  assert.deepEqual(found.map((f) => [f.subject, f.severity]), [
    ['dsr-cri-resolver', 'error'],
    ['dsr-host-network', 'warning'],
    ['netlink-inconsistent', 'warning'],
    ['other errors', 'info'],
  ])
  const [cri, host, netlink, other] = found
  assert.equal(cri.title, 'DSR receiver setup cannot reach the container runtime ("produced zero addresses") (2 lines)')
  assert.equal(cri.fixedIn, 'v2.2.2')
  assert.match(cri.detail, /kube-router v2\.2\.1 has this bug \(https:\/\/github\.com\/cloudnativelabs\/kube-router\/issues\/1754\); fixed in v2\.2\.2/)
  assertHasLine(cri.evidence, 'E1101 09:40:35.302118       1 network_services_controller.go:395] error during ipvs sync')
  assert.equal(host.fixedIn, null)
  assertHasLine(host.remediation, 'kube-router.io/service.dsr', 'remediation')
  // the interrupted-dump bug came with v2.6.0 (accuracy-audit §2: [v2.6.0, v2.7.0)): v2.2.1 predates it, so v2.7.0
  // is no fix for this line and the text says the version is older than the bug, not that it has the fix
  assert.equal(netlink.fixedIn, null)
  assert.match(netlink.detail, /kube-router v2\.2\.1 predates this bug \(it came with v2\.6\.0, https:\/\/github\.com\/cloudnativelabs\/kube-router\/issues\/1965\), so the cause here is different/)
  assert.equal(other.title, "1 other error line(s) in kube-router's log")
  assertHasLine(other.evidence, 'Network Services Controller heartbeat missed')
  // the network-policy abort belongs to netpol-sync: named in the note, not repeated as a finding
  assert.match(resultOf(report, ID).reason ?? '', /1 netpol-abort line\(s\), see netpol-sync/)
})

test('the same "produced zero addresses" line on v2.11.1: no fixed-in, the text says this version has the fix', async () => {
  const found = findingsOf(await clusterCase('kube-router-log-fixed-version', ID), ID)
  assert.equal(found.length, 1)
  assert.equal(found[0].fixedIn, null)
  assert.match(found[0].detail, /kube-router v2\.11\.1 already has the fix from v2\.2\.2, so the cause here is different/)
})

test('trap: info lines and expected warnings (strict validation without ranges) only: quiet pass', async () => {
  assertQuietPass(await clusterCase('kube-router-log-clean', ID), ID)
})

test('every pattern classifies a line in kube-router\'s own wording, and the first match wins in list order', () => {
  const samples: Record<string, string> = {
    'rt-tables-missing': 'failed to update rt_tables file: open /etc/iproute2/rt_tables: no such file or directory',
    'dsr-cri-resolver': 'unable to setup DSR receiver inside pod: rpc error: code = Unavailable desc = name resolver error: produced zero addresses',
    'dsr-container-lookup': 'unable to setup DSR receiver inside pod: could not find container 3f2a',
    'dsr-runtime-endpoint': 'unable to setup DSR receiver inside pod: runtimeEndpoint is not specified',
    'dsr-receiver': 'unable to setup DSR receiver inside pod: failed to enter netns',
    'dsr-host-network': 'detected pod (a:b) with hostNetwork: true while attempting to setup DSR for service (a:c) - DSR does not work with hostNetwork: true pods, skipping!',
    'dsr-policy-routing': 'failed to setup policy routing required for DSR due to file exists',
    'fou-enable': 'Failed to enable FoU for tunnel overlay: operation not supported',
    'netlink-inconsistent': 'Failed to get list of links: results may be incomplete or inconsistent',
    'ipvs-firewall': 'error setting up ipvs firewall: running [ip6tables -t filter -A KUBE-ROUTER-SERVICES]: unknown option "--icmpv6-type"',
    'missing-kernel-match': "iptables-restore: line 9 failed: Couldn't load match `set':No such file or directory",
    'address-in-use': 'Failed to start node BGP server: listen tcp 0.0.0.0:179: bind: address already in use',
    'ipvs-sync': 'error during periodic ipvs sync in network service controller. Error: failed to add IPVS service',
    'bridge-mtu': 'Failed to set MTU for kube-bridge interface due to: invalid argument',
    'pod-cidr': 'Failed to get pod CIDR from node spec. kube-router relies on kube-controller-manager',
    'netpol-abort': 'Aborting sync. Failed to run iptables-restore: exit status 1',
    'dsr-route-noise': "Failed to add route for 199.27.151.9 in custom route table for external IP's due to: file exists",
    'external-ip-rejected': 'Service web/frontend: rejecting externalIP 199.27.151.9: not within any configured --service-external-ip-range',
  }
  assert.deepEqual(Object.keys(samples).sort(), LOG_PATTERNS.map((p) => p.id).sort(), 'a sample for every pattern')
  for (const [id, message] of Object.entries(samples)) assert.equal(classify(message)?.id, id, message)
  assert.equal(classify('Network Services Controller heartbeat missed'), null)
})
