// `kubectl kr dsr enable` / `dsr disable` (issue 11): plan, show, confirm, apply, verify, roll back (DESIGN.md
// principle 1). The change is a JSON merge patch of the Service's annotations guarded by the resourceVersion it
// was planned from; what enable replaces is recorded on the Service (REPLACED_ANNOTATION) so disable restores it.
// Verification repeats rounds of probe pods (verifyDsr, one pod per node at a time) until the nodes show the
// change or the wait runs out; then, or on SIGINT/SIGTERM after the patch, the previous annotations are put back,
// guarded by the resourceVersion the change wrote, so a Service someone changed meanwhile is never overwritten.
import {hostname} from 'node:os'
import {InterruptedError, UserError} from '../model/errors.js'
import {formatDuration} from '../model/duration.js'
import {kubeRouterDeployment, parseKubeRouterArgs} from '../model/kube-router-config.js'
import {KubeRequestError, type KubePort, type ServiceRecord} from '../model/kube-port.js'
import type {DsrAction, DsrChangePlan, Scheduler} from '../model/dsr-change.js'
import type {DsrRequirement} from '../model/dsr-status.js'
import type {DsrExpectation, DsrServiceVerification} from '../model/dsr-verification.js'
import type {ProgressSink} from '../model/progress.js'
import type {ServiceObject} from '../model/types.js'
import {dsrRequirements, enableBlockers} from '../expected/dsr-requirements.js'
import {versionFromImage} from '../parsers/kube-router-version.js'
import {annotationValue, changeLines, pendingNodes, pendingSummary, requirementLines, verificationLines} from '../report/render-dsr-change.js'
import {plural} from '../report/text.js'
import {typedClusterObjects} from './cluster-objects.js'
import type {KubeAccess} from './collectors.js'
import {annotateCommand, annotationsAfter, applyPatch, planDisable, planEnable, undoChanges, undoPatch} from './dsr-plan.js'
import {dsrPermissions, preflight} from './preflight.js'

export interface DsrChangeRequest {
  action: DsrAction
  /** NAME or NAMESPACE/NAME */
  service: string
  /** -n; null: the kubeconfig context's namespace */
  namespace: string | null
  /** enable only */
  scheduler: Scheduler | null
  mhFlags: string[] | null
  /** enable: proceed although blocking requirements fail */
  force: boolean
  /** none: change; client: print the plan only; server: send the patch with dryRun=All */
  dryRun: 'none' | 'client' | 'server'
  /** how long verification may take before the change counts as failed */
  waitMs: number
  /** false (--no-rollback): a failed verification keeps the change */
  rollback: boolean
  probe: DsrProbeOptions
}

/** How verification runs its probe pods, as doctor's cluster collector takes them. */
export interface DsrProbeOptions {
  probeNamespace: string
  /** null: the kube-router DaemonSet's image */
  image: string | null
  concurrency: number
  podTimeoutSec: number
  cmdTimeoutSec: number
}

/** One verification round on the nodes (services/dsr-verify.ts): probe pods, judged against the expectation;
 * every pod it created is deleted before it returns, also when the signal aborts it. */
export type VerifyDsr = (
  kube: KubePort,
  request: {services: {namespace: string; name: string}[]; expectation: DsrExpectation},
  options: DsrProbeOptions & {signal: AbortSignal; onProgress: ProgressSink; warn(message: string): void},
) => Promise<DsrServiceVerification[]>

export interface DsrChangeIo {
  /** a line of the plan or the result (stdout) */
  out(line: string): void
  /** a warning (stderr, prefixed by the command) */
  warn(line: string): void
  /** a note on the way (stderr): rounds, rollback steps */
  note(line: string): void
  /** yes / no; the command answers true for --yes and refuses (UserError, exit 2) without a terminal */
  confirm(question: string): Promise<boolean>
  /** a live sink per verification round (terminal), or null */
  round(title: string): {sink: ProgressSink; finish(): void} | null
  /** aborted by SIGINT / SIGTERM */
  signal: AbortSignal
  verify: VerifyDsr
  now?(): number
  /** pause between verification rounds (tests shorten it) */
  roundPauseMs?: number
}

export interface DsrChangeOutcome {
  /** 0 changed (or nothing to change) and verified; 1 verification failed */
  exitCode: 0 | 1
}

const ROUND_PAUSE_MS = 2000
const EVENT_REASON = {enable: 'DSREnabled', disable: 'DSRDisabled', rollback: 'DSRRolledBack'} as const

/** Opens the cluster the access picks and runs the change. */
export async function openDsrChange(access: KubeAccess, request: DsrChangeRequest, io: DsrChangeIo): Promise<DsrChangeOutcome> {
  const {openKube} = await import('../infra/kube-api.js')
  return runDsrChange(openKube(access), request, io)
}

function splitService(text: string, namespace: string | null, contextNamespace: string): {namespace: string; name: string} {
  const parts = text.split('/')
  if (parts.length > 2 || parts.some((p) => p === '')) throw new UserError(`SERVICE must be NAME or NAMESPACE/NAME, not "${text}"`)
  if (parts.length === 2 && namespace !== null && namespace !== parts[0]) throw new UserError(`${text} names namespace ${parts[0]} but -n says ${namespace}`)
  return parts.length === 2 ? {namespace: parts[0], name: parts[1]} : {namespace: namespace ?? contextNamespace, name: parts[0]}
}

function throwIfAborted(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw new InterruptedError(what)
}

/** The promise, or an InterruptedError as soon as the signal aborts (a question nobody will answer now). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new InterruptedError(what))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, {once: true})
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, {once: true})
  })
}

export async function runDsrChange(kube: KubePort, request: DsrChangeRequest, io: DsrChangeIo): Promise<DsrChangeOutcome> {
  const now = io.now ?? Date.now
  const {namespace, name} = splitService(request.service, request.namespace, kube.namespace)
  const label = `service ${namespace}/${name}`
  const verb = request.action === 'enable' ? 'enable DSR on' : 'disable DSR on'
  const changes = request.dryRun !== 'client'
  const verifies = request.dryRun === 'none'

  // 1. permissions, before anything is read or changed
  if (changes) {
    const access = await preflight(kube, request.probe.probeNamespace, 'kube-system', {
      extra: dsrPermissions(namespace, true),
      purpose: `${verb} ${namespace}/${name}`,
      probes: verifies,
    })
    for (const w of access.warnings) io.warn(w)
  }
  throwIfAborted(io.signal, 'nothing changed')

  // 2. read: the cluster (for the requirements) and the Service itself (the version the patch is guarded by)
  const cluster = typedClusterObjects(await kube.fetchClusterObjects(), 'api', io.warn)
  let record: ServiceRecord
  try {
    record = await kube.getService(namespace, name)
  } catch (error) {
    if (error instanceof KubeRequestError && error.code === 404) throw new UserError(`${label} not found`)
    throw error
  }
  const resourceVersion = record.metadata.resourceVersion ?? ''
  const annotations = record.metadata.annotations ?? {}
  const ref = {namespace, name, resourceVersion}
  const plan = request.action === 'enable' ? planEnable(ref, annotations, {scheduler: request.scheduler, mhFlags: request.mhFlags}) : planDisable(ref, annotations)
  throwIfAborted(io.signal, 'nothing changed')

  if (verifies && request.probe.image === null && !kubeRouterDeployment(cluster.kubeRouter).image) {
    // verification could not start a probe pod: say so before anything changes
    throw new UserError('no kube-router DaemonSet found (label k8s-app=kube-router in kube-system, or a DaemonSet running a kube-router image) to take the probe image from: pass --image with kube-router\'s image; nothing changed')
  }
  io.out(`${label} (resourceVersion ${resourceVersion})`)
  if (request.action === 'enable') checkRequirements(cluster, record, plan, request.force, io)
  for (const n of plan.notes) io.out(n)

  if (plan.changes.length === 0) {
    if (!verifies) return {exitCode: 0}
    // nothing to write: only prove the nodes agree
    const result = await verifyRounds(kube, request, plan, io, now() + request.waitMs)
    if (result.interrupted) throw new InterruptedError('nothing was changed')
    const outcome = reportVerification(result.verification, plan, io, request.waitMs)
    if (outcome.exitCode !== 0) io.out('nothing was changed, so there is nothing to roll back')
    return outcome
  }

  io.out('change:')
  for (const line of changeLines(plan.changes, annotateCommand(namespace, name, plan.changes))) io.out(line)

  if (request.dryRun === 'client') {
    io.out('dry run: nothing changed')
    return {exitCode: 0}
  }
  if (request.dryRun === 'server') {
    const would = await patch(kube, plan, applyPatch(plan), true, label)
    io.out(`dry run (server): the API server accepts the change and stored nothing; the annotations would be:`)
    for (const [k, v] of Object.entries(would.metadata.annotations ?? {}).sort(([a], [b]) => a.localeCompare(b))) io.out(`  ${annotationValue(k)}: ${annotationValue(v)}`)
    return {exitCode: 0}
  }

  const yes = await unlessAborted(io.confirm(`${verb} ${namespace}/${name}: apply this change? [y/N] `), io.signal, 'nothing changed')
  if (!yes) {
    io.out('nothing changed')
    return {exitCode: 0}
  }
  throwIfAborted(io.signal, 'nothing changed')

  // 3. apply: past this point every way out either verified the change or puts it back
  const written = await patch(kube, plan, applyPatch(plan), false, label)
  const writtenVersion = written.metadata.resourceVersion ?? ''
  io.out(`patched ${label} (resourceVersion ${writtenVersion})`)
  await recordEvent(kube, written, EVENT_REASON[request.action], 'Normal', `kubectl-kr dsr ${request.action}: ${describeChanges(plan)}`, io)

  let result: {verification: DsrServiceVerification | null; interrupted: boolean; error: unknown}
  try {
    result = await verifyRounds(kube, request, plan, io, now() + request.waitMs)
  } catch (error) {
    result = {verification: null, interrupted: io.signal.aborted, error}
  }

  if (result.interrupted) {
    const why = `interrupted during verification`
    const back = request.rollback ? await rollBack(kube, plan, writtenVersion, why, io) : keepChange(plan)
    throw new InterruptedError(back)
  }
  if (result.error !== null && result.error !== undefined) {
    const message = result.error instanceof Error ? result.error.message : String(result.error)
    const back = request.rollback ? await rollBack(kube, plan, writtenVersion, `verification could not run: ${message.split('\n')[0]}`, io) : keepChange(plan)
    if (!request.rollback && (result.error instanceof UserError || result.error instanceof KubeRequestError)) {
      // the change stays: exit 2 would claim nothing changed, so this is an unverified change (exit 1)
      io.warn(`verification could not run: ${message}`)
      io.out(back)
      return {exitCode: 1}
    }
    if (result.error instanceof UserError || result.error instanceof KubeRequestError) throw new UserError(`verification could not run: ${message}\n${back}`)
    // an unexpected error ends the command as an internal error: what became of the change must still be said
    io.out(back)
    throw result.error
  }
  const outcome = reportVerification(result.verification!, plan, io, request.waitMs)
  if (outcome.exitCode === 0) return outcome
  const failed = `verification failed on ${pendingNodes(result.verification!)}`
  if (request.rollback) io.out(await rollBack(kube, plan, writtenVersion, failed, io, `verification failed: ${pendingSummary(result.verification!)}`))
  else io.out(keepChange(plan))
  return {exitCode: 1}
}

/** enable: the requirements as they will be after the change; a blocking failure refuses unless --force. */
function checkRequirements(cluster: ReturnType<typeof typedClusterObjects>, record: ServiceRecord, plan: DsrChangePlan, force: boolean, io: DsrChangeIo): DsrRequirement[] {
  const listed = cluster.services.find((s) => s.metadata.name === plan.name && (s.metadata.namespace ?? 'default') === plan.namespace)
  const base: ServiceObject = listed ?? (record as unknown as ServiceObject)
  const planned: ServiceObject = {...base, metadata: {...base.metadata, annotations: annotationsAfter(record.metadata.annotations ?? {}, plan.changes)}}
  const config = cluster.kubeRouter ? parseKubeRouterArgs(kubeRouterDeployment(cluster.kubeRouter).args) : null
  const image = kubeRouterDeployment(cluster.kubeRouter).image
  const requirements = dsrRequirements({cluster: {...cluster, services: [...cluster.services.filter((s) => s !== listed), planned]}, service: planned, config, version: image ? versionFromImage(image) : null})
  for (const line of requirementLines(requirements)) io.out(line)
  const blockers = enableBlockers(requirements)
  if (blockers.length && !force) {
    throw new UserError(
      `refusing to enable DSR on ${plan.namespace}/${plan.name}: ${plural(blockers.length, 'blocking requirement')} ${blockers.length === 1 ? 'fails' : 'fail'} (${blockers.map((b) => b.title).join('; ')}); nothing changed. Fix ${blockers.length === 1 ? 'it' : 'them'} (see above), or pass --force to enable anyway`,
    )
  }
  for (const b of blockers) io.warn(`--force: enabling although "${b.title}" fails: ${b.evidence.join('; ')}`)
  return requirements
}

function describeChanges(plan: DsrChangePlan): string {
  return plan.changes
    .filter((c) => !c.key.startsWith('kr.'))
    .map((c) => (c.to === null ? `${c.key} removed` : c.from === null ? `${c.key}=${c.to}` : `${c.key}=${c.to} (was ${c.from})`))
    .join(', ')
}

/** The guarded patch; a conflict or refusal is one line saying nothing changed (exit 2). */
async function patch(kube: KubePort, plan: DsrChangePlan, body: Record<string, unknown>, dryRun: boolean, label: string): Promise<ServiceRecord> {
  try {
    return await kube.patchService(plan.namespace, plan.name, body, {dryRun})
  } catch (error) {
    if (error instanceof KubeRequestError && error.code === 409) {
      throw new UserError(`${label} changed since it was read (resourceVersion ${plan.resourceVersion}): nothing changed; run the command again to plan from its current state`)
    }
    if (error instanceof KubeRequestError && error.code === 404) throw new UserError(`${label} was deleted since it was read: nothing changed`)
    if (error instanceof KubeRequestError && error.code !== null && error.code >= 400 && error.code < 500) {
      throw new UserError(`the API server refused the change of ${label}: ${error.message}; nothing changed`)
    }
    throw error
  }
}

async function recordEvent(kube: KubePort, service: ServiceRecord, reason: string, type: 'Normal' | 'Warning', message: string, io: DsrChangeIo): Promise<void> {
  const {namespace = 'default', name, uid, resourceVersion} = service.metadata
  const at = new Date().toISOString()
  io.out(`event ${reason} on service ${namespace}/${name}: ${message}`)
  try {
    await kube.createEvent(namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {generateName: `${name}.`, namespace},
      involvedObject: {apiVersion: 'v1', kind: 'Service', namespace, name, uid, resourceVersion},
      reason,
      message: message.slice(0, 1024),
      type,
      source: {component: 'kubectl-kr'},
      reportingComponent: 'kubectl-kr',
      reportingInstance: hostname(),
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    })
  } catch (error) {
    if (!(error instanceof KubeRequestError) || error.connectionLost) io.warn(`the ${reason} event could not be recorded: ${error instanceof Error ? error.message : String(error)}`)
    else io.warn(`the ${reason} event was not recorded on the Service: ${error.message}`)
  }
}

/** Rounds until the nodes show the expectation or the deadline passes; the last round's verdict. */
async function verifyRounds(
  kube: KubePort,
  request: DsrChangeRequest,
  plan: DsrChangePlan,
  io: DsrChangeIo,
  deadline: number,
): Promise<{verification: DsrServiceVerification | null; interrupted: boolean; error: null}> {
  const now = io.now ?? Date.now
  const expectation: DsrExpectation = request.action === 'enable' ? 'enabled' : 'disabled'
  let last: DsrServiceVerification | null = null
  for (let round = 1; ; round++) {
    const live = io.round(`verifying ${plan.namespace}/${plan.name} on the nodes (round ${round}, up to ${formatDuration(Math.max(0, deadline - now()))} left)`)
    try {
      const [verification] = await io.verify(kube, {services: [{namespace: plan.namespace, name: plan.name}], expectation}, {...request.probe, signal: io.signal, onProgress: live?.sink ?? (() => {}), warn: io.warn})
      last = verification ?? null
    } catch (error) {
      if (io.signal.aborted) return {verification: last, interrupted: true, error: null}
      throw error
    } finally {
      live?.finish()
    }
    if (io.signal.aborted) return {verification: last, interrupted: true, error: null}
    if (!last || last.verified) return {verification: last, interrupted: false, error: null}
    const left = deadline - now()
    if (left <= 0) return {verification: last, interrupted: false, error: null}
    io.note(`round ${round}: not yet ${expectation} on every node (${pendingNodes(last)}); checking again`)
    await sleep(Math.min(io.roundPauseMs ?? ROUND_PAUSE_MS, left), io.signal)
    if (io.signal.aborted) return {verification: last, interrupted: true, error: null}
  }
}

function reportVerification(v: DsrServiceVerification | null, plan: DsrChangePlan, io: DsrChangeIo, waitMs: number): DsrChangeOutcome {
  const state = plan.action === 'enable' ? 'programmed' : 'undone'
  if (!v) {
    io.out(`verification: no result for ${plan.namespace}/${plan.name}`)
    return {exitCode: 1}
  }
  if (v.verified && v.nodes.every((n) => n.state === 'not-expected')) {
    io.out(`nothing to verify: no node should ${plan.action === 'enable' ? 'program' : 'undo'} DSR for ${plan.namespace}/${plan.name} now:`)
    for (const line of verificationLines(v)) io.out(line)
    return {exitCode: 0}
  }
  if (v.verified) {
    io.out(`verified: DSR ${plan.action === 'enable' ? 'is programmed' : 'is off'} for ${plan.namespace}/${plan.name} on every node that should ${plan.action === 'enable' ? 'program it' : 'have it undone'}:`)
    for (const line of verificationLines(v)) io.out(line)
    return {exitCode: 0}
  }
  io.out(`verification failed: DSR not ${state} on every node within ${formatDuration(waitMs)}:`)
  for (const line of verificationLines(v)) io.out(line)
  return {exitCode: 1}
}

/** Puts back exactly the annotations the change replaced, unless the Service changed after the change was
 * written: then it is left alone and the line says how to restore it by hand. Returns the line to print. */
async function rollBack(kube: KubePort, plan: DsrChangePlan, writtenVersion: string, why: string, io: DsrChangeIo, detail = why): Promise<string> {
  const label = `${plan.namespace}/${plan.name}`
  const byHand = annotateCommand(plan.namespace, plan.name, undoChanges(plan))
  try {
    const restored = await kube.patchService(plan.namespace, plan.name, undoPatch(plan, writtenVersion), {dryRun: false})
    await recordEvent(kube, restored, EVENT_REASON.rollback, 'Warning', `kubectl-kr dsr ${plan.action} rolled back, annotations restored: ${detail}`, io)
    return `rolled back ${label}: the annotations are as they were before (${why})`
  } catch (error) {
    if (error instanceof KubeRequestError && error.code === 409) {
      return `NOT rolled back: ${label} was changed by someone else after this change (resourceVersion ${writtenVersion}); it is left as it is. To restore the annotations as they were: ${byHand}`
    }
    io.warn(`the rollback failed: ${error instanceof Error ? error.message : String(error)}`)
    return `NOT rolled back: ${label} keeps the change (${why}). To restore the annotations as they were: ${byHand}`
  }
}

function keepChange(plan: DsrChangePlan): string {
  return `--no-rollback: ${plan.namespace}/${plan.name} keeps the change; to undo it: ${annotateCommand(plan.namespace, plan.name, undoChanges(plan))}`
}
