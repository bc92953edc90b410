// kube-router-version: the known bugs (src/model/version-matrix.ts) that apply to the running version.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {assertHasExactLine, assertHasLine, checkCase, findingsOf, resultOf, runCase} from './run-case.js'

const ID = 'kube-router-version'

test('v2.1.2, dual-stack, DSR + mh: lists the applicable known bugs with their fixedIn', async () => {
  const report = await checkCase('dsr-maglev-sloppy-0-v2.1.2', ID)
  assert.equal(resultOf(report, ID, null).status, 'fail')
  const findings = findingsOf(report, ID, null)
  const byTitle = new Map(findings.map((f) => [f.title.replace(/^kube-router v2\.1\.2: /, ''), f]))
  assert.deepEqual(
    [...byTitle.entries()].map(([t, f]) => [t, f.severity, f.fixedIn]).sort(),
    [
      ['IPv6 Service VIPs unreachable from the node that holds them', 'warning', 'v2.2.0'],
      ['inet6:kube-router-local-ips lacks the node IPv6 addresses: a NodePort/LoadBalancer Service cuts the node IP and API server off', 'warning', 'v2.2.0'],
      ['DSR logs "Failed to add route … custom route table for external IP\'s" on every sync', 'info', 'v2.6.0'],
      ['DSR + Maglev connections die on node failover: kube-router does not set net.ipv4.vs.sloppy_tcp', 'warning', 'v2.6.0'],
      // accuracy-audit §2: the TCPMSS bug needs several DSR Services on one IP (web/frontend's two IPs are its own)
      ['NodePorts answer only on the primary family\'s node IP', 'info', 'v2.11.0'],
      ['The `from all lookup 79` rule is never re-added while any ip rule contains "79" or "external_ip"', 'info', 'v2.6.0'],
    ].sort(),
  )
  for (const f of findings) {
    assert.equal(f.subject, 'v2.1.2')
    assert.equal(f.node, null)
    assertHasExactLine(f.evidence, 'node-a: Running /usr/local/bin/kube-router version v2.1.2, built on 2024-05-07T20:38:51+0000, go1.22.2')
    assertHasExactLine(f.remediation,
      `Upgrade kube-router to ${f.fixedIn} or later: kubectl -n kube-system set image ds/kube-router kube-router=docker.io/cloudnativelabs/kube-router:<version>`, 'remediation')
  }
  const ipv6 = byTitle.get('IPv6 Service VIPs unreachable from the node that holds them')!
  assert.match(ipv6.detail, /Applies here: a node has an IPv6 address\./)
  assert.match(ipv6.detail, /The ipv6-vip-routes check looks for its footprint on each node\./)
  assertHasExactLine(ipv6.remediation, 'See https://github.com/cloudnativelabs/kube-router/issues/1698', 'remediation')
  const sloppy = byTitle.get('DSR + Maglev connections die on node failover: kube-router does not set net.ipv4.vs.sloppy_tcp')!
  assert.match(sloppy.detail, /Applies here: DSR services use the Maglev \(mh\) scheduler\./)
  // no IPv6 DSR service: the IPv6 MSS bug does not apply; v2.1.2 is outside the v2.1.3 / v2.2.0 ip6tables ranges
  assert.ok(!findings.some((f) => /MTU-60|crash-loops|node-ips|no longer restored/.test(f.title)), findings.map((f) => f.title).join('\n'))
})

test('v2.11.1: no known bug applies: pass', async () => {
  const report = await checkCase('dsr-fwm-tunnel-programmed', ID)
  const result = resultOf(report, ID, null)
  assert.equal(result.status, 'pass')
  assert.equal(result.reason, 'kube-router v2.11.1: no known bug applies')
  assert.deepEqual(findingsOf(report, ID, null), [])
})

test('version from the DaemonSet image tag when `kube-router --version` was not collected', async () => {
  const report = await checkCase('version-from-image-tag-v2.2.0', ID)
  const findings = findingsOf(report, ID, null)
  const crash = findings.find((f) => f.title.includes('crash-loops on IPv6'))
  assert.ok(crash, findings.map((f) => f.title).join('\n'))
  assert.equal(crash.subject, 'v2.2.0')
  assert.equal(crash.fixedIn, 'v2.2.1')
  assertHasExactLine(crash.evidence, 'node-a: image docker.io/cloudnativelabs/kube-router:v2.2.0')
  assert.ok(!findings.some((f) => f.title.includes('IPv6 Service VIPs unreachable')), 'v2.2.0 has the FM2 fix')
})

test('unknown version (untagged image, `kube-router --version` failed): skipped with the reason', async () => {
  const {report, sourceWarnings} = await runCase('version-unknown-untagged-image', [ID])
  assert.deepEqual(sourceWarnings, ['nodes/node-a/kube-router-version.txt: unreadable: no kube-router version found'])
  const result = resultOf(report, ID, null)
  assert.equal(result.status, 'skipped')
  assert.equal(result.reason,
    'kube-router version unknown: no `kube-router --version` output from any node and the image docker.io/cloudnativelabs/kube-router carries no version tag')
  assertHasLine([result.reason!], 'kube-router --version')
  assert.deepEqual(findingsOf(report, ID, null), [])
})
