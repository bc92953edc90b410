// ipv6-vip-routes (FM2): the kernel's own routes for an IPv6 VIP on kube-dummy-if, without `src`, outrank
// kube-router's `local <VIP> ... src <node IP>` route before v2.2.0.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CASES_DIR, assertHasExactLine, assertHasLine, assertQuietPass, assertSkippedFor, checkCase, findingsOf, resultOf, runCase} from './run-case.js'

const ID = 'ipv6-vip-routes'

test('FM2 seed: v2.1.2 leaves the kernel routes of every IPv6 VIP: one error per VIP, fixed in v2.2.0', async () => {
  const report = await checkCase('ipv6-vip-kernel-routes-v2.1.2', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const findings = findingsOf(report, ID)
  assert.deepEqual(findings.map((f) => f.subject).sort(), ['fd00:10:96::1', 'fd00:10:96::50', 'fd00:10:96::a'])
  for (const f of findings) {
    assert.equal(f.severity, 'error')
    assert.equal(f.fixedIn, 'v2.2.0')
  }

  const dns = findings.find((f) => f.subject === 'fd00:10:96::a')!
  assert.match(dns.title, /fd00:10:96::a is unreachable from this node: 2 kernel routes without the node IP as source/)
  // the two kernel routes, and kube-router's own route next to them, verbatim as `ip -6 route show table all` prints them
  assertHasExactLine(dns.evidence, 'local fd00:10:96::a dev kube-dummy-if table local proto kernel metric 0 pref medium')
  assertHasExactLine(dns.evidence, 'fd00:10:96::a dev kube-dummy-if proto kernel metric 256 pref medium')
  assertHasExactLine(dns.evidence, 'local fd00:10:96::a dev kube-dummy-if table local proto kernel src fd00:56::11 metric 1024 pref medium')
  assert.equal(dns.evidence.length, 3)
  assert.match(dns.detail, /before v2\.2\.0 does not remove them/)
  assertHasLine(dns.remediation, 'Upgrade kube-router to v2.2.0 or later.', 'remediation')
  assertHasLine(dns.remediation, 'ip -6 route del local fd00:10:96::a dev kube-dummy-if table local proto kernel metric 0', 'remediation')
  assertHasLine(dns.remediation, 'ip -6 route del fd00:10:96::a dev kube-dummy-if proto kernel metric 256', 'remediation')
})

test('v2.6.2 with the kernel routes still there (its IPVS sync is not running): error, no upgrade advice, fixedIn null', async () => {
  const report = await checkCase('ipv6-vip-kernel-routes-v2.6.2-sync-stalled', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const findings = findingsOf(report, ID)
  assert.equal(findings.length, 3)
  const dns = findings.find((f) => f.subject === 'fd00:10:96::a')!
  assert.equal(dns.severity, 'error')
  assert.equal(dns.fixedIn, null)
  assert.match(dns.detail, /kube-router v2\.6\.2 removes these routes at every IPVS sync, so their presence means its proxy sync is not running or failing/)
  assertHasExactLine(dns.evidence, 'local fd00:10:96::a dev kube-dummy-if table local proto kernel metric 0 pref medium')
  assert.ok(!dns.remediation.some((r) => r.includes('Upgrade')), dns.remediation.join('\n'))
  assertHasLine(dns.remediation, 'ip -6 route del local fd00:10:96::a dev kube-dummy-if table local proto kernel metric 0', 'remediation')
})

test('the link-local address of kube-dummy-if is not a VIP (its kernel `local fe80::…` route has no src)', async () => {
  const report = await checkCase('ipv6-vip-kernel-routes-v2.1.2', ID)
  const routes = await readFile(join(CASES_DIR, 'ipv6-vip-kernel-routes-v2.1.2/nodes/node-a/ip6-route.json'), 'utf8')
  assert.match(routes, /"type":"local","dst":"fe80::[0-9a-f:]+","dev":"kube-dummy-if"/, 'the fixture has the link-local local route')
  for (const f of findingsOf(report, ID)) assert.doesNotMatch(f.subject ?? '', /^fe80:/)
})

test('trap: local routes that carry `src <node IP>` are expected (v2.6.2): pass', async () => {
  const report = await checkCase('ipv6-vip-src-node-ip-fixed', ID)
  const result = assertQuietPass(report, ID)
  assert.equal(result.reason, '3 IPv6 VIPs on kube-dummy-if, each routed with the node IP as source')
})

test('trap, local mode: the node IP is found without cluster objects, a deprecated address on eth0 notwithstanding', async () => {
  const report = await checkCase('ipv6-vip-src-node-ip-local', ID)
  assert.equal(report.source.mode, 'bundle')
  const addrs = await readFile(join(CASES_DIR, 'ipv6-vip-src-node-ip-local/nodes/node-a/ip-addr.json'), 'utf8')
  assert.match(addrs, /"local":"fd00:56::8c2f:1a4e:77d0:3b19","prefixlen":64,"scope":"global","nodad":true,"deprecated":true/)
  assertQuietPass(report, ID)
})

test('trap: IPv4 `broadcast <VIP>` twins in table local are normal: no check reports anything', async () => {
  const {report, sourceWarnings} = await runCase('ipv4-broadcast-twin')
  assert.deepEqual(sourceWarnings, [])
  const routes = await readFile(join(CASES_DIR, 'ipv4-broadcast-twin/nodes/node-a/ip-route.json'), 'utf8')
  assert.match(routes, /\{"type":"broadcast","dst":"10\.96\.0\.10","dev":"kube-dummy-if","table":"local"/)
  assertQuietPass(report, ID)
  // v2.6.2's known bugs (NodePorts on the primary family only, netlink dump retries) are listed as info
  assert.deepEqual(report.findings.filter((f) => f.check !== 'kube-router-version' || f.severity !== 'info'), [])
  assert.deepEqual(report.results.filter((r) => r.status === 'fail' || r.status === 'error'), [])
})

test('ip6-route.json not collected: skipped, the reason names the file and why', async () => {
  const report = await checkCase('ipv6-sources-not-collected', ID)
  assertSkippedFor(report, ID, 'ip6-route.json', 'ip -j -6 route show table all: timed out after 10s')
})
