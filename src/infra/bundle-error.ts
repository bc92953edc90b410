import {UserError} from '../model/errors.js'

/** A bundle that cannot be read or written. The message is one line and names the path. */
export class BundleError extends UserError {
  override readonly name: string = 'BundleError'

  constructor(
    message: string,
    /** the bundle path as the user gave it */
    readonly path: string,
    options?: {cause?: unknown},
  ) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' ').trim(), 2, options)
  }
}
