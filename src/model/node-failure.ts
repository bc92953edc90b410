// A node that could not be probed: the reason in words (for people) and its kind (for code: the remediation is
// chosen by the kind, never by the wording).

/** image-pull: the probe image could not be pulled; timeout: the probe pod did not finish in time;
 * node-not-ready: the node is NotReady; other: anything else. */
export const NODE_FAILURE_KINDS = ['image-pull', 'timeout', 'node-not-ready', 'other'] as const
export type NodeFailureKind = (typeof NODE_FAILURE_KINDS)[number]

export function isNodeFailureKind(value: unknown): value is NodeFailureKind {
  return typeof value === 'string' && (NODE_FAILURE_KINDS as readonly string[]).includes(value)
}

export interface FailedNode {
  name: string
  error: string
  /** set by whoever knows why (the collector); absent in bundles written before kinds were saved */
  kind?: NodeFailureKind
  /** what the probe pod showed before it was deleted: its status, its events, the last lines of its log */
  evidence?: string[]
  /** the probe pod, when one was created (its events outlive it for about an hour) */
  pod?: {namespace: string; name: string}
}

/**
 * The kind of a failure known only by its text: bundles written before kinds were saved (the collectors set the
 * kind). The one place where the wording of a failure matters.
 */
export function nodeFailureKindOfText(error: string): NodeFailureKind {
  if (/pull image|ImagePull|ErrImage/i.test(error)) return 'image-pull'
  if (/deadline|did not finish/i.test(error)) return 'timeout'
  if (/NotReady/.test(error)) return 'node-not-ready'
  return 'other'
}

export function nodeFailureKind(failed: FailedNode): NodeFailureKind {
  return failed.kind ?? nodeFailureKindOfText(failed.error)
}
