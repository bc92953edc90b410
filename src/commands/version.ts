import {Command} from '@oclif/core'

export default class Version extends Command {
  static summary = 'Print the kubectl-kr version'

  async run(): Promise<void> {
    process.stdout.write(`kubectl-kr ${this.config.version}\n`)
  }
}
