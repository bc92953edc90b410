// Issue 14 item 5 through real `kubectl kr …` dispatch: the same fault on many nodes is one entry in the text
// report, naming the nodes ("on 150 nodes: node-001, node-002, node-003, … +147"), after a summary line that comes
// first; JSON keeps one finding per node with a fingerprint equal across them. The bundle: 200 nodes, 150 of them
// with node-a's faults of the demo, each with its own name and addresses.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {writeLargeBundle} from '../helpers/large-bundle.js'
import {kr} from './kr.js'

let dir: string
let bundle: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kr-grouped-'))
  bundle = join(dir, 'bundle')
  await writeLargeBundle(bundle, 150, 50)
})
after(() => rm(dir, {recursive: true, force: true}))

// node-a's faults all follow from one kube-router bug; keeping one of them makes "one fault on 150 nodes"
const ONE_FAULT = ['--skip', 'kube-router-version,ipv6-vip-routes,vip-reachability,apiserver-reachability']

interface Finding {
  check: string
  node: string | null
  subject: string | null
  title: string
  fingerprint: string
}

test('one fault on 150 of 200 nodes reads in one screen: summary first, one entry naming the nodes', async () => {
  const r = await kr(['doctor', '--from-bundle', bundle, '-o', 'text', ...ONE_FAULT], {env: {LANG: 'C.UTF-8'}})
  assert.equal(r.code, 1, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  assert.ok(lines.length <= 50, `${lines.length} lines:\n${r.stdout}`)
  assert.equal(lines[0], '150 errors (1 problem), 0 warnings, 0 info on 200 nodes: 150 affected, 0 failed')
  assert.equal(lines.filter((l) => l.startsWith('✗ [local-ips-ipset]')).length, 1, r.stdout)
  assert.ok(lines.includes('    on 150 nodes: node-001, node-002, node-003, … +147'), r.stdout)
  assert.ok(lines.includes('    evidence (node-001):'), r.stdout)
  assert.ok(lines.includes('Errors (150, 1 problem)'), r.stdout)
  // the other 50 are the healthy ones: no line names them
  assert.ok(!r.stdout.includes('node-151,'), r.stdout)
})

test('every fault of the 150 nodes stays one entry each, and the text stays short', async () => {
  const r = await kr(['doctor', '--from-bundle', bundle, '-o', 'text', '--fail-on', 'none'], {env: {LANG: 'C.UTF-8'}})
  assert.equal(r.code, 0, r.stderr)
  const entries = r.stdout.split('\n').filter((l) => /^[✗▲•] \[/.test(l))
  // node-a's 7 faults (4 VIPs of ipv6-vip-routes) and the 6 known bugs of v2.1.2, once each
  assert.equal(entries.length, 13, entries.join('\n'))
  assert.ok(r.stdout.split('\n').length < 260, `${r.stdout.split('\n').length} lines`)
})

test('-o json keeps one finding per node; the fingerprint is equal across nodes with the same fault and differs between causes', async () => {
  const r = await kr(['doctor', '--from-bundle', bundle, '-o', 'json', '--fail-on', 'none'])
  assert.equal(r.code, 0, r.stderr)
  const findings = (JSON.parse(r.stdout) as {findings: Finding[]}).findings
  const local = findings.filter((f) => f.check === 'local-ips-ipset')
  assert.equal(local.length, 150)
  assert.equal(new Set(local.map((f) => f.node)).size, 150)
  assert.equal(new Set(local.map((f) => f.subject)).size, 150, 'each node\'s own address is the subject')
  assert.equal(new Set(local.map((f) => f.fingerprint)).size, 1, 'one fingerprint for the one cause')
  assert.match(local[0].fingerprint, /^[0-9a-f]{16}$/)
  const vipRoutes = findings.filter((f) => f.check === 'ipv6-vip-routes')
  assert.equal(new Set(vipRoutes.map((f) => f.fingerprint)).size, 4, 'one per VIP: different causes stay apart')
  assert.equal(new Set(findings.map((f) => f.fingerprint)).size, 13)

  // stable: the same input gives the same fingerprints
  const again = (JSON.parse((await kr(['doctor', '--from-bundle', bundle, '-o', 'json', '--fail-on', 'none', '--node', 'node-007'])).stdout) as {findings: Finding[]}).findings
  assert.equal(again.find((f) => f.check === 'local-ips-ipset')!.fingerprint, local[0].fingerprint)
})
