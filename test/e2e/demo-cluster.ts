// The demo cluster (scripts/demo) as a live test cluster: each node's kernel state is built for real in its own
// network namespace, the namespaces share a LAN (a bridge in a "lan" namespace that also holds the API server
// address 192.168.56.2 / fd00:56::2 with a listener on 6443), and the test API server's kubelet runs every probe
// pod inside its node's namespace. What this kernel cannot hold comes from recorded real-format text: `ipvsadm -Ln`
// (a fake ipvsadm), the net.ipv4.vs sysctls (KR_PROBE_IPVS_SYSCTL), and IPVS itself is stood in for by listeners
// on every TCP virtual service the node holds on kube-dummy-if.
//   node-a  FM2 (IPv6 VIP kernel routes) + FM3 (inet6:kube-router-local-ips lacks the node IPv6)
//   node-b  FM1 (DSR route noise in its kube-router log, benign) + FM4 (networkd, rules wiped) + FM5 (Maglev, sloppy_tcp=0)
//   node-c  healthy
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {demoCluster, DEMO_IMAGE, DEMO_NODES} from '../../scripts/demo/cluster.js'
import {buildDemoNode, demoIpvsadmText, FLAVOURS, NOISE_LOG, V4_VIPS, V6_VIPS, VERSION_LINE} from '../../scripts/demo/nodes.js'
import {parseIpvsadm} from '../../src/parsers/ipvsadm.js'
import type {ClusterObjects} from '../../src/model/types.js'
import type {HarnessNode} from '../harness/index.js'
import {startListener, type Listener} from '../helpers/netns.js'

export const API_ADDRESS4 = '192.168.56.2'
export const API_ADDRESS6 = 'fd00:56::2'

export interface DemoNodeNs {
  name: string
  ns: string
  hostRoot: string
  binDir: string
  env: Record<string, string>
  kubeRouterPod: {name: string; uid: string}
}

export interface LiveDemoCluster {
  nodes: DemoNodeNs[]
  cluster: ClusterObjects
  /** harness nodes (netns runtime) in DEMO_NODES order */
  harnessNodes: HarnessNode[]
  /** the DaemonSet with its selector, and one Running kube-router pod per node */
  daemonSets: object[]
  kubeRouterPods: object[]
  cleanup(): Promise<void>
}

function ipIn(ns: string, args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, 'ip', ...args], {stdio: ['ignore', 'ignore', 'pipe']})
}

export async function buildLiveDemoCluster(tag = `${process.pid}`): Promise<LiveDemoCluster> {
  const work = mkdtempSync(join(tmpdir(), `kr-e2e-${tag}-`))
  const namespaces: string[] = []
  const listeners: Listener[] = []
  const cleanup = async () => {
    await Promise.all(listeners.map((l) => l.close().catch(() => {})))
    for (const ns of namespaces.reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], {stdio: 'ignore'})
      } catch {
        // already gone
      }
    }
    rmSync(work, {recursive: true, force: true})
  }
  try {
    const lan = `kr-e2e-lan-${tag}`
    execFileSync('ip', ['netns', 'add', lan])
    namespaces.push(lan)
    ipIn(lan, ['link', 'set', 'lo', 'up'])
    ipIn(lan, ['link', 'add', 'br0', 'type', 'bridge'])
    ipIn(lan, ['addr', 'add', `${API_ADDRESS4}/24`, 'dev', 'br0'])
    ipIn(lan, ['-6', 'addr', 'add', `${API_ADDRESS6}/64`, 'dev', 'br0', 'nodad'])
    ipIn(lan, ['link', 'set', 'br0', 'up'])
    listeners.push(await startListener(lan, API_ADDRESS4, 6443), await startListener(lan, API_ADDRESS6, 6443))

    const nodes: DemoNodeNs[] = []
    for (const [i, n] of DEMO_NODES.entries()) {
      const f = FLAVOURS[n.name]
      const ns = `kr-e2e-${n.name}-${tag}`
      const hostRoot = join(work, n.name, 'root')
      const binDir = join(work, n.name, 'bin')
      mkdirSync(join(hostRoot, 'etc/systemd'), {recursive: true})
      mkdirSync(binDir, {recursive: true})
      writeFileSync(join(hostRoot, 'etc/systemd/networkd.conf'), '#  This file is part of systemd.\n[Network]\n#ManageForeignRoutingPolicyRules=yes\n#ManageForeignRoutes=yes\n')
      if (f.networkdActive) {
        mkdirSync(join(hostRoot, 'run/systemd/netif/links'), {recursive: true})
        writeFileSync(join(hostRoot, 'run/systemd/netif/state'), 'OPER_STATE=routable\n')
      }
      writeFileSync(join(binDir, 'kube-router'), `#!/bin/sh\necho '${VERSION_LINE}' >&2\n`)
      writeFileSync(join(binDir, 'ipvsadm-Ln.txt'), demoIpvsadmText(n, true))
      writeFileSync(join(binDir, 'ipvsadm'), '#!/bin/sh\n[ "$*" = "-Ln" ] && exec cat "$(dirname "$0")/ipvsadm-Ln.txt"\necho "fake ipvsadm: only -Ln" >&2\nexit 2\n')
      chmodSync(join(binDir, 'kube-router'), 0o755)
      chmodSync(join(binDir, 'ipvsadm'), 0o755)
      const ipvsProc = join(work, n.name, 'proc-net-ip_vs')
      writeFileSync(ipvsProc, 'IP Virtual Server version 1.2.1 (size=4096)\n')
      const sysctlDir = join(work, n.name, 'proc-sys-net-ipv4-vs')
      mkdirSync(sysctlDir)
      for (const [k, v] of Object.entries({conntrack: 1, conn_reuse_mode: 0, expire_nodest_conn: 1, expire_quiescent_template: 1, sloppy_tcp: f.sloppyTcp})) {
        writeFileSync(join(sysctlDir, k), `${v}\n`)
      }
      // kube-router's container log, where the kubelet keeps it (CRI format)
      const kubeRouterPod = {name: `kube-router-${'xk7pq'.slice(0, 4)}${i}`, uid: `0b6f3c2e-1d4a-4f5b-9c7d-00000000000${i}`}
      const logDir = join(hostRoot, `var/log/pods/kube-system_${kubeRouterPod.name}_${kubeRouterPod.uid}/kube-router`)
      mkdirSync(logDir, {recursive: true})
      const log = f.log === 'noise' ? NOISE_LOG : `I1122 09:14:02.101221       1 version.go:66] ${VERSION_LINE}\n`
      writeFileSync(
        join(logDir, '0.log'),
        log
          .split('\n')
          .filter(Boolean)
          .map((l, k) => `2026-11-22T09:${String(14 + k).padStart(2, '0')}:02.000000000Z stderr F ${l}`)
          .join('\n') + '\n',
      )

      execFileSync('ip', ['netns', 'add', ns])
      namespaces.push(ns)
      buildDemoNode(ns, n, f)
      // join the LAN: the node's eth0 peer moves to the bridge
      ipIn(ns, ['link', 'set', 'eth0-peer', 'netns', lan])
      ipIn(lan, ['link', 'set', 'eth0-peer', 'name', `p-${n.name}`])
      ipIn(lan, ['link', 'set', `p-${n.name}`, 'master', 'br0', 'up'])
      // IPVS stand-in: a listener on every TCP virtual service whose VIP is on kube-dummy-if
      const ipvs = parseIpvsadm(demoIpvsadmText(n, true)).value
      const vips = new Set<string>([...V4_VIPS, ...V6_VIPS])
      for (const s of ipvs.services) {
        if (s.protocol !== 'TCP' || !s.address || !s.port || !vips.has(s.address)) continue
        listeners.push(await startListener(ns, s.address, s.port))
      }
      nodes.push({
        name: n.name,
        ns,
        hostRoot,
        binDir,
        env: {KR_HOST_ROOT: hostRoot, KR_PROBE_IPVS_PROC: ipvsProc, KR_PROBE_IPVS_SYSCTL: sysctlDir},
        kubeRouterPod,
      })
    }

    const cluster = demoCluster()
    // the API server lives on the LAN (not on node-a, whose FM3 would reject IPv6 from every node)
    for (const slice of cluster.endpointSlices) {
      if (slice.metadata.name.startsWith('kubernetes-')) {
        for (const e of slice.endpoints ?? []) {
          e.addresses = [slice.addressType === 'IPv6' ? API_ADDRESS6 : API_ADDRESS4]
          delete e.nodeName
        }
      }
    }
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      ...cluster.kubeRouter,
      spec: {
        selector: {matchLabels: {'k8s-app': 'kube-router'}},
        template: {metadata: {labels: {'k8s-app': 'kube-router', tier: 'node'}}, spec: cluster.kubeRouter?.spec?.template?.spec},
      },
    }
    const kubeRouterPods = nodes.map((n) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: n.kubeRouterPod.name, namespace: 'kube-system', uid: n.kubeRouterPod.uid, labels: {'k8s-app': 'kube-router', tier: 'node'}},
      spec: {nodeName: n.name, hostNetwork: true, containers: [{name: 'kube-router', image: DEMO_IMAGE}]},
      status: {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}]},
    }))
    const harnessNodes: HarnessNode[] = DEMO_NODES.map((d, i) => ({
      name: d.name,
      labels: 'controlPlane' in d && d.controlPlane ? {'node-role.kubernetes.io/control-plane': ''} : {},
      addresses: [
        {type: 'InternalIP', address: d.ip4},
        {type: 'InternalIP', address: d.ip6},
        {type: 'Hostname', address: d.name},
      ],
      podCIDRs: [d.pod4, d.pod6],
      runtime: {kind: 'netns', ns: nodes[i].ns, binDir: nodes[i].binDir, env: nodes[i].env},
    }))
    return {nodes, cluster, harnessNodes, daemonSets: [ds], kubeRouterPods, cleanup}
  } catch (error) {
    await cleanup()
    throw error
  }
}
