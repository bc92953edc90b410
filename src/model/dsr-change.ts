// `kubectl kr dsr enable` / `disable`: the change to a Service's annotations, planned before anything is written
// (services/dsr-plan.ts decides it), and the record of what enable replaced, which `disable` restores.
// Plain, serialisable data.

export type DsrAction = 'enable' | 'disable'

export const SCHEDULERS = ['rr', 'lc', 'dh', 'sh', 'mh'] as const
export type Scheduler = (typeof SCHEDULERS)[number]
/** kube-router.io/service.schedflags values (kube-router-facts.md §3.3); honoured only with the mh scheduler */
export const MH_FLAGS = ['flag-1', 'flag-2', 'flag-3'] as const

/**
 * The annotation where `dsr enable` keeps what it replaced, so `dsr disable` can put it back: JSON
 * `{"before": {KEY: previous value or null when absent}, "after": {KEY: the value enable set}}`, one entry per
 * kube-router annotation enable changed. A second enable keeps the first `before` of a key (the value before DSR).
 */
export const REPLACED_ANNOTATION = 'kr.kube-router.io/dsr-replaced'

export interface ReplacedRecord {
  before: Record<string, string | null>
  after: Record<string, string>
}

/** One annotation the change touches: from (null: absent) to (null: removed). */
export interface AnnotationChange {
  key: string
  from: string | null
  to: string | null
}

export interface DsrChangePlan {
  action: DsrAction
  namespace: string
  name: string
  /** the resourceVersion the plan was made from: the patch's precondition */
  resourceVersion: string
  /** empty: nothing to change (already enabled / not DSR) */
  changes: AnnotationChange[]
  /** lines for the user: why something is left as it is */
  notes: string[]
}
