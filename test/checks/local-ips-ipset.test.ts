// local-ips-ipset (FM3): traffic to addresses in [inet6:]kube-router-svip goes through KUBE-ROUTER-SERVICES, which
// rejects everything but Service ports unless the destination is in [inet6:]kube-router-local-ips.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CASES_DIR, assertHasExactLine, assertHasLine, assertQuietPass, checkCase, findingsOf, onlyFinding, resultOf, runCase} from './run-case.js'

const ID = 'local-ips-ipset'

test('FM3 seed: inet6:kube-router-local-ips lacks the node IPv6 while inet6:kube-router-svip holds it and the chain rejects: error', async () => {
  const report = await checkCase('local-ips-missing-node-ipv6', ID)
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, 'fd00:56::11')
  assert.equal(f.title, 'inet6:kube-router-local-ips lacks the node address fd00:56::11')
  assert.equal(f.fixedIn, 'v2.2.0')
  assert.match(f.detail, /The node's IPv6 address fd00:56::11 is in inet6:kube-router-svip/)
  assert.match(f.detail, /refused/)

  const ipset = await readFile(join(CASES_DIR, 'local-ips-missing-node-ipv6/nodes/node-a/ipset.txt'), 'utf8')
  const createLine = ipset.split('\n').find((l) => l.startsWith('create inet6:kube-router-local-ips '))!
  assertHasExactLine(f.evidence, createLine)
  assertHasExactLine(f.evidence, 'add inet6:kube-router-svip fd00:56::11 timeout 0')
  assertHasExactLine(f.evidence, '-A INPUT -m comment --comment "handle traffic to IPVS service IPs in custom chain" -m set --match-set inet6:kube-router-svip dst -j KUBE-ROUTER-SERVICES')
  assertHasExactLine(f.evidence, '-A KUBE-ROUTER-SERVICES -m comment --comment "reject all unexpected traffic to service IPs" -m set ! --match-set inet6:kube-router-local-ips dst -j REJECT --reject-with icmp6-port-unreachable')

  assertHasLine(f.remediation, 'Upgrade kube-router to v2.2.0 or later', 'remediation')
  assertHasLine(f.remediation, '--ipvs-permit-all=false', 'remediation')
  assertHasLine(f.remediation, 'ipset add inet6:kube-router-local-ips fd00:56::11', 'remediation')
  // the IPv4 set holds the IPv4 node address: nothing to say about it
  assert.ok(!findingsOf(report, ID).some((x) => x.subject === '192.168.56.11'))
})

test('trap: the node IP in kube-router-svip is normal when local-ips holds the node IPs: pass', async () => {
  const report = await checkCase('node-ip-in-svip-healthy', ID)
  const ipset = await readFile(join(CASES_DIR, 'node-ip-in-svip-healthy/nodes/node-a/ipset.txt'), 'utf8')
  for (const line of ['add kube-router-svip 192.168.56.11 timeout 0', 'add inet6:kube-router-svip fd00:56::11 timeout 0',
    'add kube-router-local-ips 192.168.56.11 timeout 0', 'add inet6:kube-router-local-ips fd00:56::11 timeout 0']) {
    assert.ok(ipset.split('\n').includes(line), `fixture has ${line}`)
  }
  assertQuietPass(report, ID)
})

test('trap, local mode: every address of eth0 (deprecated one included) is in local-ips: pass', async () => {
  const report = await checkCase('ipv6-vip-src-node-ip-local', ID)
  assertQuietPass(report, ID)
})

test('ipset.txt holds only ipset\'s error: the result is error (not fail), naming the unreadable file', async () => {
  const {report, sourceWarnings} = await runCase('ipset-save-failed', [ID])
  assert.equal(sourceWarnings.length, 1)
  assert.match(sourceWarnings[0], /^nodes\/node-a\/ipset\.txt: unreadable/)
  const result = resultOf(report, ID)
  assert.equal(result.status, 'error')
  assert.match(result.reason ?? '', /nodes\/node-a\/ipset\.txt could not be read/)
  assert.deepEqual(findingsOf(report, ID), [])
})
