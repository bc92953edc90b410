// networkd.txt: "# active: yes|no|unknown", optionally "# systemd-version: N" (the host's systemd), then every
// networkd.conf / drop-in as "# file: PATH" followed by that file's text (INI: [Section], Key=Value, "#"/";"
// comments).
//
//   # active: yes
//   # systemd-version: 255
//   # file: /etc/systemd/networkd.conf
//   [Network]
//   #ManageForeignRoutingPolicyRules=yes
//   # file: /etc/systemd/networkd.conf.d/50-kube-router.conf
//   [Network]
//   ManageForeignRoutingPolicyRules=no
import type {NetworkdFile, NetworkdState, Parsed, ParseIssue} from '../model/types.js'
import {asText, emptyInput, guard, isBlank, issue, splitLines} from './common.js'

const SOURCE = 'networkd.txt'
const ACTIVE = '# active:'
const FILE = '# file:'
const SYSTEMD_VERSION = '# systemd-version:'

function emptyState(): NetworkdState {
  return {active: null, systemdVersion: null, files: []}
}

/** systemd's parse_boolean: 1/yes/y/true/t/on -> true, 0/no/n/false/f/off -> false, else null. */
export function networkdBoolean(value: string): boolean | null {
  switch (value.trim().toLowerCase()) {
    case '1':
    case 'yes':
    case 'y':
    case 'true':
    case 't':
    case 'on':
      return true
    case '0':
    case 'no':
    case 'n':
    case 'false':
    case 'f':
    case 'off':
      return false
    default:
      return null
  }
}

export function parseNetworkd(text: string): Parsed<NetworkdState> {
  return guard(SOURCE, emptyState, () => {
    const input = asText(text)
    const state = emptyState()
    if (isBlank(input)) return emptyInput(SOURCE, state)
    const issues: ParseIssue[] = []
    const lines = splitLines(input)
    let sawActive = false
    let file: NetworkdFile | null = null
    let section: string | null = null
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]
      const lineNo = i + 1
      const t = line.trim()
      if (t.startsWith(ACTIVE)) {
        const v = t.slice(ACTIVE.length).trim().toLowerCase()
        sawActive = true
        if (v === 'yes' || v === 'active') state.active = true
        else if (v === 'no' || v === 'inactive') state.active = false
        else if (v === 'unknown') state.active = null
        else issues.push(issue(SOURCE, lineNo, `unknown active value "${v}"`, line))
        continue
      }
      if (t.startsWith(SYSTEMD_VERSION) && file === null) {
        const v = t.slice(SYSTEMD_VERSION.length).trim()
        if (/^\d{1,4}$/.test(v)) state.systemdVersion = Number(v)
        else if (v !== 'unknown') issues.push(issue(SOURCE, lineNo, `unknown systemd version "${v}"`, line))
        continue
      }
      if (t.startsWith(FILE)) {
        const path = t.slice(FILE.length).trim()
        if (path === '') {
          issues.push(issue(SOURCE, lineNo, 'file marker without a path', line))
          file = null
          continue
        }
        file = {path, settings: new Map()}
        state.files.push(file)
        section = null
        continue
      }
      if (t === '' || t[0] === '#' || t[0] === ';') continue
      if (!file) {
        issues.push(issue(SOURCE, lineNo, 'content before any "# file:" marker', line))
        continue
      }
      if (t[0] === '[') {
        const close = t.indexOf(']')
        if (close < 0) {
          issues.push(issue(SOURCE, lineNo, 'unterminated section header', line))
          section = null
          continue
        }
        section = t.slice(1, close).trim()
        continue
      }
      const eq = t.indexOf('=')
      if (eq <= 0) {
        issues.push(issue(SOURCE, lineNo, 'not a Key=Value line', line))
        continue
      }
      const key = t.slice(0, eq).trim()
      if (section === null) issues.push(issue(SOURCE, lineNo, `${key} outside any [Section]`, line))
      file.settings.set(section === null ? key : `${section}.${key}`, {value: t.slice(eq + 1).trim(), line})
    }
    const usable = sawActive || state.files.length > 0
    return {value: state, issues, fatal: !usable}
  })
}

// ---------- systemd precedence ----------

/** Directories searched for networkd.conf and networkd.conf.d/, highest priority first (systemd). */
const DIRS = ['/etc/systemd/', '/run/systemd/', '/usr/local/lib/systemd/', '/usr/lib/systemd/', '/lib/systemd/']
const MAIN = 'networkd.conf'
const DROPIN_DIR = 'networkd.conf.d/'

function dirRank(path: string, suffix: string): {rank: number; rest: string} | null {
  for (let r = 0; r < DIRS.length; r++) {
    const prefix = DIRS[r] + suffix
    if (path.startsWith(prefix)) return {rank: r, rest: path.slice(prefix.length)}
  }
  return null
}

/**
 * Files in the order systemd applies them: the main networkd.conf (the first found in
 * /etc, /run, /usr/local/lib, /usr/lib, /lib), then drop-ins `networkd.conf.d/*.conf` from those
 * directories sorted by basename, a basename in a higher-priority directory masking the same
 * basename elsewhere. Files at other paths are ignored.
 */
function networkdFilesInOrder(state: NetworkdState): NetworkdFile[] {
  let main: {rank: number; file: NetworkdFile} | null = null
  const dropins = new Map<string, {rank: number; file: NetworkdFile}>()
  for (const file of state.files) {
    const m = dirRank(file.path, '')
    if (m && m.rest === MAIN) {
      if (!main || m.rank < main.rank) main = {rank: m.rank, file}
      continue
    }
    const d = dirRank(file.path, DROPIN_DIR)
    if (!d || d.rest.indexOf('/') >= 0 || !d.rest.endsWith('.conf')) continue
    const prev = dropins.get(d.rest)
    if (!prev || d.rank < prev.rank) dropins.set(d.rest, {rank: d.rank, file})
  }
  const names = [...dropins.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const out = main ? [main.file] : []
  for (const n of names) out.push((dropins.get(n) as {file: NetworkdFile}).file)
  return out
}

/**
 * The effective assignment of `key` ("Network.ManageForeignRoutingPolicyRules"): the last one in
 * systemd's application order, or null when no file sets it (compiled-in default applies). An empty
 * value ("Key=") resets to the default in systemd; it is returned as value "" for the caller to handle.
 */
export function effectiveNetworkdSetting(state: NetworkdState, key: string): {value: string; path: string; line: string} | null {
  let found: {value: string; path: string; line: string} | null = null
  for (const file of networkdFilesInOrder(state)) {
    const s = file.settings.get(key)
    if (s) found = {value: s.value, path: file.path, line: s.line}
  }
  return found
}
