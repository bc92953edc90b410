// Real reports for the UI tests, built in-process the way `doctor --from-bundle` builds them: readBundle, then
// analyse with the registry's checks.
import {fileURLToPath} from 'node:url'
import {readBundle} from '../../src/infra/bundle.js'
import {analyse} from '../../src/services/analyse.js'
import {CHECKS} from '../../src/checks/index.js'
import type {Snapshot} from '../../src/model/types.js'
import type {DoctorReport} from '../../src/model/report.js'

export const DEMO_BUNDLE = fileURLToPath(new URL('../../examples/demo-bundle', import.meta.url))
const NOW = new Date('2026-11-22T10:00:00Z')

export async function demoSnapshot(): Promise<Snapshot> {
  return readBundle(DEMO_BUNDLE)
}

/** The demo bundle: node-a (IPv6 VIP routes, local-ips ipset), node-b (DSR noise, networkd, sloppy_tcp), node-c healthy. */
export async function demoReport(): Promise<DoctorReport> {
  return analyse(await demoSnapshot(), CHECKS, NOW).report
}

/** The demo cluster where node-b's probe pod never started: node-a and node-c analysed, node-b failed. */
export async function failedNodeReport(): Promise<DoctorReport> {
  const snapshot = await demoSnapshot()
  return analyse(
    {
      ...snapshot,
      nodes: snapshot.nodes.filter((n) => n.name !== 'node-b'),
      failedNodes: [{name: 'node-b', error: 'probe pod kr-probe-node-b did not start: ImagePullBackOff (docker.io/cloudnativelabs/kube-router:v2.1.2)'}],
    },
    CHECKS,
    NOW,
  ).report
}

/** Only the healthy node-c, without the cluster-level version check: a clean run, passes and skips only. */
export async function cleanNodeReport(): Promise<DoctorReport> {
  const snapshot = await demoSnapshot()
  return analyse({...snapshot, nodes: snapshot.nodes.filter((n) => n.name === 'node-c')}, CHECKS.filter((c) => c.id !== 'kube-router-version'), NOW).report
}

/** A large cluster: `count` copies of the demo's nodes (node-a's problems included), named worker-000... */
export async function largeReport(count: number): Promise<DoctorReport> {
  const snapshot = await demoSnapshot()
  const nodes = Array.from({length: count}, (_, i) => ({...snapshot.nodes[i % snapshot.nodes.length], name: `worker-${String(i).padStart(3, '0')}`}))
  return analyse({...snapshot, nodes}, CHECKS, NOW).report
}
