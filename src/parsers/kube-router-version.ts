// kube-router versions: `kube-router --version` output, image tags, ordering.
//
//   Running /usr/local/bin/kube-router version v2.1.0, built on 2024-03-02T21:50:00+0000, go1.21.7
import type {KubeRouterVersionInfo, Parsed, Version} from '../model/types.js'
import {asText, emptyInput, guard, isBlank, issue, parseUint, splitLines} from './common.js'

const SOURCE = 'kube-router-version.txt'

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

/** "v2.1.2", "2.1.2", "v2.2.2-dirty", "v2.6.0-rc1", "v2.4.1+build" -> Version; anything else -> null. */
export function parseVersionText(s: string): Version | null {
  if (typeof s !== 'string') return null
  let t = s.trim()
  if (t.startsWith('v') || t.startsWith('V')) t = t.slice(1)
  const nums: number[] = []
  let i = 0
  for (let part = 0; part < 3; part++) {
    const start = i
    while (i < t.length && isDigit(t.charCodeAt(i))) i++
    if (i === start || i - start > 6) return null
    nums.push(parseUint(t.slice(start, i)) as number)
    if (part < 2) {
      if (t.charCodeAt(i) !== 46 /* . */) return null
      i++
    }
  }
  const suffix = t.slice(i)
  if (suffix !== '') {
    if (suffix[0] !== '-' && suffix[0] !== '+') return null
    for (let k = 1; k < suffix.length; k++) {
      const c = suffix.charCodeAt(k)
      // semver pre-release / build identifiers: [0-9A-Za-z.-+]
      if (!(isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45 || c === 43)) return null
    }
    if (suffix.length === 1) return null
  }
  const [major, minor, patch] = nums
  return {major, minor, patch, suffix, text: `v${major}.${minor}.${patch}${suffix}`}
}

type SuffixKind = {rank: -1; ids: string[]} | {rank: 0} | {rank: 1; commits: number}

/**
 * How a suffix orders against the plain release:
 * - pre-releases ("-rc1", "-alpha.2", "-beta", "-pre", "-dev...") sort BEFORE it (semver-like
 *   comparison among themselves: rc2 < rc10);
 * - `git describe` builds ("-12-gabc1234", optionally "-dirty") sort AFTER it (more commits = later);
 * - everything else counts as the release itself: "-dirty" (a local build of the tag), build
 *   metadata "+...", and distro packaging suffixes such as k0s's "-iptables1.8.9-0".
 */
function suffixKind(suffix: string): SuffixKind {
  if (suffix === '') return {rank: 0}
  let s = suffix
  if (s.endsWith('-dirty')) s = s.slice(0, -6)
  const plus = s.indexOf('+')
  if (plus >= 0) s = s.slice(0, plus)
  if (s === '') return {rank: 0}
  const body = s.slice(1).toLowerCase()
  // git describe: N-gHEX
  const dash = body.indexOf('-g')
  if (dash > 0) {
    const commits = parseUint(body.slice(0, dash))
    const hex = body.slice(dash + 2)
    if (commits !== null && hex.length >= 4 && /^[0-9a-f]+$/.test(hex)) return {rank: 1, commits}
  }
  for (const pre of ['rc', 'alpha', 'beta', 'pre', 'dev']) {
    if (body.startsWith(pre)) return {rank: -1, ids: splitIds(body)}
  }
  return {rank: 0}
}

/** "rc.10" / "rc10" -> ["rc", "10"] so numeric parts compare as numbers. */
function splitIds(body: string): string[] {
  const out: string[] = []
  let cur = ''
  let curDigit = false
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]
    if (ch === '.' || ch === '-') {
      if (cur !== '') out.push(cur)
      cur = ''
      continue
    }
    const d = isDigit(body.charCodeAt(i))
    if (cur !== '' && d !== curDigit) {
      out.push(cur)
      cur = ''
    }
    cur += ch
    curDigit = d
  }
  if (cur !== '') out.push(cur)
  return out
}

function compareIds(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const na = parseUint(a[i])
    const nb = parseUint(b[i])
    if (na !== null && nb !== null) {
      if (na !== nb) return na < nb ? -1 : 1
    } else if (na !== null) return -1
    else if (nb !== null) return 1
    else if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/** Negative when a < b, 0 when equal, positive when a > b (see suffixKind for suffix ordering). */
export function compareVersions(a: Version, b: Version): number {
  if (a.major !== b.major) return a.major - b.major
  if (a.minor !== b.minor) return a.minor - b.minor
  if (a.patch !== b.patch) return a.patch - b.patch
  const ka = suffixKind(a.suffix)
  const kb = suffixKind(b.suffix)
  if (ka.rank !== kb.rank) return ka.rank - kb.rank
  if (ka.rank === -1 && kb.rank === -1) return compareIds(ka.ids, kb.ids)
  if (ka.rank === 1 && kb.rank === 1) return ka.commits - kb.commits
  return 0
}

/**
 * The version in an image reference's tag: "docker.io/cloudnativelabs/kube-router:v2.1.2" -> v2.1.2,
 * "reg:5000/x/kube-router:v2.4.1@sha256:..." -> v2.4.1. Untagged, "latest", digest-only and
 * non-version tags ("kube-router-git:PR-123") -> null.
 */
export function versionFromImage(image: string): Version | null {
  if (typeof image !== 'string') return null
  let ref = image.trim()
  const at = ref.indexOf('@')
  if (at >= 0) ref = ref.slice(0, at)
  const slash = ref.lastIndexOf('/')
  const colon = ref.lastIndexOf(':')
  if (colon < 0 || colon < slash) return null
  return parseVersionText(ref.slice(colon + 1))
}

function stripPunct(token: string): string {
  let end = token.length
  while (end > 0 && (token[end - 1] === ',' || token[end - 1] === ';' || token[end - 1] === ')' || token[end - 1] === '"' || token[end - 1] === "'")) end--
  let start = 0
  while (start < end && (token[start] === '(' || token[start] === '"' || token[start] === "'")) start++
  return token.slice(start, end)
}

/** The version following the word "version" in a line, or null. */
function versionAfterKeyword(line: string): Version | null {
  const lower = line.toLowerCase()
  let from = 0
  for (;;) {
    const at = lower.indexOf('version', from)
    if (at < 0) return null
    let j = at + 7
    while (j < line.length && (line[j] === ' ' || line[j] === ':' || line[j] === '=' || line[j] === '\t')) j++
    let end = j
    while (end < line.length && line[end] !== ' ' && line[end] !== '\t') end++
    const v = parseVersionText(stripPunct(line.slice(j, end)))
    if (v) return v
    from = at + 7
  }
}

/** A line that is only a version ("v2.1.0"). */
function bareVersion(line: string): Version | null {
  const t = line.trim()
  return t.startsWith('v') ? parseVersionText(t) : null
}

export function parseKubeRouterVersionOutput(text: string): Parsed<KubeRouterVersionInfo> {
  const empty = (): KubeRouterVersionInfo => ({version: null, line: null})
  return guard(SOURCE, empty, () => {
    const input = asText(text)
    if (isBlank(input)) return emptyInput(SOURCE, empty())
    const lines = splitLines(input)
    // prefer kube-router's own "Running ... kube-router version vX" line, then any "version vX", then a bare "vX"
    let best: {version: Version; line: string; score: number} | null = null
    for (const line of lines) {
      let v = versionAfterKeyword(line)
      let score = 0
      if (v) score = line.indexOf('kube-router') >= 0 ? 3 : 2
      else {
        v = bareVersion(line)
        if (v) score = 1
      }
      if (v && (!best || score > best.score)) best = {version: v, line, score}
      if (best && best.score === 3) break
    }
    if (!best) {
      return {value: empty(), issues: [issue(SOURCE, null, 'no kube-router version found', input)], fatal: true}
    }
    return {value: {version: best.version, line: best.line}, issues: [], fatal: false}
  })
}
