// The fake kubelet: walks every pod bound to a harness node through the status a real
// kubelet reports, with a store update (so a watch event) at each step, and runs the
// pod's command for real inside the node's network namespace (or replays a recorded log).
//
//   created    Pending, PodScheduled True (set at create by the API server)
//   ~5 ms      Pending, startTime, hostIP/podIP, container waiting ContainerCreating
//   +latency   Running, container running + started + ready   (the process starts)
//   exit       Succeeded (exit 0) / Failed, container terminated {exitCode, reason Completed|Error}
//              (restartPolicy Always/OnFailure: CrashLoopBackOff and a real back-off restart)
//
// Faults per node: image-pull (ErrImagePull, then ImagePullBackOff), rejected (Failed,
// OutOfpods), hang (Running forever), exit-1 (stderr line, exit 1). Nodes that are not
// ready, and unknown nodes, never act: their pods stay Pending.
// spec.activeDeadlineSeconds counts from startTime: the process is killed and the pod
// Failed with reason DeadlineExceeded. Deleting a running pod sends SIGTERM to its process
// group, SIGKILL after the grace period, then the pod disappears (DELETED).
// The pod log is stdout+stderr merged in arrival order, as the kubelet keeps it.
import {type ChildProcess, spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ApiError} from './status.js'
import {type KubeObject, type Store, timestamp} from './store.js'
import type {HarnessNode} from './types.js'

type Obj = Record<string, any>

export interface LogChunk {
  at: number
  text: string
}

interface PodRun {
  ns: string
  name: string
  uid: string
  node: HarnessNode
  proc?: ChildProcess
  exited?: Promise<void>
  timers: Set<NodeJS.Timeout>
  log: LogChunk[]
  previousLog?: LogChunk[]
  /** a container instance is running or waiting to (not terminal) */
  terminal: boolean
  deleting: boolean
  restarts: number
  startedAt?: string
  containerID?: string
  followers: Set<() => void>
}

export interface LogQuery {
  container?: string
  tailLines?: number
  limitBytes?: number
  sinceSeconds?: number
  sinceTime?: string
  timestamps?: boolean
  previous?: boolean
}

const SIGNALS: Record<string, number> = {SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15}

/** docker.io/library/x:latest as containerd reports an image reference. */
export function normaliseImage(image: string): string {
  let ref = image
  const first = ref.split('/')[0]
  if (!ref.includes('/')) ref = `docker.io/library/${ref}`
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') ref = `docker.io/${ref}`
  const last = ref.split('/').pop() ?? ''
  if (!last.includes(':') && !ref.includes('@')) ref += ':latest'
  return ref
}

function imageID(image: string): string {
  const ref = normaliseImage(image)
  const repo = ref.replace(/[:@][^/]*$/, '')
  return `${repo}@sha256:${createHash('sha256').update(ref).digest('hex')}`
}

/** RFC 3339 with nanoseconds, as `kubectl logs --timestamps` shows. */
function nanoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000000Z')
}

export class Kubelet {
  private readonly runs = new Map<string, PodRun>()
  private podIpCounter = new Map<string, number>()
  private closed = false
  private eventSeq = 0

  constructor(
    private readonly store: Store,
    private readonly nodes: Map<string, HarnessNode>,
    private readonly opts: {podStartLatencyMs: number},
  ) {}

  private key(ns: string, name: string): string {
    return `${ns}/${name}`
  }

  private later(run: PodRun, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      run.timers.delete(t)
      if (!this.closed) fn()
    }, ms)
    run.timers.add(t)
  }

  /** Update the pod's status (if it is still the same pod). */
  private update(run: PodRun, fn: (pod: Obj) => void): KubeObject | undefined {
    const cur = this.store.get('pods', run.ns, run.name)
    if (!cur || cur.metadata.uid !== run.uid) return undefined
    return this.store.mutate('pods', run.ns, run.name, fn)
  }

  private event(pod: Obj, type: 'Normal' | 'Warning', reason: string, message: string, opts: {component?: string; fieldPath?: string} = {}): void {
    const now = timestamp()
    const component = opts.component ?? 'kubelet'
    const involved: Obj = {kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid, apiVersion: 'v1', resourceVersion: pod.metadata.resourceVersion}
    if (opts.fieldPath) involved.fieldPath = opts.fieldPath
    try {
      this.store.create('events', {
        // like client-go's recorder: <object>.<hex UnixNano>, so names sort by time
        metadata: {name: `${pod.metadata.name}.${(BigInt(Date.now()) * 1_000_000n + BigInt(++this.eventSeq)).toString(16)}`, namespace: pod.metadata.namespace},
        involvedObject: involved,
        reason,
        message,
        source: component === 'kubelet' ? {component, host: pod.spec.nodeName} : {component},
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: component === 'kubelet' ? pod.spec.nodeName : '',
      })
    } catch {
      // namespace races are irrelevant for events
    }
  }

  /** A pod was stored (created, or pre-existing without a status): bind it to its node's kubelet. */
  podCreated(pod: KubeObject, scheduledBy?: string): void {
    const p = pod as Obj
    if (scheduledBy) this.event(p, 'Normal', 'Scheduled', `Successfully assigned ${p.metadata.namespace}/${p.metadata.name} to ${p.spec.nodeName}`, {component: 'default-scheduler'})
    const node = this.nodes.get(p.spec?.nodeName)
    if (!node || node.ready === false) return // no kubelet acts: the pod stays Pending
    const run: PodRun = {
      ns: p.metadata.namespace,
      name: p.metadata.name,
      uid: p.metadata.uid,
      node,
      timers: new Set(),
      log: [],
      terminal: false,
      deleting: false,
      restarts: 0,
      followers: new Set(),
    }
    this.runs.set(this.key(run.ns, run.name), run)
    this.later(run, this.admitDelay(), () => this.admit(run))
  }

  /** A pre-existing pod that already has a status: only its log is served (no process). */
  adoptPod(pod: KubeObject, logText: string | undefined, previousLogText?: string): void {
    const p = pod as Obj
    const node = this.nodes.get(p.spec?.nodeName)
    const phase = p.status?.phase
    const run: PodRun = {
      ns: p.metadata.namespace,
      name: p.metadata.name,
      uid: p.metadata.uid,
      node: node ?? {name: p.spec?.nodeName ?? '', ready: false, runtime: {kind: 'replay', log: ''}},
      timers: new Set(),
      log: logText ? [{at: Date.now(), text: logText}] : [],
      ...(previousLogText !== undefined ? {previousLog: [{at: Date.now(), text: previousLogText}]} : {}),
      terminal: phase === 'Succeeded' || phase === 'Failed',
      deleting: false,
      restarts: 0,
      followers: new Set(),
    }
    this.runs.set(this.key(run.ns, run.name), run)
  }

  /** The kubelet's first status update comes after this; Running at podStartLatencyMs after creation. */
  private admitDelay(): number {
    return Math.min(5, this.opts.podStartLatencyMs / 2)
  }

  private nodeIPs(node: HarnessNode): string[] {
    const internal = (node.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address)
    return internal.length ? internal : ['10.0.0.1']
  }

  private podIPs(node: HarnessNode, hostNetwork: boolean): string[] {
    if (hostNetwork) return this.nodeIPs(node)
    const n = (this.podIpCounter.get(node.name) ?? 1) + 1
    this.podIpCounter.set(node.name, n)
    const cidrs = node.podCIDRs?.length ? node.podCIDRs : ['10.244.0.0/24']
    return cidrs.map((c) => {
      const base = c.split('/')[0]
      if (base.includes(':')) return `${base.replace(/::$/, ':')}:${n.toString(16)}`.replace(':::', '::')
      const o = base.split('.').map(Number)
      return `${o[0]}.${o[1]}.${o[2]}.${(o[3] + n) % 256}`
    })
  }

  private containerName(pod: Obj): string {
    return pod.spec.containers[0].name
  }

  private waitingStatuses(pod: Obj, reason: string, message?: string): Obj[] {
    return (pod.spec.containers as Obj[]).map((c) => {
      const st: Obj = {
        name: c.name,
        image: c.image,
        imageID: '',
        ready: false,
        restartCount: 0,
        started: false,
        state: {waiting: message ? {reason, message} : {reason}},
        lastState: {},
      }
      return st
    })
  }

  private conditions(pod: Obj, ready: boolean, opts: {initialized?: boolean; sandbox?: boolean; reason?: string} = {}): Obj[] {
    const now = timestamp()
    const names = (pod.spec.containers as Obj[]).map((c) => c.name).join(' ')
    const notReady = {status: 'False', reason: opts.reason ?? 'ContainersNotReady', message: opts.reason === 'PodCompleted' ? undefined : `containers with unready status: [${names}]`}
    const cond = (type: string, on: boolean, extra: Obj = {}) => {
      const c: Obj = {type, status: on ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now, ...(on ? {} : extra)}
      for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k]
      return c
    }
    const prev = new Map(((pod.status?.conditions ?? []) as Obj[]).map((c) => [c.type, c]))
    const list = [
      cond('PodReadyToStartContainers', opts.sandbox ?? true),
      cond('Initialized', opts.initialized ?? true, opts.reason === 'PodCompleted' ? {reason: 'PodCompleted'} : {}),
      cond('Ready', ready, notReady),
      cond('ContainersReady', ready, notReady),
      cond('PodScheduled', true),
    ]
    // keep lastTransitionTime of conditions whose status did not change
    return list.map((c) => {
      const p = prev.get(c.type)
      return p && p.status === c.status ? {...c, lastTransitionTime: p.lastTransitionTime} : c
    })
  }

  /** The kubelet sees the pod: admission, then ContainerCreating. */
  private admit(run: PodRun): void {
    const node = run.node
    const hostIPs = this.nodeIPs(node)
    let pod: Obj | undefined
    if (node.fault === 'rejected') {
      pod = this.update(run, (p) => {
        p.status = {
          phase: 'Failed',
          message: "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 110, capacity: 110",
          reason: 'OutOfpods',
          startTime: timestamp(),
          conditions: (p.status?.conditions ?? []).filter((c: Obj) => c.type === 'PodScheduled'),
          qosClass: p.status?.qosClass,
        }
      })
      run.terminal = true
      if (pod) this.event(pod, 'Warning', 'OutOfpods', "Node didn't have enough resource: pods, requested: 1, used: 110, capacity: 110")
      return
    }
    pod = this.update(run, (p) => {
      const podIPs = this.podIPs(node, p.spec.hostNetwork === true)
      p.status = {
        phase: 'Pending',
        conditions: this.conditions(p, false, {sandbox: false}),
        hostIP: hostIPs[0],
        hostIPs: hostIPs.map((ip) => ({ip})),
        podIP: podIPs[0],
        podIPs: podIPs.map((ip) => ({ip})),
        startTime: timestamp(),
        containerStatuses: this.waitingStatuses(p, 'ContainerCreating'),
        qosClass: p.status?.qosClass,
      }
    })
    if (!pod) return
    const deadline = pod.spec.activeDeadlineSeconds
    if (typeof deadline === 'number') this.later(run, deadline * 1000, () => this.deadlineExceeded(run))
    const latency = this.opts.podStartLatencyMs
    const image = pod.spec.containers[0].image as string
    if (node.fault === 'image-pull') {
      this.later(run, latency, () => {
        const ref = normaliseImage(image)
        const msg = `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`
        const p = this.update(run, (q) => {
          q.status.containerStatuses = this.waitingStatuses(q, 'ErrImagePull', msg)
        })
        if (p) {
          this.event(p, 'Normal', 'Pulling', `Pulling image "${image}"`, {fieldPath: `spec.containers{${this.containerName(p)}}`})
          this.event(p, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`, {fieldPath: `spec.containers{${this.containerName(p)}}`})
          this.event(p, 'Warning', 'Failed', 'Error: ErrImagePull', {fieldPath: `spec.containers{${this.containerName(p)}}`})
        }
        this.later(run, latency, () => {
          const q = this.update(run, (r) => {
            r.status.containerStatuses = this.waitingStatuses(r, 'ImagePullBackOff', `Back-off pulling image "${image}": ErrImagePull: ${msg}`)
          })
          if (q) {
            this.event(q, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, {fieldPath: `spec.containers{${this.containerName(q)}}`})
            this.event(q, 'Warning', 'Failed', 'Error: ImagePullBackOff', {fieldPath: `spec.containers{${this.containerName(q)}}`})
          }
        })
      })
      return
    }
    this.later(run, Math.max(0, latency - this.admitDelay()), () => this.startContainer(run))
  }

  private startContainer(run: PodRun): void {
    if (run.terminal || run.deleting) return
    const cur = this.store.get('pods', run.ns, run.name) as Obj | undefined
    if (!cur || cur.metadata.uid !== run.uid) return
    const container = cur.spec.containers[0] as Obj
    const fieldPath = `spec.containers{${container.name}}`
    if (run.restarts === 0) {
      this.event(cur, 'Normal', 'Pulled', `Container image "${container.image}" already present on machine`, {fieldPath})
    }
    run.startedAt = timestamp()
    run.containerID = `containerd://${randomBytes(32).toString('hex')}`
    run.log = []
    const pod = this.update(run, (p) => {
      p.status.phase = 'Running'
      p.status.conditions = this.conditions(p, true)
      p.status.containerStatuses = (p.spec.containers as Obj[]).map((c, i) => ({
        name: c.name,
        image: normaliseImage(c.image),
        imageID: imageID(c.image),
        containerID: run.containerID,
        ready: true,
        restartCount: run.restarts,
        started: true,
        state: {running: {startedAt: run.startedAt}},
        lastState: i === 0 ? (p.status.containerStatuses?.[0]?.lastState ?? {}) : {},
      }))
    })
    if (!pod) return
    this.event(pod, 'Normal', 'Created', `Created container: ${container.name}`, {fieldPath})
    this.event(pod, 'Normal', 'Started', `Started container ${container.name}`, {fieldPath})
    const rt = run.node.runtime
    const fault = run.node.fault
    if (fault === 'hang') return
    if (fault === 'exit-1') {
      this.later(run, 10, () => {
        this.appendLog(run, `${container.name}: probe failed: simulated container failure (harness fault exit-1)\n`)
        this.containerExited(run, 1)
      })
      return
    }
    if (rt.kind === 'replay') {
      this.later(run, rt.runMs ?? 0, () => {
        this.appendLog(run, rt.log)
        this.containerExited(run, rt.exitCode ?? 0)
      })
      return
    }
    this.spawnNetns(run, pod as Obj, rt)
  }

  private podEnv(pod: Obj): Record<string, string> {
    const c = pod.spec.containers[0] as Obj
    const env: Record<string, string> = {}
    const kubernetes = this.store.get('services', 'default', 'kubernetes') as Obj | undefined
    if (kubernetes?.spec?.clusterIP) {
      const port = kubernetes.spec.ports?.[0]?.port ?? 443
      env.KUBERNETES_SERVICE_HOST = kubernetes.spec.clusterIP
      env.KUBERNETES_SERVICE_PORT = String(port)
      env.KUBERNETES_SERVICE_PORT_HTTPS = String(port)
    }
    for (const e of (c.env ?? []) as Obj[]) {
      if (e.value !== undefined) env[e.name] = expand(String(e.value), env)
      else if (e.valueFrom?.fieldRef?.fieldPath) env[e.name] = this.fieldRef(pod, e.valueFrom.fieldRef.fieldPath)
      else if (e.valueFrom?.resourceFieldRef) env[e.name] = '0'
      else env[e.name] = ''
    }
    return env
  }

  private fieldRef(pod: Obj, path: string): string {
    return fieldRefValue(pod, path)
  }

  private spawnNetns(run: PodRun, pod: Obj, rt: Extract<HarnessNode['runtime'], {kind: 'netns'}>): void {
    const c = pod.spec.containers[0] as Obj
    const podEnv = this.podEnv(pod)
    const argv = [...((c.command ?? []) as string[]), ...((c.args ?? []) as string[])].map((a) => expand(a, podEnv))
    if (!c.command?.length) {
      this.appendLog(run, '')
      this.containerExited(run, 128, 'StartError', 'failed to create containerd task: failed to create shim task: OCI runtime create failed: the harness knows no image entrypoints: set spec.containers[0].command')
      return
    }
    // configMap volumes: their keys become files in a temp dir standing for the mount path
    for (const mount of (c.volumeMounts ?? []) as Obj[]) {
      const volume = ((pod.spec.volumes ?? []) as Obj[]).find((v) => v.name === mount.name)
      if (!volume?.configMap) continue
      const cm = this.store.get('configmaps', pod.metadata.namespace, volume.configMap.name) as Obj | undefined
      if (!cm) {
        this.appendLog(run, '')
        this.containerExited(run, 128, 'StartError', `MountVolume.SetUp failed for volume "${mount.name}": configmap "${volume.configMap.name}" not found`)
        return
      }
      const dir = mkdtempSync(join(tmpdir(), 'kr-harness-cm-'))
      for (const [key, text] of Object.entries((cm.data ?? {}) as Record<string, string>)) writeFileSync(join(dir, key), text, {mode: volume.configMap.defaultMode ?? 0o644})
      this.mountDirs.add(dir)
      const prefix = `${String(mount.mountPath).replace(/\/+$/, '')}/`
      for (let i = 0; i < argv.length; i++) if (argv[i].startsWith(prefix)) argv[i] = `${dir}/${argv[i].slice(prefix.length)}`
    }
    const {PATH: podPath, ...restEnv} = podEnv
    const env: Record<string, string> = {
      HOSTNAME: pod.spec.hostNetwork ? run.node.name : pod.metadata.name,
      HOME: '/root',
      ...restEnv,
      PATH: `${rt.binDir}:${podPath ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
      ...rt.env,
    }
    let child: ChildProcess
    try {
      child = spawn('ip', ['netns', 'exec', rt.ns, ...containerSecurity(c), ...argv], {env, cwd: '/', detached: true, stdio: ['ignore', 'pipe', 'pipe']})
    } catch (err) {
      this.containerExited(run, 128, 'StartError', `failed to start: ${(err as Error).message}`)
      return
    }
    run.proc = child
    child.stdout?.on('data', (b: Buffer) => this.appendLog(run, b.toString('utf8')))
    child.stderr?.on('data', (b: Buffer) => this.appendLog(run, b.toString('utf8')))
    run.exited = new Promise<void>((resolve) => {
      let spawnError: Error | undefined
      child.on('error', (e) => {
        spawnError = e
      })
      child.on('close', (code, signal) => {
        run.proc = undefined
        resolve()
        if (spawnError && code === null) this.containerExited(run, 128, 'StartError', `failed to start: ${spawnError.message}`)
        else this.containerExited(run, code ?? 128 + (SIGNALS[signal ?? ''] ?? 9))
      })
    })
  }

  private appendLog(run: PodRun, text: string): void {
    if (text === '') return
    run.log.push({at: Date.now(), text})
    for (const f of [...run.followers]) f()
  }

  private killProcess(run: PodRun, signal: NodeJS.Signals): void {
    const pid = run.proc?.pid
    if (pid === undefined) return
    try {
      process.kill(-pid, signal)
    } catch {
      try {
        run.proc?.kill(signal)
      } catch {
        // gone
      }
    }
  }

  private terminatedStatus(run: PodRun, exitCode: number, reason: string, message?: string): Obj {
    const t: Obj = {exitCode, reason, startedAt: run.startedAt ?? timestamp(), finishedAt: timestamp(), containerID: run.containerID}
    if (message) t.message = message
    if (!run.containerID) delete t.containerID
    return t
  }

  /** The container process ended (by itself or killed). */
  private containerExited(run: PodRun, exitCode: number, reason?: string, message?: string): void {
    if (run.terminal) return
    const cur = this.store.get('pods', run.ns, run.name) as Obj | undefined
    if (!cur || cur.metadata.uid !== run.uid) return
    const policy = cur.spec.restartPolicy
    const terminated = this.terminatedStatus(run, exitCode, reason ?? (exitCode === 0 ? 'Completed' : 'Error'), message)
    const restart = !run.deleting && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0))
    if (!restart) {
      run.terminal = true
      this.update(run, (p) => {
        p.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed'
        p.status.conditions = this.conditions(p, false, {reason: 'PodCompleted', sandbox: false})
        p.status.containerStatuses = (p.status.containerStatuses as Obj[]).map((s) => ({...s, ready: false, started: false, state: {terminated}}))
      })
      for (const f of [...run.followers]) f()
      return
    }
    // CrashLoopBackOff: back-off 10 s, doubling, at most 300 s, then the container starts again
    run.restarts++
    run.previousLog = run.log
    const backoff = Math.min(10_000 * 2 ** (run.restarts - 1), 300_000)
    const pod = this.update(run, (p) => {
      p.status.conditions = this.conditions(p, false)
      p.status.containerStatuses = (p.status.containerStatuses as Obj[]).map((s) => ({
        ...s,
        ready: false,
        started: false,
        restartCount: run.restarts,
        state: {waiting: {reason: 'CrashLoopBackOff', message: `back-off ${backoff / 1000}s restarting failed container=${s.name} pod=${run.name}_${run.ns}(${run.uid})`}},
        lastState: {terminated},
      }))
    })
    if (pod) this.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', {fieldPath: `spec.containers{${this.containerName(pod)}}`})
    for (const f of [...run.followers]) f()
    this.later(run, backoff, () => this.startContainer(run))
  }

  private deadlineExceeded(run: PodRun): void {
    if (run.terminal || run.deleting) return
    run.terminal = true
    for (const t of run.timers) clearTimeout(t)
    run.timers.clear()
    this.killProcess(run, 'SIGKILL')
    const pod = this.update(run, (p) => {
      p.status.phase = 'Failed'
      p.status.reason = 'DeadlineExceeded'
      p.status.message = 'Pod was active on the node longer than the specified deadline'
      p.status.conditions = this.conditions(p, false, {reason: 'PodCompleted', sandbox: false})
      p.status.containerStatuses = ((p.status.containerStatuses ?? []) as Obj[]).map((s) => ({
        ...s,
        ready: false,
        started: false,
        state: {
          terminated: s.state?.running
            ? this.terminatedStatus(run, 137, 'Error')
            : {exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: null, finishedAt: null},
        },
      }))
    })
    if (pod) {
      this.event(pod, 'Normal', 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline')
      this.event(pod, 'Normal', 'Killing', `Stopping container ${this.containerName(pod)}`, {fieldPath: `spec.containers{${this.containerName(pod)}}`})
    }
    for (const f of [...run.followers]) f()
  }

  /**
   * DELETE of a pod. Returns what the API answers (the pod, with deletionTimestamp while
   * it is still terminating). gracePeriodSeconds 0 = force: gone from the API at once.
   */
  deletePod(pod: KubeObject, gracePeriodSeconds: number | undefined): KubeObject {
    const p = pod as Obj
    const ns = p.metadata.namespace
    const name = p.metadata.name
    const run = this.runs.get(this.key(ns, name))
    const grace = gracePeriodSeconds ?? p.spec?.terminationGracePeriodSeconds ?? 30
    const node = this.nodes.get(p.spec?.nodeName)
    const kubeletAlive = node !== undefined && node.ready !== false
    // never bound to a live kubelet, or force: removed right away
    if (!p.spec?.nodeName || grace === 0 || (!kubeletAlive && !node)) {
      if (run) this.forget(run, true)
      return this.store.remove('pods', ns, name) ?? pod
    }
    if (p.metadata.deletionTimestamp) return pod // already terminating
    const marked = this.store.mutate('pods', ns, name, (o) => {
      o.metadata.deletionTimestamp = timestamp(Date.now() + grace * 1000)
      o.metadata.deletionGracePeriodSeconds = grace
    })
    if (!marked) return pod
    if (!kubeletAlive) return marked // the node's kubelet is gone: stays Terminating (like a real NotReady node)
    const r = run
    if (!r) {
      setTimeout(() => this.store.remove('pods', ns, name), 5)
      return marked
    }
    r.deleting = true
    for (const t of r.timers) clearTimeout(t)
    r.timers.clear()
    const finish = () => {
      this.forget(r, false)
      const cur = this.store.get('pods', ns, name)
      if (cur && cur.metadata.uid === r.uid) this.store.remove('pods', ns, name)
    }
    if (r.proc && !r.terminal) {
      this.event(marked, 'Normal', 'Killing', `Stopping container ${this.containerName(marked)}`, {fieldPath: `spec.containers{${this.containerName(marked)}}`})
      const exited = r.exited ?? Promise.resolve()
      this.killProcess(r, 'SIGTERM')
      const kill = setTimeout(() => this.killProcess(r, 'SIGKILL'), grace * 1000)
      void exited.then(() => {
        clearTimeout(kill)
        // containerExited (from the close handler) has written the terminal status
        setTimeout(finish, 1)
      })
    } else {
      if (!r.terminal) {
        r.terminal = true
        this.update(r, (o) => {
          const running = ((o.status?.containerStatuses ?? []) as Obj[]).some((s) => s.state?.running)
          o.status.phase = running ? 'Failed' : o.status.phase === 'Pending' ? 'Failed' : o.status.phase
          o.status.conditions = this.conditions(o, false, {reason: 'PodCompleted', sandbox: false})
          o.status.containerStatuses = ((o.status?.containerStatuses ?? []) as Obj[]).map((s) => ({
            ...s,
            ready: false,
            started: false,
            state: {terminated: s.state?.running ? this.terminatedStatus(r, 137, 'Error') : {exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running', startedAt: null, finishedAt: null}},
          }))
        })
      }
      setTimeout(finish, 5)
    }
    return marked
  }

  private forget(run: PodRun, kill: boolean): void {
    for (const t of run.timers) clearTimeout(t)
    run.timers.clear()
    run.terminal = true
    if (kill) this.killProcess(run, 'SIGKILL')
    for (const f of [...run.followers]) f()
    const k = this.key(run.ns, run.name)
    if (this.runs.get(k) === run) this.runs.delete(k)
  }

  /** Pid of the pod's running process (tests: prove a delete kills it). */
  pid(ns: string, name: string): number | undefined {
    return this.runs.get(this.key(ns, name))?.proc?.pid
  }

  private checkLogRequest(pod: Obj, q: LogQuery): {run?: PodRun; container: string} {
    const containers = ((pod.spec?.containers ?? []) as Obj[]).map((c) => c.name as string)
    let container = q.container
    if (!container) {
      if (containers.length !== 1) throw ApiError.badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`)
      container = containers[0]
    } else if (!containers.includes(container)) {
      throw ApiError.badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`)
    }
    const run = this.runs.get(this.key(pod.metadata.namespace, pod.metadata.name))
    const st = ((pod.status?.containerStatuses ?? []) as Obj[]).find((s) => s.name === container)
    if (q.previous) {
      if (!run?.previousLog) throw ApiError.badRequest(`previous terminated container "${container}" in pod "${pod.metadata.name}" not found`)
      return {run, container}
    }
    if (!pod.spec?.nodeName) throw ApiError.badRequest(`pod ${pod.metadata.name} does not have a host assigned`)
    const waiting = st?.state?.waiting
    const everRan = (st?.restartCount ?? 0) > 0
    if (!st || (waiting && !everRan)) {
      const reason = waiting?.reason === 'ErrImagePull' || waiting?.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : (waiting?.reason ?? 'ContainerCreating')
      if (!st && (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded')) {
        throw ApiError.badRequest(`container "${container}" in pod "${pod.metadata.name}" is not available`)
      }
      throw ApiError.badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`)
    }
    if (st.state?.terminated && !st.state.terminated.startedAt && st.state.terminated.reason === 'ContainerStatusUnknown') {
      throw ApiError.badRequest(`container "${container}" in pod "${pod.metadata.name}" is terminated`)
    }
    return {run, container}
  }

  private chunksFor(run: PodRun | undefined, pod: Obj, q: LogQuery): LogChunk[] {
    if (!run) return []
    if (q.previous) return run.previousLog ?? []
    const st = ((pod.status?.containerStatuses ?? []) as Obj[])[0]
    // in CrashLoopBackOff the newest container is the exited one
    if (st?.state?.waiting && run.previousLog) return run.previousLog
    return run.log
  }

  /** GET .../pods/NAME/log (not follow). Throws ApiError 400 like the real kubelet path. */
  readLog(pod: KubeObject, q: LogQuery): string {
    const {run} = this.checkLogRequest(pod as Obj, q)
    return formatLog(this.chunksFor(run, pod as Obj, q), q)
  }

  /**
   * follow=true: calls write() with the log so far, then with new output, and end() when
   * the container stops or the pod goes away. Returns a cancel function.
   */
  followLog(pod: KubeObject, q: LogQuery, write: (text: string) => void, end: () => void): () => void {
    const {run} = this.checkLogRequest(pod as Obj, q)
    const chunks = this.chunksFor(run, pod as Obj, q)
    write(formatLog(chunks, q))
    if (!run || run.terminal || q.previous || chunks !== run.log) {
      end()
      return () => {}
    }
    let sent = chunks.length
    let sentBytes = 0
    const follower = () => {
      const log = run.log
      if (log !== chunks) {
        done()
        return
      }
      const fresh = log.slice(sent)
      sent = log.length
      if (fresh.length) {
        let text = formatLog(fresh, {...q, tailLines: undefined, sinceSeconds: undefined, sinceTime: undefined})
        if (q.limitBytes !== undefined) text = text.slice(0, Math.max(0, q.limitBytes - sentBytes))
        sentBytes += Buffer.byteLength(text)
        if (text) write(text)
      }
      const cur = this.store.get('pods', run.ns, run.name) as Obj | undefined
      const running = cur && cur.metadata.uid === run.uid && cur.status?.containerStatuses?.[0]?.state?.running
      if (run.terminal || !running) done()
    }
    const done = () => {
      run.followers.delete(follower)
      end()
    }
    run.followers.add(follower)
    return () => run.followers.delete(follower)
  }

  /** temp dirs standing for configMap volume mounts; removed on close */
  private readonly mountDirs = new Set<string>()

  /** Kill every process, stop every timer. */
  async close(): Promise<void> {
    this.closed = true
    for (const dir of this.mountDirs) rmSync(dir, {recursive: true, force: true})
    this.mountDirs.clear()
    const waits: Promise<void>[] = []
    for (const run of this.runs.values()) {
      for (const t of run.timers) clearTimeout(t)
      run.timers.clear()
      if (run.proc) {
        this.killProcess(run, 'SIGKILL')
        if (run.exited) waits.push(run.exited)
      }
      for (const f of [...run.followers]) f()
    }
    await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 3000).unref())])
    this.runs.clear()
  }
}

/** What a container runtime grants a container that is neither privileged nor drops ALL (containerd's and CRI-O's default). */
export const RUNTIME_DEFAULT_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE']

/** The capabilities a container's process gets: every one when privileged, else the runtime's default set minus
 * `drop` (ALL = every one) plus `add`. */
export function containerCapabilities(c: Obj): string[] | 'all' {
  const sc = c.securityContext ?? {}
  if (sc.privileged === true) return 'all'
  const norm = (x: unknown) => String(x).toUpperCase().replace(/^CAP_/, '')
  const drop = ((sc.capabilities?.drop ?? []) as unknown[]).map(norm)
  const add = ((sc.capabilities?.add ?? []) as unknown[]).map(norm)
  const base = drop.includes('ALL') ? [] : RUNTIME_DEFAULT_CAPS.filter((x) => !drop.includes(x))
  return [...new Set([...base, ...add])]
}

/**
 * The securityContext, for real: an unprivileged container's command runs under setpriv with exactly its
 * capabilities (bounding, inheritable and ambient sets; root keeps no others) and no_new_privs when
 * allowPrivilegeEscalation is false. (Not emulated: seccomp, readOnlyRootFilesystem, runAsUser.)
 */
export function containerSecurity(c: Obj): string[] {
  const caps = containerCapabilities(c)
  if (caps === 'all') return []
  const set = ['-all', ...caps.map((x) => `+${x.toLowerCase()}`)].join(',')
  const nnp = c.securityContext?.allowPrivilegeEscalation === false ? ['--no-new-privs'] : []
  return ['setpriv', `--bounding-set=${set}`, `--inh-caps=${set}`, `--ambient-caps=${set}`, ...nnp, '--']
}

/** The value of an env valueFrom.fieldRef, as the kubelet resolves it. */
export function fieldRefValue(pod: Obj, path: string): string {
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path)
  if (label) return pod.metadata[label[1]]?.[label[2]] ?? ''
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name
    case 'metadata.namespace':
      return pod.metadata.namespace
    case 'metadata.uid':
      return pod.metadata.uid
    case 'spec.nodeName':
      return pod.spec.nodeName ?? ''
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? ''
    case 'status.hostIP':
      return pod.status?.hostIP ?? ''
    case 'status.hostIPs':
      return ((pod.status?.hostIPs ?? []) as Obj[]).map((x) => x.ip).join(',')
    case 'status.podIP':
      return pod.status?.podIP ?? ''
    case 'status.podIPs':
      return ((pod.status?.podIPs ?? []) as Obj[]).map((x) => x.ip).join(',')
    default:
      return ''
  }
}

/** `$(VAR)` references in command, args and env values, expanded as the kubelet does. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$'
    return name !== undefined && Object.hasOwn(env, name) ? env[name] : m
  })
}

/** Apply sinceSeconds/sinceTime, timestamps, tailLines and limitBytes to the log. */
export function formatLog(chunks: LogChunk[], q: LogQuery): string {
  // split into lines, each with the time its first byte arrived
  const lines: {at: number; text: string}[] = []
  let open: {at: number; text: string} | undefined
  for (const c of chunks) {
    let rest = c.text
    while (rest.length) {
      const nl = rest.indexOf('\n')
      const piece = nl === -1 ? rest : rest.slice(0, nl + 1)
      rest = nl === -1 ? '' : rest.slice(nl + 1)
      if (!open) open = {at: c.at, text: ''}
      open.text += piece
      if (piece.endsWith('\n')) {
        lines.push(open)
        open = undefined
      }
    }
  }
  if (open) lines.push(open)
  let sel = lines
  const since = q.sinceSeconds !== undefined ? Date.now() - q.sinceSeconds * 1000 : q.sinceTime ? Date.parse(q.sinceTime) : undefined
  if (since !== undefined && !Number.isNaN(since)) sel = sel.filter((l) => l.at >= since)
  if (q.tailLines !== undefined) sel = q.tailLines <= 0 ? [] : sel.slice(-q.tailLines)
  let text = sel.map((l) => (q.timestamps ? `${nanoTime(l.at)} ${l.text}` : l.text)).join('')
  if (q.limitBytes !== undefined) {
    const buf = Buffer.from(text, 'utf8')
    if (buf.length > q.limitBytes) text = buf.subarray(0, q.limitBytes).toString('utf8')
  }
  return text
}
