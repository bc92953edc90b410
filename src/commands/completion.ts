import {Args} from '@oclif/core'
import {completionScript, SHELLS} from '../report/completion-scripts.js'
import {KrCommand} from './base.js'

export default class Completion extends KrCommand {
  static summary = 'Print a shell completion script for kubectl-kr (bash, zsh or fish)'
  static description = [
    '`kubectl kr <TAB>` is completed by kubectl itself (1.26 and later): with kubectl\'s completion enabled (`source <(kubectl completion bash)`), kubectl runs kubectl_complete-kr, which ships next to kubectl-kr and must be on PATH too. It completes commands, flags, flag values, check ids, node names and, for dsr, Service names from the current cluster; an unreachable cluster only means no names, quickly and without a message.',
    'The script printed here does the same for the `kubectl-kr` command typed on its own.',
  ].join('\n\n')

  static examples = [
    {description: 'bash, for this shell', command: '$ source <(kubectl kr completion bash)'},
    {description: 'zsh, in ~/.zshrc after compinit', command: '$ source <(kubectl kr completion zsh)'},
    {description: 'fish', command: '$ kubectl kr completion fish | source'},
  ]

  static args = {
    shell: Args.string({description: 'The shell: bash, zsh or fish.', required: true, options: [...SHELLS]}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Completion)
    process.stdout.write(completionScript(args.shell as (typeof SHELLS)[number]))
  }
}
