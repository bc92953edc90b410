// accuracy-audit.md §2: the corrected dsr-tcpmss entry, the missing bugs with their ranges and fixed-in releases,
// and the version-dependent behaviours checks ask about.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {BEHAVIOUR_CHANGES, KNOWN_BUGS, hasBehaviour, isAffectedBy, knownBug, type KnownBugId} from '../../src/expected/version-matrix.js'
import {clusterIpIsNodeLocal} from '../../src/expected/services.js'
import {parseVersionText} from '../../src/parsers/kube-router-version.js'
import type {ServiceObject} from '../../src/model/types.js'

const v = (text: string) => parseVersionText(text)!

test('dsr-tcpmss: [v2.0.0, v2.1.3), fixed in v2.1.3 (and v2.2.0), only when DSR Services share an IP; checked by dsr-programming', () => {
  const bug = knownBug('dsr-tcpmss')
  assert.deepEqual(bug.ranges, [{from: 'v2.0.0', to: 'v2.1.3'}])
  assert.equal(bug.fixedIn, 'v2.1.3')
  assert.equal(bug.when, 'dsr-shared-ip')
  assert.equal(bug.relatedCheck, 'dsr-programming')
  assert.equal(isAffectedBy(v('v1.6.1'), 'dsr-tcpmss'), false)
  assert.equal(isAffectedBy(v('v2.1.2'), 'dsr-tcpmss'), true)
  assert.equal(isAffectedBy(v('v2.2.0'), 'dsr-tcpmss'), false)
})

test('preconditions: IPv6 bugs need an IPv6-capable node, local-ips-not-restored the service proxy, route noise DSR on IPv6 nodes', () => {
  assert.equal(knownBug('ipv6-vip-kernel-routes').when, 'ipv6')
  assert.equal(knownBug('local-ips-not-restored').when, 'service-proxy')
  assert.equal(knownBug('dsr-external-ip-route-noise').when, 'dsr-on-ipv6-node')
})

test('the missing bugs of the audit, each with its range and fixed-in release', () => {
  const expected: [KnownBugId, string, string, string][] = [
    ['rt-tables-missing', 'v2.1.0', 'v2.1.1', 'v2.1.1'],
    ['dsr-cri-resolver-zero-addresses', 'v2.2.0', 'v2.2.2', 'v2.2.2'],
    ['dsr-container-not-found', 'v2.1.0', 'v2.1.1', 'v2.1.1'],
    ['ipv6-netpol-ipset-names', 'v2.1.0', 'v2.1.1', 'v2.1.1'],
    ['ipv6-netpol-ipsets-not-restored', 'v2.6.1', 'v2.6.2', 'v2.6.2'],
    ['bgp-ipv6-routes-need-graceful-restart', 'v2.0.0', 'v2.7.0', 'v2.7.0'],
    ['nodeport-primary-family-only', 'v2.0.0', 'v2.11.0', 'v2.11.0'],
    ['permit-all-off-one-family', 'v2.0.0', 'v2.9.0', 'v2.9.0'],
    ['fou-kernel-6.19', 'v2.6.0', 'v2.10.0', 'v2.10.0'],
    ['netlink-dump-interrupted', 'v2.6.0', 'v2.7.0', 'v2.7.0'],
    ['service-local-cluster-ip', 'v2.0.0', 'v2.4.0', 'v2.4.0'],
    ['external-traffic-local-cluster-ip', 'v2.0.0', 'v2.1.0', 'v2.1.0'],
    ['external-ip-rule-substring', 'v2.0.0', 'v2.6.0', 'v2.6.0'],
  ]
  for (const [id, from, to, fixedIn] of expected) {
    const bug = knownBug(id)
    assert.deepEqual(bug.ranges, [{from, to}], id)
    assert.equal(bug.fixedIn, fixedIn, id)
    assert.match(bug.detail, /Footprint|footprint|kube-router/, `${id} says what the node shows`)
    assert.equal(isAffectedBy(v(to), id), false, `${id}: ${to} has the fix`)
    assert.equal(isAffectedBy(v(from), id), true, `${id}: ${from} has the bug`)
  }
  assert.equal(new Set(KNOWN_BUGS.map((b) => b.id)).size, KNOWN_BUGS.length)
})

test('behaviours: table 79 unused from v2.6.0; IPv6 DSR MSS = MTU-100 from v2.7.0', () => {
  assert.equal(BEHAVIOUR_CHANGES['table-79-unused'].since, 'v2.6.0')
  assert.equal(hasBehaviour(v('v2.5.9'), 'table-79-unused'), false)
  assert.equal(hasBehaviour(v('v2.6.0'), 'table-79-unused'), true)
  assert.equal(hasBehaviour(v('v2.6.2'), 'dsr-ipv6-mss-minus-100'), false)
  assert.equal(hasBehaviour(v('v2.7.0'), 'dsr-ipv6-mss-minus-100'), true)
})

test('clusterIpIsNodeLocal: internalTrafficPolicy Local always; service.local=true before v2.4.0; in v2.0.x any annotation value or ETP Local', () => {
  const svc = (annotations: Record<string, string>, spec: ServiceObject['spec'] = {}): ServiceObject =>
    ({metadata: {name: 's', namespace: 'n', annotations}, spec: {clusterIP: '10.96.0.5', ...spec}}) as ServiceObject
  const local = svc({'kube-router.io/service.local': 'true'})
  const anyValue = svc({'kube-router.io/service.local': 'yes'})
  const etp = svc({}, {type: 'LoadBalancer', externalTrafficPolicy: 'Local'})
  assert.equal(clusterIpIsNodeLocal(svc({}, {internalTrafficPolicy: 'Local'}), null), true)
  assert.equal(clusterIpIsNodeLocal(local, null), false, 'version unknown: only the version-independent rule')
  assert.equal(clusterIpIsNodeLocal(local, v('v2.3.1')), true)
  assert.equal(clusterIpIsNodeLocal(local, v('v2.4.0')), false)
  assert.equal(clusterIpIsNodeLocal(anyValue, v('v2.3.1')), false)
  assert.equal(clusterIpIsNodeLocal(anyValue, v('v2.0.1')), true)
  assert.equal(clusterIpIsNodeLocal(etp, v('v2.0.1')), true)
  assert.equal(clusterIpIsNodeLocal(etp, v('v2.1.0')), false)
})
