// hairpin (accuracy-audit §3 #8): kube-bridge ports without hairpin mode while Services ask for hairpin traffic
// (annotation, --hairpin-mode, or KUBE-ROUTER-HAIRPIN rules). Real kernel state: a real bridge with pod veth ports
// whose hairpin flag is set per test, read by probe.sh (`ip -d` reports each port's hairpin flag).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {analyseCaptures, captureNetns, NETNS_SKIP, restore, sh, withNetns} from './netns-capture.js'
import {assertHasExactLine, assertQuietPass, findingsOf, onlyFinding, resultOf} from './run-case.js'
import {parseIpAddr} from '../../src/parsers/ip-addr.js'
import type {ClusterObjects, ServiceObject} from '../../src/model/types.js'

const ID = 'hairpin'

/** kube-bridge with two pod ports (veth host ends); `hairpin` lists the ports with hairpin mode on. */
async function bridgeWithPods(ns: string, hairpin: string[]): Promise<void> {
  await sh(ns,
    ['ip', 'link', 'add', 'kube-bridge', 'type', 'bridge'],
    ['ip', 'addr', 'add', '10.244.1.1/24', 'dev', 'kube-bridge'],
    ['ip', 'link', 'set', 'kube-bridge', 'up'])
  for (const [port, peer] of [['veth4d1a2b3c', 'kr-pod-1'], ['veth9e8f7a6b', 'kr-pod-2']]) {
    await sh(ns, ['ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', peer],
      ['ip', 'link', 'set', port, 'master', 'kube-bridge'],
      ['ip', 'link', 'set', port, 'type', 'bridge_slave', 'hairpin', hairpin.includes(port) ? 'on' : 'off'],
      ['ip', 'link', 'set', port, 'up'])
  }
}

function svc(name: string, annotations: Record<string, string> = {}): ServiceObject {
  return {metadata: {name, namespace: 'web', annotations}, spec: {type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{port: 80, protocol: 'TCP', targetPort: 8080}]}}
}

function cluster(services: ServiceObject[], args: string[] = []): ClusterObjects {
  return {nodes: [], services, endpointSlices: [],
    kubeRouter: {metadata: {name: 'kube-router', namespace: 'kube-system'}, spec: {template: {spec: {containers: [{name: 'kube-router', image: 'docker.io/cloudnativelabs/kube-router:v2.11.1', args}]}}}}}
}

test('ip -d reports the bridge port\'s master and hairpin flag', {skip: NETNS_SKIP}, async () => {
  await withNetns('hp-parse', async (ns) => {
    await bridgeWithPods(ns, ['veth4d1a2b3c'])
    const capture = await captureNetns(ns)
    const links = parseIpAddr(capture.files['ip-addr.json']!).value
    const port = (name: string) => links.find((l) => l.ifname === name)!
    assert.deepEqual([port('veth4d1a2b3c').master, port('veth4d1a2b3c').hairpin], ['kube-bridge', true])
    assert.deepEqual([port('veth9e8f7a6b').master, port('veth9e8f7a6b').hairpin], ['kube-bridge', false])
    assert.deepEqual([port('kr-pod-1').master, port('kr-pod-1').hairpin], [null, null])
  })
})

test('a Service annotated kube-router.io/service.hairpin and a port with hairpin off: warning naming the port', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('hp-annotated', async (ns) => {
    await bridgeWithPods(ns, ['veth4d1a2b3c'])
    return analyseCaptures([await captureNetns(ns)], cluster([svc('self-check', {'kube-router.io/service.hairpin': ''}), svc('plain')]), [ID])
  })
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'warning')
  assert.equal(f.title, '1 of 2 kube-bridge port(s) have hairpin mode off while hairpin traffic is wanted')
  assert.match(f.detail, /Services annotated kube-router\.io\/service\.hairpin: web\/self-check/)
  assertHasExactLine(f.evidence, 'veth9e8f7a6b: master kube-bridge hairpin off')
  assert.match(f.remediation[0], /"hairpinMode": true/)
})

test('no cluster objects, but KUBE-ROUTER-HAIRPIN rules on the node ask for hairpin: warning', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('hp-rules', async (ns) => {
    await bridgeWithPods(ns, [])
    // kube-router's rule also matches `-m ipvs --vaddr 10.96.0.20 --vport 80`; this kernel has no IPVS match, so it is left out
    await restore(ns, 'iptables-nft-restore', '*nat\n:KUBE-ROUTER-HAIRPIN - [0:0]\n-A KUBE-ROUTER-HAIRPIN -s 10.244.1.5/32 -d 10.244.1.5/32 -p tcp -m tcp --dport 8080 -j SNAT --to-source 10.96.0.20\nCOMMIT\n')
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  const f = onlyFinding(report, ID)
  assert.equal(f.title, '2 of 2 kube-bridge port(s) have hairpin mode off while hairpin traffic is wanted')
  assert.match(f.detail, /1 KUBE-ROUTER-HAIRPIN rule\(s\) in nat/)
})

test('trap: nothing asks for hairpin traffic, ports have it off: pass with the reason', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('hp-none', async (ns) => {
    await bridgeWithPods(ns, [])
    return analyseCaptures([await captureNetns(ns)], cluster([svc('plain')]), [ID])
  })
  const r = assertQuietPass(report, ID)
  assert.match(r.reason ?? '', /no Service asks for hairpin traffic/)
})

test('trap: --hairpin-mode and every port with hairpin on (CNI hairpinMode): quiet pass', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('hp-on', async (ns) => {
    await bridgeWithPods(ns, ['veth4d1a2b3c', 'veth9e8f7a6b'])
    return analyseCaptures([await captureNetns(ns)], cluster([svc('plain')], ['--hairpin-mode=true']), [ID])
  })
  assertQuietPass(report, ID)
  assert.deepEqual(findingsOf(report, ID), [])
})
