// What `dsr enable` and `dsr disable` share: their flags, kubectl's bare `--dry-run` (= client), and the run
// (confirmation, live verification on a terminal, interrupts). Not a command itself (package.json excludes it).
import {Args, Flags} from '@oclif/core'
import {parseDuration} from '../../model/duration.js'
import {InterruptedError, UserError} from '../../model/errors.js'
import type {DsrAction, Scheduler} from '../../model/dsr-change.js'
import {InterruptGuard} from '../../infra/interrupt.js'
import {oneLine, safe} from '../../report/text.js'
import {clusterFlags, kubeAccess, KrCommand} from '../base.js'

export const DEFAULT_WAIT = '60s'

export const serviceArg = {
  service: Args.string({description: 'NAME or NAMESPACE/NAME of the Service', required: true}),
}

export const changeFlags = {
  namespace: Flags.string({char: 'n', summary: 'Namespace of the Service (default: the kubeconfig context\'s, else "default").'}),
  yes: Flags.boolean({char: 'y', summary: 'Change without asking (needed without a terminal).'}),
  'dry-run': Flags.option({
    summary: 'client (also a bare --dry-run): print the plan and change nothing; server: also send the patch with dryRun=All, so the API server validates it and stores nothing.',
    options: ['client', 'server'] as const,
    helpValue: 'client|server',
  })(),
  wait: Flags.string({summary: `How long verification may take before the change counts as failed: 30s, 2m, or seconds. Default ${DEFAULT_WAIT}.`, helpValue: 'DURATION'}),
  'no-rollback': Flags.boolean({summary: 'Keep the change when verification fails or is interrupted (say so, and how to undo it).'}),
  'probe-namespace': Flags.string({summary: 'Namespace for the verification probe pods.', default: 'kube-system', helpGroup: 'VERIFICATION'}),
  image: Flags.string({summary: 'Probe pod image (default: the running kube-router DaemonSet image).', helpGroup: 'VERIFICATION'}),
  concurrency: Flags.integer({summary: 'Probe pods running at once (never more than one per node).', default: 50, min: 1, helpGroup: 'VERIFICATION'}),
  'pod-timeout': Flags.integer({summary: 'Seconds a probe pod may run (its activeDeadlineSeconds).', default: 120, min: 5, max: 86_400, helpGroup: 'VERIFICATION'}),
  timeout: Flags.integer({summary: 'Seconds allowed for each probe command.', default: 10, min: 1, max: 3600, helpGroup: 'VERIFICATION'}),
  ...clusterFlags,
}

/** kubectl's `--dry-run` without a value means client; oclif needs the value, so a bare one gets it. */
export function withDryRunValue(argv: readonly string[]): string[] {
  const end = argv.indexOf('--')
  return argv.map((a, i) => (a === '--dry-run' && (end < 0 || i < end) ? '--dry-run=client' : a))
}

export interface ChangeFlags {
  namespace?: string
  yes: boolean
  'dry-run'?: 'client' | 'server'
  wait?: string
  'no-rollback': boolean
  'probe-namespace': string
  image?: string
  concurrency: number
  'pod-timeout': number
  timeout: number
  kubeconfig?: string
  context?: string
  'request-timeout'?: string
}

function waitMs(text: string | undefined): number {
  const parsed = parseDuration(text ?? DEFAULT_WAIT)
  if ('error' in parsed) throw new UserError(`--wait: ${parsed.error}`)
  if (parsed.ms <= 0) throw new UserError('--wait must be more than 0: verification needs time to see the change on the nodes')
  return parsed.ms
}

/** The base of `dsr enable` and `dsr disable`: runs the change and sets the exit code. */
export abstract class DsrChangeCommand extends KrCommand {
  protected async runChange(action: DsrAction, service: string, flags: ChangeFlags, enable: {scheduler: Scheduler | null; mhFlags: string | null; force: boolean}): Promise<void> {
    const {openDsrChange} = await import('../../services/dsr-change.js')
    const {parseMhFlags} = await import('../../services/dsr-plan.js')
    // before anything is read or changed: an empty image would only fail the verification after the patch
    if (flags.image === '') throw new UserError('--image is empty: give an image reference, or leave --image out to use the kube-router DaemonSet\'s image')
    if (flags['probe-namespace'] === '') throw new UserError('--probe-namespace is empty: give the namespace for the probe pods, or leave it out (default kube-system)')
    if (flags.namespace === '') throw new UserError('-n/--namespace is empty: give the Service\'s namespace, or leave -n out for the kubeconfig context\'s')
    const access = kubeAccess(flags)
    const wait = waitMs(flags.wait)
    const mhFlags = enable.mhFlags === null ? null : parseMhFlags(enable.mhFlags)
    const live = process.stderr.isTTY && !process.env.CI ? (await import('../../report/render-dsr-change.js')).liveNodeLines : null
    const interrupt = new InterruptGuard()
    interrupt.arm()
    try {
      const outcome = await openDsrChange(
        access,
        {
          action,
          service,
          namespace: flags.namespace ?? null,
          scheduler: enable.scheduler,
          mhFlags,
          force: enable.force,
          dryRun: flags['dry-run'] ?? 'none',
          waitMs: wait,
          rollback: !flags['no-rollback'],
          probe: {probeNamespace: flags['probe-namespace'], image: flags.image ?? null, concurrency: flags.concurrency, podTimeoutSec: flags['pod-timeout'], cmdTimeoutSec: flags.timeout},
        },
        {
          out: (line) => process.stdout.write(`${safe(line)}\n`),
          warn: (line) => process.stderr.write(`warning: ${oneLine(line)}\n`),
          note: (line) => process.stderr.write(`${oneLine(line)}\n`),
          confirm: async (question) => {
            if (flags.yes) return true
            try {
              return await this.confirm(question, `not changing ${service} without confirmation: pass --yes (no terminal to ask on), or --dry-run to see the plan`, interrupt.signal)
            } catch (error) {
              // Ctrl-C at the question: readline rejects with an AbortError instead of a SIGINT reaching the process;
              // a SIGINT / SIGTERM the guard caught drops the question the same way
              if ((error as {code?: unknown}).code !== 'ABORT_ERR') throw error
              if (!interrupt.signal.aborted) interrupt.trigger('SIGINT')
              throw new InterruptedError('nothing changed')
            }
          },
          round: (title) => (live ? live(process.stderr, title) : null),
          signal: interrupt.signal,
          verify: async (kube, request, options) => (await import('../../services/dsr-verify.js')).verifyDsr(kube, request, options),
        },
      )
      if (interrupt.signalName) {
        // the signal came after verification had ended (during the rollback, which is never cut short): the
        // exit code still says the command was interrupted
        throw new InterruptedError(outcome.exitCode === 0 ? 'it came after the change was verified (see above)' : 'it came while the failed change was being rolled back, which was finished first (see above)')
      }
      process.exitCode = outcome.exitCode
    } catch (error) {
      this.interruptedBy = interrupt.signalName
      throw error
    } finally {
      interrupt.disarm()
    }
  }
}
