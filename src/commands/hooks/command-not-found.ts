// `kubectl kr nope`: one `error:` line and exit 2, like every other error (oclif would print its own banner).
import type {Hook} from '@oclif/core'
import {oneLine} from '../../report/text.js'

const hook: Hook<'command_not_found'> = async function ({id, config}) {
  const words = id.replaceAll(':', ' ')
  const known = config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' '))
  const near = known.filter((k) => k.startsWith(words.split(' ')[0].slice(0, 2)))
  const hint = near.length === 1 ? `did you mean "${near[0]}"? ` : ''
  process.stderr.write(`error: unknown command "${oneLine(words)}" for "kubectl kr": ${hint}see \`kubectl kr help\` for the commands\n`)
  process.exitCode = 2
  return true
}

export default hook
