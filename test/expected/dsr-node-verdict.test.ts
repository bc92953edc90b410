// expected/dsr-node-verdict: one node's verdict for one DSR Service from its capture, on recorded check cases
// (test/fixtures/checks/) with the capture edited where a case needs another state: every check passing, a capture
// from before the endpoint-side source, the last MARK rule winning, a collision rehash, the pod side failing,
// ETP Local nodes, a node not probed, expectation 'disabled', and a DSR IP on kube-dummy-if, table 78 empty, Masq
// destinations.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {test} from 'node:test'
import {CASES_DIR} from '../checks/run-case.js'
import {readBundle} from '../../src/infra/bundle.js'
import {parseNodeCapture} from '../../src/parsers/node-capture.js'
import {dsrNodePlan, dsrNodeVerdict} from '../../src/expected/dsr-node-verdict.js'
import {dsrFwmark} from '../../src/expected/fwmark.js'
import {kubeRouterDeployment, parseKubeRouterArgs} from '../../src/model/kube-router-config.js'
import type {DsrExpectation, DsrNodeVerdict} from '../../src/model/dsr-verification.js'
import type {ClusterObjects, NodeCapture} from '../../src/model/types.js'

async function verdict(caseName: string, service: string, node: string, opts: {edit?: (c: NodeCapture) => void; editCluster?: (c: ClusterObjects) => void; expectation?: DsrExpectation; notProbed?: string} = {}): Promise<DsrNodeVerdict> {
  const snap = await readBundle(join(CASES_DIR, caseName))
  const cluster = snap.cluster!
  opts.editCluster?.(cluster)
  const svc = cluster.services.find((s) => s.metadata.name === service)!
  const d = kubeRouterDeployment(cluster.kubeRouter)
  const capture = structuredClone(snap.nodes.find((n) => n.name === node)!)
  opts.edit?.(capture)
  const plan = dsrNodePlan(cluster, svc).find((p) => p.node === node)!
  return dsrNodeVerdict({
    cluster, service: svc, config: cluster.kubeRouter ? parseKubeRouterArgs(d.args) : null, image: d.image, expectation: opts.expectation ?? 'enabled', plan,
    capture: opts.notProbed ? {notProbed: opts.notProbed} : parseNodeCapture(capture),
  })
}

const status = (v: DsrNodeVerdict) => Object.fromEntries(v.checks.map((c) => [c.id, c.status]))
const check = (v: DsrNodeVerdict, id: string) => v.checks.find((c) => c.id === id)!

/** node-a's endpoint 10.244.1.9 of web/frontend as the probe reads it; `tunnel` = the lines of kube-tunnel-if */
function endpointPod(opts: {vips?: string[]; rpFilter?: string} = {}): string {
  const vips = opts.vips ?? ['199.27.151.9', '203.0.113.7']
  return [
    '# requested: 10.244.1.9',
    'endpoint 10.244.1.9 pid 4242 net:[4026532301]',
    'link 3: eth0@if12: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default\\    link/ether 9e:1c:2b:3a:4d:5e brd ff:ff:ff:ff:ff:ff link-netnsid 0',
    'link 4: kube-tunnel-if@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/ipip 10.244.1.9 brd 0.0.0.0',
    'addr 3: eth0    inet 10.244.1.9/24 brd 10.244.1.255 scope global eth0\\       valid_lft forever preferred_lft forever',
    ...vips.map((v) => `addr 4: kube-tunnel-if    inet ${v}/32 scope global kube-tunnel-if\\       valid_lft forever preferred_lft forever`),
    'net.ipv4.conf.all.rp_filter = 0',
    'net.ipv4.conf.default.rp_filter = 0',
    'net.ipv4.conf.eth0.rp_filter = 0',
    `net.ipv4.conf.kube-tunnel-if.rp_filter = ${opts.rpFilter ?? '0'}`,
    '',
  ].join('\n')
}

const withPod = (pod = endpointPod()) => (c: NodeCapture) => {
  c.files['dsr-endpoints.txt'] = pod
}

test('every check passes: programmed, with the node\'s own lines as evidence', async () => {
  const v = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {edit: withPod()})
  assert.equal(v.state, 'programmed', JSON.stringify(v.checks, null, 1))
  assert.equal(v.reason, null)
  assert.equal(v.hasLocalEndpoint, true)
  assert.deepEqual(status(v), {
    'mangle-mark': 'pass', 'fwmark-rule': 'pass', 'table-78': 'pass', 'ipvs-fwm-service': 'pass', 'tcpmss-clamp': 'pass', 'vip-off-dummy': 'pass', 'sloppy-tcp': 'pass',
    'pod-tunnel-if': 'pass', 'pod-rp-filter': 'pass',
  })
  assert.ok(check(v, 'mangle-mark').evidence.includes('-A PREROUTING -d 199.27.151.9/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x3742/0xffffffff'))
  assert.ok(check(v, 'ipvs-fwm-service').evidence.includes('FWM  14146 mh (mh-fallback,mh-port)'))
  assert.ok(check(v, 'tcpmss-clamp').evidence.includes('-A PREROUTING -s 199.27.151.9/32 -i kube-bridge -p tcp -m tcp --sport 8080 --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1440'))
  assert.ok(check(v, 'pod-tunnel-if').evidence.some((e) => e.endsWith('4: kube-tunnel-if    inet 203.0.113.7/32 scope global kube-tunnel-if\\       valid_lft forever preferred_lft forever')))
  for (const c of v.checks) assert.deepEqual(c.fix, [], c.id)
})

test('a capture without dsr-endpoints.txt (older probe): the pod side is unknown, the node unknown', async () => {
  const v = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a')
  assert.equal(v.state, 'unknown')
  assert.equal(check(v, 'pod-tunnel-if').status, 'unknown')
  assert.match(check(v, 'pod-tunnel-if').evidence[0], /^dsr-endpoints.txt missing/)
})

test('the last MARK rule wins: a later rule with a foreign mark breaks the tuple, and the fix deletes exactly it', async () => {
  const v = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {
    edit: (c) => {
      withPod()(c)
      c.files['iptables.txt'] = c.files['iptables.txt']!.replace('-A OUTPUT -d 199.27.151.9/32', '-A PREROUTING -d 199.27.151.9/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x2a/0xffffffff\n-A OUTPUT -d 199.27.151.9/32')
    },
  })
  assert.equal(v.state, 'broken')
  assert.equal(check(v, 'mangle-mark').status, 'fail')
  assert.equal(check(v, 'fwmark-rule').status, 'fail') // no rule for mark 42
  assert.ok(check(v, 'mangle-mark').fix.includes('iptables -t mangle -D PREROUTING -d 199.27.151.9/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x2a/0xffffffff'))
  assert.match(v.reason!, /mangle MARK rules set the fwmark/)
})

test('a mark rehashed after a collision is kube-router\'s own: passes, and says so', async () => {
  const rehash = dsrFwmark('199.27.151.9', 'tcp', 8080, 1)
  const hex = `0x${rehash.toString(16)}`
  const v = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {
    edit: (c) => {
      withPod()(c)
      c.files['iptables.txt'] = c.files['iptables.txt']!.replaceAll('0x3742/', `${hex}/`)
      c.files['ip-rule.json'] = c.files['ip-rule.json']!.replace('"fwmark":"0x3742"', `"fwmark":"${hex}"`)
      c.files['ipvsadm.txt'] = c.files['ipvsadm.txt']!.replace('FWM  14146 ', `FWM  ${rehash} `)
    },
  })
  assert.equal(v.state, 'programmed', JSON.stringify(v.checks, null, 1))
  assert.ok(check(v, 'mangle-mark').evidence.some((e) => e.includes(`mark ${rehash} is kube-router's rehash #1 after a collision (FNV mark 14146)`)))
})

test('the pod side: a DSR IP missing from kube-tunnel-if, rp_filter 2 on it', async () => {
  const v = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {edit: withPod(endpointPod({vips: ['199.27.151.9'], rpFilter: '2'}))})
  assert.equal(v.state, 'broken')
  assert.equal(check(v, 'pod-tunnel-if').status, 'fail')
  assert.ok(check(v, 'pod-tunnel-if').evidence.includes('endpoint 10.244.1.9 (pid 4242, net:[4026532301]): 203.0.113.7 is not on kube-tunnel-if'))
  assert.equal(check(v, 'pod-rp-filter').status, 'fail')
  assert.ok(check(v, 'pod-rp-filter').evidence.includes('endpoint 10.244.1.9 (pid 4242, net:[4026532301]): net.ipv4.conf.kube-tunnel-if.rp_filter = 2'))
  assert.ok(check(v, 'pod-rp-filter').fix.some((f) => f.startsWith('kubectl -n kube-system logs $(kubectl -n kube-system get pod -l k8s-app=kube-router --field-selector spec.nodeName=node-a -o name)')))
  const missing = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {edit: withPod('# requested: 10.244.1.9\nendpoint 10.244.1.9 not-found no process on this node is in a network namespace holding 10.244.1.9\n')})
  assert.equal(check(missing, 'pod-tunnel-if').status, 'unknown')
  assert.ok(check(missing, 'pod-tunnel-if').evidence.includes('endpoint 10.244.1.9: no process on this node is in a network namespace holding 10.244.1.9'))
})

test('ETP Local without a local endpoint: not-expected, no checks; a node not probed keeps its reason', async () => {
  const local = await verdict('dsr-etp-local-no-local-endpoint', 'edge', 'node-a')
  assert.equal(local.state, 'not-expected')
  assert.match(local.reason!, /^externalTrafficPolicy: Local and no ready endpoint of the Service on this node/)
  assert.deepEqual(local.checks, [])
  const down = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {notProbed: 'the probe pod did not finish within 45s (last state: pulling)'})
  assert.deepEqual([down.state, down.reason], ['not-probed', 'the probe pod did not finish within 45s (last state: pulling)'])
})

test('Maglev with sloppy_tcp=0: broken with the sysctl fix', async () => {
  const v = await verdict('dsr-maglev-sloppy-0-v2.6.2', 'frontend', 'node-a')
  assert.equal(check(v, 'sloppy-tcp').status, 'fail')
  assert.ok(check(v, 'sloppy-tcp').evidence.includes('net.ipv4.vs.sloppy_tcp = 0'))
  assert.match(check(v, 'sloppy-tcp').fix[0], /^sysctl -w net.ipv4.vs.sloppy_tcp=1/)
})

test('expectation disabled on a node still programmed: broken (the FWM service is there)', async () => {
  const v = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {expectation: 'disabled'})
  assert.deepEqual(v.checks.map((c) => c.id), ['fwm-service-gone', 'served-normally'])
  assert.equal(v.state, 'broken')
  assert.equal(check(v, 'fwm-service-gone').status, 'fail')
  assert.equal(check(v, 'served-normally').status, 'fail')
})

/** The TCPMSS clamps as kube-router before v2.1.3 wrote them: one per IP, PREROUTING -d and POSTROUTING -s, no port,
 * no -i (setupMangleTableRule @ v2.1.2, kube-router-facts.md §3.1 step 2); MSS = MTU - 60. */
const oldFormClamps = (version: string | null) => (c: NodeCapture) => {
  if (version) c.files['kube-router-version.txt'] = `Running /usr/local/bin/kube-router version ${version}, built on 2024-05-07T20:38:51+0000, go1.22.2\n`
  c.files['iptables.txt'] = c.files['iptables.txt']!.replace(
    /^-A PREROUTING -s (\S+) -i kube-bridge -p tcp -m tcp --sport \d+ --tcp-flags SYN,RST SYN -j TCPMSS --set-mss (\d+)$/gm,
    '-A PREROUTING -d $1 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss $2\n-A POSTROUTING -s $1 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss $2',
  )
}

test('before v2.1.3 the TCPMSS clamp has its older form (per IP, -d in PREROUTING, -s in POSTROUTING): programmed as that version does it; from v2.1.3 on that form is no clamp', async () => {
  const old = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {edit: (c) => (oldFormClamps('v2.1.2')(c), withPod()(c))})
  assert.equal(check(old, 'tcpmss-clamp').status, 'pass', JSON.stringify(check(old, 'tcpmss-clamp'), null, 1))
  assert.ok(check(old, 'tcpmss-clamp').evidence.includes('-A POSTROUTING -s 199.27.151.9/32 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1440'))
  assert.equal(old.state, 'programmed')

  const wrongValue = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {
    edit: (c) => {
      oldFormClamps('v2.1.2')(c)
      c.files['iptables.txt'] = c.files['iptables.txt']!.replaceAll('--set-mss 1440', '--set-mss 1460')
    },
  })
  assert.equal(check(wrongValue, 'tcpmss-clamp').status, 'fail')

  const current = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {edit: (c) => (oldFormClamps(null)(c), withPod()(c))})
  assert.equal(check(current, 'tcpmss-clamp').status, 'fail', 'v2.11.1 writes -s <ip> --sport <port> -i kube-bridge')
  assert.equal(current.state, 'broken')
})

test('IPVS destinations are the endpoints kube-router uses, serving or ready: a terminating endpoint still serving may stay a Tunnel destination (network_services_controller.go @ v2.11.1)', async () => {
  const conditions = (serving: boolean) => (c: ClusterObjects) => {
    const slice = c.endpointSlices.find((s) => s.metadata.name === 'frontend-h2x8v')!
    for (const ep of slice.endpoints ?? []) if (ep.addresses.includes('10.244.2.4')) ep.conditions = {ready: false, serving, terminating: true}
  }
  const stillServing = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {edit: withPod(), editCluster: conditions(true)})
  assert.equal(check(stillServing, 'ipvs-fwm-service').status, 'pass', JSON.stringify(check(stillServing, 'ipvs-fwm-service'), null, 1))
  assert.equal(stillServing.state, 'programmed')

  const gone = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {edit: withPod(), editCluster: conditions(false)})
  assert.equal(check(gone, 'ipvs-fwm-service').status, 'fail')
  assert.ok(check(gone, 'ipvs-fwm-service').evidence.includes('199.27.151.9:8080/tcp: destination 10.244.2.4:8080 is not a ready endpoint of the Service'))
})

test('the DSR IP on kube-dummy-if: broken, the fix deletes exactly that address', async () => {
  const v = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {
    edit: (c) => {
      withPod()(c)
      const links = JSON.parse(c.files['ip-addr.json']!) as {ifname: string; addr_info: Record<string, unknown>[]}[]
      links.find((l) => l.ifname === 'kube-dummy-if')!.addr_info.push({family: 'inet', local: '199.27.151.9', prefixlen: 32, scope: 'global', label: 'kube-dummy-if', valid_life_time: 4294967295, preferred_life_time: 4294967295})
      c.files['ip-addr.json'] = JSON.stringify(links)
    },
  })
  assert.equal(v.state, 'broken')
  assert.equal(check(v, 'vip-off-dummy').status, 'fail')
  assert.ok(check(v, 'vip-off-dummy').evidence.includes('199.27.151.9/32 is on kube-dummy-if: the node answers for it itself instead of through the FWM service'))
  assert.equal(check(v, 'vip-off-dummy').fix[0], 'ip addr del 199.27.151.9/32 dev kube-dummy-if')
  assert.equal(status(v)['mangle-mark'], 'pass', 'only the address is wrong')
})

test('table 78 without `local default dev lo`: broken, the fix adds the route', async () => {
  const v = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {
    edit: (c) => {
      withPod()(c)
      const routes = JSON.parse(c.files['ip-route.json']!) as {table?: string}[]
      c.files['ip-route.json'] = JSON.stringify(routes.filter((r) => r.table !== '78'))
    },
  })
  assert.equal(v.state, 'broken')
  assert.equal(check(v, 'table-78').status, 'fail')
  assert.equal(check(v, 'table-78').evidence[0], 'no `local default dev lo table 78` (IPv4)')
  assert.equal(check(v, 'table-78').fix[0], 'ip route replace local default dev lo table 78')
})

test('an FWM service whose destinations forward by Masq, not Tunnel: broken', async () => {
  const v = await verdict('dsr-fwm-tunnel-programmed', 'frontend', 'node-a', {
    edit: (c) => {
      withPod()(c)
      c.files['ipvsadm.txt'] = c.files['ipvsadm.txt']!.replace(/(FWM {2}14146 [^\n]*\n(?: {2}->[^\n]*\n)*)/, (block) => block.replaceAll('Tunnel', 'Masq  '))
    },
  })
  assert.equal(v.state, 'broken')
  assert.equal(check(v, 'ipvs-fwm-service').status, 'fail', JSON.stringify(check(v, 'ipvs-fwm-service'), null, 1))
  assert.ok(check(v, 'ipvs-fwm-service').evidence.some((e) => /Masq/.test(e) && /Tunnel/.test(e)), check(v, 'ipvs-fwm-service').evidence.join('\n'))
})
