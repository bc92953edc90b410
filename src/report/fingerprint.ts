// A finding's fingerprint: a stable id of (check, severity, cause) that is the same on every node with the same
// fault. The node's own name and addresses in the subject and title are what keep identical findings apart
// ("lacks the node address fd00:56::11" on one node, "…fd00:56::12" on the next); they are replaced by placeholders
// before hashing. Evidence, detail and counts are left out: they may differ between nodes with the same cause.
import {createHash} from 'node:crypto'
import type {Finding} from '../model/report.js'

export interface NodeIdentity {
  name: string
  /** the node's own addresses (InternalIP, ExternalIP, addresses on its interfaces) */
  addresses: readonly string[]
}

const NAME_CHAR = /[0-9A-Za-z_-]/

/** Whether the occurrence of `token` at `at` stands alone: not part of a longer name or address. */
function standsAlone(text: string, at: number, token: string): boolean {
  const before = text[at - 1] ?? ''
  const after = text[at + token.length] ?? ''
  const next = text[at + token.length + 1] ?? ''
  const ipv6 = token.includes(':')
  if (before && (NAME_CHAR.test(before) || before === '.' || (ipv6 && before === ':'))) return false
  // a full stop ends a sentence unless a name or address goes on after it
  if (after && (NAME_CHAR.test(after) || (after === '.' && /[0-9A-Za-z]/.test(next)) || (ipv6 && after === ':'))) return false
  return true
}

/** `text` with every standing-alone occurrence of `token` replaced. */
function replaceWhole(text: string, token: string, placeholder: string): string {
  if (token === '') return text
  let out = ''
  let from = 0
  for (let at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + token.length)) {
    if (!standsAlone(text, at, token)) continue
    out += text.slice(from, at) + placeholder
    from = at + token.length
  }
  return out + text.slice(from)
}

/** Subject or title with the node's own name and addresses as placeholders. */
export function withoutNode(text: string | null, node: NodeIdentity | null): string | null {
  if (text === null || node === null) return text
  let out = text
  // longest first: an address that contains another is replaced whole
  for (const address of [...new Set(node.addresses)].sort((a, b) => b.length - a.length)) out = replaceWhole(out, address, '<node-ip>')
  return replaceWhole(out, node.name, '<node>')
}

/** 16 hex digits of SHA-256 over (check, severity, subject, title) without the node's own name and addresses. */
export function fingerprintOf(finding: Pick<Finding, 'check' | 'severity' | 'subject' | 'title'>, node: NodeIdentity | null): string {
  const key = JSON.stringify([finding.check, finding.severity, withoutNode(finding.subject, node), withoutNode(finding.title, node)])
  return createHash('sha256').update(key).digest('hex').slice(0, 16)
}
