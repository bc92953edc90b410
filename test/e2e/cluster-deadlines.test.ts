// A cluster that does not answer: every request has a deadline (--request-timeout), so doctor and cleanup end
// within a bound derived from their flags, with one line naming what did not answer (issue 10). And cleanup
// deletes only what this tool creates: a tenant's pod that carries our managed-by label is listed, never deleted.
//
// Bounds: T = --request-timeout. Before anything is created a run needs one request at a time (the version,
// the access reviews in parallel, the namespace, the lists in parallel), so a server that never answers ends it
// after the first: T. Mid-run, a silent server ends the pod watch after T, each of its MAX_WATCH_FAILURES (3)
// reconnections after another T (backoff 0.2 + 0.4 + 0.8 s), and the run's cleanup after one more T: 5T + 1.4 s.
// STARTUP is what starting the CLI through kubectl may cost on a loaded machine.
import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {kr, krSpawn} from '../cli/kr.js'
import {startBlackHole, type BlackHole} from '../harness/black-hole.js'
import {waitFor} from '../helpers/wait-for.js'
import {leftovers, replayClusters, replayNode, execKubeconfig} from './replay.js'

const T_S = 2
const T = T_S * 1000
const STARTUP = 12_000
const MANAGED = 'app.kubernetes.io/managed-by'
const replay = replayClusters('deadlines')
let hole: BlackHole
let work: string

before(async () => {
  hole = await startBlackHole()
  work = await replay.dir()
})
after(async () => {
  await hole?.close()
  await replay.closeAll()
})

async function timed<T>(run: Promise<T>): Promise<T & {ms: number}> {
  const t0 = Date.now()
  const r = await run
  return {...r, ms: Date.now() - t0}
}

function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n')
  assert.equal(lines.length, 1, `one line expected:\n${stderr}`)
  return lines[0]
}

test('doctor against a server that accepts connections and never answers: exit 2 within T, naming the request', async () => {
  const kubeconfig = join(work, 'kubeconfig-black-hole')
  await hole.writeKubeconfig(kubeconfig)
  const r = await timed(kr(['doctor', '--kubeconfig', kubeconfig, '--request-timeout', `${T_S}s`, '-o', 'json']))
  assert.equal(r.code, 2, r.stderr)
  assert.equal(r.stdout, '')
  assert.match(oneErrorLine(r.stderr), new RegExp(`^error: the server version: no answer from ${hole.url.replace(/[.]/g, '\\.')} within 2s$`))
  assert.ok(r.ms < T + STARTUP, `ended after ${r.ms} ms; bound ${T + STARTUP} ms`)
  assert.ok(hole.connections >= 1)
})

test('cleanup against a server that never answers: exit 2 within T, naming the request; a bare number is seconds', async () => {
  const kubeconfig = join(work, 'kubeconfig-black-hole')
  const r = await timed(kr(['cleanup', '--kubeconfig', kubeconfig, '--request-timeout', String(T_S), '--yes']))
  assert.equal(r.code, 2, r.stderr)
  assert.match(oneErrorLine(r.stderr), /^error: pods in kube-system: no answer from http:\/\/127\.0\.0\.1:\d+ within 2s$/)
  assert.ok(r.ms < T + STARTUP, `ended after ${r.ms} ms; bound ${T + STARTUP} ms`)

  const all = await timed(kr(['cleanup', '--kubeconfig', kubeconfig, '--request-timeout', '1500ms', '-A', '--dry-run']))
  assert.equal(all.code, 2, all.stderr)
  assert.match(oneErrorLine(all.stderr), /^error: pods: no answer from http:\/\/127\.0\.0\.1:\d+ within 1\.5s$/)
  assert.ok(all.ms < 1500 + STARTUP, `ended after ${all.ms} ms`)
})

test('--request-timeout that is not a duration: exit 2, one line, nothing contacted', async () => {
  const kubeconfig = join(work, 'kubeconfig-black-hole')
  const before = hole.connections
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '--request-timeout', '1m30'])
  assert.equal(r.code, 2)
  assert.match(oneErrorLine(r.stderr), /^error: --request-timeout: invalid duration "1m30"/)
  const zero = await kr(['cleanup', '--kubeconfig', kubeconfig, '--request-timeout', '0'])
  assert.equal(zero.code, 2)
  assert.match(oneErrorLine(zero.stderr), /^error: --request-timeout must be more than 0/)
  assert.equal(hole.connections, before)
})

test('an exec credential plugin that hangs is killed at the request timeout: exit 2 within T, naming the plugin', async () => {
  const {c} = await replay.start({nodes: [replayNode('node-c')], token: 'right-token'})
  const plugin = join(work, 'hanging-token-plugin')
  await writeFile(plugin, '#!/bin/sh\nexec sleep 600\n', {mode: 0o755})
  const execConfig = join(work, 'kubeconfig-hanging-exec')
  await writeFile(execConfig, execKubeconfig(c.url, 'sso', plugin))
  for (const command of ['doctor', 'cleanup']) {
    const r = await timed(kr([command, '--kubeconfig', execConfig, '--request-timeout', `${T_S}s`]))
    assert.equal(r.code, 2, r.stderr)
    assert.match(oneErrorLine(r.stderr), new RegExp(`^error: .*: credential plugin ${plugin.replace(/[.]/g, '\\.')} \\(kubeconfig user "sso"\\) did not answer within 2s$`))
    assert.ok(r.ms < T + STARTUP, `${command} ended after ${r.ms} ms; bound ${T + STARTUP} ms`)
  }
  assert.equal(c.requests.length, 0, 'no request went out without credentials')
})

test('the API server stops answering while probe pods run: exit 2 within 5T + 1.4 s, saying what was left and that the pods end by their deadline', async () => {
  const {c, kubeconfig} = await replay.start({nodes: ['node-1', 'node-2', 'node-3'].map((n) => replayNode(n, {}, 120_000))})
  const run = krSpawn(['doctor', '--kubeconfig', kubeconfig, '--request-timeout', `${T_S}s`, '--pod-timeout', '300', '-o', 'json'], {timeoutMs: 120_000})
  await waitFor('3 running probe pods', () => c.pods('kube-system').filter((p) => p.status?.phase === 'Running').length === 3, 30_000, 20)
  c.hang()
  const t0 = Date.now()
  const r = await run.done
  const ms = Date.now() - t0
  const bound = 5 * T + 1400 + STARTUP
  assert.equal(r.code, 2, r.stderr)
  assert.ok(ms < bound, `ended ${ms} ms after the server stopped answering; bound ${bound} ms (--pod-timeout is 300 s)`)
  assert.match(r.stderr, /^error: lost the API server during the run: watch of pods in kube-system: no (answer|event) from http:\/\/127\.0\.0\.1:\d+ (within|for) 2s$/m)
  assert.match(
    r.stderr,
    /^warning: could not delete the probe pods of run ([0-9a-f]{6}) \(kr-probe-\1-node-1, kr-probe-\1-node-2, kr-probe-\1-node-3\) and its script ConfigMap kr-probe-\1: delete pods in kube-system: no answer from http:\/\/127\.0\.0\.1:\d+ within 2s; the pods end by their deadline \(activeDeadlineSeconds 300s\) anyway, and `kubectl kr cleanup` deletes what is left$/m,
  )
  const left = c.pods('kube-system').filter((p) => p.metadata.labels?.[MANAGED] === 'kubectl-kr')
  assert.equal(left.length, 3)
  assert.ok(left.every((p) => p.spec.activeDeadlineSeconds === 300))
})

test('cleanup deletes a killed run\'s probe pods, never a tenant pod that only carries our label; other namespaces need -A', async () => {
  const tenant = (namespace: string, name: string) => ({
    metadata: {name, namespace, labels: {[MANAGED]: 'kubectl-kr', app: 'postgres'}},
    spec: {nodeName: 'node-1', containers: [{name: 'postgres', image: 'postgres:17', command: ['postgres']}]},
    status: {phase: 'Running'},
  })
  const {c, kubeconfig} = await replay.start({
    nodes: ['node-1', 'node-2'].map((n) => replayNode(n, {}, 120_000)),
    namespaces: [{name: 'kr-probes'}, {name: 'databases'}],
  })
  c.createPod(tenant('kube-system', 'tenant-db-0'))
  c.createPod(tenant('databases', 'tenant-db-1'))
  c.store.create('configmaps', {metadata: {name: 'tenant-settings', namespace: 'kube-system', labels: {[MANAGED]: 'kubectl-kr'}}, data: {'db.conf': 'x'}} as never)
  const probes = (ns: string) => c.pods(ns).filter((p) => p.metadata.name.startsWith('kr-probe-'))

  // a run in another probe namespace, killed outright: its pods stay
  const run = krSpawn(['doctor', '--kubeconfig', kubeconfig, '--probe-namespace', 'kr-probes'])
  await waitFor('2 running probe pods', () => probes('kr-probes').filter((p) => p.status?.phase === 'Running').length === 2, 30_000, 20)
  run.child.kill('SIGKILL')
  await run.done

  // default: the probe namespace only (kube-system): nothing of ours there, the tenant pod is named and kept
  const here = await kr(['cleanup', '--kubeconfig', kubeconfig, '--yes'])
  assert.equal(here.code, 0, here.stderr)
  assert.match(here.stdout, /^no probe pods left behind in namespace kube-system$/m)
  assert.match(here.stdout, /^not deleted: pod kube-system\/tenant-db-0: does not look like a probe pod \(no kr\.kube-router\.io\/run label\)/m)
  assert.match(here.stdout, /^not deleted: configmap kube-system\/tenant-settings: does not look like a probe script ConfigMap/m)
  assert.doesNotMatch(here.stdout, /tenant-db-1/)
  assert.equal(probes('kr-probes').length, 2)

  // -A: the killed run's pods and script are listed and deleted; the tenants are listed as not deleted and stay
  const dry = await kr(['cleanup', '--kubeconfig', kubeconfig, '-A', '--dry-run'])
  assert.equal(dry.code, 0, dry.stderr)
  assert.match(dry.stdout, /^would delete 2 probe pods \(all namespaces\):$/m)
  assert.match(dry.stdout, /^ {2}kr-probes\/kr-probe-[0-9a-f]{6}-node-1 {2}node=node-1 {2}run=[0-9a-f]{6} {2}phase=Running$/m)
  assert.match(dry.stdout, /^not deleted: pod databases\/tenant-db-1: does not look like a probe pod/m)
  const all = await kr(['cleanup', '--kubeconfig', kubeconfig, '-A', '--yes'])
  assert.equal(all.code, 0, all.stderr)
  assert.match(all.stdout, /^deleted 2 probe pods and 1 probe script ConfigMap$/m)
  assert.deepEqual(probes('kr-probes'), [])
  assert.deepEqual(
    leftovers(c).map((o: any) => `${o.metadata.namespace}/${o.metadata.name}`).sort(),
    ['databases/tenant-db-1', 'kube-system/tenant-db-0', 'kube-system/tenant-settings'],
  )
})
