// The kube-router emulator of the test cluster programs real kernel state in the netns nodes, read back here with
// ip / iptables-save / the fake ipvsadm: DSR (MARK with the FNV mark and the collision rehash, TCPMSS, the fwmark
// rule, table 78, the VIP off kube-dummy-if, FWM + Tunnel, endpoint pods with kube-tunnel-if), the undo when the
// annotation goes (fwmark rules stay), ordinary Services, and each fault.
// Runs as root (CI); skipped with a message otherwise.
import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {test} from 'node:test'
import {dsrFwmark} from '../../src/expected/fwmark.js'
import {parseIpvsadm} from '../../src/parsers/ipvsadm.js'
import {buildHealthyNode, nsExec, run, type NodeScenario} from '../helpers/netns.js'
import {DSR_TOOLS, NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'
import {BROKEN_DSR_VERSION, startTestCluster, type KubeRouterEmulatorFault, type TestCluster} from './index.js'
import {KUBE_ROUTER_ARGS, kubeRouterDaemonSet, scenarioClusterOptions} from './scenario.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, ...DSR_TOOLS]})
const VIP = '203.0.113.10'

type Obj = Record<string, any>

function dsrService(name: string, ports: number[], annotations: Record<string, string> = {'kube-router.io/service.dsr': 'tunnel'}): Obj {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: {name, namespace: 'web', annotations},
    spec: {type: 'ClusterIP', clusterIP: '10.96.50.10', clusterIPs: ['10.96.50.10'], ipFamilies: ['IPv4'], externalIPs: [VIP], selector: {app: name},
      ports: ports.map((p) => ({name: `p${p}`, protocol: 'TCP', port: p, targetPort: p}))},
  }
}

function slice(name: string, ports: number[]): Obj {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {name: `${name}-x1`, namespace: 'web', labels: {'kubernetes.io/service-name': name}},
    addressType: 'IPv4',
    endpoints: [
      {addresses: ['10.244.1.20'], nodeName: 'node-a', conditions: {ready: true}},
      {addresses: ['10.244.2.20'], nodeName: 'node-b', conditions: {ready: true}},
    ],
    ports: ports.map((p) => ({name: `p${p}`, protocol: 'TCP', port: p})),
  }
}

async function withCluster(opts: {fault?: KubeRouterEmulatorFault; ports?: number[]; args?: string[]; extra?: {services: Obj[]; slices: Obj[]}}, body: (c: TestCluster, nodes: NodeScenario[]) => Promise<void>): Promise<void> {
  const ports = opts.ports ?? [80]
  const nodes = [await buildHealthyNode({nodeIndex: 1}), await buildHealthyNode({nodeIndex: 2})]
  let c: TestCluster | null = null
  try {
    c = await startTestCluster(scenarioClusterOptions(nodes, {
      services: [...scenarioClusterOptions(nodes).services!, dsrService('shop', ports), ...(opts.extra?.services ?? [])],
      endpointSlices: [...scenarioClusterOptions(nodes).endpointSlices!, slice('shop', ports), ...(opts.extra?.slices ?? [])],
      // v2.11.1 validates external IPs strictly: the range must hold them
      daemonSets: [kubeRouterDaemonSet('v2.11.1', 2, opts.args ?? [...KUBE_ROUTER_ARGS, '--service-external-ip-range=203.0.113.0/24', '--loadbalancer-ip-range=198.51.100.0/24'])],
      kubeRouterEmulator: {delayMs: 50, fault: opts.fault},
    }))
    await c.kubeRouter!.settled()
    assert.equal(c.kubeRouter!.lastError, null)
    await body(c, nodes)
  } finally {
    await c?.close()
    for (const n of nodes) await n.cleanup()
  }
}

const mangle = async (n: NodeScenario) => (await nsExec(n.ns, ['iptables-nft-save', '-t', 'mangle'])).stdout
const rules = async (n: NodeScenario) => (await nsExec(n.ns, ['ip', '-4', 'rule', 'show'])).stdout
const dummy = async (n: NodeScenario) => (await nsExec(n.ns, ['ip', '-o', 'addr', 'show', 'dev', 'kube-dummy-if'])).stdout
const ipvs = async (n: NodeScenario) => parseIpvsadm(await readFile(path.join(n.binDir, 'ipvsadm-Ln.txt'), 'utf8')).value

test('DSR Service: MARK with the FNV mark, TCPMSS, fwmark rule, table 78, VIP off kube-dummy-if, FWM + Tunnel, endpoint pods', {skip}, async () => {
  await withCluster({}, async (c, [a, b]) => {
    const mark = dsrFwmark(VIP, 'tcp', 80)
    const hex = `0x${mark.toString(16)}`
    for (const n of [a, b]) {
      const m = await mangle(n)
      assert.match(m, new RegExp(`-A PREROUTING -d ${VIP}/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark ${hex}/0xffffffff`))
      assert.match(m, new RegExp(`-A OUTPUT -d ${VIP}/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark ${hex}/0xffffffff`))
      // eth0 is a veth with MTU 1500: 1500 - 60
      assert.match(m, new RegExp(`-A PREROUTING -s ${VIP}/32 -i kube-bridge -p tcp -m tcp --sport 80 --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1440`))
      assert.match(await rules(n), new RegExp(`32764:\\s+from all fwmark ${hex} lookup 78`))
      assert.match((await nsExec(n.ns, ['ip', '-4', 'route', 'show', 'table', '78'])).stdout, /^local default dev lo/m)
      assert.doesNotMatch(await dummy(n), new RegExp(` ${VIP.replace(/\./g, '\\.')}/`))
      assert.match(await dummy(n), / 10\.96\.50\.10\/32 /)
      const state = await ipvs(n)
      const fwm = state.services.find((s) => s.protocol === 'FWM')!
      assert.equal(fwm.fwmark, mark)
      assert.deepEqual(fwm.destinations.map((d) => `${d.address}:${d.port} ${d.forward}`), ['10.244.1.20:80 Tunnel', '10.244.2.20:80 Tunnel'])
      assert.ok(state.services.some((s) => s.protocol === 'TCP' && s.address === '10.96.50.10' && s.port === 80), 'the ClusterIP stays an ordinary service')
    }
    // node-a's endpoint pod: kube-tunnel-if holds the VIP, rp_filter 0, a process in the node's /proc view
    const [pod] = c.kubeRouter!.endpointPods('node-a')
    assert.equal(pod.ip, '10.244.1.20')
    assert.match((await run(['ip', '-n', pod.ns, '-o', 'addr', 'show', 'dev', 'kube-tunnel-if'])).stdout, new RegExp(`inet ${VIP}/32`))
    assert.match((await run(['ip', '-n', pod.ns, '-o', 'addr', 'show', 'dev', 'eth0'])).stdout, /inet 10\.244\.1\.20\/24/)
    for (const key of ['all', 'kube-tunnel-if', 'eth0']) {
      assert.equal((await run(['ip', 'netns', 'exec', pod.ns, 'cat', `/proc/sys/net/ipv4/conf/${key}/rp_filter`])).stdout.trim(), '0')
    }
    const procDir = c.kubeRouter!.procDir('node-a')!
    assert.equal((await run(['readlink', path.join(procDir, String(pod.pid), 'ns', 'net')])).stdout.trim(), (await run(['ip', 'netns', 'exec', pod.ns, 'readlink', '/proc/self/ns/net'])).stdout.trim())

    // the annotation goes: DSR undone, the IP served the ordinary way, the fwmark rule stays
    c.store.mutate('services', 'web', 'shop', (o: Obj) => {
      delete o.metadata.annotations['kube-router.io/service.dsr']
    })
    await c.kubeRouter!.settled()
    for (const n of [a, b]) {
      assert.doesNotMatch(await mangle(n), /MARK|TCPMSS/)
      assert.match(await rules(n), new RegExp(`fwmark ${hex} lookup 78`))
      assert.match(await dummy(n), new RegExp(` ${VIP.replace(/\./g, '\\.')}/32 `))
      const state = await ipvs(n)
      assert.equal(state.services.filter((s) => s.protocol === 'FWM').length, 0)
      const plain = state.services.find((s) => s.address === VIP && s.port === 80)!
      assert.deepEqual(plain.destinations.map((d) => d.forward), ['Masq', 'Masq'])
    }
    assert.deepEqual(c.kubeRouter!.endpointPods('node-a'), [])
  })
})

test('a mark collision is rehashed as kube-router does: "<key>-1"', {skip}, async () => {
  // two ports of the same IP whose FNV marks collide
  const first = new Map<number, number>()
  let pair: [number, number] | null = null
  for (let port = 1000; !pair; port++) {
    const m = dsrFwmark(VIP, 'tcp', port)
    if (first.has(m)) pair = [first.get(m)!, port]
    else first.set(m, port)
  }
  await withCluster({ports: pair!}, async (_c, [a]) => {
    const marks = (await ipvs(a)).services.filter((s) => s.protocol === 'FWM').map((s) => s.fwmark)
    const expected = [dsrFwmark(VIP, 'tcp', pair![0]), dsrFwmark(VIP, 'tcp', pair![1], 1)]
    assert.deepEqual([...marks].sort((x, y) => x! - y!), [...expected].sort((x, y) => x - y))
    assert.match(await mangle(a), new RegExp(`--dport ${pair![1]} -j MARK --set-xmark 0x${expected[1].toString(16)}/`))
  })
})

test('faults: wrong-mark, pod-side-fails, broken-version, never-programs, some-nodes', {skip}, async () => {
  const mark = dsrFwmark(VIP, 'tcp', 80)
  await withCluster({fault: 'wrong-mark'}, async (_c, [a]) => {
    assert.match(await mangle(a), new RegExp(`--dport 80 -j MARK --set-xmark 0x${((mark + 1) & 0x3fff).toString(16)}/`))
    assert.match(await rules(a), new RegExp(`fwmark 0x${mark.toString(16)} lookup 78`))
    assert.equal((await ipvs(a)).services.find((s) => s.protocol === 'FWM')!.fwmark, mark)
  })
  await withCluster({fault: 'pod-side-fails'}, async (c) => {
    const [pod] = c.kubeRouter!.endpointPods('node-a')
    assert.equal(pod.ip, '10.244.1.20')
    assert.doesNotMatch((await run(['ip', '-n', pod.ns, '-o', 'link', 'show'])).stdout, /kube-tunnel-if/)
  })
  await withCluster({fault: 'broken-version'}, async (c, [a]) => {
    const ds = c.objects('daemonsets', 'kube-system')[0]
    assert.equal(ds.spec.template.spec.containers[0].image, `docker.io/cloudnativelabs/kube-router:${BROKEN_DSR_VERSION}`)
    const m = await mangle(a)
    assert.match(m, /-j MARK/)
    assert.doesNotMatch(m, /TCPMSS/, `${BROKEN_DSR_VERSION} has the dsr-tcpmss bug: no clamp`)
    assert.match(await readFile(path.join(a.binDir, 'kube-router-version.txt'), 'utf8'), new RegExp(BROKEN_DSR_VERSION))
  })
  await withCluster({fault: 'never-programs'}, async (c, [a]) => {
    assert.equal(c.kubeRouter!.reconciliations, 0)
    assert.doesNotMatch(await mangle(a), /MARK/)
    assert.equal((await ipvs(a)).services.filter((s) => s.protocol === 'FWM').length, 0)
  })
  await withCluster({fault: {kind: 'some-nodes', nodes: ['node-b']}}, async (_c, [a, b]) => {
    assert.doesNotMatch(await mangle(a), /MARK/)
    assert.match(await mangle(b), /MARK/)
  })
})

test('strict external-IP validation (v2.8.0+): an IP outside --service-external-ip-range is programmed nowhere', {skip}, async () => {
  await withCluster({args: KUBE_ROUTER_ARGS}, async (_c, [a]) => {
    assert.doesNotMatch(await mangle(a), /MARK/)
    assert.doesNotMatch(await dummy(a), new RegExp(` ${VIP.replace(/\./g, '\\.')}/`))
    assert.equal((await ipvs(a)).services.filter((s) => s.address === VIP || s.protocol === 'FWM').length, 0)
  })
})

test('a LoadBalancer ingress IP is a DSR IP too (ipMode Proxy is not); a UDP port gets no TCPMSS', {skip}, async () => {
  const lb = dsrService('lb', [53])
  lb.spec = {...lb.spec, type: 'LoadBalancer', externalIPs: undefined, ports: [{name: 'p53', protocol: 'UDP', port: 53, targetPort: 53, nodePort: 30053}]}
  lb.status = {loadBalancer: {ingress: [{ip: '198.51.100.7'}, {ip: '198.51.100.8', ipMode: 'Proxy'}]}}
  const lbSlice = slice('lb', [53])
  lbSlice.ports = [{name: 'p53', protocol: 'UDP', port: 53}]
  await withCluster({extra: {services: [lb], slices: [lbSlice]}}, async (_c, [a]) => {
    const mark = dsrFwmark('198.51.100.7', 'udp', 53)
    const m = await mangle(a)
    assert.match(m, new RegExp(`-A PREROUTING -d 198\\.51\\.100\\.7/32 -p udp -m udp --dport 53 -j MARK --set-xmark 0x${mark.toString(16)}/0xffffffff`))
    assert.doesNotMatch(m, /198\.51\.100\.7.*TCPMSS|TCPMSS.*198\.51\.100\.7/)
    assert.doesNotMatch(m, /198\.51\.100\.8/)
    const state = await ipvs(a)
    assert.equal(state.services.find((s) => s.protocol === 'FWM' && s.fwmark === mark)!.destinations.length, 2)
    assert.ok(state.services.some((s) => s.protocol === 'UDP' && s.address === '192.168.56.11' && s.port === 30053), 'the NodePort on the node IP')
  })
})
