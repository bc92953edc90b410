import {Command, Flags} from '@oclif/core'
import {hostname} from 'node:os'
import {readFile} from 'node:fs/promises'
import type {DoctorPorts} from '../services/doctor.js'
import type {FailOn} from '../model/report.js'
import type {TuiSession} from '../ui/session.js'
import {InterruptGuard} from '../infra/interrupt.js'
import {DEFAULT_BURST, DEFAULT_QPS, KubeRequestError} from '../model/kube-port.js'

/** tui when a person is at a terminal (and not under CI), text otherwise; -o always wins. */
export function chooseOutput(flag: string | undefined, env: NodeJS.ProcessEnv, tty = Boolean(process.stdin.isTTY && process.stdout.isTTY)): string {
  if (flag) return flag
  return tty && !env.CI ? 'tui' : 'text'
}

export default class Doctor extends Command {
  static summary = 'Diagnose kube-router on nodes: routes, ip rules, ipsets, IPVS, iptables, sysctls and VIP reachability'
  static description =
    'Runs a read-only probe (on this host with --local, or from a saved bundle with --from-bundle), compares what it finds with what kube-router should have programmed, and reports findings with evidence and remediation.'

  static examples = [
    'sudo kubectl kr doctor --local',
    'sudo kubectl kr doctor --local --node $(hostname) --kubeconfig /etc/kubernetes/admin.conf',
    'kubectl kr doctor --from-bundle ./kr-bundle.tar.gz -o json',
    'kubectl kr doctor --from-bundle ./bundle --check ipv6-vip-routes --fail-on warning',
  ]

  static flags = {
    output: Flags.string({char: 'o', summary: 'Output format (default: tui on a terminal, else text).', options: ['tui', 'text', 'json', 'yaml', 'junit']}),
    node: Flags.string({summary: 'Node name (repeatable). With --local: the name of this host in the cluster.', multiple: true, default: []}),
    selector: Flags.string({char: 'l', summary: 'Node label selector (cluster mode).'}),
    check: Flags.string({summary: 'Run only this check id (repeatable).', multiple: true, default: []}),
    skip: Flags.string({summary: 'Skip this check id (repeatable).', multiple: true, default: []}),
    local: Flags.boolean({summary: 'Probe this host directly (needs root), no pods.', exclusive: ['from-bundle']}),
    'from-bundle': Flags.string({summary: 'Analyse a saved bundle (directory or .tar.gz) instead of probing.'}),
    'save-bundle': Flags.string({summary: 'Also save what was collected as a bundle (directory, or .tar.gz).'}),
    'host-root': Flags.string({summary: 'With --local: where the host filesystem is (for networkd config).', default: '/'}),
    'kube-router-log': Flags.string({summary: 'With --local: a file holding the recent kube-router log of this node.'}),
    image: Flags.string({summary: 'Probe pod image (default: the running kube-router DaemonSet image).'}),
    timeout: Flags.integer({summary: 'Seconds allowed for each probe command.', default: 10, min: 1}),
    concurrency: Flags.integer({summary: 'Probe pods running at once (cluster mode).', default: 200, min: 1}),
    'pod-timeout': Flags.integer({summary: 'Seconds a probe pod may run (its activeDeadlineSeconds), pulling the image included.', default: 120, min: 5}),
    qps: Flags.integer({summary: 'Kubernetes API requests per second at most (cluster mode).', default: DEFAULT_QPS, min: 1, helpGroup: 'API'}),
    burst: Flags.integer({summary: 'Kubernetes API requests allowed in a burst above --qps.', default: DEFAULT_BURST, min: 1, helpGroup: 'API'}),
    'fail-on': Flags.string({summary: 'Exit 1 when findings at or above this severity exist.', options: ['error', 'warning', 'none'], default: 'error'}),
    kubeconfig: Flags.string({summary: 'Path to the kubeconfig file.'}),
    context: Flags.string({summary: 'Kubeconfig context to use.'}),
    namespace: Flags.string({char: 'n', summary: 'Namespace of Services (for commands that take one).'}),
    'probe-namespace': Flags.string({summary: 'Namespace for probe pods.', default: 'kube-system'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Doctor)
    const {UserError} = await import('../model/errors.js')
    const interrupt = new InterruptGuard()
    let tui: TuiSession | null = null
    let endProgress = () => {}
    // notes (warnings, "bundle saved") go to stderr, except while the TUI owns the terminal: then they wait
    const held: string[] = []
    let say = (line: string): void => {
      process.stderr.write(`${line}\n`)
    }
    const flushWarnings = () => {
      for (const line of held.splice(0)) process.stderr.write(`${line}\n`)
    }
    try {
      const {selectChecks, UnknownCheckError} = await import('../checks/index.js')
      let checks
      try {
        checks = selectChecks(flags.check, flags.skip)
      } catch (error) {
        if (error instanceof UnknownCheckError) throw new UserError(error.message)
        throw error
      }
      const output = chooseOutput(flags.output, process.env)
      if (output === 'tui' && !(process.stdin.isTTY && process.stdout.isTTY)) {
        throw new UserError('-o tui needs a terminal on stdin and stdout; use -o text, json, yaml or junit when piping')
      }
      const ports = await this.ports(flags, interrupt.signal, (line) => say(line))
      if (output === 'tui') {
        const {startTui} = await import('../ui/start-tui.js')
        const {shouldUseColor, supportsUnicode} = await import('../report/render-text.js')
        const session = startTui({
          stdin: process.stdin,
          stdout: process.stdout,
          onInterrupt: () => interrupt.trigger('SIGINT'),
          color: shouldUseColor(process.env, true),
          unicode: supportsUnicode(process.env),
        })
        tui = session
        ports.progress = session.progress
        say = (line) => {
          held.push(line)
        }
      } else if (process.stderr.isTTY && !process.env.CI) {
        const {progressLine} = await import('../report/render-progress.js')
        ports.progress = progressLine(process.stderr)
        endProgress = () => ports.progress?.({kind: 'run-finished', at: Date.now()})
      }
      interrupt.arm()
      const {runDoctor} = await import('../services/doctor.js')
      const {report, snapshot} = await runDoctor(ports, checks)
      interrupt.disarm()
      if (interrupt.signalName) throw new Error('interrupted')
      const {exitCodeFor} = await import('../report/exit-code.js')
      const exitCode = exitCodeFor(report, flags['fail-on'] as FailOn)
      if (tui) {
        const {writeBundle} = await import('../infra/bundle.js')
        const {renderJson} = await import('../report/render-json.js')
        const {writeFile} = await import('node:fs/promises')
        const version = this.config.version
        await tui.showReport(report, {
          saveBundle: async (path) => {
            const {checkBundleTarget} = await import('../infra/bundle.js')
            await checkBundleTarget(path)
            await writeBundle(snapshot, path, version)
            return `bundle saved to ${path}`
          },
          writeReport: async (path) => {
            await writeFile(path, renderJson(report), {flag: 'wx'})
            return `report written to ${path}`
          },
        })
        tui = null
        flushWarnings()
      } else {
        process.stdout.write(await this.render(report, output))
      }
      process.exitCode = exitCode
    } catch (error) {
      endProgress()
      if (tui) await tui.close().catch(() => {})
      flushWarnings()
      if (interrupt.signalName) {
        process.stderr.write(`interrupted (${interrupt.signalName})${error instanceof UserError || error instanceof KubeRequestError ? `: ${error.message}` : ''}\n`)
        process.exitCode = interrupt.signalName === 'SIGTERM' ? 143 : 130
        return
      }
      // an API refusal or an unreachable server is the user's to fix: one line, exit 2, as a UserError
      if (error instanceof UserError || error instanceof KubeRequestError) {
        process.stderr.write(`error: ${(error as Error).message}\n`)
        process.exitCode = (error as {exitCode?: number}).exitCode ?? 2
        return
      }
      const message = error instanceof Error ? error.message : String(error)
      process.stderr.write(`error: internal error: ${message.split('\n')[0]}${process.env.KR_DEBUG ? `\n${(error as Error).stack}` : ' (set KR_DEBUG=1 for details)'}\n`)
      process.exitCode = 2
    } finally {
      interrupt.disarm()
    }
  }

  private async ports(flags: Record<string, unknown> & {node: string[]}, signal: AbortSignal, say: (line: string) => void): Promise<DoctorPorts> {
    const {UserError} = await import('../model/errors.js')
    const warn = (message: string) => say(`warning: ${message}`)
    const saveTo = flags['save-bundle'] as string | undefined
    const version = this.config.version
    if (saveTo) await (await import('../infra/bundle.js')).checkBundleTarget(saveTo)
    const saveBundle = saveTo
      ? async (snapshot: Parameters<NonNullable<DoctorPorts['saveBundle']>>[0]) => {
          const {writeBundle} = await import('../infra/bundle.js')
          await writeBundle(snapshot, saveTo, version)
          say(`bundle saved to ${saveTo}`)
        }
      : undefined

    const fromBundle = flags['from-bundle'] as string | undefined
    if (fromBundle) {
      const {readBundle} = await import('../infra/bundle.js')
      return {warn, saveBundle, collect: async () => ({snapshot: await readBundle(fromBundle), issues: []})}
    }
    if (flags.local) {
      if (typeof process.getuid === 'function' && process.getuid() !== 0) {
        throw new UserError('doctor --local reads ipsets, iptables and IPVS state and needs root: run it with sudo (or use --from-bundle)')
      }
      if (flags.node.length > 1) throw new UserError('--local probes one host: give at most one --node')
      const nodeName = flags.node[0] ?? hostname()
      const logPath = flags['kube-router-log'] as string | undefined
      let kubeRouterLog: string | null = null
      if (logPath) {
        try {
          kubeRouterLog = await readFile(logPath, 'utf8')
        } catch (error) {
          throw new UserError(`cannot read --kube-router-log ${logPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
        }
      }
      const wantsCluster = Boolean(flags.kubeconfig || flags.context || (flags.node.length > 0 && process.env.KUBECONFIG))
      return {
        warn,
        saveBundle,
        collect: async () => {
          let cluster = null
          let context: string | null = null
          if (wantsCluster) {
            const {openKube} = await import('../infra/kube-api.js')
            const kube = openKube({kubeconfig: (flags.kubeconfig as string) ?? null, context: (flags.context as string) ?? null})
            context = kube.context
            cluster = await kube.fetchClusterObjects({nodeNames: [nodeName], selector: null})
            if (!cluster.nodes.some((n) => n.metadata.name === nodeName)) {
              warn(`node "${nodeName}" is not in the cluster; pass --node with this host's Kubernetes node name`)
            }
          }
          const {runLocalProbe, mergeCaptures} = await import('../infra/local-probe.js')
          const {collectLocal} = await import('../services/collect-local.js')
          return collectLocal(
            {
              run: (o) => runLocalProbe({...o, cmdTimeoutSec: flags.timeout as number}),
              merge: mergeCaptures,
            },
            {nodeName, hostRoot: flags['host-root'] as string, cluster, context, kubeRouterLog},
          )
        },
      }
    }
    return {
      warn,
      saveBundle,
      collect: async (progress) => {
        const {openKube} = await import('../infra/kube-api.js')
        const {collectCluster} = await import('../services/collect-cluster.js')
        const {readProbeScript, compactScript} = await import('../probe/script-path.js')
        const {randomBytes} = await import('node:crypto')
        const kube = openKube({
          kubeconfig: (flags.kubeconfig as string) ?? null,
          context: (flags.context as string) ?? null,
          qps: flags.qps as number,
          burst: flags.burst as number,
        })
        return collectCluster(
          kube,
          {
            nodeNames: flags.node,
            selector: (flags.selector as string) ?? null,
            image: (flags.image as string) ?? null,
            probeNamespace: flags['probe-namespace'] as string,
            concurrency: flags.concurrency as number,
            podTimeoutSec: flags['pod-timeout'] as number,
            cmdTimeoutSec: flags.timeout as number,
            runId: randomBytes(3).toString('hex'),
            script: compactScript(await readProbeScript()),
            signal,
            warn,
          },
          progress,
        )
      },
    }
  }

  private async render(report: Parameters<typeof import('../report/render-json.js').renderJson>[0], output: string): Promise<string> {
    switch (output) {
      case 'json':
        return (await import('../report/render-json.js')).renderJson(report)
      case 'yaml':
        return (await import('../report/render-yaml.js')).renderYaml(report)
      case 'junit':
        return (await import('../report/render-junit.js')).renderJunit(report)
      default: {
        const {renderText, shouldUseColor, supportsUnicode} = await import('../report/render-text.js')
        return renderText(report, {
          color: shouldUseColor(process.env, process.stdout.isTTY === true),
          unicode: supportsUnicode(process.env),
          width: process.stdout.isTTY ? Math.min(process.stdout.columns || 100, 120) : 100,
        })
      }
    }
  }
}
