import {Args, loadHelpClass} from '@oclif/core'
import {UserError} from '../model/errors.js'
import {KrCommand} from './base.js'

export default class Help extends KrCommand {
  static summary = 'Show help for kubectl kr, or for one command'
  static examples = ['kubectl kr help', 'kubectl kr help doctor', 'kubectl kr help dsr status']
  static strict = false
  static args = {
    command: Args.string({description: 'The command to show help for (e.g. doctor, dsr status).', required: false}),
  }

  async run(): Promise<void> {
    const {argv} = await this.parse(Help)
    const words = (argv as string[]).filter((a) => !a.startsWith('-'))
    const id = words.join(':')
    if (id !== '' && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      throw new UserError(`unknown command "${words.join(' ')}" (see \`kubectl kr help\` for the commands)`)
    }
    const HelpClass = await loadHelpClass(this.config)
    await new HelpClass(this.config, this.config.pjson.oclif.helpOptions ?? this.config.pjson.helpOptions).showHelp(words)
  }
}
