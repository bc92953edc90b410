// `kubectl kr doctor --local -o json` inside network namespaces built as kube-router nodes (real kernel state).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {kr} from './kr.js'
import {readFileSync} from 'node:fs'
import {buildHealthyNode, buildSeed001Node, buildSeed002Node, buildSeed003Node, RECORDED_DIR, startListener, type Listener, type NodeScenario} from '../helpers/netns.js'
import {parseIpvsadm} from '../../src/parsers/ipvsadm.js'

/** Stands in for IPVS (absent from this kernel): a listener on every TCP virtual service whose VIP the node holds. */
async function answerLikeIpvs(node: NodeScenario): Promise<Listener[]> {
  const ipvs = parseIpvsadm(readFileSync(join(RECORDED_DIR, node.spec.ipvsadmFixture), 'utf8')).value
  const vips = new Set([...node.vips4, ...node.vips6])
  const services = ipvs.services.filter((s) => s.protocol === 'TCP' && s.address && vips.has(s.address))
  return Promise.all(services.map((s) => startListener(node.ns, s.address!, s.port!)))
}
import type {DoctorReport} from '../../src/model/report.js'
import {NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'

const skip = unmet(NETNS, {tools: PROBE_TOOLS})

async function doctorIn(node: NodeScenario, extra: string[] = []) {
  const res = await kr(['doctor', '--local', '--node', node.nodeName, '--host-root', node.hostRoot, '-o', 'json', ...extra], {ns: node.ns, env: node.probeEnv})
  assert.equal(res.stderr.includes('    at '), false, `no stack trace expected:\n${res.stderr}`)
  let report: DoctorReport
  try {
    report = JSON.parse(res.stdout) as DoctorReport
  } catch {
    assert.fail(`stdout is not JSON (exit ${res.code}):\n${res.stdout}\n${res.stderr}`)
  }
  return {res, report}
}

function findingsOf(report: DoctorReport, check: string) {
  return report.findings.filter((f) => f.check === check)
}

test('seed 001: an IPv6 /128 on kube-dummy-if, the kernel routes without src are found', {skip}, async () => {
  const node = await buildSeed001Node()
  try {
    const {res, report} = await doctorIn(node)
    assert.equal(res.code, 1)
    assert.equal(report.source.mode, 'local')
    const [f] = findingsOf(report, 'ipv6-vip-routes').filter((x) => x.subject === 'fd00:10:96::a')
    assert.ok(f, JSON.stringify(report.findings, null, 2))
    assert.equal(f.severity, 'error')
    assert.equal(f.node, node.nodeName)
    assert.equal(f.fixedIn, 'v2.2.0')
    assert.ok(f.evidence.some((e) => e.startsWith('local fd00:10:96::a dev kube-dummy-if table local proto kernel metric 0')), f.evidence.join('\n'))
    assert.ok(f.evidence.some((e) => e.startsWith('fd00:10:96::a dev kube-dummy-if proto kernel metric 256')), f.evidence.join('\n'))
    assert.ok(f.remediation.some((r) => r.includes('ip -6 route del local fd00:10:96::a dev kube-dummy-if table local proto kernel metric 0')))
    assert.ok(report.findings.some((x) => x.check === 'kube-router-version' && x.fixedIn === 'v2.2.0'))
  } finally {
    await node.cleanup()
  }
})

test('seed 002: inet6:kube-router-local-ips lacks the node IPv6 while KUBE-ROUTER-SERVICES rejects', {skip}, async () => {
  const node = await buildSeed002Node()
  try {
    const {res, report} = await doctorIn(node)
    assert.equal(res.code, 1)
    const f = findingsOf(report, 'local-ips-ipset').find((x) => x.subject === node.nodeIp6)
    assert.ok(f, JSON.stringify(report.findings, null, 2))
    assert.equal(f.severity, 'error')
    assert.ok(f.evidence.some((e) => e.startsWith('create inet6:kube-router-local-ips hash:ip family inet6')))
    assert.ok(f.evidence.some((e) => e.includes('KUBE-ROUTER-SERVICES') && e.includes('REJECT')))
    assert.ok(f.remediation.some((r) => r.includes(`ipset add inet6:kube-router-local-ips ${node.nodeIp6}`)))
    assert.equal(findingsOf(report, 'local-ips-ipset').some((x) => x.subject === node.nodeIp4), false, 'the IPv4 set is complete')
  } finally {
    await node.cleanup()
  }
})

test('seed 003: networkd active with default options and kube-router rules gone', {skip}, async () => {
  const node = await buildSeed003Node()
  try {
    const {res, report} = await doctorIn(node)
    assert.equal(res.code, 1)
    const networkd = findingsOf(report, 'networkd-foreign-rules')
    assert.equal(networkd.length, 1, JSON.stringify(report.findings, null, 2))
    assert.equal(networkd[0].severity, 'error')
    assert.ok(networkd[0].evidence.includes('# active: yes'))
    assert.ok(networkd[0].remediation.some((r) => r.includes('ManageForeignRoutingPolicyRules=no')))
    const rules = findingsOf(report, 'policy-routing-rules')
    // no kubeconfig, so no DaemonSet flags, and no tunnel or table 77 route on the node: the missing overlay rule
    // cannot be told from --enable-overlay=false (accuracy-audit §1.9 s02), so it is info; the 79 rule is evidence
    assert.ok(rules.some((f) => f.severity === 'info' && f.title.includes(`from ${node.podCidr4} lookup kube-router`)), JSON.stringify(rules, null, 2))
    assert.ok(rules.some((f) => f.severity === 'warning' && f.title.includes('from all lookup external_ip (79)')), JSON.stringify(rules, null, 2))
  } finally {
    await node.cleanup()
  }
})

test('a healthy node gives no findings and exit 0; passes are visible as results', {skip}, async () => {
  const node = await buildHealthyNode()
  const listeners = await answerLikeIpvs(node)
  try {
    assert.ok(listeners.length > 0)
    const {res, report} = await doctorIn(node)
    assert.deepEqual(report.findings, [], JSON.stringify(report.findings, null, 2))
    assert.equal(res.code, 0, res.stderr)
    const byCheck = new Map(report.results.map((r) => [r.check, r.status]))
    for (const id of ['ipv6-vip-routes', 'local-ips-ipset', 'networkd-foreign-rules', 'policy-routing-rules']) assert.equal(byCheck.get(id), 'pass', id)
    assert.equal(report.results.some((r) => r.status === 'fail' || r.status === 'error'), false)
    assert.equal(byCheck.get('vip-reachability'), 'pass')
  } finally {
    await Promise.all(listeners.map((l) => l.close()))
    await node.cleanup()
  }
})

test('bundle round trip: --save-bundle then --from-bundle gives the same findings (dir and .tar.gz)', {skip}, async () => {
  const node = await buildSeed001Node()
  const dir = mkdtempSync(join(tmpdir(), 'kr-roundtrip-'))
  try {
    for (const name of ['bundle', 'bundle.tar.gz']) {
      const path = join(dir, name)
      const {report: live} = await doctorIn(node, ['--save-bundle', path])
      const res = await kr(['doctor', '--from-bundle', path, '-o', 'json'])
      assert.equal(res.code, 1, res.stderr)
      const saved = JSON.parse(res.stdout) as DoctorReport
      assert.equal(saved.source.mode, 'bundle')
      assert.deepEqual(saved.findings, live.findings)
      assert.deepEqual(saved.results, live.results)
    }
  } finally {
    await node.cleanup()
    rmSync(dir, {recursive: true, force: true})
  }
})
