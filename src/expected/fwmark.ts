// DSR firewall mark, as kube-router computes it (kube-router-facts.md §3.1, `generateUniqueFWMark`):
// FNV-1a 32 of "<ip>-<proto>-<port>" masked to 14 bits. <ip> is Go's canonical text of the IP.
// kube-router rehashes "<key>-<n>" on collisions in its in-memory map, so a mismatch is "unverifiable", not wrong.
import {canonicalIp} from '../model/ip.js'

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, FNV_PRIME) >>> 0
  }
  return hash >>> 0
}

export function dsrFwmark(ip: string, protocol: string, port: number, collisionIndex = 0): number {
  const key = `${canonicalIp(ip)}-${protocol.toLowerCase()}-${port}`
  return fnv1a32(collisionIndex === 0 ? key : `${key}-${collisionIndex}`) & 0x3fff
}

export function fwmarkHex(mark: number): string {
  return `0x${mark.toString(16)}`
}
