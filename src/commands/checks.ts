import {Flags} from '@oclif/core'
import {KrCommand} from './base.js'

export default class Checks extends KrCommand {
  static summary = 'List every check: id, title, the sources it needs, the kube-router versions it applies to'
  static description =
    'The ids are what `kubectl kr doctor --check ID` and `--skip ID` take. A check whose needed sources are missing on a node, or whose version range excludes the running kube-router, reports `skipped` with the reason. node-probe is not selectable: doctor adds it for each node that could not be probed.'

  static examples = ['kubectl kr checks', 'kubectl kr checks -o json']

  static flags = {
    output: Flags.option({char: 'o', summary: 'Output format.', options: ['table', 'json', 'yaml'] as const, default: 'table' as const})(),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Checks)
    const {checkCatalog} = await import('../services/checks.js')
    const {renderChecks} = await import('../report/render-checks.js')
    process.stdout.write(renderChecks(checkCatalog(), flags.output))
  }
}
