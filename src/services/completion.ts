// Shell completion for `kubectl kr <TAB>` (kubectl runs kubectl_complete-kr with the words after `kr`, the last
// being the word under the cursor) and for `kubectl-kr <TAB>` (the scripts of `kubectl kr completion`): commands,
// flags, flag values (options, check ids, node names, contexts, namespaces) and, for dsr, Service names. Names from
// the cluster come through `sources`, which answer quickly or not at all; completion never prints an error.
import type {KubeAccess} from './collectors.js'

export interface FlagSpec {
  name: string
  char?: string
  /** false for a boolean flag */
  takesValue: boolean
  options?: readonly string[]
  summary?: string
}

export interface CommandSpec {
  /** "doctor", "dsr status" */
  id: string
  summary?: string
  flags: FlagSpec[]
  /** the name of its first positional argument, when it has one (dsr status: service) */
  arg?: string
}

/** Where names come from. Each may give up (unreachable cluster) by returning []. */
export interface CompletionSources {
  checkIds(): readonly string[]
  contexts(kubeconfig: string | null): Promise<string[]>
  nodeNames(flags: Readonly<Record<string, string>>): Promise<string[]>
  namespaces(flags: Readonly<Record<string, string>>): Promise<string[]>
  /** "name" for one namespace (null: the context's), "namespace/name" for all */
  serviceNames(flags: Readonly<Record<string, string>>, namespace: string | null, all: boolean): Promise<string[]>
}

/** Names from the cluster: each kind read once per completion, given up on after a short deadline. */
export function clusterSources(access: (flags: Readonly<Record<string, string>>) => KubeAccess, checkIds: () => readonly string[]): CompletionSources {
  const names = async (flags: Readonly<Record<string, string>>, resource: 'nodes' | 'namespaces' | 'services', namespace: string | null): Promise<string[]> => {
    try {
      const {openKube} = await import('../infra/kube-api.js')
      const kube = openKube(access(flags))
      return await kube.listNames(resource, resource === 'services' && namespace === null ? kube.namespace : namespace)
    } catch {
      // completion stays silent: an unreachable cluster or a bad kubeconfig only means no names
      return []
    }
  }
  return {
    checkIds,
    async contexts(kubeconfig) {
      try {
        const {kubeconfigContexts} = await import('../infra/kube-api.js')
        return kubeconfigContexts(kubeconfig)
      } catch {
        return []
      }
    },
    nodeNames: (flags) => names(flags, 'nodes', null),
    namespaces: (flags) => names(flags, 'namespaces', null),
    async serviceNames(flags, namespace, all) {
      if (all) return names(flags, 'services', '')
      return names(flags, 'services', namespace)
    },
  }
}

/** Cobra's ShellCompDirective values, as kubectl reads them from a plugin's completer. */
export const DIRECTIVE = {default: 0, noSpace: 2, noFileComp: 4} as const

export interface Completion {
  /** "value" or "value\tdescription" */
  items: string[]
  directive: number
}

/** Flags whose value is a file or directory: the shell completes paths. */
const PATH_FLAGS = new Set(['kubeconfig', 'from-bundle', 'save-bundle', 'host-root', 'kube-router-log', 'certificate-authority', 'client-certificate', 'client-key'])

const none = (): Completion => ({items: [], directive: DIRECTIVE.noFileComp})

function described(value: string, summary: string | undefined): string {
  const line = (summary ?? '').split('\n')[0].replace(/\t/g, ' ').trim()
  return line ? `${value}\t${line}` : value
}

/** The command the words name (longest match: "dsr status" before "dsr"), and the words after it. */
function findCommand(words: readonly string[], commands: readonly CommandSpec[]): {command: CommandSpec | null; rest: string[]} {
  const positional: string[] = []
  for (const w of words) {
    if (w.startsWith('-')) break
    positional.push(w)
  }
  for (let n = positional.length; n > 0; n--) {
    const id = positional.slice(0, n).join(' ')
    const command = commands.find((c) => c.id === id)
    if (command) return {command, rest: words.slice(n)}
  }
  return {command: null, rest: [...words]}
}

/** The flag values given so far (last one wins), for sources that need --context, -n, --kubeconfig… */
function givenFlags(words: readonly string[], command: CommandSpec): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < words.length; i++) {
    const flag = flagOf(words[i], command)
    if (!flag || !flag.spec.takesValue) continue
    if (flag.inline !== null) out[flag.spec.name] = flag.inline
    else if (i + 1 < words.length) out[flag.spec.name] = words[++i]
  }
  return out
}

function flagOf(word: string, command: CommandSpec): {spec: FlagSpec; inline: string | null} | null {
  const long = /^--([^=]+)(?:=(.*))?$/.exec(word)
  if (long) {
    const spec = command.flags.find((f) => f.name === long[1])
    return spec ? {spec, inline: long[2] ?? null} : null
  }
  const short = /^-([^-])(?:=?(.+))?$/.exec(word)
  if (short) {
    const spec = command.flags.find((f) => f.char === short[1])
    return spec ? {spec, inline: short[2] ?? null} : null
  }
  return null
}

async function flagValues(flag: FlagSpec, current: string, given: Record<string, string>, sources: CompletionSources): Promise<Completion> {
  if (PATH_FLAGS.has(flag.name)) return {items: [], directive: DIRECTIVE.default}
  let values: readonly string[] = []
  let list = false
  if (flag.options) values = flag.options
  else if (flag.name === 'check' || flag.name === 'skip') {
    values = sources.checkIds()
    list = true
  } else if (flag.name === 'node') {
    values = await sources.nodeNames(given)
    list = true
  } else if (flag.name === 'context') values = await sources.contexts(given.kubeconfig ?? null)
  else if (flag.name === 'namespace' || flag.name === 'probe-namespace') values = await sources.namespaces(given)
  // comma lists: complete the last item, keep what is before it
  const comma = list ? current.lastIndexOf(',') : -1
  const head = comma >= 0 ? current.slice(0, comma + 1) : ''
  const tail = current.slice(comma + 1)
  const taken = new Set(head.split(',').filter(Boolean))
  const items = values.filter((v) => v.startsWith(tail) && !taken.has(v)).map((v) => `${head}${v}`)
  return {items, directive: DIRECTIVE.noFileComp | (list ? DIRECTIVE.noSpace : 0)}
}

/** `topics`: descriptions of the words that group commands ("dsr"). */
export async function complete(words: readonly string[], commands: readonly CommandSpec[], sources: CompletionSources, topics: ReadonlyMap<string, string> = new Map()): Promise<Completion> {
  const current = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  const {command, rest} = findCommand(before, commands)
  if (!command) {
    // a command (or the next word of one: "dsr <TAB>")
    const prefix = before.filter((w) => !w.startsWith('-'))
    if (before.length !== prefix.length) return none()
    const depth = prefix.length
    const next = new Map<string, string | undefined>()
    for (const c of commands) {
      const parts = c.id.split(' ')
      if (parts.length <= depth || parts.slice(0, depth).join(' ') !== prefix.join(' ')) continue
      const word = parts[depth]
      const id = parts.slice(0, depth + 1).join(' ')
      if (word.startsWith(current) && !next.has(word)) next.set(word, parts.length === depth + 1 ? c.summary : (topics.get(id) ?? `${word} commands`))
    }
    return {items: [...next].map(([w, s]) => described(w, s)), directive: DIRECTIVE.noFileComp}
  }
  const given = givenFlags(rest, command)
  // the value of a flag: "--node <TAB>", "--node=no<TAB>", "-o<TAB>"
  const previous = flagOf(rest.at(-1) ?? '', command)
  if (previous && previous.spec.takesValue && previous.inline === null && !(rest.at(-1) ?? '').includes('=')) {
    return flagValues(previous.spec, current, given, sources)
  }
  if (current.startsWith('-')) {
    const inline = flagOf(current, command)
    if (inline && inline.spec.takesValue && inline.inline !== null) {
      const prefix = current.slice(0, current.length - inline.inline.length)
      const values = await flagValues(inline.spec, inline.inline, given, sources)
      return {...values, items: values.items.map((v) => `${prefix}${v}`)}
    }
    const items = command.flags.filter((f) => `--${f.name}`.startsWith(current)).map((f) => described(`--${f.name}`, f.summary))
    if (current === '-' || /^-[^-]?$/.test(current)) for (const f of command.flags) if (f.char && `-${f.char}`.startsWith(current)) items.push(described(`-${f.char}`, f.summary))
    return {items, directive: DIRECTIVE.noFileComp}
  }
  // a positional argument
  if (command.id === 'dsr status' || command.arg === 'service') {
    const all = rest.includes('-A') || rest.includes('--all-namespaces')
    const names = await sources.serviceNames(given, given.namespace ?? null, all)
    return {items: names.filter((n) => n.startsWith(current)), directive: DIRECTIVE.noFileComp}
  }
  if (command.id === 'completion') return {items: ['bash', 'zsh', 'fish'].filter((s) => s.startsWith(current)), directive: DIRECTIVE.noFileComp}
  if (command.id === 'help') {
    const sub = await complete([...rest.filter((w) => !w.startsWith('-')), current], commands.filter((c) => c.id !== 'help'), sources, topics)
    return sub
  }
  return none()
}
