import {Flags, type Interfaces} from '@oclif/core'
import type {DoctorReport, FailOn} from '../model/report.js'
import type {ProgressSink} from '../model/progress.js'
import type {CollectorOptions} from '../services/collectors.js'
import type {StartTui, TuiSession} from '../ui/session.js'
import {DEFAULT_BURST, DEFAULT_QPS} from '../model/kube-port.js'
import {UserError} from '../model/errors.js'
import {InterruptGuard} from '../infra/interrupt.js'
import {BUNDLE_LIMIT_FLAGS, BUNDLE_LIMIT_SUMMARIES, DEFAULT_BUNDLE_LIMITS, formatLimit, parseBundleLimit, type BundleLimitName, type BundleLimits} from '../infra/bundle-limits.js'
import {safe} from '../report/text.js'
import {clusterFlags, durationFlagMs, KrCommand, kubeAccess, namesACluster} from './base.js'
import {formatDuration, parseDuration} from '../model/duration.js'
import {KubeRequestError} from '../model/kube-port.js'

/** The interactive UI, loaded only when it is used: -o json|text|… never load Ink (the one import of src/ui). */
async function loadTui(): Promise<StartTui> {
  return (await import('../ui/start-tui.js')).startTui
}

/** Waits `ms`, or less when the signal aborts (Ctrl-C between watch rounds). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, {once: true})
  })
}

type Output = 'tui' | 'text' | 'json' | 'yaml' | 'junit' | 'markdown'

const limitFlag = (name: BundleLimitName) =>
  Flags.string({
    summary: `${BUNDLE_LIMIT_SUMMARIES[name]} Default: ${formatLimit(name, DEFAULT_BUNDLE_LIMITS[name])}.`,
    helpGroup: 'BUNDLE LIMITS',
    helpValue: name === 'entries' || name === 'jsonDepth' ? 'N' : 'SIZE',
    dependsOn: ['from-bundle'],
  })

/** tui when a person is at a terminal (and not under CI), text otherwise; -o always wins. */
export function chooseOutput(flag: Output | undefined, env: NodeJS.ProcessEnv, tty = Boolean(process.stdin.isTTY && process.stdout.isTTY)): Output {
  if (flag) return flag
  return tty && !env.CI ? 'tui' : 'text'
}

export default class Doctor extends KrCommand {
  static summary = 'Diagnose kube-router on nodes: routes, ip rules, ipsets, IPVS, iptables, sysctls and VIP reachability'
  static description = [
    'By default doctor works in cluster mode: it reads the cluster of the current kubeconfig context, runs one short-lived, read-only probe pod on each node (all nodes, or those of --node / -l) in --probe-namespace, deletes the pods, and compares what each node has with what kube-router should have programmed there.',
    'With --local it probes this host directly instead (needs root, no pods); with --from-bundle it analyses a bundle saved earlier with --save-bundle.',
    'Findings come with their evidence and remediation; the same fault on many nodes is one entry naming the nodes. Exit 0: nothing at or above --fail-on; 1: findings at or above it; 2: could not diagnose (bad flags, cluster unreachable, bundle unreadable, no node probed).',
  ].join('\n\n')

  static examples = [
    {description: 'Every node of the current context\'s cluster (cluster mode, the default)', command: 'kubectl kr doctor'},
    {description: 'Two nodes of another context, as text, failing on warnings too', command: 'kubectl kr doctor --context prod --node node-a --node node-b -o text --fail-on warning'},
    {description: 'Nodes by label; only the VIPs of Services in namespace shop', command: 'kubectl kr doctor -l node-role.kubernetes.io/worker= -n shop'},
    {description: 'Two checks only, and save what was collected to attach to a bug report', command: 'kubectl kr doctor --check ipv6-vip-routes,local-ips-ipset --save-bundle ./kr-bundle.tar.gz'},
    {description: 'A report to paste into a GitHub issue', command: 'kubectl kr doctor -o markdown > report.md'},
    {description: 'This host, without pods (run on the node)', command: '$ sudo kubectl kr doctor --local --node $(hostname) --kubeconfig /etc/kubernetes/admin.conf'},
    {description: 'A saved bundle, one node of it, as JSON', command: 'kubectl kr doctor --from-bundle ./kr-bundle.tar.gz --node node-a -o json'},
  ]

  static flags = {
    output: Flags.option({
      char: 'o',
      summary: 'Output format (default: tui on a terminal, else text). markdown: to paste into a GitHub issue; junit: failures follow --fail-on.',
      options: ['tui', 'text', 'json', 'yaml', 'junit', 'markdown'] as const,
    })(),
    node: Flags.string({summary: 'Node name (repeatable, or comma-separated). With --local: the name of this host in the cluster.', multiple: true, delimiter: ',', helpValue: 'NAME'}),
    selector: Flags.string({char: 'l', summary: 'Node label selector, as kubectl get nodes -l takes it (with --from-bundle: the bundle\'s node labels).', helpValue: 'SELECTOR'}),
    namespace: Flags.string({char: 'n', summary: 'Probe and report the VIPs of Services in this namespace only (default: every namespace).', helpValue: 'NAMESPACE'}),
    check: Flags.string({summary: 'Run only these checks: ids, comma-separated or repeated (`kubectl kr checks` lists them).', multiple: true, delimiter: ',', helpValue: 'ID'}),
    skip: Flags.string({summary: 'Skip these checks: ids, comma-separated or repeated.', multiple: true, delimiter: ',', helpValue: 'ID'}),
    local: Flags.boolean({summary: 'Probe this host directly (needs root), no pods.', exclusive: ['from-bundle']}),
    'from-bundle': Flags.string({summary: 'Analyse a saved bundle (directory or .tar.gz) instead of probing.', helpValue: 'PATH'}),
    'save-bundle': Flags.string({summary: 'Also save what was collected, and the report (report.json), as a bundle: a directory, or a .tar.gz. Never overwrites.', helpValue: 'PATH'}),
    'host-root': Flags.string({summary: 'With --local: where the host filesystem is (for networkd config).', default: '/', helpValue: 'PATH'}),
    'kube-router-log': Flags.string({summary: 'With --local: a file holding the recent kube-router log of this node.', helpValue: 'FILE'}),
    image: Flags.string({summary: 'Probe pod image (default: the running kube-router DaemonSet image).', helpValue: 'IMAGE'}),
    timeout: Flags.string({summary: 'Time allowed for each probe command: 10s, 1m, or a number of seconds.', default: '10s', helpValue: 'DURATION'}),
    concurrency: Flags.integer({summary: 'Probe pods running at once (cluster mode).', default: 200, min: 1, helpValue: 'N'}),
    'pod-timeout': Flags.string({summary: 'How long a probe pod may run (its activeDeadlineSeconds), pulling the image included: 2m, 90s, or a number of seconds; at least 5s.', default: '2m', helpValue: 'DURATION'}),
    qps: Flags.integer({summary: 'Kubernetes API requests per second at most (cluster mode).', default: DEFAULT_QPS, min: 1, helpGroup: 'API', helpValue: 'N'}),
    burst: Flags.integer({summary: 'Kubernetes API requests allowed in a burst above --qps.', default: DEFAULT_BURST, min: 1, helpGroup: 'API', helpValue: 'N'}),
    'fail-on': Flags.option({summary: 'Exit 1 when findings at or above this severity exist.', options: ['error', 'warning', 'none'] as const, default: 'error' as const})(),
    ...clusterFlags,
    'probe-namespace': Flags.string({summary: 'Namespace the probe pods run in (its Pod Security level must allow privileged pods).', default: 'kube-system', helpValue: 'NAMESPACE'}),
    watch: Flags.string({
      summary: 'Run again every INTERVAL (default 60s) until Ctrl-C, showing what changed since the previous round (new and resolved findings, with the time); probe pods are deleted after every round. -o json: one report per line.',
      helpValue: '[INTERVAL]',
    }),
    'max-bundle-size': limitFlag('archiveBytes'),
    'max-bundle-entries': limitFlag('entries'),
    'max-bundle-file-size': limitFlag('fileBytes'),
    'max-bundle-bytes': limitFlag('totalBytes'),
    'max-bundle-json-size': limitFlag('jsonBytes'),
    'max-bundle-json-depth': limitFlag('jsonDepth'),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Doctor, withWatchDefault(this.argv))
    const {selectDoctorChecks, checkSaveTarget, runDoctor} = await import('../services/doctor.js')
    const checks = await selectDoctorChecks(idList(flags.check), idList(flags.skip))
    if (flags.watch !== undefined) return this.watch(flags, checks)
    const output = chooseOutput(flags.output, process.env)
    if (output === 'tui' && !(process.stdin.isTTY && process.stdout.isTTY)) {
      throw new UserError('-o tui needs a terminal on stdin and stdout; use -o text, json, yaml, junit or markdown when piping')
    }
    if (flags.local && (flags.node ?? []).length > 1) throw new UserError('--local probes one host: give at most one --node')

    const interrupt = new InterruptGuard()
    // notes (warnings, "bundle saved") go to stderr, except while the TUI owns the terminal: then they wait
    const held: string[] = []
    let holdNotes = false
    const say = (text: string): void => {
      const line = safe(text)
      if (holdNotes) held.push(line)
      else process.stderr.write(`${line}\n`)
    }
    const flushNotes = () => {
      holdNotes = false
      for (const line of held.splice(0)) process.stderr.write(`${line}\n`)
    }
    const warn = (message: string) => say(`warning: ${message}`)

    let tui: TuiSession | null = null
    try {
      const saveTo = flags['save-bundle'] ?? null
      if (saveTo) await checkSaveTarget(saveTo)
      const {openCollector} = await import('../services/collectors.js')
      const collector = await openCollector(collectorOptions(flags), {signal: interrupt.signal, warn})
      let progress: ProgressSink | undefined
      if (output === 'tui') {
        const {shouldUseColor, supportsUnicode} = await import('../report/render-text.js')
        tui = (await loadTui())({
          stdin: process.stdin,
          stdout: process.stdout,
          onInterrupt: () => interrupt.trigger('SIGINT'),
          color: shouldUseColor(process.env, true),
          unicode: supportsUnicode(process.env),
        })
        progress = tui.progress
        holdNotes = true
      } else if (process.stderr.isTTY && !process.env.CI) {
        const {progressLine} = await import('../report/render-progress.js')
        progress = progressLine(process.stderr)
      }
      interrupt.arm()
      const {report, snapshot} = await runDoctor({collector, checks, saveTo, toolVersion: this.config.version, warn, note: say, progress, serviceNamespace: flags.namespace ?? null})
      interrupt.disarm()
      if (interrupt.signalName) throw new Error('interrupted')
      const {exitCodeFor, nothingDiagnosed} = await import('../report/exit-code.js')
      const undiagnosed = nothingDiagnosed(report)
      const exitCode = undiagnosed ? 2 : exitCodeFor(report, flags['fail-on'])
      if (tui) {
        const {saveBundle, saveReport} = await import('../services/doctor.js')
        const version = this.config.version
        await tui.showReport(report, {
          saveBundle: async (path) => {
            await saveBundle(snapshot, path, version, report)
            return `bundle saved to ${path}`
          },
          writeReport: async (path) => {
            await saveReport(report, path)
            return `report written to ${path}`
          },
        })
        tui = null
        flushNotes()
        // what stays on the terminal after quitting: the one-line summary of the run
        const {summaryText} = await import('../report/finding-groups.js')
        process.stdout.write(`${safe(summaryText(report))}\n`)
      } else if (output !== 'tui') {
        process.stdout.write(await render(report, output, {failOn: flags['fail-on'], toolVersion: this.config.version}))
      }
      if (undiagnosed) process.stderr.write(`error: nothing was diagnosed: ${safe(undiagnosed)}\n`)
      process.exitCode = exitCode
    } catch (error) {
      if (tui) await tui.close().catch(() => {})
      flushNotes()
      this.interruptedBy = interrupt.signalName
      throw error
    } finally {
      interrupt.disarm()
    }
  }

  /**
   * `--watch`: a round every interval until Ctrl-C (or q in the TUI). Each round is a whole run (its probe pods
   * deleted at its end). Text prints the first report, then per round what changed; json one report per line; the
   * TUI browses the latest round's report, its info line saying what the round changed. A round that fails (the API
   * server away for a while) is a warning and the watch goes on. Ctrl-C during a round deletes its pods and exits
   * 130 as any run; between rounds (or q) it ends the watch with the last round's exit code.
   */
  private async watch(flags: Interfaces.InferredFlags<typeof Doctor.flags>, checks: Awaited<ReturnType<typeof import('../services/doctor.js').selectDoctorChecks>>): Promise<void> {
    const intervalMs = durationFlagMs('--watch', flags.watch ?? DEFAULT_WATCH_INTERVAL)
    if (flags['from-bundle']) throw new UserError('--watch probes again every interval: it does not go with --from-bundle')
    if (flags['save-bundle']) throw new UserError('--watch does not save bundles: run once with --save-bundle to capture a round')
    const output = chooseOutput(flags.output, process.env)
    if (output !== 'text' && output !== 'json' && output !== 'tui') {
      throw new UserError(`--watch shows rounds in the TUI, as text (what changed each round) or as JSON (one report per line), not ${output}: pass -o tui, -o text or -o json`)
    }
    if (output === 'tui' && !(process.stdin.isTTY && process.stdout.isTTY)) throw new UserError('-o tui needs a terminal on stdin and stdout; use -o text or json with --watch when piping')
    const {runDoctor, saveReport} = await import('../services/doctor.js')
    const {openCollector} = await import('../services/collectors.js')
    const {exitCodeFor, nothingDiagnosed} = await import('../report/exit-code.js')
    const {renderWatchRound, roundLine} = await import('../report/watch-diff.js')
    const {renderJsonLine} = await import('../report/render-json.js')
    const {supportsUnicode, shouldUseColor} = await import('../report/render-text.js')
    const {summaryText} = await import('../report/finding-groups.js')
    const interrupt = new InterruptGuard()
    // while the TUI owns the terminal, warnings wait for it to close
    const held: string[] = []
    let holdNotes = false
    const warn = (message: string) => {
      const line = `warning: ${safe(message)}`
      if (holdNotes) held.push(line)
      else process.stderr.write(`${line}\n`)
    }
    let tui: TuiSession | null = null
    let view: ReturnType<TuiSession['watchReports']> | null = null
    const stop = new AbortController()
    let roundRunning = false
    let quit = false
    if (output === 'tui') {
      tui = (await loadTui())({stdin: process.stdin, stdout: process.stdout, onInterrupt: () => interrupt.trigger('SIGINT'), color: shouldUseColor(process.env, true), unicode: supportsUnicode(process.env)})
      holdNotes = true
    }
    let previous: DoctorReport | null = null
    let exitCode = 0
    let lastChange: string | null = null
    interrupt.arm()
    try {
      for (let round = 1; !interrupt.signal.aborted && !quit; round++) {
        let report: DoctorReport
        try {
          roundRunning = true
          const collector = await openCollector(collectorOptions(flags), {signal: interrupt.signal, warn})
          ;({report} = await runDoctor({collector, checks, saveTo: null, toolVersion: this.config.version, warn, note: warn, serviceNamespace: flags.namespace ?? null, progress: round === 1 ? tui?.progress : undefined}))
        } catch (error) {
          if (quit) break
          if (interrupt.signalName || !(error instanceof UserError || error instanceof KubeRequestError) || round === 1) throw error
          warn(`round ${round} failed: ${error.message}; trying again in ${formatDuration(intervalMs)}`)
          view?.update(previous!, `round ${round} failed: ${error.message}`)
          await pause(intervalMs, AbortSignal.any([interrupt.signal, stop.signal]))
          continue
        } finally {
          roundRunning = false
        }
        const undiagnosed = nothingDiagnosed(report)
        exitCode = undiagnosed ? 2 : exitCodeFor(report, flags['fail-on'])
        if (output === 'json') process.stdout.write(renderJsonLine(report))
        else if (output === 'tui') {
          if (view === null) {
            const shown = report
            view = tui!.watchReports(report, {
              saveBundle: async () => {
                throw new UserError('--watch does not save bundles: run once with --save-bundle')
              },
              writeReport: async (path) => {
                await saveReport(previous ?? shown, path)
                return `report written to ${path}`
              },
            })
            view.closed.then(() => {
              quit = true
              // q during a round stops it (its pods are deleted); between rounds it ends the wait
              if (roundRunning) interrupt.trigger('SIGINT')
              stop.abort()
            })
          } else {
            // the info line keeps the last change in sight: rounds without one only add when they ran
            const line = roundLine(round, new Date(), previous!, report)
            if (!/: no change · /.test(line) || lastChange === null) lastChange = line
            view.update(report, lastChange === line ? line : `${lastChange.split(' · ')[0]} · since then no change (round ${round} at ${line.slice(0, 8)})`)
          }
        } else if (previous === null) process.stdout.write(await render(report, 'text', {failOn: flags['fail-on'], toolVersion: this.config.version}))
        else process.stdout.write(renderWatchRound(round, new Date(), previous, report, supportsUnicode(process.env)))
        if (undiagnosed) warn(`round ${round}: nothing was diagnosed: ${undiagnosed}`)
        previous = report
        await pause(intervalMs, AbortSignal.any([interrupt.signal, stop.signal]))
      }
    } catch (error) {
      if (!quit) {
        if (tui) await tui.close().catch(() => {})
        this.interruptedBy = interrupt.signalName
        throw error
      }
    } finally {
      interrupt.disarm()
      if (view) await view.closed
      holdNotes = false
      for (const line of held.splice(0)) process.stderr.write(`${line}\n`)
    }
    // what stays on the terminal after the TUI: the last round's summary
    if (output === 'tui' && previous) process.stdout.write(`${safe(summaryText(previous))}\n`)
    process.exitCode = exitCode
  }
}

/** `--watch` takes its INTERVAL optionally: a bare --watch (at the end, or before another flag) means 60s. */
export function withWatchDefault(argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i])
    if (argv[i] !== '--watch') continue
    const next = argv[i + 1]
    if (next === undefined || next.startsWith('-') || 'error' in parseDuration(next)) out.push(DEFAULT_WATCH_INTERVAL)
  }
  return out
}

const DEFAULT_WATCH_INTERVAL = '60s'

function collectorOptions(flags: Interfaces.InferredFlags<typeof Doctor.flags>): CollectorOptions {
  const access = kubeAccess(flags)
  const nodes = flags.node ?? []
  const cmdTimeoutSec = Math.ceil(durationFlagMs('--timeout', flags.timeout) / 1000)
  if (cmdTimeoutSec > 3600) throw new UserError('--timeout is at most 1h: a probe command that takes longer is stuck')
  const podTimeout = podTimeoutSec(flags['pod-timeout'])
  if (flags['from-bundle']) return {mode: 'bundle', path: flags['from-bundle'], limits: bundleLimits(flags), nodeNames: nodes, selector: flags.selector ?? null}
  if (flags.local) {
    // cluster objects only when asked for: a kubeconfig or context, or a node name with KUBECONFIG set
    const wantsCluster = namesACluster(flags) || (nodes.length > 0 && Boolean(process.env.KUBECONFIG))
    return {
      mode: 'local',
      nodeName: nodes[0] ?? null,
      hostRoot: flags['host-root'],
      kubeRouterLogPath: flags['kube-router-log'] ?? null,
      cluster: wantsCluster ? access : null,
      cmdTimeoutSec,
      serviceNamespace: flags.namespace ?? null,
    }
  }
  if (flags.image === '') throw new UserError('--image is empty: give an image reference, or leave --image out to use the kube-router DaemonSet\'s image')
  return {
    mode: 'cluster',
    kube: {...access, qps: flags.qps, burst: flags.burst},
    nodeNames: nodes,
    selector: flags.selector ?? null,
    image: flags.image ?? null,
    probeNamespace: flags['probe-namespace'],
    concurrency: flags.concurrency,
    podTimeoutSec: podTimeout,
    cmdTimeoutSec,
    serviceNamespace: flags.namespace ?? null,
  }
}

/** --pod-timeout in whole seconds (activeDeadlineSeconds), between 5s and a day. */
function podTimeoutSec(text: string): number {
  const seconds = Math.ceil(durationFlagMs('--pod-timeout', text) / 1000)
  if (seconds < 5) throw new UserError('--pod-timeout must be at least 5s: a probe pod needs that to start')
  if (seconds > 86_400) throw new UserError('--pod-timeout is at most 24h')
  return seconds
}

/** Check ids of --check / --skip: comma-separated or repeated, blanks ignored. */
function idList(values: readonly string[] | undefined): string[] {
  return (values ?? []).map((v) => v.trim()).filter((v) => v !== '')
}

function bundleLimits(flags: Interfaces.InferredFlags<typeof Doctor.flags>): Partial<BundleLimits> {
  const limits: Partial<BundleLimits> = {}
  for (const name of Object.keys(BUNDLE_LIMIT_FLAGS) as BundleLimitName[]) {
    const text = flags[BUNDLE_LIMIT_FLAGS[name].slice(2) as keyof typeof flags]
    if (typeof text === 'string') limits[name] = parseBundleLimit(name, text)
  }
  return limits
}

async function render(report: DoctorReport, output: Exclude<Output, 'tui'>, opts: {failOn: FailOn; toolVersion: string}): Promise<string> {
  switch (output) {
    case 'json':
      return (await import('../report/render-json.js')).renderJson(report)
    case 'yaml':
      return (await import('../report/render-yaml.js')).renderYaml(report)
    case 'junit':
      return (await import('../report/render-junit.js')).renderJunit(report, opts.failOn)
    case 'markdown':
      return (await import('../report/render-markdown.js')).renderMarkdown(report, {toolVersion: opts.toolVersion})
    case 'text': {
      const {renderText, shouldUseColor, supportsUnicode} = await import('../report/render-text.js')
      return renderText(report, {
        color: shouldUseColor(process.env, process.stdout.isTTY === true),
        unicode: supportsUnicode(process.env),
        width: process.stdout.isTTY ? Math.min(process.stdout.columns || 100, 120) : 100,
      })
    }
  }
}
