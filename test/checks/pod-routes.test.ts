// pod-routes (accuracy-audit §3 #2, #12): every other node's pod CIDR routed on this node as kube-router's routing
// controller injects it: `via <peer>` in the node's subnet, tun-* tunnel + table 77 route across subnets, and the BGP
// sessions (gobgp neighbor) behind them. Real kernel state in a network namespace, read by probe.sh.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {analyseCaptures, captureNetns, NETNS_SKIP, sh, withNetns} from './netns-capture.js'
import {assertHasExactLine, assertHasLine, assertQuietPass, findingsOf, resultOf} from './run-case.js'
import {writeExecutable} from '../helpers/netns.js'
import {tunnelName} from '../../src/expected/pod-routes.js'
import type {ClusterObjects, NodeObject} from '../../src/model/types.js'

const ID = 'pod-routes'
const NODE_C_IP = '10.0.7.13'
const TUN_C = tunnelName(NODE_C_IP)

function nodeObject(name: string, ip4: string, ip6: string | null, pods: string[], ready = true): NodeObject {
  return {
    metadata: {name},
    spec: {podCIDR: pods[0], podCIDRs: pods},
    status: {
      addresses: [{type: 'InternalIP', address: ip4}, ...(ip6 ? [{type: 'InternalIP', address: ip6}] : []), {type: 'Hostname', address: name}],
      conditions: [{type: 'Ready', status: ready ? 'True' : 'False'}],
    },
  }
}

/** node-a (this node), node-b in its subnet (dual-stack), node-c in another subnet (IPv4 only). */
function cluster(args: string[], opts: {nodeBReady?: boolean} = {}): ClusterObjects {
  return {
    nodes: [
      nodeObject('node-a', '192.168.56.11', 'fd00:56::11', ['10.244.1.0/24', 'fd00:244:1::/64']),
      nodeObject('node-b', '192.168.56.12', 'fd00:56::12', ['10.244.2.0/24', 'fd00:244:2::/64'], opts.nodeBReady ?? true),
      nodeObject('node-c', NODE_C_IP, null, ['10.244.3.0/24']),
    ],
    services: [],
    endpointSlices: [],
    kubeRouter: {metadata: {name: 'kube-router', namespace: 'kube-system'}, spec: {template: {spec: {containers: [{name: 'kube-router', image: 'docker.io/cloudnativelabs/kube-router:v2.11.1', args: ['--run-router=true', '--enable-ipv6=true', ...args]}]}}}},
  }
}

/** gobgp's `neighbor` table: one row per [peer, up/down, state]. */
function gobgpTable(rows: [string, string, string][]): string {
  const line = (a: string, b: string, c: string, d: string, e: string, f: string) => `${a.padEnd(13)} ${b.padStart(5)} ${c.padStart(8)} ${d.padEnd(11)} |${e.padStart(9)} ${f.padStart(9)}\n`
  return line('Peer', 'AS', 'Up/Down', 'State', '#Received', 'Accepted') + rows.map(([p, t, s]) => line(p, '64512', t, s, s === 'Establ' ? '1' : '0', s === 'Establ' ? '1' : '0')).join('')
}

/** node-a's base: eth0 in 192.168.56.0/24 + fd00:56::/64, kube-bridge with its pod CIDR (veths: no dummy/bridge needed). */
async function baseNode(ns: string): Promise<void> {
  await sh(ns,
    ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'kr-uplink'],
    ['ip', 'link', 'add', 'kube-bridge', 'type', 'veth', 'peer', 'name', 'kr-bridge-peer'],
    ['ip', 'addr', 'add', '192.168.56.11/24', 'dev', 'eth0'],
    ['ip', '-6', 'addr', 'add', 'fd00:56::11/64', 'dev', 'eth0', 'nodad'],
    ['ip', 'addr', 'add', '10.244.1.1/24', 'dev', 'kube-bridge'],
    ['ip', 'link', 'set', 'eth0', 'up'], ['ip', 'link', 'set', 'kr-uplink', 'up'],
    ['ip', 'link', 'set', 'kube-bridge', 'up'], ['ip', 'link', 'set', 'kr-bridge-peer', 'up'],
    ['ip', 'route', 'add', 'default', 'via', '192.168.56.1', 'dev', 'eth0'],
    ['ip', '-6', 'route', 'add', 'default', 'via', 'fd00:56::1', 'dev', 'eth0'])
}

/** What kube-router injects for node-b (same subnet) and, with `tunnel`, node-c (another subnet, overlay on). */
async function injectedRoutes(ns: string, parts: {b4?: boolean; b6?: boolean; tunnelLink?: boolean; table77?: boolean; c4?: boolean} = {}): Promise<void> {
  const want = {b4: true, b6: true, tunnelLink: true, table77: true, c4: true, ...parts}
  if (want.b4) await sh(ns, ['ip', 'route', 'add', '10.244.2.0/24', 'via', '192.168.56.12', 'dev', 'eth0', 'proto', '17'])
  if (want.b6) await sh(ns, ['ip', '-6', 'route', 'add', 'fd00:244:2::/64', 'via', 'fd00:56::12', 'dev', 'eth0', 'proto', '17'])
  if (want.tunnelLink) {
    // kube-router's ipip tunnel (this kernel has no ipip links: a veth with the tunnel's name and MTU)
    await sh(ns, ['ip', 'link', 'add', TUN_C, 'mtu', '1480', 'type', 'veth', 'peer', 'name', 'kr-tun-peer'],
      ['ip', 'link', 'set', TUN_C, 'up'], ['ip', 'link', 'set', 'kr-tun-peer', 'up'])
    if (want.table77) await sh(ns, ['ip', 'route', 'add', NODE_C_IP, 'dev', TUN_C, 'table', '77'])
    if (want.c4) await sh(ns, ['ip', 'route', 'add', '10.244.3.0/24', 'dev', TUN_C, 'src', '192.168.56.11', 'proto', '17'])
  }
}

async function withGobgp<T>(table: string | null, body: (env: Record<string, string>) => Promise<T>): Promise<T> {
  if (table === null) return body({})
  const dir = await mkdtemp(path.join(os.tmpdir(), `kr-gobgp-${process.pid}-`))
  try {
    await writeExecutable(dir, 'gobgp', `#!/bin/sh\n[ "$1" = neighbor ] || exit 2\ncat <<'EOF'\n${table}EOF\n`)
    return await body({PATH: `${dir}:${process.env.PATH}`})
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

const ALL_ESTABLISHED = gobgpTable([['192.168.56.12', '02:13:44', 'Establ'], [NODE_C_IP, '02:13:40', 'Establ'], ['fd00:56::12', '02:13:41', 'Establ']])

test('trap: routes as kube-router injects them (via node-b, tunnel + table 77 to node-c), every session established: pass', {skip: NETNS_SKIP}, async () => {
  const report = await withGobgp(ALL_ESTABLISHED, (env) => withNetns('pr-healthy', async (ns) => {
    await baseNode(ns)
    await injectedRoutes(ns)
    const capture = await captureNetns(ns, 'node-a', env)
    assert.ok(capture.files['gobgp-neighbors.txt'], 'gobgp neighbor captured')
    return analyseCaptures([capture], cluster([]), [ID])
  }))
  assertQuietPass(report, ID)
})

test('node-b\'s IPv6 route missing while its IPv6 BGP session is Active: error naming the session', {skip: NETNS_SKIP}, async () => {
  const table = gobgpTable([['192.168.56.12', '02:13:44', 'Establ'], [NODE_C_IP, '02:13:40', 'Establ'], ['fd00:56::12', 'never', 'Active']])
  const report = await withGobgp(table, (env) => withNetns('pr-v6-missing', async (ns) => {
    await baseNode(ns)
    await injectedRoutes(ns, {b6: false})
    return analyseCaptures([await captureNetns(ns, 'node-a', env)], cluster([]), [ID])
  }))
  assert.equal(resultOf(report, ID).status, 'fail')
  const found = findingsOf(report, ID)
  assert.equal(found.length, 1, JSON.stringify(found.map((f) => f.title)))
  const f = found[0]
  assert.equal(f.severity, 'error')
  assert.equal(f.subject, 'fd00:244:2::/64')
  assert.equal(f.title, 'IPv6 pod CIDR fd00:244:2::/64 of node-b is not routed as kube-router does it')
  assert.match(f.detail, /no `fd00:244:2::\/64 via fd00:56::12 proto 17` route in the main table/)
  assert.match(f.detail, /BGP session with fd00:56::12 is Active, not established/)
  assert.ok(f.evidence.some((e) => /^fd00:56::12 +64512 +never Active/.test(e)), f.evidence.join('\n'))
  assertHasLine(f.remediation, 'gobgp neighbor', 'remediation')
})

test('tunnel to node-c without its table 77 route: error naming the missing route', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('pr-t77', async (ns) => {
    await baseNode(ns)
    await injectedRoutes(ns, {table77: false})
    return analyseCaptures([await captureNetns(ns)], cluster([]), [ID])
  })
  const found = findingsOf(report, ID)
  assert.equal(found.length, 1, JSON.stringify(found.map((f) => f.title)))
  assert.equal(found[0].subject, '10.244.3.0/24')
  assert.match(found[0].detail, new RegExp(`no \`${NODE_C_IP} dev ${TUN_C}\` route in table 77`))
  assert.match(found[0].detail, /in another subnet and the overlay is on/)
  assertHasExactLine(found[0].evidence, `10.244.3.0/24 dev ${TUN_C} proto 17 scope link src 192.168.56.11`)
})

test('node-b NotReady and its routes withdrawn: warning, not error', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('pr-notready', async (ns) => {
    await baseNode(ns)
    await injectedRoutes(ns, {b4: false, b6: false})
    return analyseCaptures([await captureNetns(ns)], cluster([], {nodeBReady: false}), [ID])
  })
  const found = findingsOf(report, ID)
  assert.deepEqual(found.map((f) => [f.subject, f.severity]), [['10.244.2.0/24', 'warning'], ['fd00:244:2::/64', 'warning']])
  assert.match(found[0].detail, /node-b is not Ready/)
})

test('trap: overlay off, an upstream router advertises the whole pod range (iBGP between nodes off): pass with notes', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('pr-upstream', async (ns) => {
    await baseNode(ns)
    await sh(ns, ['ip', 'route', 'add', '10.244.0.0/16', 'via', '192.168.56.1', 'dev', 'eth0', 'proto', '17'],
      ['ip', '-6', 'route', 'add', 'fd00:244::/32', 'via', 'fd00:56::1', 'dev', 'eth0', 'proto', '17'])
    return analyseCaptures([await captureNetns(ns)], cluster(['--enable-overlay=false']), [ID])
  })
  const r = assertQuietPass(report, ID)
  assert.match(r.reason ?? '', /10\.244\.2\.0\/24 of node-b is covered by 10\.244\.0\.0\/16 via 192\.168\.56\.1/)
  assert.match(r.reason ?? '', /10\.244\.3\.0\/24 of node-c: another subnet without overlay, left to the upstream routers/)
})

test('routes present but a BGP session is down (routes kept by graceful restart): warning for the session', {skip: NETNS_SKIP}, async () => {
  const table = gobgpTable([['192.168.56.12', '00:00:12', 'Active'], [NODE_C_IP, '02:13:40', 'Establ'], ['fd00:56::12', '02:13:41', 'Establ']])
  const report = await withGobgp(table, (env) => withNetns('pr-gr', async (ns) => {
    await baseNode(ns)
    await injectedRoutes(ns)
    return analyseCaptures([await captureNetns(ns, 'node-a', env)], cluster([]), [ID])
  }))
  const found = findingsOf(report, ID)
  assert.deepEqual(found.map((f) => [f.severity, f.title]), [['warning', 'BGP session with 192.168.56.12 is Active']])
})

test('no cluster objects: skipped with the reason', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('pr-local', async (ns) => {
    await baseNode(ns)
    return analyseCaptures([await captureNetns(ns)], null, [ID])
  })
  assert.equal(resultOf(report, ID).status, 'skipped')
  assert.match(resultOf(report, ID).reason ?? '', /needs the cluster's Node objects/)
})
