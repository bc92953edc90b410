// Replay clusters: test API servers whose nodes have no network namespace behind them. The kubelet replays a
// probe output rebuilt from a bundle node's files (the framed format of src/probe/probe.sh), and the cluster
// objects are the demo cluster's.
import {readdirSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {demoCluster} from '../../scripts/demo/cluster.js'
import {REPO} from '../cli/kr.js'
import {startTestCluster, type HarnessNode, type TestCluster, type TestClusterOptions} from '../harness/index.js'

export const DEMO_BUNDLE = join(REPO, 'examples/demo-bundle')
const MANAGED = 'app.kubernetes.io/managed-by'

export function probeOutputFromBundle(bundleDir: string, node: string, opts: {skip?: string[]} = {}): string {
  const dir = join(bundleDir, 'nodes', node)
  const files = readdirSync(dir).filter((f) => f !== 'missing.json' && f !== 'kube-router.log' && !(opts.skip ?? []).includes(f))
  const out = ['KR-PROBE 1', `=== kr:plan ${files.join(' ')}`]
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8')
    out.push(`=== kr:begin ${f}`, `${text}${text.endsWith('\n') ? '' : '\n'}`, `=== kr:end ${f} rc=0`)
  }
  out.push('=== kr:done', '')
  return out.join('\n')
}

/** The demo bundle's healthy node-c, as its probe pod prints it. */
export const HEALTHY_PROBE_OUTPUT = probeOutputFromBundle(DEMO_BUNDLE, 'node-c')

/** A node that replays node-c's probe output; it has node-c's pod CIDRs, as kube-router needs one to run there. */
export function replayNode(name: string, extra: Partial<HarnessNode> = {}, runMs = 50): HarnessNode {
  return {name, runtime: {kind: 'replay', log: HEALTHY_PROBE_OUTPUT, runMs}, podCIDRs: ['10.244.3.0/24', 'fd00:10:244:3::/64'], ...extra}
}

/** Services, EndpointSlices and the kube-router DaemonSet of the demo cluster. */
export function demoClusterObjects(): Pick<TestClusterOptions, 'services' | 'endpointSlices' | 'daemonSets'> {
  const demo = demoCluster()
  return {services: demo.services, endpointSlices: demo.endpointSlices, daemonSets: [{apiVersion: 'apps/v1', kind: 'DaemonSet', ...demo.kubeRouter}]}
}

/** Starts test clusters with the demo objects, each with its kubeconfig file; `closeAll` ends them all. */
export function replayClusters(tag: string) {
  const clusters: TestCluster[] = []
  let work: string | null = null
  return {
    async start(opts: Partial<TestClusterOptions> & {nodes: HarnessNode[]}): Promise<{c: TestCluster; kubeconfig: string}> {
      work ??= await mkdtemp(join(tmpdir(), `kr-e2e-${tag}-`))
      const c = await startTestCluster({...demoClusterObjects(), ...opts})
      clusters.push(c)
      const kubeconfig = join(work, `kubeconfig-${clusters.length}`)
      await c.writeKubeconfig(kubeconfig)
      return {c, kubeconfig}
    },
    /** a scratch directory that closeAll removes */
    async dir(): Promise<string> {
      work ??= await mkdtemp(join(tmpdir(), `kr-e2e-${tag}-`))
      return work
    },
    async closeAll(): Promise<void> {
      await Promise.all(clusters.map((c) => c.close()))
      if (work) await rm(work, {recursive: true, force: true})
    },
  }
}

/** Everything a run of this tool leaves in the cluster: probe pods and probe script ConfigMaps. */
export function leftovers(c: TestCluster): unknown[] {
  return [...c.pods(), ...c.objects('configmaps')].filter((o) => o.metadata?.labels?.[MANAGED] === 'kubectl-kr')
}

/** A kubeconfig whose user gets its token from an exec credential plugin (as cloud providers' kubeconfigs do). */
export function execKubeconfig(server: string, user: string, command: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'current-context: exec',
    'clusters:',
    `- name: harness\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`,
    'contexts:',
    `- name: exec\n  context:\n    cluster: harness\n    user: ${user}`,
    'users:',
    `- name: ${user}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ${command}\n      interactiveMode: Never`,
    '',
  ].join('\n')
}
