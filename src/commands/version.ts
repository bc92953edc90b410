import {Flags} from '@oclif/core'
import type {VersionDocument} from '../report/render-version.js'
import {UserError} from '../model/errors.js'
import {oneLine} from '../report/text.js'
import {clusterFlags, KrCommand, kubeAccess, namesACluster} from './base.js'

/** `version` should answer quickly: without --request-timeout it waits this long for the cluster. */
const VERSION_REQUEST_TIMEOUT = '5s'

export default class Version extends KrCommand {
  static summary = 'Print the kubectl-kr version, and the Kubernetes and kube-router versions when a cluster is reachable'
  static description = [
    'The kube-router version comes two ways: from the tag of the DaemonSet\'s image, and from what the running kube-router pods logged at start-up (the line `kube-router --version` prints). Pods running different versions are counted apart.',
    'Without a kubeconfig (or with --client) only the client version is printed. A cluster that does not answer is a warning, not an error: the client version is still printed and the exit code is 0.',
    '-o json or yaml prints {"clientVersion": {"kubectlKr", "node"}, "serverVersion": {"gitVersion"}, "kubeRouter": {"daemonSet", "image", "imageVersion", "running": [{"version", "line", "pods"}], "unknownPods", "podsNotRead"}}, shaped like `kubectl version -o json`.',
  ].join('\n\n')

  static examples = ['kubectl kr version', 'kubectl kr version -o json --context prod', 'kubectl kr version --client']

  static flags = {
    output: Flags.option({char: 'o', summary: 'Output format (default: plain text).', options: ['json', 'yaml'] as const})(),
    client: Flags.boolean({summary: 'Only the client version: no cluster is contacted.'}),
    ...clusterFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Version)
    const doc: VersionDocument = {clientVersion: {kubectlKr: this.config.version, node: process.version}}
    const {kubeconfigAvailable} = await import('../infra/kube-api.js')
    if (!flags.client && (namesACluster(flags) || kubeconfigAvailable())) {
      const access = kubeAccess({...flags, 'request-timeout': flags['request-timeout'] ?? VERSION_REQUEST_TIMEOUT})
      const {serverSide} = await import('../services/version.js')
      const warn = (message: string) => process.stderr.write(`warning: ${oneLine(message)}\n`)
      try {
        const side = await serverSide(access, warn)
        doc.serverVersion = side.serverVersion
        doc.kubeRouter = side.kubeRouter
      } catch (error) {
        // a flag or kubeconfig that is wrong is the user's to fix (exit 2); a cluster that does not answer is not
        if (error instanceof UserError) throw error
        warn(`no server or kube-router version: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    const {renderVersion, renderVersionText} = await import('../report/render-version.js')
    process.stdout.write(flags.output ? renderVersion(doc, flags.output) : renderVersionText(doc))
  }
}
