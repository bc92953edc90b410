// SIGINT / SIGTERM at several points of a cluster run leave no probe pod behind; a SIGKILLed run's pods are
// removed by `kubectl kr cleanup`.
import assert from 'node:assert/strict'
import {after, test} from 'node:test'
import {kr, krSpawn} from '../cli/kr.js'
import type {TestCluster, TestClusterOptions} from '../harness/index.js'
import {sleep, waitFor} from '../helpers/wait-for.js'
import {leftovers, replayClusters, replayNode} from './replay.js'

const MANAGED = 'app.kubernetes.io/managed-by'
const replay = replayClusters('int')
after(() => replay.closeAll())

function cluster(nodes: number, runMs: number, extra: Partial<TestClusterOptions> = {}): Promise<{c: TestCluster; kubeconfig: string}> {
  return replay.start({nodes: Array.from({length: nodes}, (_, i) => replayNode(`node-${i + 1}`, {}, runMs)), ...extra})
}

const probePods = leftovers as (c: TestCluster) => any[]

const until = (what: string, cond: () => boolean, timeoutMs = 20_000) => waitFor(what, cond, timeoutMs, 20)

const running = (c: TestCluster) => probePods(c).filter((p) => p.kind !== 'ConfigMap' && p.status?.phase === 'Running').length

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  const code = signal === 'SIGINT' ? 130 : 143

  test(`${signal} while probe pods run: all of them are deleted, exit ${code}`, async () => {
    const {c, kubeconfig} = await cluster(4, 60_000)
    const run = krSpawn(['doctor', '--kubeconfig', kubeconfig, '-o', 'json'])
    await until('4 running probe pods', () => running(c) === 4)
    run.child.kill(signal)
    const r = await run.done
    assert.equal(r.code, code, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, new RegExp(`^interrupted \\(${signal}\\): deleted 4 probe pods$`, 'm'))
    assert.deepEqual(probePods(c), [])
  })

  test(`${signal} before any pod exists (still reading the cluster): nothing created, exit ${code}`, async () => {
    const {c, kubeconfig} = await cluster(2, 50, {latencyMs: 400})
    const run = krSpawn(['doctor', '--kubeconfig', kubeconfig])
    await until('the first request', () => c.requests.length > 0)
    run.child.kill(signal)
    const r = await run.done
    assert.equal(r.code, code, r.stderr)
    assert.match(r.stderr, new RegExp(`^interrupted \\(${signal}\\)`, 'm'))
    await sleep(1000) // a request in flight must not create a pod afterwards
    assert.deepEqual(probePods(c), [])
  })
}

test('SIGINT while pods are still being created (one at a time, slow API): the pod being created is deleted too', async () => {
  // short probes and concurrency 1: the run creates pod after pod; with 300 ms per API answer one
  // creation is nearly always in flight when the signal comes
  const {c, kubeconfig} = await cluster(8, 50)
  const run = krSpawn(['doctor', '--kubeconfig', kubeconfig, '--concurrency', '1'])
  const creates = () => c.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/pods'))
  await until('the first probe pod', () => creates().length >= 1)
  c.setLatency(300)
  await until('a second creation on its way', () => creates().length >= 2)
  run.child.kill('SIGINT')
  const r = await run.done
  assert.equal(r.code, 130, r.stderr)
  assert.match(r.stderr, /^interrupted \(SIGINT\): deleted \d+ probe pods?$/m)
  await sleep(700) // nothing may appear after the run's end
  assert.deepEqual(probePods(c), [])
  assert.ok(creates().length < 8, 'no pod is created after the interrupt')
})

test('a second Ctrl-C during cleanup does not cut it short', async () => {
  const {c, kubeconfig} = await cluster(3, 60_000)
  const run = krSpawn(['doctor', '--kubeconfig', kubeconfig])
  await until('3 running probe pods', () => running(c) === 3)
  c.setLatency(1500) // the deletion takes a while
  run.child.kill('SIGINT')
  await sleep(300)
  run.child.kill('SIGINT')
  const r = await run.done
  assert.equal(r.code, 130, r.stderr)
  assert.match(r.stderr, /still cleaning up; exiting as soon as the probe pods are deleted/)
  assert.match(r.stderr, /interrupted \(SIGINT\): deleted 3 probe pods/)
  assert.deepEqual(probePods(c), [])
})

test('kubectl kr cleanup deletes the pods a SIGKILLed run left, after showing them and asking', async () => {
  const {c, kubeconfig} = await cluster(3, 60_000)
  const run = krSpawn(['doctor', '--kubeconfig', kubeconfig])
  await until('3 running probe pods', () => running(c) === 3)
  run.child.kill('SIGKILL')
  await run.done
  const left = c.pods().filter((p) => p.metadata?.labels?.[MANAGED] === 'kubectl-kr')
  assert.equal(left.length, 3, 'a killed run cannot clean up')
  for (const p of left) assert.ok(p.spec.activeDeadlineSeconds > 0, 'they still end by their deadline')

  const dry = await kr(['cleanup', '--kubeconfig', kubeconfig, '--dry-run'])
  assert.equal(dry.code, 0, dry.stderr)
  // cleanup looks in the probe namespace (kube-system) unless -A: it used to say "(all namespaces)" here
  assert.match(dry.stdout, /^would delete 3 probe pods \(namespace kube-system\):$/m)
  assert.match(dry.stdout, /kube-system\/kr-probe-[0-9a-f]{6}-node-1 {2}node=node-1 {2}run=[0-9a-f]{6} {2}phase=Running/)
  assert.match(dry.stdout, /configmap kube-system\/kr-probe-[0-9a-f]{6} {2}\(probe script\)/)
  assert.equal(probePods(c).length, 4)

  const unasked = await kr(['cleanup', '--kubeconfig', kubeconfig])
  assert.equal(unasked.code, 2)
  assert.match(unasked.stderr, /^error: not deleting 3 pods without confirmation: pass --yes \(no terminal to ask on\)$/m)
  assert.equal(probePods(c).length, 4)

  const yes = await kr(['cleanup', '--kubeconfig', kubeconfig, '--yes'])
  assert.equal(yes.code, 0, yes.stderr)
  assert.match(yes.stdout, /^deleted 3 probe pods and 1 probe script ConfigMap$/m)
  assert.deepEqual(probePods(c), [])
  assert.deepEqual(c.objects('configmaps').filter((cm) => cm.metadata.labels?.[MANAGED]), [])

  const again = await kr(['cleanup', '--kubeconfig', kubeconfig, '--yes'])
  assert.equal(again.stdout.trim(), 'no probe pods left behind in namespace kube-system')
})
