// Issue 14 item 7: `kubectl kr doctor --watch` against the test API server. node-c's probe output changes between
// rounds (its replayed capture swapped for node-b's, whose kube-router rules are gone, then back), as when a
// `systemctl restart systemd-networkd` wipes kube-router's rules: the round after shows the new findings with the
// time, the next one shows them resolved; every round's probe pods are deleted; -o json is one report per line.
import assert from 'node:assert/strict'
import {after, test} from 'node:test'
import {krSpawn, kr} from '../cli/kr.js'
import {waitFor} from '../helpers/wait-for.js'
import {DEMO_BUNDLE, HEALTHY_PROBE_OUTPUT, leftovers, probeOutputFromBundle, replayClusters, replayNode} from './replay.js'

const replay = replayClusters('watch')
after(() => replay.closeAll())

const BROKEN = probeOutputFromBundle(DEMO_BUNDLE, 'node-b')

test('--watch 1s -o text: the first report, then per round what changed (new, resolved, no change); Ctrl-C ends it, pods deleted', {timeout: 120_000}, async () => {
  // node-c's addresses: the families kube-router needs rules for come from the Node's addresses (accuracy-audit §1.1)
  const node = replayNode('node-c', {addresses: [{type: 'InternalIP', address: '192.168.56.13'}, {type: 'InternalIP', address: 'fd00:56::13'}, {type: 'Hostname', address: 'node-c'}]})
  const {c, kubeconfig} = await replay.start({nodes: [node]})
  const run = krSpawn(['doctor', '--kubeconfig', kubeconfig, '--watch', '1s', '-o', 'text', '--check', 'policy-routing-rules,networkd-foreign-rules'], {env: {LANG: 'C.UTF-8'}})
  let stdout = ''
  run.child.stdout!.on('data', (d) => (stdout += d))
  await waitFor('the first report', () => /^0 errors, 0 warnings, 0 info on 1 node/m.test(stdout), 60_000, 50)
  // kube-router's rules wiped on the node
  if (node.runtime.kind === 'replay') node.runtime.log = BROKEN
  await waitFor('a round with the new findings', () => /^── \d\d:\d\d:\d\d round \d+: [1-9]\d* new, 0 resolved · /m.test(stdout), 60_000, 50)
  assert.match(stdout, /^ {2}\+ ✗ \[policy-routing-rules\] node-c: Policy routing rules kube-router needs are missing/m)
  // kube-router restored them
  if (node.runtime.kind === 'replay') node.runtime.log = HEALTHY_PROBE_OUTPUT
  await waitFor('a round with them resolved', () => /^── \d\d:\d\d:\d\d round \d+: 0 new, [1-9]\d* resolved · /m.test(stdout), 60_000, 50)
  assert.match(stdout, /^ {2}- ✗ \[policy-routing-rules\] node-c: .* \(resolved\)$/m)
  await waitFor('a round without change', () => /round \d+: no change · /.test(stdout), 60_000, 50)
  run.child.kill('SIGINT')
  const done = await run.done
  assert.ok(done.code === 0 || done.code === 130, `exit ${done.code}: ${done.stderr}`)
  assert.deepEqual(leftovers(c), [], 'every round deleted its pods and script')
  const rounds = c.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pods')).length
  assert.ok(rounds >= 4, `${rounds} rounds`)
})

test('--watch -o json: one report per line; a bare --watch means 60s; --watch with a bundle or -o yaml is refused', {timeout: 120_000}, async () => {
  const {kubeconfig} = await replay.start({nodes: [replayNode('node-c')]})
  const run = krSpawn(['doctor', '--kubeconfig', kubeconfig, '-o', 'json', '--watch=1s', '--fail-on', 'none'])
  let stdout = ''
  run.child.stdout!.on('data', (d) => (stdout += d))
  await waitFor('two rounds', () => stdout.split('\n').filter(Boolean).length >= 2, 60_000, 50)
  run.child.kill('SIGINT')
  await run.done
  for (const line of stdout.split('\n').filter(Boolean)) assert.equal(JSON.parse(line).kind, 'DoctorReport')

  const bundle = await kr(['doctor', '--from-bundle', DEMO_BUNDLE, '--watch'])
  assert.equal(bundle.code, 2)
  assert.equal(bundle.stderr, 'error: --watch probes again every interval: it does not go with --from-bundle\n')
  const yaml = await kr(['doctor', '--kubeconfig', kubeconfig, '--watch', '-o', 'yaml'])
  assert.equal(yaml.code, 2)
  assert.match(yaml.stderr, /^error: --watch shows rounds in the TUI, as text .* not yaml: pass -o tui, -o text or -o json\n$/)
  const bad = await kr(['doctor', '--kubeconfig', kubeconfig, '--watch', '0s'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^error: --watch must be more than 0/)
})
