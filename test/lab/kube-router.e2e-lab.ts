// Real kube-router (v2.1.0, routing + network policy controllers) in the lab's three nodes, and doctor's checks on the
// kernel state that kube-router itself programmed. Part of `npm test` (and `npm run test:lab`); needs the kube-router binary too.
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {kr} from '../cli/kr.js'
import {nsExec} from '../helpers/netns.js'
import {type Lab, startLab} from './cluster.js'
import {eventually, labSkip} from './suite.js'
import {deployKubeRouter} from './kube-router.js'

const skip = labSkip({kubeRouter: true})

let lab: Lab
let work: string
let kubeconfig: string

before(async () => {
  if (skip) return
  lab = await startLab({nodes: 3})
  work = await mkdtemp(join(tmpdir(), 'kr-lab-kr-'))
  kubeconfig = join(work, 'kubeconfig')
  await writeFile(kubeconfig, lab.kubeconfig, {mode: 0o600})
  await deployKubeRouter(lab)
  await eventually(
    async () => {
      const pods = await lab.admin.req('GET', '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-router')
      return pods.items.length === 3 && pods.items.every((p: any) => p.status?.containerStatuses?.[0]?.state?.running)
    },
    {timeoutMs: 90_000, what: 'three running kube-router pods'},
  )
})

after(async () => {
  if (skip) return
  await lab?.close()
  if (work) await rm(work, {recursive: true, force: true})
})

test('routing controller: each node learns the other nodes\' pod CIDRs over iBGP and routes them via their node IPs', {skip}, async () => {
  for (const node of lab.nodes) {
    await eventually(
      async () => {
        const routes = (await nsExec(node.ns, ['ip', '-4', 'route', 'show'])).stdout
        return lab.nodes.filter((o) => o !== node).every((o) => routes.includes(`${o.podCIDRs[0]} via ${o.ip4} dev eth0`))
      },
      {timeoutMs: 90_000, what: `pod CIDR routes on ${node.name}`},
    )
  }
})

test('network policy controller: its chains and ipsets exist in every node', {skip}, async () => {
  for (const node of lab.nodes) {
    await eventually(
      async () => {
        const rules = (await nsExec(node.ns, ['iptables-save', '-t', 'filter'])).stdout
        const sets = (await nsExec(node.ns, ['ipset', 'list', '-n'])).stdout
        return rules.includes(':KUBE-ROUTER-INPUT') && rules.includes(':KUBE-ROUTER-FORWARD') && sets.includes('kube-router-node-ips')
      },
      {timeoutMs: 60_000, what: `network policy chains on ${node.name}`},
    )
  }
})

// Every check of doctor on the state the real kube-router programmed: none may crash on it (checks.e2e-lab.ts asserts
// what pod-routes, policy-routing-rules, node-ips-ipset and netpol-sync say, and what they find when it is broken).
test('doctor on state kube-router programmed: every node probed, its version seen, no check errors', {skip}, async () => {
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '-o', 'json'], {timeoutMs: 180_000})
  assert.ok(r.code === 0 || r.code === 1, `${r.code}: ${r.stderr}`)
  const report = JSON.parse(r.stdout)
  assert.equal(report.summary.nodesProbed, 3, r.stdout)
  assert.deepEqual((report.results as any[]).filter((x) => x.status === 'error'), [])
  assert.deepEqual(report.nodes.map((n: any) => n.kubeRouterVersion), ['v2.1.0', 'v2.1.0', 'v2.1.0'])
})
