/** A problem the user can fix: printed as one line, exit code 2 (could not diagnose). */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2, options?: {cause?: unknown}) {
    super(message, options)
  }
}
