// Shared helpers for the total parsers: issues, line splitting, lenient JSON arrays, table ids.
// Nothing here throws on any input.
import {canonicalIp} from '../model/ip.js'
import type {Parsed, ParseIssue} from '../model/types.js'

/** Longest raw text kept in one issue; whole-document issues are cut here (with a marker). */
const MAX_RAW = 4096

export function issue(source: string, line: number | null, message: string, raw: string): ParseIssue {
  return {source, line, message, raw: raw.length > MAX_RAW ? `${raw.slice(0, MAX_RAW)}…[${raw.length - MAX_RAW} more chars]` : raw}
}

/** Input as a string: anything else (undefined, Buffer, number from an untyped caller) becomes "". */
export function asText(text: unknown): string {
  return typeof text === 'string' ? text : ''
}

export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false
  }
  return true
}

/** Lines without their terminators ("\n" or "\r\n"); a final empty line after the last "\n" is dropped. */
export function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1)
  }
  return lines
}

/**
 * The lines of splitLines, one at a time with their 1-based number, without building the array of every line
 * (a 100k-rule iptables-save is 30+ MB). `visit` returns nothing; a parser keeps its own state.
 */
export function forEachLine(text: string, visit: (line: string, lineNo: number) => void): void {
  const n = text.length
  let start = 0
  let lineNo = 0
  while (start < n) {
    let end = text.indexOf('\n', start)
    const next = end < 0 ? n : end + 1
    if (end < 0) end = n
    if (end > start && text.charCodeAt(end - 1) === 13) end--
    visit(text.slice(start, end), ++lineNo)
    start = next
  }
}

/** Runs a parser body; an unexpected exception becomes a fatal issue instead of escaping. */
export function guard<T>(source: string, empty: () => T, body: () => Parsed<T>): Parsed<T> {
  try {
    return body()
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    return {value: empty(), issues: [issue(source, null, `internal parser error: ${message}`, '')], fatal: true}
  }
}

export function emptyInput<T>(source: string, value: T): Parsed<T> {
  return {value, issues: [issue(source, null, 'empty input', '')], fatal: true}
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}

export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** Present in iproute2 JSON as `"key": null` (print_null) or `true`. */
export function flagKey(o: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key) && o[key] !== false
}

export function safeStringify(v: unknown): string {
  try {
    const s = JSON.stringify(v)
    return typeof s === 'string' ? s : String(v)
  } catch {
    return String(v)
  }
}

/** Unsigned decimal integer text ("0".."4294967295" style), else null. No regex. */
export function parseUint(text: string): number | null {
  if (text.length === 0 || text.length > 15) return null
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48
    if (c < 0 || c > 9) return null
    n = n * 10 + c
  }
  return n
}

/** "0x3742" / "3742" (hex) -> number; null when not hex. */
export function parseHex(text: string): number | null {
  let t = text
  if (t.startsWith('0x') || t.startsWith('0X')) t = t.slice(2)
  if (t.length === 0 || t.length > 12) return null
  let n = 0
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i)
    let d: number
    if (c >= 48 && c <= 57) d = c - 48
    else if (c >= 97 && c <= 102) d = c - 87
    else if (c >= 65 && c <= 70) d = c - 55
    else return null
    n = n * 16 + d
  }
  return n
}

// ---------- route tables ----------

/** rt_tables names iproute2 may print, including the three kube-router writes (kube-router-facts §2.3). */
const TABLE_NAMES: Record<string, number> = {
  unspec: 0,
  default: 253,
  main: 254,
  local: 255,
  'kube-router': 77,
  'kube-router-dsr': 78,
  external_ip: 79,
}

/** Numeric id of a table as printed ("main" -> 254, "78" -> 78, "kube-router-dsr" -> 78); null when unknown. */
export function tableIdOf(table: string | null): number | null {
  if (table === null) return null
  const n = parseUint(table)
  if (n !== null) return n <= 0xffffffff ? n : null
  return Object.prototype.hasOwnProperty.call(TABLE_NAMES, table) ? TABLE_NAMES[table] : null
}

// ---------- lenient JSON arrays ----------

export interface JsonArrayResult {
  /** parsed top-level elements, in order, with the element's own text for issues */
  items: {value: unknown; raw: string}[]
  issues: ParseIssue[]
  /** true when the document is empty, not JSON, or not an array */
  fatal: boolean
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13
}

/**
 * Parse a JSON array; when the whole document does not parse (truncated output, junk between
 * elements), salvage every complete top-level element with a linear scan. Never throws.
 */
export function parseJsonArray(text: string, source: string): JsonArrayResult {
  if (isBlank(text)) return {items: [], issues: [issue(source, null, 'empty input', '')], fatal: true}
  let whole: unknown
  let parsed = false
  try {
    whole = JSON.parse(text)
    parsed = true
  } catch {
    parsed = false
  }
  if (parsed) {
    if (!Array.isArray(whole)) {
      const kind = whole === null ? 'null' : typeof whole === 'object' ? 'an object' : typeof whole
      return {items: [], issues: [issue(source, null, `JSON is ${kind}, expected an array`, text)], fatal: true}
    }
    // raw text of an element is computed lazily by callers via safeStringify when needed
    return {items: whole.map((value) => ({value, raw: ''})), issues: [], fatal: false}
  }
  return salvageArray(text, source)
}

/**
 * Salvage the complete top-level elements of a (possibly truncated) JSON array that starts at the
 * first non-blank character of `text`. With `trailingOk`, text after the closing ] is not an issue
 * (used for the "items" array inside a truncated Kubernetes List object).
 */
export function salvageArray(text: string, source: string, trailingOk = false): JsonArrayResult {
  const issues: ParseIssue[] = []
  const items: {value: unknown; raw: string}[] = []
  let i = 0
  const n = text.length
  while (i < n && isWs(text.charCodeAt(i))) i++
  if (i >= n || text.charCodeAt(i) !== 91 /* [ */) {
    return {items, issues: [issue(source, null, 'not JSON (expected an array)', text)], fatal: true}
  }
  i++
  let closed = false
  while (i < n) {
    while (i < n && (isWs(text.charCodeAt(i)) || text.charCodeAt(i) === 44 /* , */)) i++
    if (i >= n) break
    if (text.charCodeAt(i) === 93 /* ] */) {
      closed = true
      i++
      break
    }
    const start = i
    let depth = 0
    let inString = false
    let ended = false
    for (; i < n; i++) {
      const c = text.charCodeAt(i)
      if (inString) {
        if (c === 92 /* \ */) i++
        else if (c === 34 /* " */) inString = false
        continue
      }
      if (c === 34) inString = true
      else if (c === 123 || c === 91) depth++
      else if (c === 125 || c === 93) {
        if (depth > 0) depth--
        else if (c === 93) {
          ended = true
          break // the closing ] of the outer array
        }
        // a stray } at depth 0 is junk inside this element: keep scanning (always progress)
      } else if (c === 44 && depth === 0) {
        ended = true
        break
      }
    }
    const raw = text.slice(start, i).trim()
    let value: unknown
    let ok = false
    // an element cut at end of input may still be complete ({...} followed by nothing)
    if (ended || (depth === 0 && !inString)) {
      try {
        value = JSON.parse(raw)
        ok = true
      } catch {
        ok = false
      }
    }
    if (ok) items.push({value, raw})
    else issues.push(issue(source, null, ended ? 'unreadable JSON element' : 'truncated JSON element', raw))
    if (!ended) break
  }
  if (!closed) issues.push(issue(source, null, 'JSON array is not terminated (truncated output?)', text.slice(Math.max(0, text.length - 200))))
  else if (!trailingOk) {
    const rest = text.slice(i)
    if (!isBlank(rest)) issues.push(issue(source, null, 'junk after the JSON array', rest))
  }
  return {items, issues, fatal: false}
}

/** The raw text of a salvaged or fully parsed element, for issues. */
export function rawOf(item: {value: unknown; raw: string}): string {
  return item.raw !== '' ? item.raw : safeStringify(item.value)
}

/** Final `fatal`: the document was unusable, or it had content and nothing usable came out of it. */
export function fatalOf(docFatal: boolean, usable: number, issues: ParseIssue[]): boolean {
  return docFatal || (usable === 0 && issues.length > 0)
}

/** Whitespace-separated words of a line (spaces and tabs), without regex. */
export function words(line: string): string[] {
  const out: string[] = []
  let i = 0
  const n = line.length
  while (i < n) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++
    if (i >= n) break
    const start = i
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++
    out.push(line.slice(start, i))
  }
  return out
}

// ---------- fast canonical IPs ----------

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
}

/**
 * Same result as canonicalIp() from model/ip.ts, without its per-call splits and regexes, for the
 * hot paths (ipset members). Plain dotted IPv4 without leading zeros and pure-hex IPv6 are handled
 * here; anything else (embedded IPv4, zones, brackets, junk) goes to canonicalIp.
 */
export function fastCanonicalIp(text: string): string {
  const slow = canonicalIp
  const n = text.length
  if (n === 0 || n > 39) return slow(text)
  let colons = 0
  let dots = 0
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 58) colons++
    else if (c === 46) dots++
    else if (!isHex(c)) return slow(text)
  }
  if (colons === 0) return dots === 3 ? fastV4(text) : slow(text)
  if (dots > 0 || colons > 7) return slow(text)
  return fastV6(text)
}

function fastV4(text: string): string {
  const slow = canonicalIp
  let parts = 0
  let val = 0
  let len = 0
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46
    if (c === 46) {
      if (len === 0 || val > 255) return slow(text)
      parts++
      val = 0
      len = 0
      continue
    }
    if (c < 48 || c > 57) return slow(text)
    if (len === 1 && val === 0) return slow(text) // leading zero: let canonicalIp decide
    val = val * 10 + (c - 48)
    len++
    if (len > 3) return slow(text)
  }
  return parts === 4 ? text : slow(text)
}

function fastV6(text: string): string {
  const slow = canonicalIp
  const groups = [0, 0, 0, 0, 0, 0, 0, 0]
  const head: number[] = []
  const tail: number[] = []
  let gap = false
  let cur = 0
  let len = 0
  const n = text.length
  let i = 0
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return slow(text)
    gap = true
    i = 2
    if (i === n) return '::'
  }
  for (; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 58
    if (c === 58) {
      if (len === 0) {
        // "::" in the middle (or a trailing "::")
        if (gap || i === n) return slow(text)
        gap = true
        if (i + 1 === n) break
        continue
      }
      ;(gap ? tail : head).push(cur)
      cur = 0
      len = 0
      if (i + 1 === n) return slow(text) // trailing single ':'
      continue
    }
    if (len === 4) return slow(text)
    cur = cur * 16 + (c <= 57 ? c - 48 : c >= 97 ? c - 87 : c - 55)
    len++
  }
  const count = head.length + tail.length
  if (gap ? count > 7 : count !== 8) return slow(text)
  for (let k = 0; k < head.length; k++) groups[k] = head[k]
  for (let k = 0; k < tail.length; k++) groups[8 - tail.length + k] = tail[k]
  // longest run of >= 2 zero groups, first one on ties (RFC 5952, as model/ip.ts prints it)
  let bestStart = -1
  let bestLen = 0
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++
      continue
    }
    let j = k
    while (j < 8 && groups[j] === 0) j++
    if (j - k > bestLen) {
      bestStart = k
      bestLen = j - k
    }
    k = j
  }
  let out = ''
  if (bestLen < 2) {
    for (let k = 0; k < 8; k++) out += (k ? ':' : '') + groups[k].toString(16)
  } else {
    for (let k = 0; k < bestStart; k++) out += (k ? ':' : '') + groups[k].toString(16)
    out += '::'
    for (let k = bestStart + bestLen; k < 8; k++) out += (k > bestStart + bestLen ? ':' : '') + groups[k].toString(16)
  }
  return out === text ? text : out
}
