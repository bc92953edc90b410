// node-ips-ipset (accuracy-audit §3 #14): [inet6:]kube-router-node-ips must hold every node's InternalIP/ExternalIP
// addresses (of nodes with a pod CIDR). Real ipsets in a network namespace, read by probe.sh.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {analyseCaptures, captureNetns, NETNS_SKIP, restore, sh, withNetns} from './netns-capture.js'
import {assertHasExactLine, assertQuietPass, onlyFinding, resultOf} from './run-case.js'
import {writeExecutable} from '../helpers/netns.js'
import type {ClusterObjects, NodeObject} from '../../src/model/types.js'

const ID = 'node-ips-ipset'

function nodeObject(name: string, addresses: [string, string][], pods: string[]): NodeObject {
  return {metadata: {name}, spec: pods.length ? {podCIDR: pods[0], podCIDRs: pods} : {},
    status: {addresses: addresses.map(([type, address]) => ({type, address})), conditions: [{type: 'Ready', status: 'True'}]}}
}

const CLUSTER: ClusterObjects = {
  nodes: [
    nodeObject('node-a', [['InternalIP', '192.168.56.11'], ['InternalIP', 'fd00:56::11']], ['10.244.1.0/24', 'fd00:10:244:1::/64']),
    nodeObject('node-b', [['InternalIP', '192.168.56.12'], ['ExternalIP', '203.0.113.12'], ['InternalIP', 'fd00:56::12']], ['10.244.2.0/24', 'fd00:10:244:2::/64']),
    // no pod CIDR from any source: kube-router skips this node, its address is rightly absent
    nodeObject('node-c', [['InternalIP', '192.168.56.13']], []),
  ],
  services: [], endpointSlices: [], kubeRouter: null,
}

async function sets(ns: string, v4: string[], v6: string[]): Promise<void> {
  await sh(ns,
    ['ipset', 'create', 'kube-router-pod-subnets', 'hash:net', 'family', 'inet', 'timeout', '0'],
    ['ipset', 'create', 'kube-router-node-ips', 'hash:ip', 'family', 'inet', 'timeout', '0'],
    ['ipset', 'create', 'inet6:kube-router-node-ips', 'hash:ip', 'family', 'inet6', 'timeout', '0'])
  for (const ip of v4) await sh(ns, ['ipset', 'add', 'kube-router-node-ips', ip, 'timeout', '0'])
  for (const ip of v6) await sh(ns, ['ipset', 'add', 'inet6:kube-router-node-ips', ip, 'timeout', '0'])
  await restore(ns, 'iptables-nft-restore', '*nat\n-A POSTROUTING -m set --match-set kube-router-pod-subnets src -m set ! --match-set kube-router-pod-subnets dst -m set ! --match-set kube-router-node-ips dst -j MASQUERADE --random-fully\nCOMMIT\n')
}

/** PATH with a kube-router whose --version reports `version`. */
async function withKubeRouterVersion<T>(version: string, body: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `kr-version-${process.pid}-`))
  try {
    await writeExecutable(dir, 'kube-router', `#!/bin/sh\necho 'Running /usr/local/bin/kube-router version ${version}, built on 2024-11-20T18:12:10+0000, go1.23.3' >&2\n`)
    return await body({PATH: `${dir}:${process.env.PATH}`})
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

test('v2.4.0 keeps only the local node in kube-router-node-ips: warning naming the missing addresses, fixed in v2.4.1', {skip: NETNS_SKIP}, async () => {
  const report = await withKubeRouterVersion('v2.4.0', (env) => withNetns('nips-bug', async (ns) => {
    await sets(ns, ['192.168.56.11'], ['fd00:56::11', 'fd00:56::12'])
    return analyseCaptures([await captureNetns(ns, 'node-a', env)], CLUSTER, [ID])
  }))
  assert.equal(resultOf(report, ID).status, 'fail')
  const f = onlyFinding(report, ID)
  assert.equal(f.severity, 'warning')
  assert.equal(f.title, 'kube-router-node-ips lacks 2 IPv4 node addresses (192.168.56.12 of node-b, 203.0.113.12 of node-b)')
  assert.equal(f.fixedIn, 'v2.4.1')
  assert.match(f.detail, /keeps only the local node/)
  assertHasExactLine(f.evidence, 'add kube-router-node-ips 192.168.56.11 timeout 0')
  assertHasExactLine(f.evidence, '-A POSTROUTING -m set --match-set kube-router-pod-subnets src -m set ! --match-set kube-router-pod-subnets dst -m set ! --match-set kube-router-node-ips dst -j MASQUERADE --random-fully')
})

test('trap: every node with a pod CIDR is in the sets; node-c has none and is rightly absent: pass', {skip: NETNS_SKIP}, async () => {
  const report = await withNetns('nips-ok', async (ns) => {
    await sets(ns, ['192.168.56.11', '192.168.56.12', '203.0.113.12'], ['fd00:56::11', 'fd00:56::12'])
    return analyseCaptures([await captureNetns(ns)], CLUSTER, [ID])
  })
  assertQuietPass(report, ID)
})
