// What every kubectl-kr command shares: kubectl's cluster flags, one mapping from a failure to its line and
// exit code (CONTRACT.md §2), and asking before a change.
import {Command, Flags, type Interfaces} from '@oclif/core'
import {formatDuration, parseDuration} from '../model/duration.js'
import {InterruptedError, UserError} from '../model/errors.js'
import {DEFAULT_REQUEST_TIMEOUT_MS, KubeRequestError, type KubeOverrides} from '../model/kube-port.js'
import type {KubeAccess} from '../services/collectors.js'
import {oneLine, safe} from '../report/text.js'

const CLUSTER = 'KUBECTL'

/** kubectl's own flags for picking and reaching the cluster; kubectl rejects them before a plugin name, so we take them. */
export const clusterFlags = {
  kubeconfig: Flags.string({summary: 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster).', helpGroup: CLUSTER, helpValue: 'PATH'}),
  context: Flags.string({summary: 'The kubeconfig context to use.', helpGroup: CLUSTER, helpValue: 'NAME'}),
  cluster: Flags.string({summary: 'The kubeconfig cluster to use instead of the context\'s.', helpGroup: CLUSTER, helpValue: 'NAME'}),
  user: Flags.string({summary: 'The kubeconfig user to use instead of the context\'s.', helpGroup: CLUSTER, helpValue: 'NAME'}),
  server: Flags.string({char: 's', summary: 'The address and port of the Kubernetes API server.', helpGroup: CLUSTER, helpValue: 'URL'}),
  token: Flags.string({summary: 'Bearer token for authentication to the API server (replaces the user\'s credentials).', helpGroup: CLUSTER, helpValue: 'TOKEN'}),
  as: Flags.string({summary: 'Username to impersonate for the operation.', helpGroup: CLUSTER, helpValue: 'USER'}),
  'as-group': Flags.string({summary: 'Group to impersonate for the operation (repeatable).', multiple: true, helpGroup: CLUSTER, helpValue: 'GROUP'}),
  'as-uid': Flags.string({summary: 'UID to impersonate for the operation.', helpGroup: CLUSTER, helpValue: 'UID'}),
  'certificate-authority': Flags.string({summary: 'Path to a CA certificate file for the API server\'s certificate.', helpGroup: CLUSTER, helpValue: 'PATH'}),
  'client-certificate': Flags.string({summary: 'Path to a client certificate file for TLS.', helpGroup: CLUSTER, helpValue: 'PATH'}),
  'client-key': Flags.string({summary: 'Path to a client key file for TLS.', helpGroup: CLUSTER, helpValue: 'PATH'}),
  'insecure-skip-tls-verify': Flags.boolean({summary: 'Do not check the API server\'s certificate (insecure).', helpGroup: CLUSTER}),
  'tls-server-name': Flags.string({summary: 'Server name to check the API server\'s certificate against (default: the server\'s host name).', helpGroup: CLUSTER, helpValue: 'NAME'}),
  'request-timeout': Flags.string({
    summary: `How long to wait for each API request (and credential plugin) before giving up: 30s, 2m, 1m30s, or a number of seconds. Default ${formatDuration(DEFAULT_REQUEST_TIMEOUT_MS)}.`,
    helpValue: 'DURATION',
    helpGroup: CLUSTER,
  }),
  v: Flags.integer({char: 'v', summary: 'Log level as kubectl\'s -v: 6 or more logs each API request (what, HTTP status, time) on stderr.', min: 0, max: 10, helpGroup: CLUSTER, helpValue: 'LEVEL'}),
}

type ClusterFlagValues = {
  kubeconfig?: string
  context?: string
  cluster?: string
  user?: string
  server?: string
  token?: string
  as?: string
  'as-group'?: string[]
  'as-uid'?: string
  'certificate-authority'?: string
  'client-certificate'?: string
  'client-key'?: string
  'insecure-skip-tls-verify'?: boolean
  'tls-server-name'?: string
  'request-timeout'?: string
  v?: number
}

/** A duration flag (30s, 2m, a bare number of seconds) in milliseconds; a UserError (one line, exit 2) naming the
 * flag when it is not a duration or not more than 0. */
export function durationFlagMs(flag: string, text: string, why = ''): number {
  const parsed = parseDuration(text)
  if ('error' in parsed) throw new UserError(`${flag}: ${parsed.error}`)
  if (parsed.ms <= 0) throw new UserError(`${flag} must be more than 0${why ? `: ${why}` : ''}`)
  return parsed.ms
}

/** --request-timeout in milliseconds; a UserError (one line, exit 2) when it is not a positive duration. */
export function requestTimeoutMs(text: string | undefined): number {
  if (text === undefined) return DEFAULT_REQUEST_TIMEOUT_MS
  return durationFlagMs('--request-timeout', text, 'kubectl-kr does not wait for ever on an API server that does not answer')
}

/** The cluster the cluster flags pick, as services take it (never the flags themselves). */
export function kubeAccess(flags: ClusterFlagValues): KubeAccess {
  const overrides: KubeOverrides = {}
  if (flags.cluster !== undefined) overrides.cluster = flags.cluster
  if (flags.user !== undefined) overrides.user = flags.user
  if (flags.server !== undefined) overrides.server = flags.server
  if (flags.token !== undefined) overrides.token = flags.token
  if (flags.as !== undefined) overrides.as = flags.as
  if (flags['as-group']?.length) overrides.asGroups = flags['as-group']
  if (flags['as-uid'] !== undefined) overrides.asUid = flags['as-uid']
  if (flags['certificate-authority'] !== undefined) overrides.certificateAuthority = flags['certificate-authority']
  if (flags['client-certificate'] !== undefined) overrides.clientCertificate = flags['client-certificate']
  if (flags['client-key'] !== undefined) overrides.clientKey = flags['client-key']
  if (flags['insecure-skip-tls-verify']) overrides.insecureSkipTlsVerify = true
  if (flags['tls-server-name'] !== undefined) overrides.tlsServerName = flags['tls-server-name']
  if ((overrides.asGroups || overrides.asUid) && !overrides.as) {
    // kubectl refuses the same: groups or a UID without a user to impersonate
    throw new UserError('--as-group and --as-uid need --as (the user to impersonate)')
  }
  if (overrides.insecureSkipTlsVerify && overrides.certificateAuthority) {
    throw new UserError('--insecure-skip-tls-verify and --certificate-authority contradict each other: give one of them')
  }
  return {
    kubeconfig: flags.kubeconfig ?? null,
    context: flags.context ?? null,
    requestTimeoutMs: requestTimeoutMs(flags['request-timeout']),
    overrides,
    verbosity: flags.v ?? 0,
  }
}

/** Whether any flag names a cluster or its credentials (beyond the timeout and log level). */
export function namesACluster(flags: ClusterFlagValues): boolean {
  return Object.entries(flags).some(([name, value]) => value !== undefined && value !== false && name in clusterFlags && name !== 'request-timeout' && name !== 'v')
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
    // oclif's own errors other than this.exit (a flag without its value, a bad option value, a missing argument)
    // are input errors too
    const oclifInputError = Boolean(error.oclif) && (error as {code?: string}).code !== 'EEXIT'
    if (('parse' in error || /^Parsing --/.test(error.message) || oclifInputError) && !this.interruptedBy) {
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

  /** Asks on the terminal; without one, refuses with what to pass instead. `signal` (a SIGINT/SIGTERM guard's)
   * drops the question, so a signal ends the command instead of leaving it reading the terminal. */
  protected async confirm(question: string, refusal: string, signal?: AbortSignal): Promise<boolean> {
    if (!process.stdin.isTTY) throw new UserError(refusal)
    const {createInterface} = await import('node:readline/promises')
    const rl = createInterface({input: process.stdin, output: process.stdout})
    try {
      return /^y(es)?$/i.test((await rl.question(question, signal ? {signal} : {})).trim())
    } catch (error) {
      // Ctrl-C at the question: readline rejects with an AbortError instead of a SIGINT reaching the process
      if ((error as {code?: unknown}).code === 'ABORT_ERR') {
        if (!signal?.aborted) this.interruptedBy = 'SIGINT'
        process.stdout.write('\n') // the terminal's cursor is still after the question
      }
      throw error
    } finally {
      rl.close()
    }
  }
}
