// Cluster mode at scale: `kubectl kr doctor` (the real built CLI, through kubectl plugin dispatch) against the test
// API server with 1, 50 and 200 simulated nodes. Each node's kubelet starts its probe pod after about 1 s and
// replays a recorded probe output (the demo bundle's node-c). Records wall time and API requests per node.
//   node --import tsx bench/cluster-doctor.ts [runs per size, default 3]
import {spawn} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {REPO} from '../test/cli/kr.js'
import {demoClusterObjects, leftovers, replayNode} from '../test/e2e/replay.js'
import {startTestCluster} from '../test/harness/index.js'

const SIZES = (process.env.KR_BENCH_SIZES ?? '1,50,200').split(',').map(Number)
const RUNS = Number(process.argv[2] ?? 3)
const POD_START_MS = 1000
const PROBE_RUN_MS = 200

interface Sample {
  nodes: number
  wallMs: number
  requests: number
  byKind: Record<string, number>
}

function kind(method: string, path: string, query: Record<string, string>): string {
  if (query.watch === 'true' || query.watch === '1') return 'watch'
  if (path.endsWith('/log')) return path.includes('/pods/kr-probe-') ? 'probe log' : 'other log'
  if (method === 'POST' && path.endsWith('/pods')) return 'create pod'
  if (path.includes('selfsubjectaccessreviews')) return 'access review'
  if (method === 'DELETE') return 'delete'
  return `${method} ${path.replace(/\/namespaces\/[^/]+/, '/namespaces/NS')}`
}

async function once(nodes: number): Promise<Sample> {
  const cluster = await startTestCluster({
    nodes: Array.from({length: nodes}, (_, i) => replayNode(`node-${String(i + 1).padStart(4, '0')}`, {}, PROBE_RUN_MS)),
    ...demoClusterObjects(),
    podStartLatencyMs: POD_START_MS,
  })
  const work = await mkdtemp(join(tmpdir(), 'kr-bench-'))
  try {
    const kubeconfig = join(work, 'kubeconfig')
    await cluster.writeKubeconfig(kubeconfig)
    const env = {...process.env, PATH: [`${REPO}bin`, dirname(process.execPath), process.env.PATH].join(':'), NO_COLOR: '1'}
    const started = performance.now()
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.env.KR_BENCH_TIME ? '/usr/bin/time' : 'kubectl', [...(process.env.KR_BENCH_TIME ? ['-f', 'cli: user %U s, sys %S s, wall %e s, max rss %M KB', 'kubectl'] : []), 'kr', 'doctor', '--kubeconfig', kubeconfig, '-o', 'json', ...(process.env.KR_BENCH_ARGS ?? '').split(' ').filter(Boolean)], {env, stdio: ['ignore', 'ignore', 'inherit']})
      child.on('error', reject)
      child.on('close', resolve)
    })
    const wallMs = performance.now() - started
    if (code !== 0) throw new Error(`doctor exited ${code} on ${nodes} nodes`)
    const left = leftovers(cluster).length
    if (left) throw new Error(`${left} probe pods or script ConfigMaps left behind`)
    if (process.env.KR_BENCH_TIMELINE) {
      const t0 = cluster.requests[0]?.at ?? 0
      const span = (k: string) => {
        const at = cluster.requests.filter((q) => kind(q.method, q.path, q.query) === k).map((q) => q.at - t0)
        return at.length ? `${Math.min(...at)}..${Math.max(...at)} ms` : '-'
      }
      process.stderr.write(`timeline (from the first request, CLI start = -${Math.round(t0 - started - performance.timeOrigin)} ms): create ${span('create pod')}, probe log ${span('probe log')}, delete ${span('delete')}; CLI exit at ${Math.round(wallMs - (t0 - performance.timeOrigin - started))} ms\n`)
    }
    const byKind: Record<string, number> = {}
    for (const q of cluster.requests) byKind[kind(q.method, q.path, q.query)] = (byKind[kind(q.method, q.path, q.query)] ?? 0) + 1
    return {nodes, wallMs, requests: cluster.requests.length, byKind}
  } finally {
    await cluster.close()
    await rm(work, {recursive: true, force: true})
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const results: {nodes: number; medianMs: number; runs: number[]; requests: number; byKind: Record<string, number>}[] = []
for (const n of SIZES) {
  const samples: Sample[] = []
  for (let r = 0; r < RUNS; r++) samples.push(await once(n))
  results.push({nodes: n, medianMs: Math.round(median(samples.map((s) => s.wallMs))), runs: samples.map((s) => Math.round(s.wallMs)), requests: samples[0].requests, byKind: samples[0].byKind})
  process.stderr.write(`${n} nodes: ${samples.map((s) => Math.round(s.wallMs)).join(', ')} ms, ${samples[0].requests} requests\n`)
}

const one = results[0]
const perNodeBeyondConstant = (r: (typeof results)[number]) => (r.requests - one.requests) / (r.nodes - one.nodes) || 0
console.log('| nodes | median wall time | runs (ms) | × 1-node | API requests | per node beyond the 1-node run |')
console.log('|---:|---:|---|---:|---:|---:|')
for (const r of results) {
  console.log(`| ${r.nodes} | ${r.medianMs} ms | ${r.runs.join(', ')} | ${(r.medianMs / one.medianMs).toFixed(2)} | ${r.requests} | ${r.nodes === 1 ? '–' : perNodeBeyondConstant(r).toFixed(2)} |`)
}
console.log('\nRequests of the 200-node run by kind:')
for (const [k, v] of Object.entries(results.at(-1)!.byKind).sort((a, b) => b[1] - a[1])) console.log(`- ${k}: ${v}`)
const last = results.at(-1)!
const ok = last.medianMs <= 1.5 * one.medianMs && perNodeBeyondConstant(last) <= 4
console.log(`\ntargets (${last.nodes} nodes within 1.5× the 1-node time; at most 4 requests per node beyond a constant): ${ok ? "met" : "NOT met"}`)
