import {Args, Flags} from '@oclif/core'
import {UserError} from '../../model/errors.js'
import {oneLine} from '../../report/text.js'
import {InterruptGuard} from '../../infra/interrupt.js'
import {clusterFlags, KrCommand, kubeAccess} from '../base.js'
import type {ProgressSink} from '../../model/progress.js'

export default class DsrStatus extends KrCommand {
  static summary = 'Show the DSR state of one Service or of every DSR Service, as the API objects and the nodes tell it'
  static description =
    'Lists the Services annotated kube-router.io/service.dsr (or the named one): the IPs kube-router programs for DSR, each (ip, protocol, port) tuple with its fwmark, the scheduler, and every requirement of DSR checked against the Service and the kube-router DaemonSet. ' +
    'Then, unless --no-probe, a short-lived read-only probe pod on each node that should program a Service (as `kubectl kr doctor` runs them: at most one per node, all deleted at the end) shows per node whether kube-router programmed it: the mangle MARK rule with the right mark, `fwmark … lookup 78`, table 78 `local default`, the IPVS FWM service with Tunnel destinations matching the EndpointSlices, the TCP MSS clamp, the IP off kube-dummy-if, sloppy_tcp for mh, and inside each local endpoint pod kube-tunnel-if / kube-tunnel-v6 holding the IP with rp_filter 0. Nodes where kube-router should not program the Service (externalTrafficPolicy: Local without a local endpoint) say so. ' +
    'Exit 0: every listed Service is ready for DSR and programmed on its nodes; 1: one is not; 2: could not look (bad input, no access, a node that could not be probed).'

  static examples = [
    'kubectl kr dsr status',
    'kubectl kr dsr status media/stream -o wide',
    'kubectl kr dsr status -A -o json',
    'kubectl kr dsr status --no-probe',
    'kubectl kr dsr status stream -n media --probe-namespace kr-probes --image registry.local/kube-router:v2.11.1',
  ]

  static args = {
    service: Args.string({description: 'NAME or NAMESPACE/NAME of the Service (default: every DSR Service of the namespace)', required: false}),
  }

  static flags = {
    namespace: Flags.string({char: 'n', summary: 'Namespace of the Service(s) (default: the kubeconfig context\'s, else "default").', exclusive: ['all-namespaces']}),
    'all-namespaces': Flags.boolean({char: 'A', summary: 'Every DSR Service of every namespace.', exclusive: ['namespace']}),
    output: Flags.option({char: 'o', summary: 'Output format.', options: ['table', 'wide', 'json', 'yaml'] as const, default: 'table' as const})(),
    'no-probe': Flags.boolean({summary: 'Only the static state from the API objects; no probe pod is created.'}),
    image: Flags.string({summary: 'Probe pod image (default: the running kube-router DaemonSet image).'}),
    timeout: Flags.integer({summary: 'Seconds allowed for each probe command.', default: 10, min: 1, max: 3600}),
    concurrency: Flags.integer({summary: 'Probe pods running at once.', default: 200, min: 1}),
    'pod-timeout': Flags.integer({summary: 'Seconds a probe pod may run (its activeDeadlineSeconds), pulling the image included.', default: 120, min: 5, max: 86_400}),
    'probe-namespace': Flags.string({summary: 'Namespace for probe pods.', default: 'kube-system'}),
    ...clusterFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DsrStatus)
    if (flags.image === '') throw new UserError('--image is empty: give an image reference, or leave --image out to use the kube-router DaemonSet\'s image')
    const {openDsrStatus, dsrStatusExitCode} = await import('../../services/dsr-status.js')
    const {renderDsrStatus} = await import('../../report/render-dsr-status.js')
    const warn = (message: string) => process.stderr.write(`warning: ${oneLine(message)}\n`)
    const interrupt = new InterruptGuard()
    try {
      let progress: ProgressSink | undefined
      if (!flags['no-probe'] && process.stderr.isTTY && !process.env.CI) {
        const {progressLine} = await import('../../report/render-progress.js')
        progress = progressLine(process.stderr)
      }
      const probe = flags['no-probe']
        ? null
        : {
            image: flags.image ?? null,
            probeNamespace: flags['probe-namespace'],
            concurrency: flags.concurrency,
            podTimeoutSec: flags['pod-timeout'],
            cmdTimeoutSec: flags.timeout,
            signal: interrupt.signal,
            onProgress: progress,
            warn,
          }
      interrupt.arm()
      const doc = await openDsrStatus(kubeAccess(flags), {service: args.service ?? null, namespace: flags.namespace ?? null, allNamespaces: flags['all-namespaces']}, warn, probe)
      interrupt.disarm()
      if (interrupt.signalName) throw new Error('interrupted')
      process.stdout.write(renderDsrStatus(doc, flags.output))
      process.exitCode = dsrStatusExitCode(doc)
    } catch (error) {
      this.interruptedBy = interrupt.signalName
      throw error
    } finally {
      interrupt.disarm()
    }
  }
}
