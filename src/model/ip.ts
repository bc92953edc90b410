// IP address helpers: parse, canonical text (as Go's net.IP.String prints it), prefix membership.
import type {Family} from './types.js'

export interface ParsedIp {
  family: Family
  /** 4 or 16 bytes */
  bytes: number[]
}

function parseV4(text: string): number[] | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const bytes: number[] = []
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null
    const n = Number(part)
    if (n > 255) return null
    bytes.push(n)
  }
  return bytes
}

function parseV6(text: string): number[] | null {
  let head = text
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.')) {
    // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups
    const v4 = lastColon >= 0 ? parseV4(text.slice(lastColon + 1)) : null
    if (!v4) return null
    head = `${text.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`
  }
  const doubleColon = head.split('::')
  if (doubleColon.length > 2) return null
  const toGroups = (s: string) => (s === '' ? [] : s.split(':'))
  const left = toGroups(doubleColon[0])
  const right = doubleColon.length === 2 ? toGroups(doubleColon[1]) : []
  const missing = 8 - left.length - right.length
  if (doubleColon.length === 1 && missing !== 0) return null
  if (doubleColon.length === 2 && missing < 1) return null
  const groups = [...left, ...Array(Math.max(0, missing)).fill('0'), ...right]
  const bytes: number[] = []
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null
    const n = parseInt(g, 16)
    bytes.push(n >> 8, n & 0xff)
  }
  return bytes.length === 16 ? bytes : null
}

// Nodes repeat the same few thousand addresses across every source; parsing them once matters on big clusters.
const MEMO_LIMIT = 100_000
/** longer than any address text (IPv6 with an embedded IPv4 and a zone): such keys are junk and are not kept */
const MEMO_KEY_MAX = 64
const parsedMemo = new Map<string, ParsedIp | null>()
const canonicalMemo = new Map<string, string>()

function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  if (key.length > MEMO_KEY_MAX) return value
  if (memo.size >= MEMO_LIMIT) memo.clear()
  memo.set(key, value)
  return value
}

/** The parsed address (shared and frozen: do not mutate), or null when the text is not an IP address. */
export function parseIp(text: string): ParsedIp | null {
  const hit = parsedMemo.get(text)
  if (hit !== undefined || parsedMemo.has(text)) return hit ?? null
  return remember(parsedMemo, text, parseIpUncached(text))
}

function parseIpUncached(text: string): ParsedIp | null {
  const t = text.trim()
  if (t.includes(':')) {
    const bytes = parseV6(t.replace(/^\[|\]$/g, '').replace(/%.*$/, ''))
    return bytes ? Object.freeze({family: 6 as const, bytes: Object.freeze(bytes) as number[]}) : null
  }
  const bytes = parseV4(t)
  return bytes ? Object.freeze({family: 4 as const, bytes: Object.freeze(bytes) as number[]}) : null
}

export function ipFamily(text: string): Family | null {
  return parseIp(text)?.family ?? null
}

function formatV6(bytes: number[]): string {
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1])
  // longest run of zero groups (length >= 2) becomes "::" (RFC 5952, as Go prints it)
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) { bestStart = i; bestLen = j - i }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestLen < 2) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
}

/** Canonical text of an address (lower-case, compressed IPv6), or the input unchanged when it is not an IP. */
export function canonicalIp(text: string): string {
  const hit = canonicalMemo.get(text)
  if (hit !== undefined) return hit
  const ip = parseIp(text)
  return remember(canonicalMemo, text, !ip ? text : ip.family === 4 ? ip.bytes.join('.') : formatV6(ip.bytes))
}

export interface Prefix {
  family: Family
  bytes: number[]
  length: number
}

/** "10.0.0.0/8", "fd00::/64" or a bare address (a host prefix). */
export function parsePrefix(text: string): Prefix | null {
  const [addr, len] = text.trim().split('/')
  const ip = parseIp(addr)
  if (!ip) return null
  const max = ip.family === 4 ? 32 : 128
  const length = len === undefined ? max : Number(len)
  if (!Number.isInteger(length) || length < 0 || length > max) return null
  return {family: ip.family, bytes: ip.bytes, length}
}

export function prefixContains(prefix: Prefix, ip: ParsedIp): boolean {
  if (prefix.family !== ip.family) return false
  let bits = prefix.length
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if ((prefix.bytes[i] & mask) !== (ip.bytes[i] & mask)) return false
  }
  return true
}

/** The network of a prefix in canonical "addr/len" text: 10.244.1.1/24 -> 10.244.1.0/24. */
export function networkOf(text: string): string | null {
  const p = parsePrefix(text)
  if (!p) return null
  const bytes = p.bytes.map((b, i) => {
    const bits = p.length - i * 8
    if (bits >= 8) return b
    if (bits <= 0) return 0
    return b & ((0xff << (8 - bits)) & 0xff)
  })
  const addr = p.family === 4 ? bytes.join('.') : formatV6(bytes)
  return `${addr}/${p.length}`
}

/** True when two texts name the same address (canonical comparison). */
export function sameIp(a: string, b: string): boolean {
  return canonicalIp(a) === canonicalIp(b)
}

/** Strip a host-length suffix: "fd00::1/128" -> "fd00::1", "10.0.0.1/32" -> "10.0.0.1"; other prefixes are kept. */
export function hostOf(text: string): string {
  const p = parsePrefix(text)
  if (!p) return text
  const max = p.family === 4 ? 32 : 128
  const addr = canonicalIp(text.split('/')[0])
  return p.length === max ? addr : `${addr}/${p.length}`
}

export function isLinkLocal(text: string): boolean {
  const ip = parseIp(text)
  if (!ip) return false
  if (ip.family === 6) return ip.bytes[0] === 0xfe && (ip.bytes[1] & 0xc0) === 0x80
  return ip.bytes[0] === 169 && ip.bytes[1] === 254
}
