// The demo cluster (scripts/demo) on the lab: the 3-node dual-stack seeds in the lab's real nodes.
//
//   const demo = labDemo(workDir)
//   const lab = await startLab({nodes: 3, nodeNames: demo.nodeNames, prepareNode: demo.prepareNode})
//   await demo.apply(lab)      the demo's API objects in the real API server, one Running kube-router pod per node
//   ... kubectl kr doctor ...
//   await demo.close()         after lab.close()
//
// prepareNode seeds each node's namespace (its eth0 is the lab's) with kube-router's kernel state as the demo
// builds it (seedDemoNode: node-a FM2 + FM3, node-b FM1 + FM4 + FM5, node-c healthy) at the lab's addresses, and
// gives the node's host what this kernel cannot hold, as test/e2e/demo-cluster.ts gives the harness's kubelet:
//   bin/ipvsadm         prints the node's recorded-format `ipvsadm -Ln` (no IPVS in this kernel); with a file
//                       bin/ipvsadm-delay it first sleeps that many seconds (a node slow to answer: interrupt tests)
//   bin/kube-router     the demo's kube-router v2.1.2: `--version` prints its version line; run as the DaemonSet's
//                       container it writes the node's demo log to stderr (the kubelet stand-in keeps it in
//                       /var/log/pods as a real kubelet does) and then waits, like a kube-router that runs
//   root/               the host root the probe reads (KR_HOST_ROOT): networkd's config and state, and
//                       var/log/pods -> the node's real /var/log/pods (mounted), where the kube-router pod's log is
//   ipvs sysctls        KR_PROBE_IPVS_PROC, KR_PROBE_IPVS_SYSCTL (sloppy_tcp=0 on node-b: FM5)
// and IPVS itself is stood in for by a listener on every TCP virtual service whose VIP is on kube-dummy-if.
//
// The API objects: the demo Services with their ClusterIPs (no selector, so the EndpointSlice controller leaves
// them alone) and their EndpointSlices (managed-by kr-lab-demo), the real `kubernetes` Service made dual-stack
// (10.96.0.1 + fd00:10:96::1, as in the demo) with an IPv6 slice of the API server's bridge address beside the
// one the API server keeps, node-a labelled control-plane (NodeRestriction keeps kubelets from doing it), and the
// DaemonSet kube-system/kube-router (the demo's image and flags, command `kube-router`) whose pods the DaemonSet
// controller creates and the kubelet stand-ins run.
import {chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {demoCluster, DEMO_ARGS, DEMO_IMAGE, DEMO_NODES} from '../../scripts/demo/cluster.js'
import {demoIpvsadmText, FLAVOURS, NOISE_LOG, seedDemoNode, V4_VIPS, V6_VIPS, VERSION_LINE, type DemoNetwork, type DemoNode} from '../../scripts/demo/nodes.js'
import {parseIpvsadm} from '../../src/parsers/ipvsadm.js'
import {startListener, type Listener} from '../helpers/netns.js'
import type {Lab, LabNetwork, LabNode, LabNodeHost} from './cluster.js'

type Obj = Record<string, any>

export const DEMO_MANAGED_BY = 'kr-lab-demo'
const POD_LOG_ROOT = '/var/log/pods'

export interface LabDemoNode {
  demo: DemoNode
  ns: string
  binDir: string
  hostRoot: string
}

export interface LabDemo {
  /** node-a, node-b, node-c: startLab's nodeNames */
  nodeNames: string[]
  prepareNode: (node: LabNode, index: number, network: LabNetwork) => Promise<LabNodeHost>
  /** filled by prepareNode, in node order */
  nodes: LabDemoNode[]
  apply(lab: Lab): Promise<void>
  /** makes the node's `ipvsadm` take `seconds` to answer (0: at once again) */
  slowIpvsadm(nodeName: string, seconds: number): Promise<void>
  close(): Promise<void>
}

/** node i of the lab as the demo's node i: the demo's name and role, the lab's addresses and pod CIDRs. */
function demoNodeAt(node: LabNode, index: number): DemoNode {
  const d = DEMO_NODES[index]
  return {name: d.name, controlPlane: d.controlPlane, ip4: node.ip4, ip6: node.ip6, pod4: node.podCIDRs[0], pod6: node.podCIDRs[1]}
}

function fakeKubeRouter(): string {
  return [
    '#!/bin/sh',
    '# the demo\'s kube-router v2.1.2 (kube-router itself cannot run its service proxy on this kernel)',
    'case "${1:-}" in --version | version)',
    `  echo '${VERSION_LINE}' >&2`,
    '  exit 0 ;;',
    'esac',
    `cat "$(dirname "$0")/kube-router.log" >&2`,
    'exec sleep infinity',
    '',
  ].join('\n')
}

const FAKE_IPVSADM = [
  '#!/bin/sh',
  'dir=$(dirname "$0")',
  '[ -f "$dir/ipvsadm-delay" ] && sleep "$(cat "$dir/ipvsadm-delay")"',
  '[ "$*" = "-Ln" ] && exec cat "$dir/ipvsadm-Ln.txt"',
  'echo "fake ipvsadm: only -Ln" >&2',
  'exit 2',
  '',
].join('\n')

export function labDemo(tag = `${process.pid}`): LabDemo {
  const listeners: Listener[] = []
  const nodes: LabDemoNode[] = []
  let work: string | undefined

  const prepareNode = async (node: LabNode, index: number, network: LabNetwork): Promise<LabNodeHost> => {
    work ??= await mkdtemp(join(tmpdir(), `kr-lab-demo-${tag}-`))
    const n = demoNodeAt(node, index)
    if (n.name !== node.name) throw new Error(`lab node ${node.name} is not demo node ${n.name}: start the lab with the demo's nodeNames`)
    const f = FLAVOURS[n.name]
    const net: DemoNetwork = {gateway4: network.bridgeIp4, gateway6: network.bridgeIp6, nodes: network.nodes.map(demoNodeAt)}
    seedDemoNode(node.ns, n, f, net)

    const dir = join(work, n.name)
    const hostRoot = join(dir, 'root')
    const binDir = join(dir, 'bin')
    await mkdir(join(hostRoot, 'etc/systemd'), {recursive: true})
    await mkdir(join(hostRoot, 'var/log'), {recursive: true})
    await mkdir(binDir, {recursive: true})
    await writeFile(join(hostRoot, 'etc/systemd/networkd.conf'), '#  This file is part of systemd.\n[Network]\n#ManageForeignRoutingPolicyRules=yes\n#ManageForeignRoutes=yes\n')
    if (f.networkdActive) {
      await mkdir(join(hostRoot, 'run/systemd/netif/links'), {recursive: true})
      await writeFile(join(hostRoot, 'run/systemd/netif/state'), 'OPER_STATE=routable\n')
    }
    // the kubelet's pod logs are where a host keeps them: the node's /var/log/pods, mounted into its containers
    await symlink(POD_LOG_ROOT, join(hostRoot, 'var/log/pods'))
    await writeFile(join(binDir, 'kube-router.log'), f.log === 'noise' ? NOISE_LOG : `I1122 09:14:02.101221       1 version.go:66] ${VERSION_LINE}\n`)
    await writeFile(join(binDir, 'kube-router'), fakeKubeRouter())
    await writeFile(join(binDir, 'ipvsadm-Ln.txt'), demoIpvsadmText(n, true))
    await writeFile(join(binDir, 'ipvsadm'), FAKE_IPVSADM)
    await chmod(join(binDir, 'kube-router'), 0o755)
    await chmod(join(binDir, 'ipvsadm'), 0o755)
    const ipvsProc = join(dir, 'proc-net-ip_vs')
    await writeFile(ipvsProc, 'IP Virtual Server version 1.2.1 (size=4096)\n')
    const sysctlDir = join(dir, 'proc-sys-net-ipv4-vs')
    await mkdir(sysctlDir)
    for (const [k, v] of Object.entries({conntrack: 1, conn_reuse_mode: 0, expire_nodest_conn: 1, expire_quiescent_template: 1, sloppy_tcp: f.sloppyTcp})) {
      await writeFile(join(sysctlDir, k), `${v}\n`)
    }
    // IPVS stand-in: a listener on every TCP virtual service whose VIP is on kube-dummy-if
    const vips = new Set<string>([...V4_VIPS, ...V6_VIPS])
    for (const s of parseIpvsadm(demoIpvsadmText(n, true)).value.services) {
      if (s.protocol !== 'TCP' || !s.address || !s.port || !vips.has(s.address)) continue
      listeners.push(await startListener(node.ns, s.address, s.port))
    }
    nodes[index] = {demo: n, ns: node.ns, binDir, hostRoot}
    return {
      binDir,
      env: {KR_HOST_ROOT: hostRoot, KR_PROBE_IPVS_PROC: ipvsProc, KR_PROBE_IPVS_SYSCTL: sysctlDir},
      mounts: [hostRoot, ipvsProc, sysctlDir, POD_LOG_ROOT],
    }
  }

  const slowIpvsadm = async (nodeName: string, seconds: number) => {
    const node = nodes.find((n) => n.demo.name === nodeName)
    if (!node) throw new Error(`no demo node ${nodeName}`)
    if (seconds > 0) await writeFile(join(node.binDir, 'ipvsadm-delay'), `${seconds}\n`)
    else await rm(join(node.binDir, 'ipvsadm-delay'), {force: true})
  }

  const close = async () => {
    await Promise.all(listeners.map((l) => l.close().catch(() => {})))
    if (work) await rm(work, {recursive: true, force: true})
  }

  return {nodeNames: DEMO_NODES.map((n) => n.name), prepareNode, nodes, apply: (lab) => applyDemoObjects(lab, nodes), slowIpvsadm, close}
}

async function create(lab: Lab, path: string, obj: Obj): Promise<Obj> {
  return lab.admin.req('POST', path, obj)
}

async function applyDemoObjects(lab: Lab, nodes: LabDemoNode[]): Promise<void> {
  const admin = lab.admin
  const demo = demoCluster()
  for (const n of nodes.filter((x) => x.demo.controlPlane)) {
    await admin.req('PATCH', `/api/v1/nodes/${n.demo.name}`, {metadata: {labels: {'node-role.kubernetes.io/control-plane': ''}}}, 'application/merge-patch+json')
  }
  const namespaces = new Set(demo.services.map((s) => s.metadata.namespace ?? 'default'))
  for (const ns of namespaces) {
    if (ns === 'default' || ns === 'kube-system') continue
    await create(lab, '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}})
  }

  // the API server's own Service, dual-stack as the demo's (the API server keeps its ports, not its IP families)
  const kubernetes = demo.services.find((s) => s.metadata.name === 'kubernetes')!
  await admin.req(
    'PATCH',
    '/api/v1/namespaces/default/services/kubernetes',
    {spec: {ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], clusterIPs: kubernetes.spec!.clusterIPs}},
    'application/merge-patch+json',
  )
  for (const svc of demo.services) {
    if (svc === kubernetes) continue
    const ns = svc.metadata.namespace ?? 'default'
    const spec = svc.spec as Obj
    const families = spec.ipFamilies as string[]
    const created = await create(lab, `/api/v1/namespaces/${ns}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: svc.metadata,
      spec: {...spec, ipFamilyPolicy: families.length > 1 ? 'RequireDualStack' : 'SingleStack'},
    })
    if (svc.status) {
      await admin.req('PUT', `/api/v1/namespaces/${ns}/services/${svc.metadata.name}/status`, {...created, status: svc.status})
    }
  }

  const managed = {'endpointslice.kubernetes.io/managed-by': DEMO_MANAGED_BY}
  for (const slice of demo.endpointSlices) {
    const ns = slice.metadata.namespace ?? 'default'
    let body: Obj = slice
    if (slice.metadata.name.startsWith('kubernetes-')) {
      // the API server keeps the IPv4 slice `kubernetes` itself (its bridge address); the IPv6 one is the demo's
      if (slice.addressType !== 'IPv6') continue
      body = {...slice, endpoints: [{addresses: [lab.bridgeIp6], conditions: {ready: true, serving: true, terminating: false}}], ports: [{name: 'https', port: lab.port, protocol: 'TCP'}]}
    }
    await create(lab, `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      ...body,
      metadata: {...body.metadata, labels: {...body.metadata.labels, ...managed}},
    })
  }

  const labels = {'k8s-app': 'kube-router', tier: 'node'}
  await create(lab, '/apis/apps/v1/namespaces/kube-system/daemonsets', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {name: 'kube-router', namespace: 'kube-system', labels},
    spec: {
      selector: {matchLabels: labels},
      template: {
        metadata: {labels},
        spec: {
          hostNetwork: true,
          tolerations: [{operator: 'Exists'}],
          containers: [{name: 'kube-router', image: DEMO_IMAGE, command: ['kube-router'], args: DEMO_ARGS}],
        },
      },
    },
  })
  await waitForKubeRouterPods(lab, nodes.length)
}

/** Every node runs its kube-router pod, and the pod's log holds the demo log (the doctor reads it there). */
export async function waitForKubeRouterPods(lab: Lab, count: number, timeoutMs = 60_000): Promise<Obj[]> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const pods = ((await lab.admin.req('GET', '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-router')).items as Obj[]).filter(
      (p) => !p.metadata.deletionTimestamp,
    )
    const running = pods.filter((p) => p.status?.phase === 'Running')
    if (running.length === count) {
      const logs = await Promise.all(
        running.map((p) => readFile(join(POD_LOG_ROOT, `kube-system_${p.metadata.name}_${p.metadata.uid}`, 'kube-router', '0.log'), 'utf8').catch(() => '')),
      )
      if (logs.every((l) => l.includes('version.go:66]'))) return running
    }
    if (Date.now() > end) throw new Error(`kube-router pods not all Running with their log after ${timeoutMs / 1000} s: ${pods.map((p) => `${p.metadata.name}=${p.status?.phase}`).join(', ')}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}
