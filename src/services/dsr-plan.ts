// The annotation change of `dsr enable` / `dsr disable`, planned from the Service's current annotations: which
// kube-router annotations (kube-router-facts.md §3.3) change, the record of what enable replaced
// (REPLACED_ANNOTATION), the merge patches that apply and undo the change, and the equivalent `kubectl annotate`
// command. Pure: annotations in, plan out.
import {UserError} from '../model/errors.js'
import {DSR_ANNOTATION, SCHEDULER_ANNOTATION} from '../expected/services.js'
import {MH_FLAGS, REPLACED_ANNOTATION, type AnnotationChange, type DsrChangePlan, type ReplacedRecord, type Scheduler} from '../model/dsr-change.js'

export const SCHEDFLAGS_ANNOTATION = 'kube-router.io/service.schedflags'

type Annotations = Readonly<Record<string, string>>

export interface ServiceRef {
  namespace: string
  name: string
  resourceVersion: string
}

/** The record enable left on the Service; null when there is none. A record that is not ours to read is a
 * UserError: it is never silently overwritten. */
export function readReplacedRecord(annotations: Annotations): ReplacedRecord | null {
  const text = annotations[REPLACED_ANNOTATION]
  if (text === undefined) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = null
  }
  const isMap = (v: unknown, nullable: boolean): v is Record<string, string | null> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string' || (nullable && x === null))
  const record = parsed as {before?: unknown; after?: unknown} | null
  if (!record || !isMap(record.before, true) || !isMap(record.after, false)) {
    throw new UserError(
      `the annotation ${REPLACED_ANNOTATION} on the Service is not the record dsr enable writes (${text.slice(0, 120)}): remove it (kubectl annotate service … ${REPLACED_ANNOTATION}-) or fix it by hand`,
    )
  }
  return {before: record.before, after: record.after as Record<string, string>}
}

/** mh flags as given to --mh-flags: a comma list of flag-1, flag-2, flag-3. */
export function parseMhFlags(text: string): string[] {
  const flags = text.split(',').map((f) => f.trim()).filter(Boolean)
  const unknown = flags.filter((f) => !(MH_FLAGS as readonly string[]).includes(f))
  if (flags.length === 0 || unknown.length) {
    throw new UserError(`--mh-flags takes a comma list of ${MH_FLAGS.join(', ')} (flag-1: fallback, flag-2: port in the hash), not "${text}"`)
  }
  return [...new Set(flags)]
}

export function planEnable(service: ServiceRef, annotations: Annotations, wanted: {scheduler: Scheduler | null; mhFlags: string[] | null}): DsrChangePlan {
  const scheduler = wanted.scheduler ?? annotations[SCHEDULER_ANNOTATION] ?? null
  if (wanted.mhFlags && scheduler !== 'mh') {
    throw new UserError(`--mh-flags applies to the Maglev scheduler only: add --scheduler mh (the Service's scheduler is ${scheduler ?? 'rr (default)'})`)
  }
  const target: Record<string, string> = {[DSR_ANNOTATION]: 'tunnel'}
  if (wanted.scheduler) target[SCHEDULER_ANNOTATION] = wanted.scheduler
  if (wanted.mhFlags) target[SCHEDFLAGS_ANNOTATION] = wanted.mhFlags.join(',')
  const changes: AnnotationChange[] = Object.entries(target)
    .filter(([key, value]) => annotations[key] !== value)
    .map(([key, value]) => ({key, from: annotations[key] ?? null, to: value}))
  const notes: string[] = []
  if (changes.length === 0) {
    notes.push(`${DSR_ANNOTATION} is already tunnel${wanted.scheduler ? ` and the scheduler ${wanted.scheduler}` : ''}: nothing to change`)
    return {action: 'enable', ...service, changes, notes}
  }
  const previous = readReplacedRecord(annotations)
  const record: ReplacedRecord = {before: {...previous?.before}, after: {...previous?.after}}
  for (const c of changes) {
    // a second enable keeps the value from before DSR
    if (!(c.key in record.before)) record.before[c.key] = c.from
    record.after[c.key] = c.to!
  }
  changes.push({key: REPLACED_ANNOTATION, from: annotations[REPLACED_ANNOTATION] ?? null, to: JSON.stringify(record)})
  return {action: 'enable', ...service, changes, notes}
}

export function planDisable(service: ServiceRef, annotations: Annotations): DsrChangePlan {
  const record = readReplacedRecord(annotations)
  const changes: AnnotationChange[] = []
  const notes: string[] = []
  if (annotations[DSR_ANNOTATION] !== undefined) changes.push({key: DSR_ANNOTATION, from: annotations[DSR_ANNOTATION], to: null})
  for (const [key, before] of Object.entries(record?.before ?? {})) {
    if (key === DSR_ANNOTATION) continue
    const now = annotations[key] ?? null
    const setByEnable = record!.after[key] ?? null
    if (now === before) continue
    if (now !== setByEnable) {
      notes.push(`${key} is ${now === null ? 'absent' : `"${now}"`} now, not the "${setByEnable}" dsr enable set: left as it is (it was ${before === null ? 'absent' : `"${before}"`} before DSR)`)
      continue
    }
    changes.push({key, from: now, to: before})
  }
  if (record) changes.push({key: REPLACED_ANNOTATION, from: annotations[REPLACED_ANNOTATION], to: null})
  if (changes.length === 0) notes.push(`no ${DSR_ANNOTATION} annotation: DSR is not enabled, nothing to change`)
  return {action: 'disable', ...service, changes, notes}
}

/** The merge patch applying the plan, guarded by the resourceVersion it was planned from. */
export function applyPatch(plan: DsrChangePlan): Record<string, unknown> {
  return {metadata: {resourceVersion: plan.resourceVersion, annotations: Object.fromEntries(plan.changes.map((c) => [c.key, c.to]))}}
}

/** The merge patch putting back exactly what the plan changed, guarded by the resourceVersion the change wrote. */
export function undoPatch(plan: DsrChangePlan, writtenVersion: string): Record<string, unknown> {
  return {metadata: {resourceVersion: writtenVersion, annotations: Object.fromEntries(plan.changes.map((c) => [c.key, c.from]))}}
}

/** The changes that undo the plan. */
export function undoChanges(plan: DsrChangePlan): AnnotationChange[] {
  return plan.changes.map((c) => ({key: c.key, from: c.to, to: c.from}))
}

/** A word as a POSIX shell reads it back unchanged. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}

/** `kubectl annotate` doing the same change by hand. */
export function annotateCommand(namespace: string, name: string, changes: readonly AnnotationChange[]): string {
  const args = changes.map((c) => (c.to === null ? `${c.key}-` : shellWord(`${c.key}=${c.to}`)))
  return ['kubectl annotate service -n', shellWord(namespace), shellWord(name), ...args, '--overwrite'].join(' ')
}

/** The annotations after the plan, for judging the requirements as they will be. */
export function annotationsAfter(annotations: Annotations, changes: readonly AnnotationChange[]): Record<string, string> {
  const out: Record<string, string> = {...annotations}
  for (const c of changes) {
    if (c.to === null) delete out[c.key]
    else out[c.key] = c.to
  }
  return out
}
