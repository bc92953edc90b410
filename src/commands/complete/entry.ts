// kubectl_complete-kr: what kubectl runs for `kubectl kr <TAB>` (and the `kubectl kr completion` scripts for
// `kubectl-kr <TAB>`): the words after `kr`, the last one the word being completed. Prints one candidate per line
// ("value\tdescription"), then ":<directive>" (Cobra's ShellCompDirective, which kubectl passes on to the shell).
// Never prints an error and always exits 0: a shell completion must stay silent.
import {readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {clusterSources, complete, DIRECTIVE, type CommandSpec} from '../../services/completion.js'
import {kubeAccess} from '../base.js'

/** names from the cluster are worth this much waiting at a prompt, no more */
const COMPLETION_REQUEST_TIMEOUT = '1500ms'

export interface Spec {
  commands: CommandSpec[]
  topics: [string, string][]
  checkIds: string[]
}

/** The commands and topics as oclif knows them (loads every command module: the build writes them to
 * completion-spec.json). */
export async function commandSpecs(root = fileURLToPath(new URL('../../../', import.meta.url))): Promise<Pick<Spec, 'commands' | 'topics'>> {
  const {Config} = await import('@oclif/core')
  const config = await Config.load(root)
  const topics = config.topics.filter((t) => t.description).map((t): [string, string] => [t.name.replaceAll(':', ' '), t.description!.split('\n')[0]])
  const commands = config.commands
    .filter((c) => !c.hidden)
    .map((c) => ({
      id: c.id.replaceAll(':', ' '),
      summary: c.summary ?? c.description?.split('\n')[0],
      flags: Object.entries(c.flags).map(([name, f]) => ({
        name,
        char: f.char,
        takesValue: f.type === 'option',
        options: f.type === 'option' ? f.options : undefined,
        summary: f.summary ?? f.description,
      })),
      arg: Object.keys(c.args ?? {})[0],
    }))
  return {commands, topics}
}

/** The spec written at build time; without it (a build that skipped the step), the same from oclif and the registry. */
async function loadSpec(): Promise<Spec> {
  try {
    return JSON.parse(await readFile(new URL('../../completion-spec.json', import.meta.url), 'utf8')) as Spec
  } catch {
    const {checkCatalog} = await import('../../services/checks.js')
    return {...(await commandSpecs()), checkIds: checkCatalog().items.filter((c) => c.selectable).map((c) => c.id)}
  }
}

/** `spec`: the single executable passes the one it carries (it has no completion-spec.json beside it). */
export async function main(words: string[], spec?: Spec): Promise<void> {
  let out: string[]
  try {
    const {commands, topics, checkIds} = spec ?? (await loadSpec())
    const access = (flags: Readonly<Record<string, string>>) =>
      kubeAccess({
        kubeconfig: flags.kubeconfig,
        context: flags.context,
        cluster: flags.cluster,
        user: flags.user,
        server: flags.server,
        token: flags.token,
        'request-timeout': COMPLETION_REQUEST_TIMEOUT,
      })
    const result = await complete(words.length ? words : [''], commands, clusterSources(access, () => checkIds), new Map(topics ?? []))
    out = [...result.items, `:${result.directive}`]
  } catch {
    out = [`:${DIRECTIVE.noFileComp}`]
  }
  process.stdout.write(`${out.join('\n')}\n`)
}
