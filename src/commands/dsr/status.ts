import {Args, Flags} from '@oclif/core'
import {UserError} from '../../model/errors.js'
import {oneLine} from '../../report/text.js'
import {clusterFlags, KrCommand, kubeAccess} from '../base.js'

export default class DsrStatus extends KrCommand {
  static summary = 'Show the DSR state of one Service or of every DSR Service'
  static description =
    'Lists the Services annotated kube-router.io/service.dsr (or the named one): the IPs kube-router programs for DSR, each (ip, protocol, port) tuple with its fwmark, the scheduler, and every requirement of DSR checked against the Service and the kube-router DaemonSet. Node probing is not available yet: pass --no-probe for the state the API objects show. Exit 0: every listed Service is ready for DSR; 1: one is not; 2: could not look.'

  static examples = ['kubectl kr dsr status --no-probe', 'kubectl kr dsr status media/stream --no-probe -o wide', 'kubectl kr dsr status -A --no-probe -o json']

  static args = {
    service: Args.string({description: 'NAME or NAMESPACE/NAME of the Service (default: every DSR Service of the namespace)', required: false}),
  }

  static flags = {
    namespace: Flags.string({char: 'n', summary: 'Namespace of the Service(s) (default: the kubeconfig context\'s, else "default").', exclusive: ['all-namespaces']}),
    'all-namespaces': Flags.boolean({char: 'A', summary: 'Every DSR Service of every namespace.', exclusive: ['namespace']}),
    output: Flags.option({char: 'o', summary: 'Output format.', options: ['table', 'wide', 'json', 'yaml'] as const, default: 'table' as const})(),
    'no-probe': Flags.boolean({summary: 'Only the static state from the API objects; nodes are not probed (required for now).'}),
    ...clusterFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DsrStatus)
    if (!flags['no-probe']) {
      throw new UserError('node probing of `dsr status` is not available yet: pass --no-probe for the static state from the API objects')
    }
    const {openDsrStatus, dsrStatusExitCode} = await import('../../services/dsr-status.js')
    const {renderDsrStatus} = await import('../../report/render-dsr-status.js')
    const doc = await openDsrStatus(
      kubeAccess(flags),
      {service: args.service ?? null, namespace: flags.namespace ?? null, allNamespaces: flags['all-namespaces']},
      (message) => process.stderr.write(`warning: ${oneLine(message)}\n`),
    )
    process.stdout.write(renderDsrStatus(doc, flags.output))
    process.exitCode = dsrStatusExitCode(doc)
  }
}
