// Problems a run can end with, as values with a kind: commands map kinds to exit codes (one place: the base
// command's catch); nothing depends on the wording of a message.

/** A problem the user can fix (bad flag, unreadable file, missing permission): one line, exit code 2. */
export class UserError extends Error {
  readonly kind = 'user'

  constructor(message: string, readonly exitCode = 2, options?: {cause?: unknown}) {
    super(message, options)
  }
}

/** The run was interrupted (SIGINT/SIGTERM) and has cleaned up; the message says what was cleaned up. */
export class InterruptedError extends Error {
  readonly kind = 'interrupted'
}
