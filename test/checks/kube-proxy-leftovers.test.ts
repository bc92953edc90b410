// kube-proxy-leftovers (accuracy-audit §3 #4): kube-proxy's rules, ipsets or kube-ipvs0 on a node where kube-router
// is the service proxy. Real kernel state in a network namespace, read by probe.sh.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {analyseCaptures, captureNetns, NETNS_SKIP, restore, sh, withNetns} from './netns-capture.js'
import {assertHasExactLine, assertQuietPass, checkCase, onlyFinding, resultOf} from './run-case.js'

const ID = 'kube-proxy-leftovers'

/** kube-router's service proxy footprint: kube-dummy-if (a veth: this kernel has no dummy links) and its svip set. */
async function kubeRouterProxy(ns: string): Promise<void> {
  await sh(ns,
    ['ip', 'link', 'add', 'kube-dummy-if', 'type', 'veth', 'peer', 'name', 'kr-dummy-peer'],
    ['ip', 'addr', 'add', '10.96.0.10/32', 'dev', 'kube-dummy-if'],
    ['ipset', 'create', 'kube-router-svip', 'hash:ip', 'family', 'inet', 'timeout', '0'],
    ['ipset', 'add', 'kube-router-svip', '10.96.0.10', 'timeout', '0'])
  await restore(ns, 'iptables-nft-restore', '*filter\n:KUBE-ROUTER-SERVICES - [0:0]\n-A INPUT -m set --match-set kube-router-svip dst -j KUBE-ROUTER-SERVICES\nCOMMIT\n')
}

// kube-proxy iptables mode, as it leaves nat after it was stopped (a Service and its endpoint)
const KUBE_PROXY_NAT = `*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SEP-DKCFYBLFJRRYCDSV - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SVC-TCOU7JCQXEZGVUNU -j KUBE-SEP-DKCFYBLFJRRYCDSV
-A KUBE-SEP-DKCFYBLFJRRYCDSV -p udp -m udp -j DNAT --to-destination 10.244.1.5:53
COMMIT
`

test('kube-proxy\'s nat chains with the PREROUTING/OUTPUT jumps next to kube-router\'s proxy: error', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('kp-nat', async (ns) => {
    await kubeRouterProxy(ns)
    await restore(ns, 'iptables-nft-restore', KUBE_PROXY_NAT)
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.title, "kube-proxy's rules are active next to kube-router's service proxy")
  assertHasExactLine(f.evidence, '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES')
  assertHasExactLine(f.evidence, 'iptables-nft: nat/KUBE-SEP-DKCFYBLFJRRYCDSV')
  // KUBE-POSTROUTING and KUBE-MARK-MASQ are the kubelet's too: not counted as kube-proxy's
  assert.ok(!f.evidence.some((e) => e.includes('KUBE-POSTROUTING') || e.includes('KUBE-MARK-MASQ')), f.evidence.join('\n'))
  assert.match(f.remediation.join('\n'), /kube-proxy --cleanup/)
})

test('kube-proxy IPVS mode left kube-ipvs0 and its ipsets: error naming kube-ipvs0', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('kp-ipvs', async (ns) => {
    await kubeRouterProxy(ns)
    await sh(ns,
      ['ip', 'link', 'add', 'kube-ipvs0', 'type', 'veth', 'peer', 'name', 'kr-ipvs-peer'],
      ['ip', 'addr', 'add', '10.96.0.1/32', 'dev', 'kube-ipvs0'],
      ['ipset', 'create', 'KUBE-CLUSTER-IP', 'hash:ip,port', 'family', 'inet'],
      ['ipset', 'create', 'KUBE-LOOP-BACK', 'hash:ip,port,ip', 'family', 'inet'])
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, 'kube-ipvs0')
  assertHasExactLine(f.evidence, 'kube-ipvs0: 1 address(es) (10.96.0.1)')
  assertHasExactLine(f.evidence, 'ipsets: KUBE-CLUSTER-IP, KUBE-LOOP-BACK')
})

test('only orphaned kube-proxy chains, nothing jumps to them: warning', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('kp-orphan', async (ns) => {
    await kubeRouterProxy(ns)
    await restore(ns, 'iptables-legacy-restore', '*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\nCOMMIT\n')
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'warning')
  assertHasExactLine(f.evidence, 'iptables-legacy: nat/KUBE-SERVICES')
})

test('trap: the kubelet\'s own chains (KUBE-FIREWALL, KUBE-MARK-*, KUBE-POSTROUTING, hints) next to kube-router: pass', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('kp-kubelet', async (ns) => {
    await kubeRouterProxy(ns)
    await restore(ns, 'iptables-nft-restore', `*mangle
:KUBE-IPTABLES-HINT - [0:0]
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
*nat
:KUBE-MARK-DROP - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
COMMIT
*filter
:KUBE-FIREWALL - [0:0]
-A INPUT -j KUBE-FIREWALL
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
COMMIT
`)
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  assertQuietPass(report, ID)
})

test('trap: k3s with kube-proxy as the service proxy and kube-router for policies only: pass with a note', async () => {
  const report = await checkCase('k3s-netpol-only', ID)
  const r = assertQuietPass(report, ID)
  assert.match(r.reason ?? '', /kube-proxy is the service proxy here/)
})
