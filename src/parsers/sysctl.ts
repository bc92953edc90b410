// sysctl.txt: "key = value" lines as `sysctl KEY...` prints them (also "key=value"); "#"/";" comments.
// `sysctl: cannot stat /proc/sys/net/ipv4/vs/sloppy_tcp: No such file or directory` (key absent,
// e.g. ip_vs not loaded) becomes an issue; `unreadableSysctlKeys` lists such keys.
import type {Parsed, ParseIssue, SysctlState} from '../model/types.js'
import {asText, guard, isBlank, issue, splitLines} from './common.js'

const SOURCE = 'sysctl.txt'
const CANNOT_STAT = 'cannot stat /proc/sys/'

function emptyState(): SysctlState {
  return {values: new Map(), lines: new Map()}
}

/** "net/ipv4/vs/sloppy_tcp" -> "net.ipv4.vs.sloppy_tcp" (keys with dots are kept as printed). */
function normaliseKey(key: string): string {
  return key.indexOf('.') < 0 && key.indexOf('/') >= 0 ? key.split('/').join('.') : key
}

/** The sysctl key a "cannot stat /proc/sys/..." line names, or null. */
function sysctlKeyFromError(line: string): string | null {
  const at = line.indexOf(CANNOT_STAT)
  if (at < 0) return null
  const rest = line.slice(at + CANNOT_STAT.length)
  const end = rest.indexOf(':')
  const path = end < 0 ? rest : rest.slice(0, end)
  return path === '' ? null : path.split('/').join('.')
}

export function parseSysctl(text: string): Parsed<SysctlState> {
  return guard(SOURCE, emptyState, () => {
    const input = asText(text)
    const state = emptyState()
    // empty output is a valid, empty state (no sets / no tables / no lines)
    if (isBlank(input)) return {value: state, issues: [], fatal: false}
    const issues: ParseIssue[] = []
    const lines = splitLines(input)
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]
      const trimmed = line.trim()
      if (trimmed === '' || trimmed[0] === '#' || trimmed[0] === ';') continue
      const eq = trimmed.indexOf('=')
      const key = eq > 0 ? trimmed.slice(0, eq).trim() : ''
      if (eq <= 0 || key === '' || key.indexOf(' ') >= 0 || key.indexOf(':') >= 0) {
        const missing = sysctlKeyFromError(line)
        issues.push(issue(SOURCE, i + 1, missing !== null ? `sysctl key ${missing} does not exist on the node` : 'not a "key = value" line', line))
        continue
      }
      const k = normaliseKey(key)
      state.values.set(k, trimmed.slice(eq + 1).trim())
      state.lines.set(k, line)
    }
    return {value: state, issues, fatal: state.values.size === 0 && issues.length > 0}
  })
}
