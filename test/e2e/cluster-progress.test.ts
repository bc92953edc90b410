// The progress events of a cluster run, as the stderr progress line and the TUI receive them: collectCluster
// in-process over the real KubePort (client-node) against the test API server.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'
import {openKube} from '../../src/infra/kube-api.js'
import {compactScript, readProbeScript} from '../../src/probe/script-path.js'
import {collectCluster} from '../../src/services/collect-cluster.js'
import type {ProgressEvent} from '../../src/model/progress.js'
import {applyProgress, describeProgress, emptyProgress, progressLine} from '../../src/report/render-progress.js'
import {startTestCluster} from '../harness/index.js'
import {demoClusterObjects, replayNode} from './replay.js'

test('cluster progress: every node walks waiting → scheduled → pulling → running → collected, or ends failed with its reason', async () => {
  const cluster = await startTestCluster({
    nodes: [replayNode('node-1'), replayNode('node-2'), replayNode('node-3', {fault: 'image-pull'})],
    ...demoClusterObjects(),
    podStartLatencyMs: 200,
  })
  const work = await mkdtemp(join(tmpdir(), 'kr-progress-'))
  try {
    await cluster.writeKubeconfig(join(work, 'kubeconfig'))
    const events: ProgressEvent[] = []
    const warnings: string[] = []
    const {snapshot} = await collectCluster(
      openKube({kubeconfig: join(work, 'kubeconfig'), context: null}),
      {
        nodeNames: [],
        selector: null,
        image: null,
        probeNamespace: 'kube-system',
        concurrency: 10,
        podTimeoutSec: 30,
        cmdTimeoutSec: 5,
        runId: 'abc123',
        script: compactScript(await readProbeScript()),
        signal: new AbortController().signal,
        warn: (m) => warnings.push(m),
      },
      (e) => events.push(e),
    )
    assert.deepEqual(snapshot.nodes.map((n) => n.name), ['node-1', 'node-2'])
    assert.equal(snapshot.failedNodes[0].name, 'node-3')

    const steps = events.filter((e) => e.kind === 'step').map((e) => (e as {message: string}).message)
    assert.match(steps[0], /^connecting to http:\/\/127\.0\.0\.1:\d+$/)
    assert.ok(steps.includes('checking permissions and Pod Security of the probe namespace'))
    assert.ok(steps.includes('deleting 3 probe pods'))
    const started = events.find((e) => e.kind === 'run-started')
    assert.deepEqual(started && 'nodes' in started ? started.nodes : null, ['node-1', 'node-2', 'node-3'])
    const phases = (node: string) => {
      const seen: string[] = []
      for (const e of events) if (e.kind === 'node' && e.node === node && seen.at(-1) !== e.phase) seen.push(e.phase)
      return seen
    }
    assert.deepEqual(phases('node-1'), ['scheduled', 'pulling', 'running', 'collected'])
    assert.deepEqual(phases('node-3').at(-1), 'failed')
    const failed = events.find((e) => e.kind === 'node' && e.node === 'node-3' && e.phase === 'failed')
    assert.match(failed && 'detail' in failed ? (failed.detail ?? '') : '', /^cannot pull image .*ImagePullBackOff/)
    assert.ok(events.every((e, i) => i === 0 || e.at >= events[i - 1].at), 'events in time order')

    // the stderr progress line over the same events
    let state = emptyProgress()
    for (const e of events) state = applyProgress(state, e)
    assert.match(describeProgress(state, events.at(-1)!.at), /^probing nodes: 3\/3 done · 1 failed · \d+s$/)
    const written: string[] = []
    const stream = {columns: 60, write: (s: string) => written.push(s)} as unknown as NodeJS.WriteStream
    const sink = progressLine(stream, () => 0)
    for (const e of events) sink(e)
    sink({kind: 'run-finished', at: 0})
    assert.ok(written.some((w) => w.includes('probing nodes: 1/3 done')), written.join('|'))
    assert.equal(written.at(-1), '\r\u001B[2K', 'the line is erased at the end')
    assert.ok(written.every((w) => w.replace('\r\u001B[2K', '').length <= 59), 'fits the terminal width')
  } finally {
    await cluster.close()
    await rm(work, {recursive: true, force: true})
  }
})
