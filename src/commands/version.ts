import {Flags} from '@oclif/core'
import {versionLine} from '../report/version-line.js'
import {KrCommand} from './base.js'

export default class Version extends KrCommand {
  static summary = 'Print the kubectl-kr version'
  static description = 'Plain text by default; -o json or yaml prints {"clientVersion": {"kubectlKr": …, "node": …}}, shaped like `kubectl version -o json`.'

  static examples = ['kubectl kr version', 'kubectl kr version -o json']

  static flags = {
    output: Flags.option({char: 'o', summary: 'Output format (default: plain text).', options: ['json', 'yaml'] as const})(),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Version)
    if (!flags.output) {
      process.stdout.write(versionLine(this.config.version))
      return
    }
    const {renderVersion} = await import('../report/render-version.js')
    process.stdout.write(renderVersion({clientVersion: {kubectlKr: this.config.version, node: process.version}}, flags.output))
  }
}
