// DSR in the lab. The real kube-router cannot program it here (no IPVS, dummy or ipip in this kernel), so the
// kube-router emulator (test/harness/kube-router-emulator.ts) does, reading the lab API server's Services,
// EndpointSlices, DaemonSets and Pods through an ApiMirror (list + watch). Nothing else touches the node state: the
// kube-router DaemonSet exists with one pod per node (made by the DaemonSet controller, bound by kube-scheduler), but
// its container only sleeps.
//
//   const dsr = await DsrLabNodes.create()
//   const lab = await startLab({nodes: 2, prepareNode: dsr.prepareNode})
//   await deployDsrKubeRouter(lab)
//   const emulator = await startLabEmulator(lab, dsr, {fault: 'wrong-mark'})   ...   await emulator.close()
//
// Each node's host gives its containers (probe pods included) what the kernel lacks, as the harness's netns nodes
// do: a fake `ipvsadm` printing the emulator's recorded-format IPVS table, a fake `kube-router --version`,
// KR_PROBE_IPVS_PROC (IPVS "loaded"), KR_PROBE_IPVS_SYSCTL (net.ipv4.vs.*), and KR_PROBE_PROC, the emulator's
// stand-in for the node's /proc that holds its endpoint pods' processes. kube-dummy-if is a veth (no dummy links).
import {copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {emulatorProcDir, KubeRouterEmulator, type KubeRouterEmulatorOptions} from '../harness/kube-router-emulator.js'
import {kubeRouterDaemonSet, KUBE_ROUTER_ARGS} from '../harness/scenario.js'
import type {HarnessNode} from '../harness/types.js'
import {FAKE_IPVSADM, FAKE_KUBE_ROUTER, NETNS_PREFIX, RECORDED_DIR, run, writeExecutable} from '../helpers/netns.js'
import {ApiMirror} from './api-mirror.js'
import type {Lab, LabNode, LabNodeHost} from './cluster.js'

type Obj = Record<string, any>

/** The kube-router version the DaemonSet names and the fake `kube-router --version` prints. */
export const DSR_LAB_VERSION = 'v2.11.1'
/** The external IP range kube-router's strict validation (v2.8.0+) allows. */
export const DSR_EXTERNAL_RANGE = '203.0.113.0/24'

const EMPTY_IPVS = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n'
const IPVS_SYSCTLS: Record<string, string> = {sloppy_tcp: '0', conntrack: '1', expire_nodest_conn: '1', expire_quiescent_template: '1', conn_reuse_mode: '0'}

/** The host stand-ins of every node, made in one directory before the lab starts. */
export class DsrLabNodes {
  readonly hosts = new Map<string, {node: LabNode; binDir: string; env: Record<string, string>}>()

  private constructor(readonly dir: string) {}

  static async create(): Promise<DsrLabNodes> {
    return new DsrLabNodes(await mkdtemp(path.join(os.tmpdir(), `${NETNS_PREFIX}lab-dsr-${process.pid}-`)))
  }

  /** The emulator's working directory (its per-node /proc stand-ins live under it). */
  get emulatorDir(): string {
    return path.join(this.dir, 'emulator')
  }

  /** LabOptions.prepareNode: kube-dummy-if and the service proxy's filter chain in the node, and the host
   * stand-ins its containers get. */
  prepareNode = async (node: LabNode): Promise<LabNodeHost> => {
    await run(['ip', '-n', node.ns, 'link', 'add', 'kube-dummy-if', 'type', 'veth', 'peer', 'name', 'kr-dummy-peer'])
    await run(['ip', '-n', node.ns, 'link', 'set', 'kube-dummy-if', 'up'])
    await run(['ip', '-n', node.ns, 'link', 'set', 'kr-dummy-peer', 'up'])
    // kube-router's proxy chain in the nft backend, as kube-router v2 writes it: the emulator and the probe find the
    // backend kube-router uses by it (and so program and read the mangle rules in the same one)
    for (const tool of ['iptables-nft', 'ip6tables-nft']) {
      await run(['ip', 'netns', 'exec', node.ns, tool, '-t', 'filter', '-N', 'KUBE-ROUTER-SERVICES'])
      await run(['ip', 'netns', 'exec', node.ns, tool, '-t', 'filter', '-A', 'INPUT', '-m', 'comment', '--comment', 'handle traffic to IPVS service IPs in custom chain', '-j', 'KUBE-ROUTER-SERVICES'])
    }
    const hostDir = path.join(this.dir, node.name)
    const binDir = path.join(hostDir, 'bin')
    const sysctlDir = path.join(hostDir, 'proc-sys-net-ipv4-vs')
    const procDir = emulatorProcDir(this.emulatorDir, node.name)
    await mkdir(binDir, {recursive: true})
    await mkdir(sysctlDir)
    await mkdir(procDir, {recursive: true})
    await writeExecutable(binDir, 'ipvsadm', FAKE_IPVSADM)
    await writeExecutable(binDir, 'kube-router', FAKE_KUBE_ROUTER)
    await writeFile(path.join(binDir, 'ipvsadm-Ln.txt'), EMPTY_IPVS)
    await copyFile(path.join(RECORDED_DIR, `kube-router-version-${DSR_LAB_VERSION}.txt`), path.join(binDir, 'kube-router-version.txt'))
    for (const [key, value] of Object.entries(IPVS_SYSCTLS)) await writeFile(path.join(sysctlDir, key), `${value}\n`)
    const ipvsProc = path.join(hostDir, 'proc-net-ip_vs')
    await writeFile(ipvsProc, 'IP Virtual Server version 1.2.1 (size=4096)\n')
    const env = {
      KR_KUBE_ROUTER_BIN: path.join(binDir, 'kube-router'),
      KR_PROBE_IPVS_PROC: ipvsProc,
      KR_PROBE_IPVS_SYSCTL: sysctlDir,
      KR_PROBE_PROC: procDir,
    }
    this.hosts.set(node.name, {node, binDir, env})
    // the whole directory: the emulator writes the IPVS table and links its endpoint pods' processes in later
    return {binDir, env, mounts: [this.dir]}
  }

  /** The emulator's view of the nodes: netns runtimes with the same binDir and env the containers get. */
  harnessNodes(): Map<string, HarnessNode> {
    const out = new Map<string, HarnessNode>()
    for (const [name, h] of this.hosts) {
      out.set(name, {
        name,
        addresses: [
          {type: 'InternalIP', address: h.node.ip4},
          {type: 'InternalIP', address: h.node.ip6},
        ],
        podCIDRs: h.node.podCIDRs,
        runtime: {kind: 'netns', ns: h.node.ns, binDir: h.binDir, env: {...h.env}},
      })
    }
    return out
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, {recursive: true, force: true})
  }
}

async function create(lab: Lab, apiPath: string, obj: Obj): Promise<void> {
  try {
    await lab.admin.req('POST', apiPath, obj)
  } catch (error) {
    if ((error as {status?: number}).status !== 409) throw error
  }
}

/** kube-router's DaemonSet as its DSR manifest sets it up (service proxy, hostPID, hostIPC, the containerd socket
 * directory, --runtime-endpoint, the external IP range) whose container only sleeps; its ConfigMap and account. */
export function dsrLabDaemonSet(version = DSR_LAB_VERSION, nodes = 2): Obj {
  const ds = kubeRouterDaemonSet(version, nodes, [...KUBE_ROUTER_ARGS, `--service-external-ip-range=${DSR_EXTERNAL_RANGE}`])
  delete ds.status
  delete ds.metadata.uid
  delete ds.metadata.generation
  const spec = ds.spec.template.spec
  // the args stay kube-router's (the CLI reads its flags from them); sh takes them as $1… and ignores them
  spec.containers[0].command = ['/bin/sh', '-c', 'exec sleep infinity', 'kube-router']
  // no CNI or kernel modules here: leave the host's /etc/cni and /lib/modules alone
  spec.volumes = spec.volumes.filter((v: Obj) => v.name !== 'cni-conf-dir' && v.name !== 'lib-modules')
  spec.containers[0].volumeMounts = spec.containers[0].volumeMounts.filter((m: Obj) => m.name !== 'cni-conf-dir' && m.name !== 'lib-modules')
  spec.volumes.push({name: 'cri-socket', hostPath: {path: '/run/containerd'}})
  spec.containers[0].volumeMounts.push({name: 'cri-socket', mountPath: '/run/containerd'})
  return ds
}

export async function deployDsrKubeRouter(lab: Lab, daemonSet: Obj = dsrLabDaemonSet(DSR_LAB_VERSION, lab.nodes.length)): Promise<void> {
  await create(lab, '/api/v1/namespaces/kube-system/serviceaccounts', {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'kube-router', namespace: 'kube-system'}})
  await create(lab, '/api/v1/namespaces/kube-system/configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'kube-router-cfg', namespace: 'kube-system'}, data: {kubeconfig: ''}})
  await create(lab, '/apis/apps/v1/namespaces/kube-system/daemonsets', daemonSet)
}

/** The emulator on the lab's nodes, reading the lab's API; close() stops both. */
export async function startLabEmulator(lab: Lab, nodes: DsrLabNodes, opts: Omit<KubeRouterEmulatorOptions, 'dir'> = {}): Promise<{emulator: KubeRouterEmulator; mirror: ApiMirror; close(): Promise<void>}> {
  const mirror = await ApiMirror.start(lab.admin, ['services', 'endpointslices', 'daemonsets', 'pods'])
  const emulator = new KubeRouterEmulator(mirror, nodes.harnessNodes(), {...opts, dir: nodes.emulatorDir})
  await emulator.start()
  return {
    emulator,
    mirror,
    close: async () => {
      await emulator.close()
      await mirror.close()
    },
  }
}
