// What a probe pod's status says about its node's probe: still on its way (and where), finished (read the log),
// or failed (and why, in words an operator can act on). Pure; fed by watch events.
import type {NodeFailureKind} from './node-failure.js'
import type {NodePhase} from './progress.js'

export interface PodLike {
  metadata?: {name?: string; deletionTimestamp?: unknown}
  spec?: {nodeName?: string; activeDeadlineSeconds?: number; containers?: {image?: string}[]}
  status?: {
    phase?: string
    reason?: string
    message?: string
    startTime?: unknown
    conditions?: {type?: string; status?: string; reason?: string; message?: string}[]
    containerStatuses?: {
      name?: string
      state?: {
        waiting?: {reason?: string; message?: string}
        running?: {startedAt?: unknown}
        terminated?: {exitCode?: number; reason?: string; message?: string}
      }
    }[]
  }
}

export type PodOutcome =
  | {state: 'progress'; phase: Exclude<NodePhase, 'collected' | 'failed'>; detail: string | null; pullFailing?: true}
  /** the container ran to its end: read the log (exitCode 0 is the normal case) */
  | {state: 'finished'; exitCode: number | null}
  | {state: 'failed'; reason: string; kind: NodeFailureKind}

/** Waiting reasons that do not resolve by waiting longer. */
const FATAL_WAITING = new Set([
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
])

function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim()
}

function withMessage(head: string, message: string | undefined): string {
  const m = oneLine(message)
  return m ? `${head}: ${m}` : head
}

export function interpretPod(pod: PodLike): PodOutcome {
  const status = pod.status ?? {}
  const container = status.containerStatuses?.[0]
  const image = pod.spec?.containers?.[0]?.image ?? 'the probe image'
  const terminated = container?.state?.terminated
  if (status.phase === 'Succeeded') return {state: 'finished', exitCode: terminated?.exitCode ?? 0}
  if (status.phase === 'Failed') {
    if (status.reason === 'DeadlineExceeded') {
      const deadline = pod.spec?.activeDeadlineSeconds
      return {state: 'failed', kind: 'timeout', reason: `probe pod exceeded its deadline${deadline ? ` of ${deadline}s` : ''} (activeDeadlineSeconds); raise --pod-timeout if the node is slow`}
    }
    if (terminated) return {state: 'finished', exitCode: terminated.exitCode ?? null}
    return {state: 'failed', kind: 'other', reason: withMessage(`the kubelet rejected the probe pod${status.reason ? ` (${status.reason})` : ''}`, status.message)}
  }
  const waiting = container?.state?.waiting
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    const pull = waiting.reason === 'ImagePullBackOff' || waiting.reason === 'InvalidImageName' || waiting.reason === 'ErrImageNeverPull'
    const head = pull ? `cannot pull image ${image} (${waiting.reason}); pass --image with an image the node can pull` : `probe container cannot start (${waiting.reason})`
    return {state: 'failed', kind: pull ? 'image-pull' : 'other', reason: withMessage(head, waiting.message)}
  }
  if (status.phase === 'Running' || container?.state?.running) return {state: 'progress', phase: 'running', detail: null}
  if (waiting?.reason === 'ErrImagePull') return {state: 'progress', phase: 'pulling', pullFailing: true, detail: withMessage(`pulling ${image} failed, retrying`, waiting.message)}
  if (waiting?.reason === 'ContainerCreating') return {state: 'progress', phase: 'pulling', detail: `starting the container (pulling ${image} if it is not on the node)`}
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled')
  // a pod created with its nodeName is bound without the scheduler: a real API server sets no PodScheduled condition,
  // and nothing does until the node's kubelet reports on it (test/lab: a node whose kubelet is down)
  if (scheduled?.status === 'True' || status.startTime || pod.spec?.nodeName) return {state: 'progress', phase: 'scheduled', detail: null}
  if (scheduled?.status === 'False') return {state: 'progress', phase: 'waiting', detail: withMessage(`not scheduled${scheduled.reason ? ` (${scheduled.reason})` : ''}`, scheduled.message)}
  return {state: 'progress', phase: 'waiting', detail: null}
}

/** The last line of a failed probe's log, for the failure reason. */
export function lastLogLine(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean)
  return printable(oneLine(lines.at(-1))).slice(0, 200)
}

/** Control characters as \xNN: garbage (binary output, a mangled answer) must not reach a terminal raw. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
