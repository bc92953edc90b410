// The lab cluster: a real kube-apiserver (TLS with a generated CA; Node and RBAC authorization; NodeRestriction and
// PodSecurity admission), its etcd, the real kube-controller-manager (service accounts, namespace deletion, garbage
// collection, DaemonSets) and kube-scheduler (DaemonSet pods are bound by it), and N nodes that are network namespaces on one bridge, each registered as a real Node by
// a kubelet stand-in (kubelet.ts) running inside it. docs/lab.md tells how the binaries are built and cached.
//
//   const lab = await startLab({nodes: 3})
//   lab.kubeconfig          contexts kr-lab (admin, group system:masters) and kr-lab-restricted (ClusterRole view)
//   lab.nodes               [{name, ns, ip4, ip6, podCIDRs}]
//   await lab.stopKubelet(name) / lab.startKubelet(name)    a node whose kubelet is down, and back
//   await lab.close()       kubelets, pods, controller manager, API server, etcd stopped; namespaces and files removed
//   startLab({nodeNames, prepareNode, nodeLabels, nodeMonitorGracePeriodSeconds})   LabOptions says what each does
//
// Addresses: each lab takes a free slot S (0-based, an exclusive lock file, see takeSlot) so several labs can run on
// one machine at once (parallel test files): bridge 192.168.(56+S).1/24 + fd00:56:S::1/64 in the root namespace (the
// API server advertises the bridge IPv4), node i (1-based) 192.168.(56+S).(10+i) + fd00:56:S::(10+i), pod CIDRs
// 10.244.i.0/24 + fd00:10:244:i::/64 (inside the node namespaces only), services 10.96.0.0/16 + fd00:10:96::/108.
import {type ChildProcess, spawn} from 'node:child_process'
import {createWriteStream, existsSync} from 'node:fs'
import {mkdir, mkdtemp, open, readFile, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {createNetns, deleteNetns, run} from '../helpers/netns.js'
import {KubeClient, KubeError} from './kube-client.js'
import type {LabNodeHost} from './kubelet.js'
import {clientKubeconfig, Pki} from './pki.js'

export type {LabNodeHost} from './kubelet.js'

export const KUBERNETES_VERSION = 'v1.34.4'
const REPO = fileURLToPath(new URL('../../', import.meta.url))
const KUBELET_TS = fileURLToPath(new URL('kubelet.ts', import.meta.url))

/** Where `npm run lab:build` (scripts/lab-build.sh) leaves the binaries. */
export function labBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KR_LAB_BIN ?? path.join(env.KR_LAB_CACHE ?? path.join(os.homedir(), '.cache', 'kubectl-kr-lab'), 'bin')
}

export const LAB_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const

/** The binaries that are missing, for an error that says how to build them. */
export function missingBinaries(binDir = labBinDir()): string[] {
  return LAB_BINARIES.filter((b) => !existsSync(path.join(binDir, b)))
}

export interface LabNode {
  name: string
  ns: string
  ip4: string
  ip6: string
  podCIDRs: string[]
}

/** The lab's LAN as prepareNode sees it: every node (all on the bridge by then) and the bridge's addresses. */
export interface LabNetwork {
  nodes: LabNode[]
  bridgeIp4: string
  bridgeIp6: string
}

export interface LabOptions {
  nodes?: number
  /** API server port on 127.0.0.1 and the bridge address; default a free one */
  port?: number
  binDir?: string
  /** component output goes to files here (default: the lab's temp dir) */
  logDir?: string
  log?: (line: string) => void
  /** Called for each node once its namespace is on the bridge (eth0 with its addresses, default routes) and before
   * its kubelet starts: seed the node's kernel state here, and return the stand-ins its host gives containers. */
  prepareNode?: (node: LabNode, index: number, network: LabNetwork) => Promise<LabNodeHost | void>
  /** extra labels per node name, registered by its kubelet */
  nodeLabels?: Record<string, Record<string, string>>
  /** node i's name is nodeNames[i - 1] (default lab-node-i); the addresses stay those of node i */
  nodeNames?: string[]
  /** how long the node lifecycle controller waits for a silent kubelet before the Node's Ready turns Unknown
   * (kube-controller-manager's default: 50 s); the kubelet stand-ins renew their Lease every 10 s */
  nodeMonitorGracePeriodSeconds?: number
}

export interface Lab {
  dir: string
  server: string
  /** the bridge's addresses in the root namespace; the nodes reach the API server at bridgeIp4 */
  bridgeIp4: string
  bridgeIp6: string
  slot: number
  /** admin + restricted contexts, current = admin */
  kubeconfig: string
  nodes: LabNode[]
  binDir: string
  admin: KubeClient
  pki: Pki
  port: number
  /** wall-clock milliseconds of each start-up step */
  timings: Record<string, number>
  /** Stops a node's kubelet stand-in and its containers (a node whose kubelet is down: nothing starts or reports its
   * pods; the Node stays Ready until the node lifecycle controller's grace period ends). */
  stopKubelet(nodeName: string): Promise<void>
  /** Starts a stopped node's kubelet stand-in again; it takes up the node's pods as a restarted kubelet does. */
  startKubelet(nodeName: string): Promise<void>
  close(): Promise<void>
}

const MAX_SLOTS = 32
const SLOT_DIR = '/run/kubectl-kr-lab'

/** The lab's address block: an exclusive lock file per slot, created with O_EXCL and holding the owner's pid; a lock
 * whose pid is gone (a lab killed without closing) is taken over. */
async function takeSlot(): Promise<{slot: number; release(): Promise<void>}> {
  await mkdir(SLOT_DIR, {recursive: true})
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    const file = path.join(SLOT_DIR, `slot-${slot}.lock`)
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(file, 'wx')
        await fh.writeFile(String(process.pid))
        await fh.close()
        return {slot, release: () => rm(file, {force: true})}
      } catch (error: any) {
        if (error.code !== 'EEXIST') throw error
        const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim())
        if (owner > 0 && processAlive(owner)) break
        await rm(file, {force: true})
      }
    }
  }
  throw new Error(`no free lab slot: ${MAX_SLOTS} labs hold the locks in ${SLOT_DIR}`)
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error: any) {
    return error.code === 'EPERM'
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as {port: number}).port
      s.close(() => resolve(port))
    })
  })
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, proc?: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (proc && proc.exitCode !== null) throw new Error(`${what}: the process exited with ${proc.exitCode} (its log is in the lab directory)`)
    try {
      if (await check()) return
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const nodeCount = opts.nodes ?? 3
  const binDir = opts.binDir ?? labBinDir()
  const missing = missingBinaries(binDir)
  if (missing.length) throw new Error(`the lab binaries ${missing.join(', ')} are not in ${binDir}: run \`npm run lab:build\` (docs/lab.md)`)
  const log = opts.log ?? (() => {})
  const timings: Record<string, number> = {}
  const t0 = Date.now()
  const step = (name: string, since: number) => (timings[name] = Date.now() - since)

  const dir = await mkdtemp(path.join(os.tmpdir(), `kr-lab-${process.pid}-`))
  const logDir = opts.logDir ?? dir
  const procs: {name: string; proc: ChildProcess}[] = []
  const netns: string[] = []
  const {slot, release} = await takeSlot()
  const bridge = `krl${slot}p${process.pid}`.slice(0, 15)
  const BRIDGE_IP4 = `192.168.${56 + slot}.1`
  // canonical text (slot 0: fd00:56::/64, not fd00:56:0::): the API server rejects other spellings in EndpointSlices
  const net6 = slot === 0 ? 'fd00:56:' : `fd00:56:${slot}:`
  const BRIDGE_IP6 = `${net6}:1`
  let admin: KubeClient | undefined
  let closed = false

  const start = (name: string, argv: string[], extra: {ns?: string} = {}) => {
    const out = createWriteStream(path.join(logDir, `${name}.log`))
    const full = extra.ns ? ['ip', 'netns', 'exec', extra.ns, ...argv] : argv
    const proc = spawn(full[0], full.slice(1), {cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true})
    proc.stdout?.pipe(out)
    proc.stderr?.pipe(out)
    procs.push({name, proc})
    return proc
  }

  const close = async () => {
    if (closed) return
    closed = true
    admin?.close()
    // kubelets first (they kill their pods), then the control plane, newest first
    for (const {proc} of [...procs].reverse()) {
      if (proc.exitCode !== null || proc.pid === undefined) continue
      const exited = new Promise((r) => proc.once('exit', r))
      try {
        process.kill(-proc.pid, 'SIGTERM')
      } catch {
        // gone
      }
      const killed = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))])
      if (!killed) {
        try {
          process.kill(-proc.pid, 'SIGKILL')
        } catch {
          // gone
        }
      }
    }
    for (const ns of netns) await deleteNetns(ns).catch(() => {})
    await run(['ip', 'link', 'del', bridge], {allowFailure: true})
    await release()
    if (!opts.logDir) await rm(dir, {recursive: true, force: true})
  }

  try {
    // ---------- certificates ----------
    let t = Date.now()
    const pkiDir = path.join(dir, 'pki')
    await mkdir(pkiDir)
    const pki = await Pki.create(pkiDir)
    const serving = await pki.issue({
      name: 'apiserver',
      commonName: 'kube-apiserver',
      usage: 'server',
      ips: ['127.0.0.1', BRIDGE_IP4, BRIDGE_IP6, '10.96.0.1', 'fd00:10:96::1'],
      dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    })
    const kubeletClient = await pki.issue({name: 'apiserver-kubelet-client', commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'], usage: 'client'})
    const adminCert = await pki.issue({name: 'admin', commonName: 'kr-lab-admin', organizations: ['system:masters'], usage: 'client'})
    const restrictedCert = await pki.issue({name: 'restricted', commonName: 'kr-lab-restricted', usage: 'client'})
    const kcmCert = await pki.issue({name: 'controller-manager', commonName: 'system:kube-controller-manager', usage: 'client'})
    const schedulerCert = await pki.issue({name: 'scheduler', commonName: 'system:kube-scheduler', usage: 'client'})
    const sa = await pki.serviceAccountKeys()
    step('certificates', t)

    // ---------- etcd ----------
    t = Date.now()
    const etcdPort = await freePort()
    const etcdPeer = await freePort()
    const etcd = start('etcd', [
      path.join(binDir, 'etcd'),
      '--name=kr-lab',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=kr-lab=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ])
    await waitFor('etcd', 30_000, async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok, etcd)
    step('etcd', t)

    // ---------- network: the bridge the nodes and the API server share ----------
    t = Date.now()
    await run(['ip', 'link', 'add', bridge, 'type', 'bridge'])
    // the root namespace must never route the nodes' traffic out of the machine (a node curls ClusterIPs that no
    // service proxy serves here, and its default route points at the bridge): no forwarding from the bridge
    await run(['sysctl', '-q', '-w', `net.ipv6.conf.${bridge}.accept_dad=0`, `net.ipv4.conf.${bridge}.forwarding=0`, `net.ipv6.conf.${bridge}.forwarding=0`])
    await run(['ip', 'addr', 'add', `${BRIDGE_IP4}/24`, 'dev', bridge])
    await run(['ip', '-6', 'addr', 'add', `${BRIDGE_IP6}/64`, 'dev', bridge, 'nodad'])
    await run(['ip', 'link', 'set', bridge, 'up'])
    const nodes: LabNode[] = []
    for (let i = 1; i <= nodeCount; i++) {
      const ns = await createNetns('lab-node')
      netns.push(ns)
      const hostEnd = `${bridge.slice(0, 11)}-${i}`.slice(0, 15)
      await run(['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
      await run(['ip', 'link', 'set', hostEnd, 'master', bridge, 'up'])
      const ip4 = `192.168.${56 + slot}.${10 + i}`
      const ip6 = `${net6}:${10 + i}`
      const inNs = (...argv: string[]) => run(['ip', 'netns', 'exec', ns, ...argv])
      await inNs('sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1')
      await run(['ip', '-n', ns, 'addr', 'add', `${ip4}/24`, 'dev', 'eth0'])
      await run(['ip', '-n', ns, '-6', 'addr', 'add', `${ip6}/64`, 'dev', 'eth0', 'nodad'])
      await run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up'])
      await run(['ip', '-n', ns, 'route', 'add', 'default', 'via', BRIDGE_IP4])
      await run(['ip', '-n', ns, '-6', 'route', 'add', 'default', 'via', BRIDGE_IP6])
      nodes.push({name: opts.nodeNames?.[i - 1] ?? `lab-node-${i}`, ns, ip4, ip6, podCIDRs: [`10.244.${i}.0/24`, `fd00:10:244:${i}::/64`]})
    }
    step('network', t)

    // ---------- kube-apiserver ----------
    t = Date.now()
    const port = opts.port ?? (await freePort())
    const server = `https://127.0.0.1:${port}`
    const apiserver = start('kube-apiserver', [
      path.join(binDir, 'kube-apiserver'),
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=0.0.0.0',
      `--secure-port=${port}`,
      `--advertise-address=${BRIDGE_IP4}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction,PodSecurity',
      '--allow-privileged=true',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.publicKey}`,
      `--service-account-signing-key-file=${sa.privateKey}`,
      '--service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/108',
      `--kubelet-client-certificate=${kubeletClient.cert}`,
      `--kubelet-client-key=${kubeletClient.key}`,
      `--kubelet-certificate-authority=${pki.ca.cert}`,
      '--kubelet-preferred-address-types=InternalIP',
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      '--profiling=false',
      '--v=0',
    ])
    admin = new KubeClient(server, {ca: pki.ca.cert, cert: adminCert.cert, key: adminCert.key})
    const a = admin
    await waitFor('kube-apiserver', 120_000, async () => {
      await a.req('GET', '/readyz')
      return true
    }, apiserver)
    step('kube-apiserver', t)

    // ---------- users and kubeconfigs ----------
    t = Date.now()
    await a.req('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {name: 'kr-lab-restricted-view'},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view'},
      subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kr-lab-restricted'}],
    })
    const kcmKubeconfig = path.join(dir, 'controller-manager.kubeconfig')
    await writeFile(kcmKubeconfig, await clientKubeconfig({server, ca: pki.ca.cert, client: kcmCert, user: 'system:kube-controller-manager'}), {mode: 0o600})
    const schedulerKubeconfig = path.join(dir, 'scheduler.kubeconfig')
    await writeFile(schedulerKubeconfig, await clientKubeconfig({server, ca: pki.ca.cert, client: schedulerCert, user: 'system:kube-scheduler'}), {mode: 0o600})
    const adminText = await clientKubeconfig({server, ca: pki.ca.cert, client: adminCert, user: 'kr-lab-admin'})
    const restrictedText = await clientKubeconfig({server, ca: pki.ca.cert, client: restrictedCert, user: 'kr-lab-restricted', context: 'kr-lab-restricted'})
    const kubeconfig = mergeKubeconfigs(adminText, restrictedText)
    step('users', t)

    // ---------- kube-controller-manager ----------
    t = Date.now()
    const kcm = start('kube-controller-manager', [
      path.join(binDir, 'kube-controller-manager'),
      `--kubeconfig=${kcmKubeconfig}`,
      `--authentication-kubeconfig=${kcmKubeconfig}`,
      `--authorization-kubeconfig=${kcmKubeconfig}`,
      `--service-account-private-key-file=${sa.privateKey}`,
      `--root-ca-file=${pki.ca.cert}`,
      '--leader-elect=false',
      '--use-service-account-credentials=true',
      '--secure-port=0',
      '--cluster-name=kr-lab',
      '--controllers=*',
      ...(opts.nodeMonitorGracePeriodSeconds ? [`--node-monitor-grace-period=${opts.nodeMonitorGracePeriodSeconds}s`] : []),
      '--v=0',
    ])
    start('kube-scheduler', [
      path.join(binDir, 'kube-scheduler'),
      `--kubeconfig=${schedulerKubeconfig}`,
      `--authentication-kubeconfig=${schedulerKubeconfig}`,
      `--authorization-kubeconfig=${schedulerKubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
      '--v=0',
    ])
    // the service-account controller fills every namespace with its `default` account: pods need it
    await waitFor('kube-controller-manager', 60_000, async () => {
      await a.req('GET', '/api/v1/namespaces/default/serviceaccounts/default')
      return true
    }, kcm)
    step('kube-controller-manager + kube-scheduler', t)

    // ---------- nodes ----------
    t = Date.now()
    const kubelets = new Map<string, {cfgFile: string; ns: string; proc: ChildProcess}>()
    const startKubelet = (name: string, cfgFile: string, ns: string) => {
      kubelets.set(name, {cfgFile, ns, proc: start(`kubelet-${name}`, [process.execPath, '--import', 'tsx', KUBELET_TS, cfgFile], {ns})})
    }
    for (const [i, node] of nodes.entries()) {
      const host = (await opts.prepareNode?.(node, i, {nodes, bridgeIp4: BRIDGE_IP4, bridgeIp6: BRIDGE_IP6})) ?? undefined
      const client = await pki.issue({name: `kubelet-${node.name}`, commonName: `system:node:${node.name}`, organizations: ['system:nodes'], usage: 'client'})
      const servingCert = await pki.issue({name: `kubelet-serving-${node.name}`, commonName: node.name, usage: 'server', ips: [node.ip4, node.ip6], dns: [node.name]})
      const cfgFile = path.join(dir, `kubelet-${node.name}.json`)
      await writeFile(
        cfgFile,
        JSON.stringify({
          nodeName: node.name,
          server: `https://${BRIDGE_IP4}:${port}`,
          ca: pki.ca.cert,
          cert: client.cert,
          key: client.key,
          servingCert: servingCert.cert,
          servingKey: servingCert.key,
          internalIPs: [node.ip4, node.ip6],
          podCIDRs: node.podCIDRs,
          kubeletPort: 10250,
          kubeletVersion: KUBERNETES_VERSION,
          stateDir: path.join(dir, `pods-${i + 1}`),
          labels: opts.nodeLabels?.[node.name],
          host,
        }),
      )
      startKubelet(node.name, cfgFile, node.ns)
    }
    await waitFor('the nodes', 60_000, async () => {
      const list = await a.req('GET', '/api/v1/nodes')
      const ready = (list.items as any[]).filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'))
      return ready.length === nodes.length
    })
    for (const k of kubelets.values()) if (k.proc.exitCode !== null) throw new Error('a kubelet stand-in exited at start (see its log in the lab directory)')
    step('nodes', t)
    const kubeletOf = (name: string) => {
      const k = kubelets.get(name)
      if (!k) throw new Error(`no lab node ${name}`)
      return k
    }
    const stopKubelet = async (name: string) => {
      const {proc} = kubeletOf(name)
      if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return
      const exited = new Promise((r) => proc.once('exit', r))
      // the kubelet stops its containers (own process groups) before it exits
      process.kill(proc.pid, 'SIGTERM')
      await exited
    }
    const restartKubelet = async (name: string) => {
      const k = kubeletOf(name)
      if (k.proc.exitCode === null && k.proc.signalCode === null) return
      startKubelet(name, k.cfgFile, k.ns)
    }
    timings.total = Date.now() - t0
    log(`lab up in ${(timings.total / 1000).toFixed(1)} s`)

    return {dir, server, bridgeIp4: BRIDGE_IP4, bridgeIp6: BRIDGE_IP6, slot, kubeconfig, nodes, binDir, admin: a, timings, pki, port, stopKubelet, startKubelet: restartKubelet, close}
  } catch (error) {
    await close().catch(() => {})
    if (error instanceof KubeError) throw new Error(`lab start failed: ${error.message}`)
    throw error
  }
}

/** One kubeconfig with both users' clusters, users and contexts; the first one's context is current. */
function mergeKubeconfigs(first: string, second: string): string {
  const section = (text: string, name: string) => {
    const lines = text.split('\n')
    const startAt = lines.indexOf(`${name}:`)
    const out: string[] = []
    for (let i = startAt + 1; i < lines.length && (lines[i].startsWith('- ') || lines[i].startsWith('  ')); i++) out.push(lines[i])
    return out
  }
  const current = /current-context: (.*)/.exec(first)?.[1] ?? 'kr-lab'
  const lines = ['apiVersion: v1', 'kind: Config']
  for (const s of ['clusters', 'users', 'contexts']) lines.push(`${s}:`, ...section(first, s), ...section(second, s))
  lines.push(`current-context: ${current}`, '')
  return lines.join('\n')
}
