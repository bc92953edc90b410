// Runs the read-only probe script on this host (or inside a wrapper such as
// `ip netns exec NS` / `nsenter ...`) and parses its framed output.
import {execa} from 'execa'
import type {NodeCapture, SourceName} from '../model/types.js'
import {fillMissing, parseProbeOutput, TRUNCATED_REASON} from '../probe/framing.js'
import {probeEnvironment, type ProbeSections, type ProbeTarget} from '../probe/inputs.js'
import {probeScriptPath} from '../probe/script-path.js'
import {probeSourceNames} from '../model/sources.js'

export type {ProbeTarget} from '../probe/inputs.js'

export interface LocalProbeOptions {
  nodeName: string
  /** where the host's / is (default /) */
  hostRoot?: string
  sections?: ProbeSections
  targets?: ProbeTarget[]
  /** extra environment, applied last (e.g. PATH); the rest of process.env is inherited */
  env?: Record<string, string>
  /** seconds per external command inside the script (default 10) */
  cmdTimeoutSec?: number
  /** seconds for curl's TCP connect (default 2) */
  connectTimeoutSec?: number
  /** the POSIX shell that runs probe.sh (default "sh"), e.g. "dash" or ["busybox", "sh"] */
  shell?: string | string[]
  /** argv put before `<shell> probe.sh`, e.g. ['ip', 'netns', 'exec', 'kr-node-1'] */
  wrapper?: string[]
  /** overall limit for the whole script in ms; default derived from the per-command timeout */
  timeoutMs?: number
  /** script path override (default: probeScriptPath()) */
  scriptPath?: string
}

export interface LocalProbeResult {
  capture: NodeCapture
  issues: string[]
}

const KILL_GRACE_MS = 2000
const DRAIN_MS = 1500

function defaultTimeoutMs(opts: LocalProbeOptions): number {
  const cmd = opts.cmdTimeoutSec ?? 10
  const connect = opts.connectTimeoutSec ?? 2
  const sections = opts.sections ?? 'all'
  const passive = sections === 'active' ? 0 : cmd * 24
  const active = sections === 'passive' ? 0 : (opts.targets?.length ?? 0) * (connect + 4)
  return (passive + active + 15) * 1000
}

/**
 * Run probe.sh locally. Never throws for probe problems: a failed spawn, a non-zero
 * exit or a timeout give whatever was parsed plus issues, and every source of the
 * requested sections is either present or missing with a reason.
 */
export async function runLocalProbe(opts: LocalProbeOptions): Promise<LocalProbeResult> {
  const sections = opts.sections ?? 'all'
  const script = opts.scriptPath ?? probeScriptPath()
  const shell = opts.shell === undefined ? ['sh'] : typeof opts.shell === 'string' ? [opts.shell] : opts.shell
  const argv = [...(opts.wrapper ?? []), ...shell, script]
  const env = {
    ...probeEnvironment({
      hostRoot: opts.hostRoot,
      sections,
      targets: opts.targets,
      cmdTimeoutSec: opts.cmdTimeoutSec,
      connectTimeoutSec: opts.connectTimeoutSec,
      // this process runs on the host (ip netns exec keeps the PID namespace): /proc is the host's
      hostPids: true,
    }),
    ...opts.env,
  }
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs(opts)
  const issues: string[] = []
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  let timedOut = false
  let exitCode: number | null = null
  let exitSignal: string | null = null
  let spawnError: string | null = null

  try {
    const sub = execa(argv[0], argv.slice(1), {
      env,
      extendEnv: true,
      stdin: 'ignore',
      buffer: false,
      reject: false,
      // own process group, so a timeout can end the script together with the tool it waits for
      detached: true,
      cleanup: true,
    })
    sub.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
    sub.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))

    const killGroup = (signal: NodeJS.Signals) => {
      if (sub.pid === undefined) return
      try {
        process.kill(-sub.pid, signal)
      } catch {
        // already gone
      }
    }
    let forceTimer: NodeJS.Timeout | undefined
    let drainTimer: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      killGroup('SIGTERM')
      forceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS)
    }, timeoutMs)

    // 'exit' can come before the pipes close when a grandchild (a tool under
    // `timeout`) still holds them: then wait a little for the rest, not forever.
    const exited = new Promise<void>((resolve) => {
      sub.nodeChildProcess.on('exit', (code, signal) => {
        exitCode = code
        exitSignal = signal
        drainTimer = setTimeout(resolve, DRAIN_MS)
      })
    })
    const finished = sub.then(
      (r) => {
        if (exitCode === null && exitSignal === null) {
          exitCode = typeof r.exitCode === 'number' ? r.exitCode : null
          exitSignal = r.signal ?? null
        }
        if (r.failed && r.exitCode === undefined && r.signal === undefined) spawnError = r.shortMessage ?? r.message ?? 'spawn failed'
      },
      (err: unknown) => {
        spawnError = err instanceof Error ? err.message : String(err)
      },
    )
    await Promise.race([finished, exited])
    clearTimeout(timer)
    clearTimeout(drainTimer)
    if (forceTimer) clearTimeout(forceTimer)
    killGroup('SIGKILL') // leftovers (a tool still running after the shell exited)
    // a tool under its own `timeout` (own process group) may still hold the pipes: stop reading
    sub.stdout?.destroy()
    sub.stderr?.destroy()
  } catch (err) {
    spawnError = err instanceof Error ? err.message : String(err)
  }

  if (spawnError) spawnError = spawnError.split('\n').filter((l) => l.trim() !== '').pop() ?? spawnError
  const text = Buffer.concat(stdout).toString('utf8')
  const parsed = parseProbeOutput(text, opts.nodeName)
  issues.push(...parsed.issues)
  if (spawnError) issues.push(`could not run the probe (${argv.join(' ')}): ${spawnError}`)
  if (timedOut) issues.push(`the probe was stopped after ${Math.round(timeoutMs / 1000)}s`)
  else if (exitSignal) issues.push(`the probe was killed by ${exitSignal}`)
  else if (exitCode !== null && exitCode !== 0) issues.push(`the probe exited with code ${exitCode}`)
  const err = Buffer.concat(stderr).toString('utf8').trim()
  if (err) {
    const lines = err.split('\n')
    issues.push(`probe stderr: ${lines.slice(0, 5).join(' | ')}${lines.length > 5 ? ` (+${lines.length - 5} lines)` : ''}`)
  }

  if (timedOut) {
    for (const [name, why] of Object.entries(parsed.capture.missing) as [SourceName, string][]) {
      if (why === TRUNCATED_REASON) parsed.capture.missing[name] = `${TRUNCATED_REASON}: the probe was stopped after ${Math.round(timeoutMs / 1000)}s`
    }
  }
  const reason = spawnError
    ? `probe did not run: ${spawnError}`
    : timedOut
      ? `probe timed out after ${Math.round(timeoutMs / 1000)}s`
      : parsed.complete
        ? 'not reported by the probe'
        : 'truncated probe output'
  return {capture: fillMissing(parsed.capture, probeSourceNames(sections), reason), issues}
}
