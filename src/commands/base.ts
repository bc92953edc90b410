// What every kubectl-kr command shares: kubectl's cluster flags, one mapping from a failure to its line and
// exit code (CONTRACT.md §2), and asking before a change.
import {Command, Flags, type Interfaces} from '@oclif/core'
import {formatDuration, parseDuration} from '../model/duration.js'
import {InterruptedError, UserError} from '../model/errors.js'
import {DEFAULT_REQUEST_TIMEOUT_MS, KubeRequestError} from '../model/kube-port.js'
import {oneLine, safe} from '../report/text.js'

/** kubectl's own flags for picking the cluster; kubectl rejects them before a plugin name, so we take them. */
export const clusterFlags = {
  kubeconfig: Flags.string({summary: 'Path to the kubeconfig file.'}),
  context: Flags.string({summary: 'Kubeconfig context to use.'}),
  'request-timeout': Flags.string({
    summary: `How long to wait for each API request (and credential plugin) before giving up: 30s, 2m, 1m30s, or a number of seconds. Default ${formatDuration(DEFAULT_REQUEST_TIMEOUT_MS)}.`,
    helpValue: 'DURATION',
  }),
}

/** --request-timeout in milliseconds; a UserError (one line, exit 2) when it is not a positive duration. */
export function requestTimeoutMs(text: string | undefined): number {
  if (text === undefined) return DEFAULT_REQUEST_TIMEOUT_MS
  const parsed = parseDuration(text)
  if ('error' in parsed) throw new UserError(`--request-timeout: ${parsed.error}`)
  if (parsed.ms <= 0) throw new UserError('--request-timeout must be more than 0: kubectl-kr does not wait for ever on an API server that does not answer')
  return parsed.ms
}

/** The cluster the cluster flags pick, as services take it (never the flags themselves). */
export function kubeAccess(flags: {kubeconfig?: string; context?: string; 'request-timeout'?: string}): {kubeconfig: string | null; context: string | null; requestTimeoutMs: number} {
  return {kubeconfig: flags.kubeconfig ?? null, context: flags.context ?? null, requestTimeoutMs: requestTimeoutMs(flags['request-timeout'])}
}

export interface Failure {
  line: string
  exitCode: number
}

/** The one line a failed command prints on stderr, and its exit code. Decided by the error's kind, never its text. */
export function describeFailure(error: unknown, signal: 'SIGINT' | 'SIGTERM' | null, env: NodeJS.ProcessEnv = process.env): Failure {
  // messages carry text from the API server, a node or a bundle: shown, never interpreted by the terminal
  if (signal) {
    const detail = error instanceof InterruptedError || error instanceof UserError ? `: ${oneLine(error.message)}` : ''
    return {line: `interrupted (${signal})${detail}`, exitCode: signal === 'SIGTERM' ? 143 : 130}
  }
  if (error instanceof UserError) return {line: `error: ${safe(error.message)}`, exitCode: error.exitCode}
  if (error instanceof KubeRequestError) return {line: `error: ${oneLine(error.message)}`, exitCode: 2}
  const message = error instanceof Error ? error.message : String(error)
  const details = env.KR_DEBUG && error instanceof Error ? `\n${safe(error.stack ?? '')}` : ' (set KR_DEBUG=1 for details)'
  return {line: `error: internal error: ${oneLine(message.split('\n')[0])}${details}`, exitCode: 2}
}

/** oclif's parse error text ("Parsing --timeout\n\tExpected an integer…\nSee more help with --help") as one line. */
export function parseErrorLine(message: string): string {
  const lines = message
    .replace(/^The following errors? occurred:\s*/, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^See more help with/.test(l))
  return oneLine(lines.join(': ').replace(/:\s*:/g, ':'))
}

export abstract class KrCommand extends Command {
  /** set by a command that caught SIGINT/SIGTERM, so the failure reads "interrupted" with 130/143 */
  protected interruptedBy: 'SIGINT' | 'SIGTERM' | null = null

  protected async catch(error: Interfaces.CommandError): Promise<void> {
    if (('parse' in error || /^Parsing --/.test(error.message)) && !this.interruptedBy) {
      // a flag or argument oclif could not parse: one line like every other error, not oclif's usage dump
      process.stderr.write(`error: ${parseErrorLine(error.message)} (see \`kubectl kr ${(this.id ?? '').replaceAll(':', ' ')} --help\`)\n`)
      process.exitCode = 2
      return
    }
    // oclif's other errors (this.exit) keep oclif's handling and exit codes
    if (error.oclif && !this.interruptedBy) return super.catch(error)
    const {line, exitCode} = describeFailure(error, this.interruptedBy)
    process.stderr.write(`${line}\n`)
    process.exitCode = exitCode
  }

  /** Asks on the terminal; without one, refuses with what to pass instead. */
  protected async confirm(question: string, refusal: string): Promise<boolean> {
    if (!process.stdin.isTTY) throw new UserError(refusal)
    const {createInterface} = await import('node:readline/promises')
    const rl = createInterface({input: process.stdin, output: process.stdout})
    try {
      return /^y(es)?$/i.test((await rl.question(question)).trim())
    } catch (error) {
      // Ctrl-C at the question: readline rejects with an AbortError instead of a SIGINT reaching the process
      if ((error as {code?: unknown}).code === 'ABORT_ERR') {
        this.interruptedBy = 'SIGINT'
        process.stdout.write('\n') // the terminal's cursor is still after the question
      }
      throw error
    } finally {
      rl.close()
    }
  }
}
