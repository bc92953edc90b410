// accuracy-audit.md §1: every verdict error the audit found, each on the fixture that reproduces it
// (test/fixtures/checks/<case>/, kernel state recorded in netns by record.sh). Each test failed before its fix.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {assertHasLine, assertQuietPass, checkCase, findingsOf, onlyFinding, resultOf, runCase} from './run-case.js'
import {loadCaseNode} from '../expected/load-case.js'
import {serviceVipTargets} from '../../src/expected/probe-targets.js'
import {parseVersionText} from '../../src/parsers/kube-router-version.js'

const errorsOf = (report: Awaited<ReturnType<typeof checkCase>>, id: string) => findingsOf(report, id).filter((f) => f.severity === 'error')

// ---------- §1.9 policy-routing-rules (and the facts every check shares) ----------

test('s01 pod-cidrs-annotation-wins: kube-router.io/pod-cidrs wins over spec.podCIDRs; its `lookup 77` rules are present: pass', async () => {
  const report = await checkCase('pod-cidrs-annotation-wins', 'policy-routing-rules')
  assertQuietPass(report, 'policy-routing-rules')
})

test('s02 overlay-off-daemonset-unknown: no pod-CIDR rule, no tunnel, no table 77 route, DaemonSet unknown: info, not an error', async () => {
  const report = await checkCase('overlay-off-daemonset-unknown', 'policy-routing-rules')
  assert.equal(resultOf(report, 'policy-routing-rules').status, 'pass')
  const f = onlyFinding(report, 'policy-routing-rules')
  assert.equal(f.severity, 'info')
  assert.match(f.detail, /--enable-overlay=false/)
  assert.match(f.detail, /no tun-\* link/)
})

test('look-alike: DaemonSet unknown, a tunnel and its table 77 route show the overlay is on: the missing rules stay errors', async () => {
  const report = await checkCase('overlay-tunnel-rules-wiped-daemonset-unknown', 'policy-routing-rules')
  const errors = errorsOf(report, 'policy-routing-rules')
  assert.deepEqual(errors.map((f) => f.subject), ['IPv4 rules', 'IPv6 rules'])
  assert.match(errors[0].detail, /tun-c0a8390d/)
})

test('s08 ipv6-flag-off-node-dual-stack: --enable-ipv6=false, but the Node has an IPv6 InternalIP: IPv6 rules are checked', async () => {
  const report = await checkCase('ipv6-flag-off-node-dual-stack', 'policy-routing-rules')
  const f = onlyFinding(report, 'policy-routing-rules')
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, 'IPv6 rules')
  assert.match(f.title, /from fd00:244:1::\/64 lookup/)
})

test('s10 lookup-79-missing-v2.6.2: only `from all lookup 79` is missing on v2.6.2: inert (table 79 is emptied every sync), info', async () => {
  const report = await checkCase('lookup-79-missing-v2.6.2', 'policy-routing-rules')
  assert.equal(resultOf(report, 'policy-routing-rules').status, 'pass')
  const findings = findingsOf(report, 'policy-routing-rules')
  assert.ok(findings.length > 0)
  for (const f of findings) {
    assert.equal(f.severity, 'info')
    assert.match(f.detail, /inert/)
  }
})

test('lookup-79-suppressed-v2.4.1: before v2.6.0 a rule containing "79" (fwmark 0x1779) keeps the 79 rule out for good: error, never heals', async () => {
  const report = await checkCase('lookup-79-suppressed-v2.4.1', 'policy-routing-rules')
  const v4 = findingsOf(report, 'policy-routing-rules').find((f) => f.subject === 'IPv4 rules')!
  assert.equal(v4.severity, 'error')
  assert.match(v4.detail, /never/)
  assert.match(v4.detail, /0x1779/)
  assert.doesNotMatch(v4.detail, /heals by itself/)
  assert.equal(v4.fixedIn, 'v2.6.0')
})

test('rt-tables-missing-v2.1.0: v2.1.0 without /etc/iproute2/rt_tables never sets up its rules: error naming rt_tables, fixed in v2.1.1', async () => {
  const report = await checkCase('rt-tables-missing-v2.1.0', 'policy-routing-rules')
  const errors = errorsOf(report, 'policy-routing-rules')
  assert.ok(errors.length >= 1)
  for (const f of errors) {
    assert.match(f.detail, /rt_tables/)
    assert.doesNotMatch(f.detail, /heals by itself/)
    assert.equal(f.fixedIn, 'v2.1.1')
  }
})

// ---------- §1.4 ipv6-vip-routes ----------

test('s03 ipv6-vip-routes-ula-node-ip-local: no cluster objects, SLAAC GUA first on eth0, VIP routes with src = ULA InternalIP: pass', async () => {
  const report = await checkCase('ipv6-vip-routes-ula-node-ip-local', 'ipv6-vip-routes')
  assertQuietPass(report, 'ipv6-vip-routes')
})

// ---------- §1.5 vip-reachability ----------

test('s04 vip-service-local-annotation-v2.3.1: service.local=true makes the ClusterIP Local before v2.4.0: its refusal is expected', async () => {
  const report = await checkCase('vip-service-local-annotation-v2.3.1', 'vip-reachability')
  const result = assertQuietPass(report, 'vip-reachability')
  assert.match(result.reason ?? '', /monitoring\/node-metrics/)
})

test('s04 target selection: with the version known before probing (DaemonSet image), node-local ClusterIPs are not probed', async () => {
  const {cluster} = await loadCaseNode('vip-service-local-annotation-v2.3.1')
  const addresses = (version: string | null) => serviceVipTargets(cluster!, 'node-a', version ? parseVersionText(version) : null).map((t) => t.address)
  assert.ok(!addresses('v2.3.1').includes('10.105.3.3'), 'v2.3.1: service.local keeps the ClusterIP on node-b only')
  assert.ok(addresses('v2.4.0').includes('10.105.3.3'), 'v2.4.0+: the ClusterIP answers everywhere')
  assert.ok(addresses(null).includes('10.105.3.3'), 'version unknown: probed, and the check judges it by the node\'s version')
  assert.ok(serviceVipTargets(cluster!, 'node-b', parseVersionText('v2.3.1')).some((t) => t.address === '10.105.3.3'), 'node-b has the endpoint')
})

test('look-alike: the same Service on v2.6.2 (service.local no longer gates the ClusterIP): the refusal is an error', async () => {
  const report = await checkCase('vip-service-local-annotation-v2.6.2', 'vip-reachability')
  const f = onlyFinding(report, 'vip-reachability')
  assert.equal(f.severity, 'error')
  assert.match(f.title, /10\.105\.3\.3:9100/)
})

// ---------- §1.6 local-ips-ipset ----------

test('s06 local-ips-node-ip-on-lo-v2.6.1: the node IP is a /32 on lo, in svip, not in local-ips, REJECT present: error', async () => {
  const report = await checkCase('local-ips-node-ip-on-lo-v2.6.1', 'local-ips-ipset')
  const f = onlyFinding(report, 'local-ips-ipset')
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, '10.0.0.13')
  assert.match(f.title, /10\.0\.0\.13/)
  assert.equal(f.fixedIn, 'v2.6.2')
})

test('s07 local-ips-node-ip-on-dummy0: the node IP on dummy0 is never added by kube-router (name filter): error naming the interface', async () => {
  const report = await checkCase('local-ips-node-ip-on-dummy0', 'local-ips-ipset')
  const f = onlyFinding(report, 'local-ips-ipset')
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, '10.0.0.13')
  assert.match(f.detail, /dummy0/)
  assert.match(f.detail, /dummy, kube or docker/)
})

test('local-ips-permit-all-false-v2.6.1: --ipvs-permit-all=false, yet the IPv6 REJECT rule survived: the observed rule decides (error)', async () => {
  const report = await checkCase('local-ips-permit-all-false-v2.6.1', 'local-ips-ipset')
  const findings = findingsOf(report, 'local-ips-ipset')
  const v6 = findings.find((f) => f.subject === 'fd00:56::11')!
  const v4 = findings.find((f) => f.subject === '192.168.56.11')!
  assert.equal(v6.severity, 'error')
  assertHasLine(v6.evidence, 'REJECT')
  assert.equal(v4.severity, 'warning')
})

// ---------- §1.2 dsr-programming, §1.10 dsr-sloppy-tcp ----------

test('s12 dsr-daemonset-unknown-v2.11.1: strict validation is not assumed without the flags; the node shows DSR programmed: pass', async () => {
  const report = await checkCase('dsr-daemonset-unknown-v2.11.1', 'dsr-programming')
  assertQuietPass(report, 'dsr-programming')
  const sloppy = await checkCase('dsr-daemonset-unknown-v2.11.1', 'dsr-sloppy-tcp')
  const result = assertQuietPass(sloppy, 'dsr-sloppy-tcp')
  assert.match(result.reason ?? '', /= 1 with/)
})

test('look-alike of s12: no DaemonSet and nothing programmed on a strict-validation version: info per tuple, not an error', async () => {
  const report = await checkCase('dsr-unprogrammed-daemonset-unknown-v2.11.1', 'dsr-programming')
  assert.equal(resultOf(report, 'dsr-programming').status, 'pass')
  const findings = findingsOf(report, 'dsr-programming')
  assert.deepEqual(findings.map((f) => [f.severity, f.subject]), [['info', '199.27.151.9:8080/tcp'], ['info', '203.0.113.7:8080/tcp']])
  assert.match(findings[0].detail, /DaemonSet is unknown/)
})

test('s14 dsr-tcpmss-missing: the TCPMSS clamp of each TCP DSR tuple is missing: warning per tuple', async () => {
  const report = await checkCase('dsr-tcpmss-missing', 'dsr-programming')
  const findings = findingsOf(report, 'dsr-programming')
  assert.deepEqual(findings.map((f) => [f.severity, f.subject]), [['warning', '199.27.151.9:8080/tcp'], ['warning', '203.0.113.7:8080/tcp']])
  assert.match(findings[0].title, /TCPMSS/)
  assert.match(findings[0].detail, /1440/)
})

test('dsr-tcpmss-wrong-value: --set-mss 1400 where kube-router uses MTU 1500 - 60 = 1440: warning naming both values', async () => {
  const report = await checkCase('dsr-tcpmss-wrong-value', 'dsr-programming')
  const findings = findingsOf(report, 'dsr-programming')
  assert.equal(findings.length, 2)
  assert.equal(findings[0].severity, 'warning')
  assert.match(findings[0].title, /1400/)
  assert.match(findings[0].title, /1440/)
})

test('s13 dsr-mark-stale-then-current: two MARK rules for a tuple, the last one (current mark) wins: pass', async () => {
  const report = await checkCase('dsr-mark-stale-then-current', 'dsr-programming')
  assertQuietPass(report, 'dsr-programming')
})

test('dsr-hostnetwork-endpoint: hostNetwork endpoints: kube-router skips DSR; the error names that cause and the log line', async () => {
  const report = await checkCase('dsr-hostnetwork-endpoint', 'dsr-programming')
  const errors = errorsOf(report, 'dsr-programming')
  assert.ok(errors.length >= 1)
  for (const f of errors) {
    assert.match(f.title, /hostNetwork/)
    assertHasLine(f.evidence, 'DSR does not work with hostNetwork: true pods')
  }
})

test('dsr-pod-receiver-failed-v2.2.1: director side programmed, the in-pod receiver failed (log): error fixed in v2.2.2', async () => {
  const report = await checkCase('dsr-pod-receiver-failed-v2.2.1', 'dsr-programming')
  const f = onlyFinding(report, 'dsr-programming')
  assert.equal(f.severity, 'error')
  assert.match(f.title, /inside the pod/)
  assertHasLine(f.evidence, 'produced zero addresses')
  assert.equal(f.fixedIn, 'v2.2.2')
})

// ---------- §1.8 networkd-foreign-rules ----------

test('networkd-systemd-245: networkd active with defaults, but systemd 245 removes no foreign rules or routes: pass', async () => {
  const report = await checkCase('networkd-systemd-245', 'networkd-foreign-rules')
  const result = assertQuietPass(report, 'networkd-foreign-rules')
  assert.match(result.reason ?? '', /245/)
})

// ---------- item 4: no false green ----------

test('not-kube-router-host: --local on a host without kube-router: a finding naming what is missing, not "no problems found"', async () => {
  const {report} = await runCase('not-kube-router-host')
  const f = onlyFinding(report, 'kube-router-present')
  assert.equal(f.severity, 'error')
  for (const missing of ['kube-dummy-if', 'KUBE-ROUTER', 'kube-router process']) assert.match(f.detail, new RegExp(missing))
  assert.equal(report.summary.errors, 1)
})

test('kube-router-present passes wherever kube-router left a footprint (also k3s, which embeds only its netpol controller)', async () => {
  for (const c of ['node-ip-in-svip-healthy', 'k3s-netpol-only', 'local-mode-no-cluster', 'dsr-vip-absent-from-dummy']) {
    const report = await checkCase(c, 'kube-router-present')
    assertQuietPass(report, 'kube-router-present')
  }
})
