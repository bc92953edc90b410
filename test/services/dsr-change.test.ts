// The change flow of dsr enable / disable in process: the real KubePort (client-node) against the test API
// server, with the verification port (VerifyDsr) scripted round by round, so that every way out of a change is
// exercised: verified, verified after some rounds, failed → rolled back exactly, a concurrent change → not
// overwritten, an interrupt → rolled back, --no-rollback, Events allowed or denied, disable restoring the scheduler.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {openKube} from '../../src/infra/kube-api.js'
import {InterruptedError, UserError} from '../../src/model/errors.js'
import type {DsrNodeVerdict, DsrServiceVerification} from '../../src/model/dsr-verification.js'
import {runDsrChange, type DsrChangeIo, type DsrChangeRequest, type VerifyDsr} from '../../src/services/dsr-change.js'
import {startTestCluster, type Denial, type TestCluster} from '../harness/index.js'
import {annotationsOf, dsrReadyDaemonSet, patches, videoService, videoSlice} from '../e2e/dsr-fixtures.js'

let work: string
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kr-dsr-change-'))
})
after(() => rm(work, {recursive: true, force: true}))

const SCHED = 'kube-router.io/service.scheduler'
const DSR = 'kube-router.io/service.dsr'

async function withCluster(opts: {deny?: Denial[]; annotations?: Record<string, string>}, fn: (c: TestCluster, kubeconfig: string) => Promise<void>) {
  const c = await startTestCluster({
    nodes: [{name: 'node-b', runtime: {kind: 'replay', log: '', runMs: 10}}, {name: 'node-c', runtime: {kind: 'replay', log: '', runMs: 10}}],
    services: [videoService({annotations: opts.annotations})],
    endpointSlices: [videoSlice()],
    daemonSets: [dsrReadyDaemonSet()],
    deny: opts.deny,
  })
  const kubeconfig = join(work, `kubeconfig-${Math.random().toString(36).slice(2)}`)
  await c.writeKubeconfig(kubeconfig)
  try {
    await fn(c, kubeconfig)
  } finally {
    await c.close()
  }
}

function node(name: string, state: DsrNodeVerdict['state'], reason: string | null = null): DsrNodeVerdict {
  return {
    node: name,
    hasLocalEndpoint: name === 'node-b',
    state,
    reason,
    checks: [{id: 'ipvs-fwm-service', title: 'IPVS FWM service with Tunnel destinations', status: state === 'broken' ? 'fail' : 'pass', evidence: state === 'broken' ? ['no FWM 10642'] : ['FWM  10642 sh'], fix: []}],
  }
}

function verification(expectation: 'enabled' | 'disabled', nodes: DsrNodeVerdict[]): DsrServiceVerification {
  return {namespace: 'media', name: 'video', expectation, nodes, verified: nodes.every((n) => ['programmed', 'undone', 'not-expected'].includes(n.state))}
}

const request = (extra: Partial<DsrChangeRequest> = {}): DsrChangeRequest => ({
  action: 'enable',
  service: 'media/video',
  namespace: null,
  scheduler: 'mh',
  mhFlags: null,
  force: false,
  dryRun: 'none',
  waitMs: 3000,
  rollback: true,
  probe: {probeNamespace: 'kube-system', image: null, concurrency: 10, podTimeoutSec: 60, cmdTimeoutSec: 10},
  ...extra,
})

function io(verify: VerifyDsr, controller = new AbortController()): DsrChangeIo & {lines: string[]; warnings: string[]; notes: string[]} {
  const lines: string[] = []
  const warnings: string[] = []
  const notes: string[] = []
  return {
    lines,
    warnings,
    notes,
    out: (l) => lines.push(l),
    warn: (l) => warnings.push(l),
    note: (l) => notes.push(l),
    confirm: async () => true,
    round: () => null,
    signal: controller.signal,
    verify,
    roundPauseMs: 50,
  }
}

/** in the order they were recorded */
const events = (c: TestCluster) =>
  c.objects('events', 'media')
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e) => `${e.type} ${e.reason}: ${e.message}`)

test('verified at once: one guarded patch, a DSREnabled event, what was verified where; exit 0', async () => {
  await withCluster({}, async (c, kubeconfig) => {
    const calls: unknown[] = []
    const run = io(async (_kube, req, options) => {
      calls.push({req, probeNamespace: options.probeNamespace})
      return [verification('enabled', [node('node-b', 'programmed'), node('node-c', 'programmed')])]
    })
    const readVersion = c.objects('services', 'media')[0].metadata.resourceVersion
    const outcome = await runDsrChange(openKube({kubeconfig, context: null}), request(), run)
    assert.equal(outcome.exitCode, 0)
    assert.deepEqual(calls, [{req: {services: [{namespace: 'media', name: 'video'}], expectation: 'enabled'}, probeNamespace: 'kube-system'}])
    const [patch] = patches(c)
    assert.equal(patches(c).length, 1)
    assert.equal((patch.body as any).metadata.resourceVersion, readVersion)
    assert.equal(annotationsOf(c)[DSR], 'tunnel')
    assert.equal(annotationsOf(c)[SCHED], 'mh')
    assert.deepEqual(events(c), ['Normal DSREnabled: kubectl-kr dsr enable: kube-router.io/service.dsr=tunnel, kube-router.io/service.scheduler=mh (was sh)'])
    assert.ok(run.lines.includes('verified: DSR is programmed for media/video on every node that should program it:'), run.lines.join('\n'))
    assert.ok(run.lines.includes('  node-b: programmed (director side): IPVS FWM service with Tunnel destinations'), run.lines.join('\n'))
  })
})

test('programmed only from the third round on: rounds repeat until then; exit 0', async () => {
  await withCluster({}, async (c, kubeconfig) => {
    let round = 0
    const run = io(async () => {
      round++
      return [verification('enabled', [node('node-b', round < 3 ? 'broken' : 'programmed', round < 3 ? 'no FWM service' : null), node('node-c', 'programmed')])]
    })
    const outcome = await runDsrChange(openKube({kubeconfig, context: null}), request(), run)
    assert.equal(outcome.exitCode, 0)
    assert.equal(round, 3)
    assert.deepEqual(run.notes, [
      'round 1: not yet enabled on every node (node-b broken); checking again',
      'round 2: not yet enabled on every node (node-b broken); checking again',
    ])
    assert.equal(patches(c).length, 1)
  })
})

test('never programmed within --wait: the annotations back exactly as before, guarded by the version written; DSRRolledBack; exit 1', async () => {
  await withCluster({annotations: {'example.com/team': 'video'}}, async (c, kubeconfig) => {
    const before = annotationsOf(c)
    const run = io(async () => [verification('enabled', [node('node-b', 'broken', 'no FWM service for mark 0x29d2'), node('node-c', 'programmed')])])
    const outcome = await runDsrChange(openKube({kubeconfig, context: null}), request({waitMs: 300}), run)
    assert.equal(outcome.exitCode, 1)
    assert.deepEqual(annotationsOf(c), before)
    const [apply, undo] = patches(c)
    assert.equal(patches(c).length, 2)
    const written = c.store.history.find((e) => e.resource === 'services' && e.type === 'MODIFIED')!.object.metadata.resourceVersion
    assert.notEqual((apply.body as any).metadata.resourceVersion, written)
    assert.equal((undo.body as any).metadata.resourceVersion, written, 'the rollback is guarded by the version the change wrote')
    assert.equal(undo.status, 200)
    assert.ok(run.lines.includes('verification failed: DSR not programmed on every node within 300ms:'), run.lines.join('\n'))
    assert.ok(run.lines.includes('  node-b: broken: no FWM service for mark 0x29d2'), run.lines.join('\n'))
    assert.ok(run.lines.includes('rolled back media/video: the annotations are as they were before (verification failed on node-b broken)'), run.lines.join('\n'))
    assert.deepEqual(events(c), [
      'Normal DSREnabled: kubectl-kr dsr enable: kube-router.io/service.dsr=tunnel, kube-router.io/service.scheduler=mh (was sh)',
      'Warning DSRRolledBack: kubectl-kr dsr enable rolled back, annotations restored: verification failed: node-b broken (no FWM service for mark 0x29d2)',
    ])
  })
})

test('someone changes the Service during verification: the rollback does not overwrite it, says so and prints the restoring command', async () => {
  await withCluster({}, async (c, kubeconfig) => {
    const run = io(async () => {
      c.store.mutate('services', 'media', 'video', (s) => {
        s.metadata.labels = {...s.metadata.labels, tier: 'gold'}
      })
      return [verification('enabled', [node('node-b', 'broken', 'no FWM service')])]
    })
    const outcome = await runDsrChange(openKube({kubeconfig, context: null}), request({waitMs: 100}), run)
    assert.equal(outcome.exitCode, 1)
    assert.equal(patches(c).at(-1)!.status, 409)
    assert.equal(annotationsOf(c)[DSR], 'tunnel', 'the change stays: not overwritten')
    assert.equal(c.objects('services', 'media')[0].metadata.labels.tier, 'gold')
    const line = run.lines.find((l) => l.startsWith('NOT rolled back'))
    assert.match(line ?? '', /^NOT rolled back: media\/video was changed by someone else after this change \(resourceVersion \d+\); it is left as it is\. To restore the annotations as they were: kubectl annotate service -n media video kube-router\.io\/service\.dsr- kube-router\.io\/service\.scheduler=sh kr\.kube-router\.io\/dsr-replaced- --overwrite$/)
    assert.deepEqual(events(c).map((e) => e.split(':')[0]), ['Normal DSREnabled'])
  })
})

test('interrupted during verification: rolled back, then an InterruptedError naming it', async () => {
  await withCluster({}, async (c, kubeconfig) => {
    const controller = new AbortController()
    const before = annotationsOf(c)
    const run = io(async (_kube, _req, options) => {
      controller.abort()
      assert.equal(options.signal.aborted, true, 'verification gets the signal')
      throw new InterruptedError('deleted 2 probe pods')
    }, controller)
    await assert.rejects(runDsrChange(openKube({kubeconfig, context: null}), request(), run), (error: unknown) => {
      assert.ok(error instanceof InterruptedError)
      assert.equal(error.message, 'rolled back media/video: the annotations are as they were before (interrupted during verification)')
      return true
    })
    assert.deepEqual(annotationsOf(c), before)
  })
})

test('--no-rollback keeps the failed change and says how to undo it; exit 1', async () => {
  await withCluster({}, async (c, kubeconfig) => {
    const run = io(async () => [verification('enabled', [node('node-b', 'broken', 'pod side: no kube-tunnel-if')])])
    const outcome = await runDsrChange(openKube({kubeconfig, context: null}), request({waitMs: 100, rollback: false}), run)
    assert.equal(outcome.exitCode, 1)
    assert.equal(patches(c).length, 1)
    assert.equal(annotationsOf(c)[DSR], 'tunnel')
    assert.ok(run.lines.some((l) => l.startsWith('--no-rollback: media/video keeps the change; to undo it: kubectl annotate service -n media video kube-router.io/service.dsr- ')), run.lines.join('\n'))
  })
})

test('--no-rollback when verification cannot run: the change stays, exit 1 (not 2, which means nothing changed)', async () => {
  await withCluster({}, async (c, kubeconfig) => {
    const run = io(async () => {
      throw new UserError('no node can run a probe pod')
    })
    const outcome = await runDsrChange(openKube({kubeconfig, context: null}), request({rollback: false}), run)
    assert.equal(outcome.exitCode, 1)
    assert.equal(patches(c).length, 1)
    assert.equal(annotationsOf(c)[DSR], 'tunnel')
    assert.deepEqual(run.warnings.filter((w) => w.startsWith('verification could not run')), ['verification could not run: no node can run a probe pod'])
    assert.ok(run.lines.some((l) => l.startsWith('--no-rollback: media/video keeps the change; to undo it: kubectl annotate service -n media video kube-router.io/service.dsr- ')), run.lines.join('\n'))
  })
})

test('disable where no node should undo anything: says there was nothing to verify rather than "verified"', async () => {
  await withCluster({annotations: {[DSR]: 'tunnel'}}, async (_c, kubeconfig) => {
    const run = io(async () => [verification('disabled', [node('node-b', 'not-expected', 'externalTrafficPolicy Local and no local endpoint'), node('node-c', 'not-expected', 'externalTrafficPolicy Local and no local endpoint')])])
    const outcome = await runDsrChange(openKube({kubeconfig, context: null}), request({action: 'disable', scheduler: null}), run)
    assert.equal(outcome.exitCode, 0)
    assert.ok(run.lines.includes('nothing to verify: no node should undo DSR for media/video now:'), run.lines.join('\n'))
    assert.ok(!run.lines.some((l) => l.startsWith('verified:')), run.lines.join('\n'))
  })
})

test('not allowed to create Events: a warning, the change and its verification go on', async () => {
  await withCluster({deny: [{verb: 'create', resource: 'events'}]}, async (c, kubeconfig) => {
    const run = io(async () => [verification('enabled', [node('node-b', 'programmed')])])
    const outcome = await runDsrChange(openKube({kubeconfig, context: null}), request(), run)
    assert.equal(outcome.exitCode, 0)
    assert.match(run.warnings[0], /^not allowed to create events in namespace media: recording the change as an Event on the Service is skipped \(fix: kubectl create role kr-dsr-events -n media /)
    assert.match(run.warnings[1], /^the DSREnabled event was not recorded on the Service: create event in media: events is forbidden/)
    assert.ok(run.lines.some((l) => l.startsWith('event DSREnabled on service media/video: ')), 'always printed')
    assert.deepEqual(c.objects('events', 'media'), [])
  })
})

test('disable after enable: the scheduler enable replaced comes back, verified as disabled', async () => {
  await withCluster({}, async (c, kubeconfig) => {
    const kube = openKube({kubeconfig, context: null})
    const on = await runDsrChange(kube, request(), io(async () => [verification('enabled', [node('node-b', 'programmed')])]))
    assert.equal(on.exitCode, 0)
    assert.equal(annotationsOf(c)[SCHED], 'mh')
    const expectations: string[] = []
    const run = io(async (_k, req) => {
      expectations.push(req.expectation)
      return [verification('disabled', [node('node-b', 'undone')])]
    })
    const off = await runDsrChange(kube, request({action: 'disable', scheduler: null}), run)
    assert.equal(off.exitCode, 0)
    assert.deepEqual(expectations, ['disabled'])
    assert.deepEqual(annotationsOf(c), {[SCHED]: 'sh'})
    assert.ok(run.lines.includes('  ~ kube-router.io/service.scheduler: mh -> sh'), run.lines.join('\n'))
    assert.deepEqual(events(c).map((e) => e.split(':')[0]), ['Normal DSREnabled', 'Normal DSRDisabled'])
  })
})

test('enable on a Service already DSR: nothing to change, only verified; a failure rolls nothing back', async () => {
  await withCluster({annotations: {[DSR]: 'tunnel'}}, async (c, kubeconfig) => {
    const run = io(async () => [verification('enabled', [node('node-b', 'broken', 'no FWM service')])])
    const outcome = await runDsrChange(openKube({kubeconfig, context: null}), request({scheduler: null, waitMs: 100}), run)
    assert.equal(outcome.exitCode, 1)
    assert.ok(run.lines.includes('kube-router.io/service.dsr is already tunnel: nothing to change'), run.lines.join('\n'))
    assert.ok(run.lines.includes('nothing was changed, so there is nothing to roll back'), run.lines.join('\n'))
    assert.deepEqual(patches(c), [])
    assert.deepEqual(c.objects('events', 'media'), [])
  })
})

test('verification fails with an unexpected error after the patch: the rollback outcome is still printed before the error', async () => {
  await withCluster({}, async (c, kubeconfig) => {
    const run = io(async () => {
      c.store.mutate('services', 'media', 'video', (s) => {
        s.metadata.labels = {...s.metadata.labels, tier: 'gold'}
      })
      throw new TypeError('cannot read properties of undefined')
    })
    await assert.rejects(runDsrChange(openKube({kubeconfig, context: null}), request(), run), /cannot read properties of undefined/)
    assert.equal(annotationsOf(c)[DSR], 'tunnel', 'changed by someone else meanwhile: not overwritten')
    assert.ok(run.lines.some((l) => /^NOT rolled back: media\/video was changed by someone else after this change .* kube-router\.io\/service\.dsr- /.test(l)), run.lines.join('\n'))
  })
})
