// The lab's kubelet stand-in: one process per node, started inside the node's network namespace, talking only to
// the real API server with the node's client certificate (user system:node:NAME, group system:nodes), so the Node
// authorizer and the NodeRestriction admission plugin judge every request as they judge a real kubelet's.
//
//   registers its Node (addresses, podCIDRs, kubeletEndpoint, Ready) and renews its Lease in kube-node-lease
//   watches pods with spec.nodeName=NODE, and for each new pod:
//     Pending (ContainerCreating) -> Running (container running, ready) -> Succeeded / Failed (terminated,
//     exitCode, reason Completed | Error | StartError); restartPolicy Always / OnFailure restart with
//     CrashLoopBackOff back-off; activeDeadlineSeconds from startTime: killed, Failed / DeadlineExceeded;
//     deletionTimestamp: SIGTERM, SIGKILL after the grace period, then the pod is deleted with grace 0
//   runs containers[0] with its command, args and env (value, fieldRef) in a private mount namespace whose root
//   holds the host's userland read-only, hostPath and configMap volumes bind-mounted at their mountPaths
//   (container.sh), under setpriv with the capabilities of its securityContext
//   writes each container's output where a real kubelet does, /var/log/pods/NS_POD_UID/CONTAINER/N.log in the CRI
//   format (doctor reads kube-router's log there), and removes it with the pod
//   serves GET /containerLogs/NS/POD/CONTAINER on NODE-IP:10250 over TLS to clients with a certificate of the
//   lab CA (the API server's kubelet client), so pods/log and `kubectl logs` work, follow included
//
// Not a container runtime: no image is pulled (the image name is only reported), all pods share the node's network
// namespace (a pod that is not hostNetwork is given an address from the node's podCIDRs, which nothing answers on),
// and only the first container runs.
import {type ChildProcess, spawn} from 'node:child_process'
import {randomBytes, createHash} from 'node:crypto'
import {appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync} from 'node:fs'
import {createServer, type Server} from 'node:https'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {containerSecurity, expand, fieldRefValue, formatLog, type LogChunk, type LogQuery, normaliseImage} from '../harness/kubelet.js'
import {KubeClient, KubeError} from './kube-client.js'

type Obj = Record<string, any>

/** The nodes share the host's filesystem: pod log directories carry the pod's uid, so they never collide. */
const POD_LOG_ROOT = '/var/log/pods'
const CONTAINER_SH = fileURLToPath(new URL('container.sh', import.meta.url))
const SIGNALS: Record<string, number> = {SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15}

export interface KubeletConfig {
  nodeName: string
  server: string
  ca: string
  /** client certificate system:node:NAME */
  cert: string
  key: string
  /** serving certificate for NODE-IP:kubeletPort */
  servingCert: string
  servingKey: string
  internalIPs: string[]
  podCIDRs: string[]
  kubeletPort: number
  kubeletVersion: string
  /** where pod root directories and configMap copies go */
  stateDir: string
  labels?: Record<string, string>
  /** What this node's host gives every container beyond the host's own userland (LabNodeHost in cluster.ts) */
  host?: LabNodeHost
}

/** Stand-ins for what this kernel or machine cannot hold on a node (recorded `ipvsadm` output, IPVS sysctls, a
 * node's own files): `binDir` goes first on every container's PATH, `env` overrides the pod's env (as a node's
 * host paths would, under the probe's KR_* overrides), and `binDir` plus every path of `mounts` is bind-mounted
 * read-only into the container at the same path. */
export interface LabNodeHost {
  env?: Record<string, string>
  binDir?: string
  mounts?: string[]
}

interface PodRun {
  ns: string
  name: string
  uid: string
  proc?: ChildProcess
  exited?: Promise<void>
  timers: Set<NodeJS.Timeout>
  log: LogChunk[]
  previousLog?: LogChunk[]
  terminal: boolean
  deleting: boolean
  restarts: number
  startedAt?: string
  startTime?: string
  containerID?: string
  followers: Set<() => void>
  dir: string
  pod: Obj
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')
const microNow = () => new Date().toISOString().replace(/Z$/, '000Z')

export class LabKubelet {
  private readonly api: KubeClient
  private readonly runs = new Map<string, PodRun>()
  private readonly abort = new AbortController()
  private server?: Server
  private podIpCounter = 1
  private closed = false
  private readonly loops: Promise<void>[] = []

  constructor(private readonly cfg: KubeletConfig) {
    this.api = new KubeClient(cfg.server, {ca: cfg.ca, cert: cfg.cert, key: cfg.key})
  }

  async start(): Promise<void> {
    mkdirSync(this.cfg.stateDir, {recursive: true})
    mkdirSync(POD_LOG_ROOT, {recursive: true})
    await this.serveLogs()
    await this.register()
    this.loops.push(this.leaseLoop(), this.statusLoop(), this.podLoop())
  }

  // ---------- node ----------

  private nodeStatus(): Obj {
    const t = now()
    const cond = (type: string, status: string, reason: string, message: string) => ({type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: this.readySince ?? t})
    return {
      addresses: [...this.cfg.internalIPs.map((address) => ({type: 'InternalIP', address})), {type: 'Hostname', address: this.cfg.nodeName}],
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      daemonEndpoints: {kubeletEndpoint: {Port: this.cfg.kubeletPort}},
      capacity: {cpu: '2', memory: '4Gi', pods: '110', 'ephemeral-storage': '20Gi'},
      allocatable: {cpu: '2', memory: '4Gi', pods: '110', 'ephemeral-storage': '20Gi'},
      nodeInfo: {
        machineID: createHash('md5').update(this.cfg.nodeName).digest('hex'),
        systemUUID: createHash('md5').update(`uuid-${this.cfg.nodeName}`).digest('hex'),
        bootID: createHash('md5').update(`${this.cfg.nodeName}-${process.pid}`).digest('hex'),
        kernelVersion: os.release(),
        osImage: 'kubectl-kr lab node',
        containerRuntimeVersion: 'kr-lab://1.0.0',
        kubeletVersion: this.cfg.kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    }
  }

  private readySince?: string

  private async register(): Promise<void> {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {name: this.cfg.nodeName, labels: {'kubernetes.io/hostname': this.cfg.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...this.cfg.labels}},
      spec: {podCIDR: this.cfg.podCIDRs[0], podCIDRs: this.cfg.podCIDRs},
    }
    try {
      await this.api.req('POST', '/api/v1/nodes', node)
    } catch (error) {
      if (!(error instanceof KubeError && error.status === 409)) throw error
    }
    this.readySince = now()
    await this.api.req('PATCH', `/api/v1/nodes/${this.cfg.nodeName}/status`, {status: this.nodeStatus()}, 'application/merge-patch+json')
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms)
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(t)
        resolve()
      })
    })
  }

  private async leaseLoop(): Promise<void> {
    const base = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases`
    while (!this.closed) {
      try {
        const spec = {holderIdentity: this.cfg.nodeName, leaseDurationSeconds: 40, renewTime: microNow()}
        try {
          const cur = await this.api.req('GET', `${base}/${this.cfg.nodeName}`)
          await this.api.req('PUT', `${base}/${this.cfg.nodeName}`, {...cur, spec: {...cur.spec, ...spec}})
        } catch (error) {
          if (!(error instanceof KubeError && error.status === 404)) throw error
          await this.api.req('POST', base, {apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: {name: this.cfg.nodeName, namespace: 'kube-node-lease'}, spec})
        }
      } catch (error) {
        if (!this.closed) this.warn(`lease: ${(error as Error).message}`)
      }
      await this.sleep(10_000)
    }
  }

  private async statusLoop(): Promise<void> {
    while (!this.closed) {
      await this.sleep(30_000)
      if (this.closed) return
      try {
        await this.api.req('PATCH', `/api/v1/nodes/${this.cfg.nodeName}/status`, {status: this.nodeStatus()}, 'application/merge-patch+json')
      } catch (error) {
        if (!this.closed) this.warn(`node status: ${(error as Error).message}`)
      }
    }
  }

  private warn(text: string): void {
    process.stderr.write(`kubelet ${this.cfg.nodeName}: ${text}\n`)
  }

  // ---------- pods ----------

  private async podLoop(): Promise<void> {
    const selector = encodeURIComponent(`spec.nodeName=${this.cfg.nodeName}`)
    while (!this.closed) {
      try {
        const list = await this.api.req('GET', `/api/v1/pods?fieldSelector=${selector}`)
        const seen = new Set<string>()
        for (const pod of list.items as Obj[]) {
          seen.add(pod.metadata.uid)
          this.podChanged(pod)
        }
        for (const run of [...this.runs.values()]) if (!seen.has(run.uid)) this.podGone(run)
        let rv = list.metadata.resourceVersion as string
        while (!this.closed) {
          let expired = false
          await this.api.watch(
            `/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${rv}&fieldSelector=${selector}`,
            (type, obj) => {
              if (type === 'ERROR') {
                expired = true
                return
              }
              rv = obj.metadata?.resourceVersion ?? rv
              if (type === 'BOOKMARK') return
              if (type === 'DELETED') {
                const run = this.runs.get(obj.metadata.uid)
                if (run) this.podGone(run)
              } else this.podChanged(obj)
            },
            this.abort.signal,
          )
          if (expired) break
        }
      } catch (error) {
        if (this.closed) return
        this.warn(`pod watch: ${(error as Error).message}`)
        await this.sleep(1000)
      }
    }
  }

  private podChanged(pod: Obj): void {
    const uid = pod.metadata.uid as string
    let run = this.runs.get(uid)
    if (!run) {
      const phase = pod.status?.phase
      if (phase === 'Succeeded' || phase === 'Failed') return // finished before this kubelet started
      if (pod.metadata.deletionTimestamp) {
        void this.finishDelete(pod)
        return
      }
      run = {ns: pod.metadata.namespace, name: pod.metadata.name, uid, timers: new Set(), log: [], terminal: false, deleting: false, restarts: 0, followers: new Set(), dir: '', pod}
      this.runs.set(uid, run)
      void this.admit(run)
      return
    }
    run.pod = pod
    if (pod.metadata.deletionTimestamp && !run.deleting) void this.terminate(run, pod)
  }

  private later(run: PodRun, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      run.timers.delete(t)
      if (!this.closed) fn()
    }, ms)
    run.timers.add(t)
  }

  private async patchStatus(run: PodRun, status: Obj): Promise<void> {
    try {
      const updated = await this.api.req('PATCH', `/api/v1/namespaces/${run.ns}/pods/${run.name}/status`, {metadata: {uid: run.uid}, status}, 'application/merge-patch+json')
      run.pod = updated
    } catch (error) {
      if (error instanceof KubeError && (error.status === 404 || error.status === 409)) return // gone, or a new pod of that name
      this.warn(`status of ${run.ns}/${run.name}: ${(error as Error).message}`)
    }
  }

  private conditions(ready: boolean, opts: {sandbox?: boolean; completed?: boolean} = {}): Obj[] {
    const t = now()
    const names = ((this.runsPodContainers ?? []) as string[]).join(' ')
    const cond = (type: string, on: boolean, extra: Obj = {}) => ({type, status: on ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t, ...(on ? {} : extra)})
    const notReady = opts.completed ? {reason: 'PodCompleted'} : {reason: 'ContainersNotReady', message: `containers with unready status: [${names}]`}
    return [
      cond('PodReadyToStartContainers', opts.sandbox ?? true),
      cond('Initialized', true),
      cond('Ready', ready, notReady),
      cond('ContainersReady', ready, notReady),
      cond('PodScheduled', true),
    ]
  }

  private runsPodContainers?: string[]

  private podIPs(pod: Obj): string[] {
    if (pod.spec.hostNetwork) return this.cfg.internalIPs
    const n = ++this.podIpCounter
    return this.cfg.podCIDRs.map((c) => {
      const base = c.split('/')[0]
      if (base.includes(':')) return `${base.replace(/::$/, '')}::${n.toString(16)}`
      const o = base.split('.').map(Number)
      return `${o[0]}.${o[1]}.${o[2]}.${o[3] + n}`
    })
  }

  private waiting(pod: Obj, reason: string, message?: string): Obj[] {
    return (pod.spec.containers as Obj[]).map((c) => ({name: c.name, image: c.image, imageID: '', ready: false, restartCount: 0, started: false, state: {waiting: message ? {reason, message} : {reason}}, lastState: {}}))
  }

  private async admit(run: PodRun): Promise<void> {
    const pod = run.pod
    this.runsPodContainers = (pod.spec.containers as Obj[]).map((c) => c.name)
    const podIPs = this.podIPs(pod)
    run.startTime = now()
    await this.patchStatus(run, {
      phase: 'Pending',
      conditions: this.conditions(false, {sandbox: false}),
      hostIP: this.cfg.internalIPs[0],
      hostIPs: this.cfg.internalIPs.map((ip) => ({ip})),
      podIP: podIPs[0],
      podIPs: podIPs.map((ip) => ({ip})),
      startTime: run.startTime,
      containerStatuses: this.waiting(pod, 'ContainerCreating'),
    })
    const deadline = pod.spec.activeDeadlineSeconds
    if (typeof deadline === 'number') this.later(run, deadline * 1000, () => void this.deadlineExceeded(run))
    await this.startContainer(run)
  }

  /** Volume mounts of containers[0] as bind sources; a reason to wait when one cannot be set up. */
  private async volumes(run: PodRun, c: Obj): Promise<{binds: string[]; failure?: string}> {
    const binds: string[] = []
    for (const mount of (c.volumeMounts ?? []) as Obj[]) {
      const volume = ((run.pod.spec.volumes ?? []) as Obj[]).find((v) => v.name === mount.name)
      const mode = mount.readOnly ? 'ro' : 'rw'
      if (volume?.hostPath) {
        const p = volume.hostPath.path as string
        const type = volume.hostPath.type ?? ''
        const exists = existsSync(p)
        if (type === 'Directory' && !(exists && statSync(p).isDirectory())) return {binds, failure: `MountVolume.SetUp failed for volume "${mount.name}" : hostPath type check failed: ${p} is not a directory`}
        if (type === 'File' && !(exists && statSync(p).isFile())) return {binds, failure: `MountVolume.SetUp failed for volume "${mount.name}" : hostPath type check failed: ${p} is not a file`}
        if (!exists && type === 'FileOrCreate') writeFileSync(p, '', {mode: 0o644})
        else if (!exists) mkdirSync(p, {recursive: true})
        binds.push(p, mount.mountPath, mode)
      } else if (volume?.configMap) {
        let cm: Obj
        try {
          cm = await this.api.req('GET', `/api/v1/namespaces/${run.ns}/configmaps/${volume.configMap.name}`)
        } catch (error) {
          if (error instanceof KubeError && error.status === 404 && volume.configMap.optional !== true) return {binds, failure: `MountVolume.SetUp failed for volume "${mount.name}" : configmap "${volume.configMap.name}" not found`}
          if (!(error instanceof KubeError && error.status === 404)) throw error
          cm = {data: {}}
        }
        const dir = mkdtempSync(path.join(run.dir, `cm-${mount.name}-`))
        const items = (volume.configMap.items as Obj[] | undefined) ?? Object.keys(cm.data ?? {}).map((key): Obj => ({key, path: key}))
        for (const item of items) writeFileSync(path.join(dir, item.path), cm.data?.[item.key] ?? '', {mode: item.mode ?? volume.configMap.defaultMode ?? 0o644})
        binds.push(dir, mount.mountPath, 'ro')
      } else if (volume?.secret) {
        let secret: Obj
        try {
          secret = await this.api.req('GET', `/api/v1/namespaces/${run.ns}/secrets/${volume.secret.secretName}`)
        } catch (error) {
          if (error instanceof KubeError && error.status === 404) return {binds, failure: `MountVolume.SetUp failed for volume "${mount.name}" : secret "${volume.secret.secretName}" not found`}
          throw error
        }
        const dir = mkdtempSync(path.join(run.dir, `secret-${mount.name}-`))
        for (const [key, b64] of Object.entries((secret.data ?? {}) as Record<string, string>)) writeFileSync(path.join(dir, key), Buffer.from(b64, 'base64'), {mode: volume.secret.defaultMode ?? 0o644})
        binds.push(dir, mount.mountPath, 'ro')
      } else if (volume?.emptyDir) {
        const dir = mkdtempSync(path.join(run.dir, `empty-${mount.name}-`))
        binds.push(dir, mount.mountPath, mode)
      }
    }
    return {binds}
  }

  private env(pod: Obj, c: Obj): Record<string, string> {
    const env: Record<string, string> = {}
    for (const e of (c.env ?? []) as Obj[]) {
      if (e.value !== undefined) env[e.name] = expand(String(e.value), env)
      else if (e.valueFrom?.fieldRef?.fieldPath) env[e.name] = fieldRefValue(pod, e.valueFrom.fieldRef.fieldPath)
      else env[e.name] = ''
    }
    return env
  }

  private async startContainer(run: PodRun): Promise<void> {
    if (run.terminal || run.deleting || this.closed) return
    const pod = run.pod
    const c = pod.spec.containers[0] as Obj
    run.dir ||= mkdtempSync(path.join(this.cfg.stateDir, `${run.ns}_${run.name}-`))
    let vols: {binds: string[]; failure?: string}
    try {
      vols = await this.volumes(run, c)
    } catch (error) {
      vols = {binds: [], failure: `MountVolume.SetUp failed: ${(error as Error).message}`}
    }
    if (vols.failure) {
      // like the kubelet: the pod waits in ContainerCreating and the mount is retried
      this.warn(`${run.ns}/${run.name}: ${vols.failure}`)
      this.later(run, 2000, () => void this.startContainer(run))
      return
    }
    const env = this.env(pod, c)
    const argv = [...((c.command ?? []) as string[]), ...((c.args ?? []) as string[])].map((a) => expand(a, env))
    run.containerID = `kr-lab://${randomBytes(32).toString('hex')}`
    run.startedAt = now()
    run.log = []
    if (!c.command?.length) {
      await this.containerExited(run, 128, 'StartError', 'the lab has no images, so no entrypoints: set the container command')
      return
    }
    const root = mkdtempSync(path.join(run.dir, 'root-'))
    const host = this.cfg.host ?? {}
    const hostBinds = [...(host.binDir ? [host.binDir] : []), ...(host.mounts ?? [])].flatMap((p) => [p, p, 'ro'])
    const full = ['unshare', '--mount', '--propagation', 'private', 'sh', CONTAINER_SH, root, ...hostBinds, ...vols.binds, '--', ...containerSecurity(c), ...argv]
    const {PATH: podPath, ...rest} = env
    const basePath = podPath ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    const child = spawn(full[0], full.slice(1), {
      env: {
        HOSTNAME: pod.spec.hostNetwork ? this.cfg.nodeName : pod.metadata.name,
        HOME: '/root',
        ...rest,
        PATH: host.binDir ? `${host.binDir}:${basePath}` : basePath,
        ...host.env,
      },
      cwd: '/',
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    run.proc = child
    const logFile = this.podLogFile(run, c.name)
    child.stdout?.on('data', (b: Buffer) => this.appendLog(run, b.toString('utf8'), logFile, 'stdout'))
    child.stderr?.on('data', (b: Buffer) => this.appendLog(run, b.toString('utf8'), logFile, 'stderr'))
    run.exited = new Promise<void>((resolve) => {
      let spawnError: Error | undefined
      child.on('error', (e) => (spawnError = e))
      child.on('close', (code, signal) => {
        run.proc = undefined
        resolve()
        if (spawnError && code === null) void this.containerExited(run, 128, 'StartError', spawnError.message)
        else void this.containerExited(run, code ?? 128 + (SIGNALS[signal ?? ''] ?? 9))
      })
    })
    await this.patchStatus(run, {
      phase: 'Running',
      conditions: this.conditions(true),
      containerStatuses: (pod.spec.containers as Obj[]).map((x, i) => ({
        name: x.name,
        image: normaliseImage(x.image),
        imageID: `${normaliseImage(x.image).replace(/:[^/:]*$/, '')}@sha256:${createHash('sha256').update(normaliseImage(x.image)).digest('hex')}`,
        containerID: i === 0 ? run.containerID : undefined,
        ready: i === 0,
        restartCount: i === 0 ? run.restarts : 0,
        started: i === 0,
        state: i === 0 ? {running: {startedAt: run.startedAt}} : {waiting: {reason: 'ContainerCreating'}},
        lastState: i === 0 ? (run.pod.status?.containerStatuses?.[0]?.lastState ?? {}) : {},
      })),
    })
  }

  /** Where a real kubelet keeps the container's log: /var/log/pods/NS_POD_UID/CONTAINER/RESTARTS.log (CRI format). */
  private podLogFile(run: PodRun, container: string): string {
    const dir = path.join(POD_LOG_ROOT, `${run.ns}_${run.name}_${run.uid}`, container)
    mkdirSync(dir, {recursive: true})
    return path.join(dir, `${run.restarts}.log`)
  }

  private appendLog(run: PodRun, text: string, file?: string, stream?: 'stdout' | 'stderr'): void {
    if (text === '') return
    if (file && stream) {
      const at = new Date().toISOString().replace(/Z$/, '000000Z')
      const lines = text.split('\n')
      const last = lines.pop() ?? ''
      const out = lines.map((l) => `${at} ${stream} F ${l}\n`).join('') + (last ? `${at} ${stream} P ${last}\n` : '')
      appendFileSync(file, out)
    }
    run.log.push({at: Date.now(), text})
    for (const f of [...run.followers]) f()
  }

  private terminated(run: PodRun, exitCode: number, reason: string, message?: string): Obj {
    return {exitCode, reason, ...(message ? {message} : {}), startedAt: run.startedAt ?? now(), finishedAt: now(), containerID: run.containerID}
  }

  private async containerExited(run: PodRun, exitCode: number, reason?: string, message?: string): Promise<void> {
    if (run.terminal) return
    const policy = run.pod.spec.restartPolicy ?? 'Always'
    const terminated = this.terminated(run, exitCode, reason ?? (exitCode === 0 ? 'Completed' : 'Error'), message)
    const restart = !run.deleting && !this.closed && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0))
    const statuses = (run.pod.status?.containerStatuses ?? this.waiting(run.pod, 'ContainerCreating')) as Obj[]
    if (!restart) {
      run.terminal = true
      for (const t of run.timers) clearTimeout(t)
      run.timers.clear()
      await this.patchStatus(run, {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: this.conditions(false, {sandbox: false, completed: true}),
        containerStatuses: statuses.map((s, i) => (i === 0 ? {...s, ready: false, started: false, state: {terminated}} : s)),
      })
      for (const f of [...run.followers]) f()
      return
    }
    run.restarts++
    run.previousLog = run.log
    const backoff = Math.min(10_000 * 2 ** (run.restarts - 1), 300_000)
    await this.patchStatus(run, {
      phase: 'Running',
      conditions: this.conditions(false),
      containerStatuses: statuses.map((s, i) =>
        i === 0
          ? {...s, ready: false, started: false, restartCount: run.restarts, state: {waiting: {reason: 'CrashLoopBackOff', message: `back-off ${backoff / 1000}s restarting failed container=${s.name} pod=${run.name}_${run.ns}(${run.uid})`}}, lastState: {terminated}}
          : s,
      ),
    })
    for (const f of [...run.followers]) f()
    this.later(run, backoff, () => void this.startContainer(run))
  }

  private kill(run: PodRun, signal: NodeJS.Signals): void {
    const pid = run.proc?.pid
    if (pid === undefined) return
    try {
      process.kill(-pid, signal)
    } catch {
      // already gone
    }
  }

  private async deadlineExceeded(run: PodRun): Promise<void> {
    if (run.terminal || run.deleting) return
    run.terminal = true
    for (const t of run.timers) clearTimeout(t)
    run.timers.clear()
    const wasRunning = run.proc !== undefined
    this.kill(run, 'SIGKILL')
    await run.exited
    const statuses = (run.pod.status?.containerStatuses ?? this.waiting(run.pod, 'ContainerCreating')) as Obj[]
    await this.patchStatus(run, {
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'Pod was active on the node longer than the specified deadline',
      conditions: this.conditions(false, {sandbox: false, completed: true}),
      containerStatuses: statuses.map((s, i) => ({
        ...s,
        ready: false,
        started: false,
        state: {
          terminated:
            i === 0 && wasRunning
              ? this.terminated(run, 137, 'Error')
              : {exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: null, finishedAt: null},
        },
      })),
    })
    for (const f of [...run.followers]) f()
  }

  private async terminate(run: PodRun, pod: Obj): Promise<void> {
    run.deleting = true
    for (const t of run.timers) clearTimeout(t)
    run.timers.clear()
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30
    if (run.proc) {
      this.kill(run, 'SIGTERM')
      const killer = setTimeout(() => this.kill(run, 'SIGKILL'), grace * 1000)
      await run.exited
      clearTimeout(killer)
    }
    await this.finishDelete(pod)
    this.forget(run)
  }

  /** The containers are stopped: the kubelet removes the pod from the API (grace 0, only this pod's uid). */
  private async finishDelete(pod: Obj): Promise<void> {
    try {
      await this.api.req('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, {apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: {uid: pod.metadata.uid}})
    } catch (error) {
      if (!(error instanceof KubeError && (error.status === 404 || error.status === 409))) this.warn(`delete ${pod.metadata.namespace}/${pod.metadata.name}: ${(error as Error).message}`)
    }
  }

  private podGone(run: PodRun): void {
    run.deleting = true
    this.kill(run, 'SIGKILL')
    this.forget(run)
  }

  private forget(run: PodRun): void {
    for (const t of run.timers) clearTimeout(t)
    run.timers.clear()
    run.terminal = true
    for (const f of [...run.followers]) f()
    this.runs.delete(run.uid)
    const dir = run.dir
    if (dir) void run.exited?.then(() => rmSync(dir, {recursive: true, force: true}))
    rmSync(path.join(POD_LOG_ROOT, `${run.ns}_${run.name}_${run.uid}`), {recursive: true, force: true})
  }

  // ---------- logs over the kubelet API ----------

  private findRun(ns: string, name: string): PodRun | undefined {
    for (const r of this.runs.values()) if (r.ns === ns && r.name === name) return r
    return undefined
  }

  private async serveLogs(): Promise<void> {
    const server = createServer({cert: readFileSync(this.cfg.servingCert), key: readFileSync(this.cfg.servingKey), ca: readFileSync(this.cfg.ca), requestCert: true, rejectUnauthorized: true}, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://kubelet')
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname)
      if (req.method !== 'GET' || !m) {
        res.writeHead(404, {'content-type': 'text/plain'}).end('404 page not found\n')
        return
      }
      const [, ns, name, container] = m.map(decodeURIComponent)
      const run = this.findRun(ns, name)
      const num = (k: string) => (url.searchParams.has(k) ? Number(url.searchParams.get(k)) : undefined)
      const q: LogQuery = {
        container,
        tailLines: num('tailLines'),
        limitBytes: num('limitBytes'),
        sinceSeconds: num('sinceSeconds'),
        sinceTime: url.searchParams.get('sinceTime') ?? undefined,
        timestamps: url.searchParams.get('timestamps') === 'true',
        previous: url.searchParams.get('previous') === 'true',
      }
      if (!run || (run.pod.spec.containers as Obj[])[0]?.name !== container) {
        res.writeHead(404, {'content-type': 'text/plain'}).end(`container "${container}" in pod "${name}" is not available\n`)
        return
      }
      if (q.previous && !run.previousLog) {
        res.writeHead(400, {'content-type': 'text/plain'}).end(`previous terminated container "${container}" in pod "${name}" not found\n`)
        return
      }
      const chunks = q.previous ? (run.previousLog ?? []) : run.log
      res.writeHead(200, {'content-type': 'text/plain'})
      res.write(formatLog(chunks, q))
      if (url.searchParams.get('follow') !== 'true' || q.previous || run.terminal || !run.proc) {
        res.end()
        return
      }
      let sent = chunks.length
      const follower = () => {
        if (run.log !== chunks || run.terminal || !run.proc) {
          const fresh = run.log === chunks ? chunks.slice(sent) : []
          if (fresh.length) res.write(formatLog(fresh, {...q, tailLines: undefined, sinceSeconds: undefined, sinceTime: undefined}))
          run.followers.delete(follower)
          res.end()
          return
        }
        const fresh = chunks.slice(sent)
        sent = chunks.length
        if (fresh.length) res.write(formatLog(fresh, {...q, tailLines: undefined, sinceSeconds: undefined, sinceTime: undefined}))
      }
      run.followers.add(follower)
      req.on('close', () => run.followers.delete(follower))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.cfg.kubeletPort, '::', () => resolve())
    })
    this.server = server
  }

  async close(): Promise<void> {
    this.closed = true
    this.abort.abort()
    const waits: Promise<void>[] = []
    for (const run of this.runs.values()) {
      for (const t of run.timers) clearTimeout(t)
      this.kill(run, 'SIGKILL')
      if (run.exited) waits.push(run.exited)
      for (const f of [...run.followers]) f()
    }
    await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 3000).unref())])
    for (const run of this.runs.values()) {
      if (run.dir) rmSync(run.dir, {recursive: true, force: true})
      rmSync(path.join(POD_LOG_ROOT, `${run.ns}_${run.name}_${run.uid}`), {recursive: true, force: true})
    }
    this.server?.closeAllConnections()
    this.server?.close()
    this.api.close()
  }
}

// Run as a process: `node --import tsx test/lab/kubelet.ts CONFIG.json` (inside the node's network namespace).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8')) as KubeletConfig
  const kubelet = new LabKubelet(cfg)
  const stop = () => {
    void kubelet.close().then(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  kubelet.start().then(
    () => process.stdout.write(`kubelet ${cfg.nodeName}: ready\n`),
    (error: Error) => {
      process.stderr.write(`error: kubelet ${cfg.nodeName} could not start: ${error.message}\n`)
      process.exit(1)
    },
  )
}
