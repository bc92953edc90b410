// Shared helper of the failure-mode check tests that need kernel state: a network namespace set up by the test,
// captured by the real probe script (passive section, `ip netns exec`), and analysed with one check as
// `doctor --local` would, with the cluster objects the test gives.
import {runLocalProbe} from '../../src/infra/local-probe.js'
import {analyse} from '../../src/services/analyse.js'
import {selectChecks} from '../../src/checks/index.js'
import type {DoctorReport} from '../../src/model/report.js'
import type {ClusterObjects, NodeCapture} from '../../src/model/types.js'
import {createNetns, deleteNetns, nsExec} from '../helpers/netns.js'
import {NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'

export const NETNS_SKIP = unmet(NETNS, {tools: PROBE_TOOLS})

/** Runs `body` with a fresh namespace (loopback up) and deletes it afterwards. */
export async function withNetns<T>(purpose: string, body: (ns: string) => Promise<T>): Promise<T> {
  const ns = await createNetns(purpose)
  try {
    return await body(ns)
  } finally {
    await deleteNetns(ns)
  }
}

/** `iptables-restore --noflush` style input fed to a tool inside the namespace. */
export async function restore(ns: string, tool: string, rules: string): Promise<void> {
  await nsExec(ns, [tool, '--noflush'], {input: rules})
}

export async function sh(ns: string, ...commands: string[][]): Promise<void> {
  for (const argv of commands) await nsExec(ns, argv)
}

/** The passive probe sections of the namespace, as node `node`. */
export async function captureNetns(ns: string, node = 'node-a', env: Record<string, string> = {}): Promise<NodeCapture> {
  const {capture, issues} = await runLocalProbe({nodeName: node, wrapper: ['ip', 'netns', 'exec', ns], sections: 'passive', env})
  const fatal = issues.filter((i) => !i.startsWith('probe stderr'))
  if (fatal.length) throw new Error(`probe problems: ${fatal.join('; ')}`)
  return capture
}

/** The report of the given checks over the captures, with `cluster` as the cluster objects (null: none, local mode). */
export function analyseCaptures(captures: NodeCapture[], cluster: ClusterObjects | null, ids: string[]): DoctorReport {
  return analyse({mode: 'local', context: null, bundle: null, createdAt: '2026-11-01T10:00:00Z', cluster, nodes: captures, failedNodes: []}, selectChecks(ids, []), new Date('2026-11-01T10:00:00Z')).report
}

/** Runs `body` with the environment that makes probe.sh read `lines` as the kube-router container's log (CRI format, as the kubelet writes it). */
export async function withKubeRouterLog<T>(lines: string[], body: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const {mkdtemp, mkdir, rm, writeFile} = await import('node:fs/promises')
  const os = await import('node:os')
  const path = await import('node:path')
  const root = await mkdtemp(path.join(os.tmpdir(), `kr-hostroot-${process.pid}-`))
  const dir = 'var/log/pods/kube-system_kube-router-x7k2p_0b6f4c1e/kube-router'
  try {
    await mkdir(path.join(root, dir), {recursive: true})
    await writeFile(path.join(root, dir, '0.log'), lines.map((l) => `2026-11-01T09:41:12.774310000Z stderr F ${l}\n`).join(''))
    return await body({KR_HOST_ROOT: root, KR_KUBE_ROUTER_LOG_DIR: dir})
  } finally {
    await rm(root, {recursive: true, force: true})
  }
}
