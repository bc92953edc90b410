// iptables-backend (accuracy-audit §3 #1): kube-router chains in both iptables backends, and rules the image's
// iptables misreads. Real kernel state: both backends are written in a network namespace and read by probe.sh.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {analyseCaptures, captureNetns, NETNS_SKIP, restore, withNetns} from './netns-capture.js'
import {assertHasLine, assertQuietPass, findingsOf, onlyFinding, resultOf} from './run-case.js'

const ID = 'iptables-backend'

// kube-router's chains as it creates them (service proxy + network policy), and the kubelet's hint chain
const KUBE_ROUTER_FILTER = `*filter
:KUBE-ROUTER-INPUT - [0:0]
:KUBE-ROUTER-FORWARD - [0:0]
:KUBE-ROUTER-SERVICES - [0:0]
-A INPUT -m comment --comment "kube-router netpol - 4IA2OSFRMVNDXBVV" -j KUBE-ROUTER-INPUT
-A FORWARD -m comment --comment "kube-router netpol - TEMCG2JMHZYE7H7T" -j KUBE-ROUTER-FORWARD
COMMIT
`
const KUBELET_HINT = `*mangle
:KUBE-IPTABLES-HINT - [0:0]
COMMIT
`

test('stale kube-router chains in iptables-legacy next to the live nft ones: error naming legacy as the stale backend', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('ipt-both', async (ns) => {
    await restore(ns, 'iptables-nft-restore', KUBE_ROUTER_FILTER + KUBELET_HINT)
    await restore(ns, 'iptables-legacy-restore', KUBE_ROUTER_FILTER)
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, 'iptables')
  assert.equal(f.title, 'kube-router chains in both the nft and the legacy iptables backend')
  assert.match(f.detail, /only in iptables-nft: that is the backend the node uses, so iptables-legacy's kube-router chains are the stale ones/)
  assertHasLine(f.evidence, 'iptables-nft: 3 kube-router chain(s): filter/KUBE-ROUTER-FORWARD, filter/KUBE-ROUTER-INPUT, filter/KUBE-ROUTER-SERVICES')
  assertHasLine(f.evidence, 'iptables-legacy: iptables v1.8')
  assertHasLine(f.evidence, 'iptables-legacy tables present')
  assertHasLine(f.remediation, 'iptables-legacy-save > /root/iptables-legacy.rules', 'remediation')
})

test('trap: legacy tables exist (module loaded, only built-in chains), kube-router only in nft: pass', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('ipt-legacy-empty', async (ns) => {
    await restore(ns, 'iptables-nft-restore', KUBE_ROUTER_FILTER + KUBELET_HINT)
    await restore(ns, 'iptables-legacy-restore', '*filter\nCOMMIT\n')
    const capture = await captureNetns(ns)
    assert.match(capture.files['iptables-backends.txt'] ?? '', /== iptables-legacy\n# kr-version: iptables v[\d.]+ \(legacy\)\n/)
    return analyseCaptures([capture], null, [ID])
  })
  assertQuietPass(report, ID)
})

test('KUBE-FIREWALL\'s "dropping marked packets" rule read without its mark match: error (version skew)', {skip: NETNS_SKIP}, async () => {
  // the rule text an older iptables prints for the kubelet's mark rule written by a newer one
  const report = await withNetns('ipt-skew', async (ns) => {
    await restore(ns, 'iptables-nft-restore', KUBE_ROUTER_FILTER.replace('COMMIT', ':KUBE-FIREWALL - [0:0]\n-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -j DROP\nCOMMIT'))
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, 'iptables-nft')
  assert.match(f.title, /reads KUBE-FIREWALL's mark rule as an unconditional DROP/)
  assert.ok(f.evidence.includes('-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -j DROP'), f.evidence.join('\n'))
})

test('trap: the same KUBE-FIREWALL rule with its mark match: pass', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('ipt-fw-ok', async (ns) => {
    await restore(ns, 'iptables-nft-restore', KUBE_ROUTER_FILTER.replace('COMMIT', ':KUBE-FIREWALL - [0:0]\n-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP\nCOMMIT'))
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  assertQuietPass(report, ID)
})

test('no kube-router chains in any backend: skipped with the reason', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('ipt-none', async (ns) => analyseCaptures([await captureNetns(ns)], null, [ID]))
  const r = resultOf(report, ID)
  assert.equal(r.status, 'skipped')
  assert.match(r.reason ?? '', /no kube-router chains in any iptables backend/)
  assert.match(r.reason ?? '', /ip6tables-legacy: no legacy tables/)
  assert.deepEqual(findingsOf(report, ID), [])
})
