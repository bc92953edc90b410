// `ipset save` -> IpSetState
//
//   create kube-router-svip hash:ip family inet hashsize 1024 maxelem 65536 timeout 0 bucketsize 12 initval 0x5f603f8b
//   add kube-router-svip 10.96.0.1 timeout 0
//   add inet6:kube-router-svip-prt fd00:10:96::a,udp:53 timeout 0
//
// Member key = the token after the set name, with every comma-separated part that is an IP or a
// prefix canonicalised (as canonicalIp does), e.g. "fd00:10:96::a,udp:53"; the map value is the add line.
import type {IpSet, IpSetState, Parsed, ParseIssue} from '../model/types.js'
import {asText, fastCanonicalIp, forEachLine, guard, isBlank, issue} from './common.js'

const SOURCE = 'ipset.txt'

function emptyState(): IpSetState {
  return {sets: new Map()}
}

/** The first `max` space/tab separated tokens. */
function tokens(line: string, max: number): string[] {
  const out: string[] = []
  let i = 0
  const n = line.length
  while (i < n && out.length < max) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++
    if (i >= n) break
    const start = i
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++
    out.push(line.slice(start, i))
  }
  return out
}

/** Fast path for "add NAME MEMBER ..." with single spaces; falls back to tokens(). */
function addTokens(line: string): string[] {
  const nameEnd = line.indexOf(' ', 4)
  if (nameEnd <= 4) return tokens(line, 4)
  let memberEnd = line.indexOf(' ', nameEnd + 1)
  if (memberEnd < 0) memberEnd = line.length
  if (memberEnd === nameEnd + 1 || line.indexOf('\t') >= 0) return tokens(line, 4)
  return ['add', line.slice(4, nameEnd), line.slice(nameEnd + 1, memberEnd)]
}

function canonicalPart(part: string): string {
  const slash = part.indexOf('/')
  if (slash < 0) return fastCanonicalIp(part)
  const addr = part.slice(0, slash)
  const canon = fastCanonicalIp(addr)
  return canon === addr ? part : `${canon}${part.slice(slash)}`
}

/** Canonical member key: "10.0.0.1", "fd00::a,tcp:443", "10.244.0.0/16", "10.0.0.1,tcp:80,10.1.0.0/16". */
function ipsetMemberKey(token: string): string {
  if (token.indexOf(',') < 0) return canonicalPart(token)
  const parts = token.split(',')
  for (let i = 0; i < parts.length; i++) parts[i] = canonicalPart(parts[i])
  return parts.join(',')
}

function familyOption(line: string): 'inet' | 'inet6' | null {
  const at = line.indexOf(' family ')
  if (at < 0) return null
  const rest = line.slice(at + 8)
  if (rest.startsWith('inet6')) return 'inet6'
  if (rest.startsWith('inet')) return 'inet'
  return null
}

export function parseIpsetSave(text: string): Parsed<IpSetState> {
  return guard(SOURCE, emptyState, () => {
    const input = asText(text)
    const state = emptyState()
    // empty output is a valid, empty state (no sets / no tables / no lines)
    if (isBlank(input)) return {value: state, issues: [], fatal: false}
    const issues: ParseIssue[] = []
    let usable = 0
    forEachLine(input, (line, lineNo) => {
      if (isBlank(line)) return
      const t = line.startsWith('add ') ? addTokens(line) : tokens(line, 4)
      const cmd = t[0]
      if (cmd === 'create' && t.length >= 3) {
        const name = t[1]
        const existing = state.sets.get(name)
        if (existing && existing.createLine !== '') {
          issues.push(issue(SOURCE, lineNo, `set ${name} created twice; keeping the first`, line))
          return
        }
        const set: IpSet = {name, type: t[2], family: familyOption(line), createLine: line, members: existing?.members ?? new Map()}
        state.sets.set(name, set)
        usable++
      } else if (cmd === 'add' && t.length >= 3) {
        const name = t[1]
        let set = state.sets.get(name)
        if (!set) {
          issues.push(issue(SOURCE, lineNo, `add to set ${name} that has no create line`, line))
          set = {name, type: 'unknown', family: null, createLine: '', members: new Map()}
          state.sets.set(name, set)
        }
        set.members.set(ipsetMemberKey(t[2]), line)
        usable++
      } else if (cmd !== undefined && cmd.startsWith('#')) {
        return
      } else {
        issues.push(issue(SOURCE, lineNo, 'not an ipset save line (create/add)', line))
      }
    })
    return {value: state, issues, fatal: usable === 0 && issues.length > 0}
  })
}
