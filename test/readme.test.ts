// The README against the code (issue 14 item 9): it starts with the 30-second tour, every `kubectl kr …` line in it
// names a command that exists with flags that command has, every flag its tables document exists, its checks table
// is the registry, its exit-code table names the commands, and its links point at files the repository ships.
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'
import {CHECK_IDS} from '../src/checks/index.js'
import {REPO} from './cli/kr.js'

const README = readFileSync(join(REPO, 'README.md'), 'utf8')

/** command id (as typed after `kubectl kr`) → module under src/commands */
const COMMANDS: Record<string, string> = {
  doctor: 'doctor.ts',
  checks: 'checks.ts',
  cleanup: 'cleanup.ts',
  completion: 'completion.ts',
  version: 'version.ts',
  help: 'help.ts',
  'dsr status': 'dsr/status.ts',
  'dsr enable': 'dsr/enable.ts',
  'dsr disable': 'dsr/disable.ts',
}

type FlagDef = {char?: string}
async function flagsOf(command: string): Promise<Set<string>> {
  const mod = (await import(join(REPO, 'src/commands', COMMANDS[command]))) as {default: {flags?: Record<string, FlagDef>}}
  const names = new Set<string>(['-h', '--help'])
  for (const [name, def] of Object.entries(mod.default.flags ?? {})) {
    names.add(`--${name}`)
    if (def.char) names.add(`-${def.char}`)
  }
  return names
}

/** `--dry-run[=client|server]`, `--wait=2m`, `-o json` → the flag's name */
function flagName(token: string): string {
  return token.replace(/[[=].*$/, '')
}

/** The lines of fenced code blocks (and `$ ` prompts) that run `kubectl kr …`, split at the first shell operator. */
function krInvocations(): string[] {
  const out: string[] = []
  let fenced = false
  for (const raw of README.split('\n')) {
    if (raw.trimStart().startsWith('```')) {
      fenced = !fenced
      continue
    }
    if (!fenced) continue
    const line = raw.trim().replace(/^\$ /, '')
    if (!line.startsWith('kubectl kr ')) continue
    out.push(line.split(/\s(?:\||&&|;|#|>|2>)\s?/)[0])
  }
  return out
}

function commandOf(words: string[]): string | null {
  if (words[0] === 'dsr') return COMMANDS[`dsr ${words[1]}`] ? `dsr ${words[1]}` : null
  return COMMANDS[words[0]] ? words[0] : null
}

test('the README starts with the 30-second tour: install, doctor, reading a finding, dsr status', () => {
  const headings = README.split('\n').filter((l) => l.startsWith('## '))
  assert.equal(headings[0], '## A 30-second tour')
  const tour = README.slice(README.indexOf('## A 30-second tour'), README.indexOf(headings[1]))
  for (const part of [/^\*\*Install\.\*\*/m, /^kubectl kr doctor\b/m, /^\*\*Read a finding\.\*\*/m, /^kubectl kr dsr status\b/m]) assert.match(tour, part)
})

test('every `kubectl kr …` line in the README names a command that exists, with flags that command has', async () => {
  const invocations = krInvocations()
  assert.ok(invocations.length >= 20, `found only ${invocations.length} kubectl kr lines`)
  const wrong: string[] = []
  for (const line of invocations) {
    const words = line.slice('kubectl kr '.length).split(/\s+/)
    if (words[0].startsWith('-')) continue // `kubectl kr --help`: the top-level help
    const command = commandOf(words)
    if (!command) {
      wrong.push(`${line}: no command "${words.slice(0, 2).join(' ')}"`)
      continue
    }
    const known = await flagsOf(command)
    for (const w of words.filter((x) => /^--?[a-zA-Z]/.test(x))) if (!known.has(flagName(w))) wrong.push(`${line}: ${command} has no ${flagName(w)}`)
  }
  assert.deepEqual(wrong, [])
})

test('every flag the README\'s tables document is a flag of a command', async () => {
  const all = new Set<string>()
  for (const command of Object.keys(COMMANDS)) for (const f of await flagsOf(command)) all.add(f)
  const documented = README.split('\n')
    .filter((l) => /^\| `-/.test(l))
    .flatMap((l) => [...l.split('|')[1].matchAll(/`([^`]+)`/g)].flatMap((m) => m[1].split(/,\s*/)))
    .map((t) => t.trim().split(/\s/)[0])
    .filter((t) => t.startsWith('-'))
  assert.ok(documented.length >= 60, `found only ${documented.length} documented flags`)
  const missing = documented.filter((t) => (t.endsWith('*') ? ![...all].some((f) => f.startsWith(t.slice(0, -1))) : !all.has(flagName(t))))
  assert.deepEqual(missing, [])
})

test('the README\'s checks table is the check registry, in its order', () => {
  const section = README.slice(README.indexOf('### Checks'), README.indexOf('### The probe'))
  const ids = [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]).filter((id) => id !== 'node-probe')
  assert.deepEqual(ids, [...CHECK_IDS])
})

test('the README\'s exit-code table covers every command', () => {
  const section = README.slice(README.indexOf('### Exit codes'), README.indexOf('### Reports'))
  const named = new Set([...section.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([a-z ]+)`/g)].map((x) => x[1])))
  assert.deepEqual(Object.keys(COMMANDS).filter((c) => !named.has(c)), [])
})

test('the README links only to files the repository has, and to no document it does not ship', () => {
  const links = [...README.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l))
  assert.ok(links.length > 0)
  assert.deepEqual(links.filter((l) => !existsSync(join(REPO, l))), [])
  assert.doesNotMatch(README, /CONTRACT\.md|DESIGN\.md|\.\.\/shared\//)
})
