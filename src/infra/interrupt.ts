// SIGINT / SIGTERM during a run: the first one aborts the run (collectors then delete what they created),
// later ones only say that cleanup is still going on. The process exits once cleanup is done, never before.

export type InterruptName = 'SIGINT' | 'SIGTERM'

export class InterruptGuard {
  private readonly controller = new AbortController()
  private armed = false
  signalName: InterruptName | null = null
  private readonly onSigint = () => this.trigger('SIGINT')
  private readonly onSigterm = () => this.trigger('SIGTERM')

  constructor(private readonly say: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {}

  get signal(): AbortSignal {
    return this.controller.signal
  }

  arm(): void {
    if (this.armed) return
    this.armed = true
    process.on('SIGINT', this.onSigint)
    process.on('SIGTERM', this.onSigterm)
  }

  disarm(): void {
    if (!this.armed) return
    this.armed = false
    process.off('SIGINT', this.onSigint)
    process.off('SIGTERM', this.onSigterm)
  }

  trigger(name: InterruptName): void {
    if (this.signalName) {
      this.say('still cleaning up; exiting as soon as the probe pods are deleted')
      return
    }
    this.signalName = name
    this.controller.abort(new Error(`interrupted by ${name}`))
  }
}
