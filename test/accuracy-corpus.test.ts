// The accuracy corpus (issue 12 item 5): every fixture bundle and the demo analysed with every check; the verdict
// of each (bundle, check, node) must be the committed one in test/fixtures/accuracy-corpus.json. A change that flips
// a verdict anywhere fails here; `npm run corpus:update` rewrites the table so the flip shows in the diff.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFile} from 'node:fs/promises'
import {CORPUS_TABLE, computeCorpus, corpusBundles, type CorpusTable} from './helpers/accuracy-corpus.js'
import {CHECKS} from '../src/checks/index.js'

test('every bundle of the corpus gets the committed verdict for every check and node', async () => {
  const committed = JSON.parse(await readFile(CORPUS_TABLE, 'utf8')) as CorpusTable
  const now = await computeCorpus()
  assert.deepEqual(Object.keys(now), Object.keys(committed), 'the corpus bundles are the committed ones (run npm run corpus:update after adding a fixture)')
  const flips: string[] = []
  for (const [bundle, rows] of Object.entries(now)) {
    for (const key of new Set([...Object.keys(rows), ...Object.keys(committed[bundle])])) {
      if (rows[key] !== committed[bundle][key]) flips.push(`${bundle} ${key}: committed ${committed[bundle][key] ?? '(none)'}, now ${rows[key] ?? '(none)'}`)
    }
  }
  assert.deepEqual(flips, [], `verdicts changed; if intended, run npm run corpus:update and commit the table:\n${flips.join('\n')}`)
})

test('the corpus holds every check fixture and the demo, and every check has a row on every node of each', async () => {
  const bundles = await corpusBundles()
  assert.ok(bundles.includes('examples/demo-bundle'))
  assert.ok(bundles.filter((b) => b.startsWith('test/fixtures/checks/')).length >= 50, `${bundles.length} bundles`)
  const committed = JSON.parse(await readFile(CORPUS_TABLE, 'utf8')) as CorpusTable
  for (const [bundle, rows] of Object.entries(committed)) {
    const nodes = [...new Set(Object.keys(rows).map((k) => k.split('@')[1]).filter((n) => n !== '-'))]
    for (const check of CHECKS) {
      const keys = check.scope === 'cluster' ? [`${check.id}@-`] : nodes.map((n) => `${check.id}@${n}`)
      for (const key of keys) assert.ok(rows[key], `${bundle}: ${key}`)
    }
  }
})

test('the audit cases end with the verdicts accuracy-audit.md §1 asks for (a reader\'s summary of the table)', async () => {
  const t = JSON.parse(await readFile(CORPUS_TABLE, 'utf8')) as CorpusTable
  const v = (bundle: string, key: string) => t[`test/fixtures/checks/${bundle}`][key]
  // healthy look-alikes that used to be errors
  assert.equal(v('pod-cidrs-annotation-wins', 'policy-routing-rules@node-a'), 'pass')
  assert.equal(v('overlay-off-daemonset-unknown', 'policy-routing-rules@node-a'), 'pass: info')
  assert.equal(v('ipv6-vip-routes-ula-node-ip-local', 'ipv6-vip-routes@node-a'), 'pass')
  assert.equal(v('vip-service-local-annotation-v2.3.1', 'vip-reachability@node-a'), 'pass')
  assert.equal(v('dsr-daemonset-unknown-v2.11.1', 'dsr-programming@node-a'), 'pass')
  assert.equal(v('dsr-mark-stale-then-current', 'dsr-programming@node-a'), 'pass')
  assert.equal(v('networkd-systemd-245', 'networkd-foreign-rules@node-a'), 'pass')
  assert.equal(v('lookup-79-missing-v2.6.2', 'policy-routing-rules@node-a'), 'pass: info')
  // real failures that used to pass
  assert.equal(v('ipv6-flag-off-node-dual-stack', 'policy-routing-rules@node-a'), 'fail: error')
  assert.equal(v('local-ips-node-ip-on-lo-v2.6.1', 'local-ips-ipset@node-a'), 'fail: error')
  assert.equal(v('local-ips-node-ip-on-dummy0', 'local-ips-ipset@node-a'), 'fail: error')
  assert.equal(v('dsr-tcpmss-missing', 'dsr-programming@node-a'), 'fail: warning x2')
  assert.equal(v('dsr-pod-receiver-failed-v2.2.1', 'dsr-programming@node-a'), 'fail: error')
  assert.equal(v('not-kube-router-host', 'kube-router-present@node-a'), 'fail: error')
  // look-alikes that stay failures
  assert.equal(v('overlay-tunnel-rules-wiped-daemonset-unknown', 'policy-routing-rules@node-a'), 'fail: error x2')
  assert.equal(v('vip-service-local-annotation-v2.6.2', 'vip-reachability@node-a'), 'fail: error')
})
