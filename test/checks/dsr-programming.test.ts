// dsr-programming: each DSR (IP, protocol, port) needs the mangle MARK, `fwmark <mark> lookup 78`,
// `local default dev lo` in table 78 and an IPVS FWM service with Tunnel destinations (kube-router-facts §3.1).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CASES_DIR, assertHasExactLine, assertHasLine, assertQuietPass, checkCase, onlyFinding, resultOf, runCase} from './run-case.js'
import type {DoctorReport} from '../../src/model/report.js'

const ID = 'dsr-programming'

function mentions(report: DoctorReport, text: string): string[] {
  return report.findings
    .filter((f) => [f.subject ?? '', f.title, f.detail, ...f.evidence].some((s) => s.includes(text)))
    .map((f) => `${f.check}: ${f.title}`)
}

test('trap: FWM + Tunnel IPVS entries, everything programmed: pass, and no check flags the FWM layout', async () => {
  const {report, sourceWarnings} = await runCase('dsr-fwm-tunnel-programmed')
  assert.deepEqual(sourceWarnings, [])
  const ipvs = await readFile(join(CASES_DIR, 'dsr-fwm-tunnel-programmed/nodes/node-a/ipvsadm.txt'), 'utf8')
  assert.match(ipvs, /^FWM {2}14146 mh \(mh-fallback,mh-port\)\n {2}-> 10\.244\.1\.9:8080 {14}Tunnel {2}1/m)
  const addrs = await readFile(join(CASES_DIR, 'dsr-fwm-tunnel-programmed/nodes/node-a/ip-addr.json'), 'utf8')
  assert.ok(!addrs.includes('199.27.151.9') && !addrs.includes('203.0.113.7'), 'the DSR IPs are absent from kube-dummy-if')
  assertQuietPass(report, ID)
  assert.deepEqual(report.findings, [], 'no finding from any check')
  assert.deepEqual(report.results.filter((r) => r.status === 'fail' || r.status === 'error'), [])
  assert.equal(report.summary.errors + report.summary.warnings + report.summary.infos, 0)
})

test('the `fwmark 0x1355 lookup 78` rule of the LB IP is missing: error naming the rule, with the pieces that are there', async () => {
  const report = await checkCase('dsr-mark-rule-missing', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, '203.0.113.7:8080/tcp')
  assert.equal(f.title, 'DSR 203.0.113.7:8080/tcp (web/frontend) is not fully programmed: missing ip rule `fwmark 0x1355 lookup kube-router-dsr (78)`')
  assert.equal(f.fixedIn, null)
  assertHasExactLine(f.evidence, '-A PREROUTING -d 203.0.113.7/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x1355/0xffffffff')
  assertHasExactLine(f.evidence, '-A OUTPUT -d 203.0.113.7/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x1355/0xffffffff')
  assertHasExactLine(f.evidence, 'local default dev lo table 78 scope host')
  assertHasExactLine(f.evidence, 'FWM  4949 mh (mh-fallback,mh-port)')
  assertHasExactLine(f.evidence, '-> 10.244.1.9:8080              Tunnel  1      1          9')
  assertHasLine(f.remediation, 'ipvsadm -Ln --fwmark-service 4949', 'remediation')
  assertHasLine(f.remediation, 'ip rule show; ip route show table 78', 'remediation')
  assertHasLine(f.remediation, 'kubectl kr dsr status web/', 'remediation')
})

test('trap: a DSR VIP absent from kube-dummy-if is how DSR looks (local mode, from IPVS): no finding', async () => {
  const {report, sourceWarnings} = await runCase('dsr-vip-absent-from-dummy')
  assert.deepEqual(sourceWarnings, [])
  assert.equal(report.source.mode, 'bundle')
  const addrs = await readFile(join(CASES_DIR, 'dsr-vip-absent-from-dummy/nodes/node-a/ip-addr.json'), 'utf8')
  assert.ok(!addrs.includes('199.27.151.9') && !addrs.includes('203.0.113.7'), 'the DSR IPs are on no interface')
  const result = assertQuietPass(report, ID)
  assert.equal(result.reason, 'checked from IPVS FWM services (no cluster objects)')
  assert.deepEqual(mentions(report, '199.27.151.9'), [])
  assert.deepEqual(mentions(report, '203.0.113.7'), [])
  assert.deepEqual(report.findings, [])
})

test('trap: stale fwmark rules of deleted DSR services are never removed by kube-router: no finding', async () => {
  const {report, sourceWarnings} = await runCase('stale-fwmark-rules')
  assert.deepEqual(sourceWarnings, [])
  const rules = await readFile(join(CASES_DIR, 'stale-fwmark-rules/nodes/node-a/ip-rule.json'), 'utf8')
  assert.match(rules, /\{"priority":32764,"src":"all","fwmark":"0x52e","table":"78"\}/)
  assert.match(rules, /\{"priority":32764,"src":"all","fwmark":"0xef4","table":"78"\}/)
  assertQuietPass(report, ID)
  assertQuietPass(report, 'policy-routing-rules')
  assert.deepEqual(report.findings, [])
})

test('externalTrafficPolicy: Local without a local endpoint: kube-router skips the external IPs on this node: pass', async () => {
  const report = await checkCase('dsr-etp-local-no-local-endpoint', ID)
  assertQuietPass(report, ID)
  assert.deepEqual(mentions(report, '198.51.100.20'), [])
})

test('a headless Service is not proxied by kube-router, DSR annotation and externalIPs notwithstanding: pass', async () => {
  const report = await checkCase('dsr-headless-service-skipped', ID)
  assertQuietPass(report, ID)
  assert.deepEqual(mentions(report, '198.51.100.21'), [])
})

test('no cluster objects and no ipvsadm output: skipped, naming both inputs', async () => {
  const report = await checkCase('local-mode-no-cluster', ID)
  const result = resultOf(report, ID)
  assert.equal(result.status, 'skipped')
  assert.match(result.reason ?? '', /cluster's Services/)
  assert.match(result.reason ?? '', /ipvsadm/)
})
