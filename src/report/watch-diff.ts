// `doctor --watch`: what changed between two rounds (findings new since the previous round, and resolved), as the
// lines the text output prints for every round after the first. A finding is the same across rounds when its
// fingerprint and node are; the same change on many nodes is one line (finding-groups.ts).
import {groupFindings, summaryText, whereText} from './finding-groups.js'
import {marksFor, oneLine} from './text.js'
import type {DoctorReport, Finding} from '../model/report.js'

export interface FindingChanges {
  added: Finding[]
  resolved: Finding[]
}

const key = (f: Finding) => `${f.fingerprint ?? JSON.stringify([f.check, f.severity, f.subject, f.title])}\u0000${f.node ?? ''}`

export function findingChanges(previous: DoctorReport, current: DoctorReport): FindingChanges {
  const before = new Set(previous.findings.map(key))
  const now = new Set(current.findings.map(key))
  return {added: current.findings.filter((f) => !before.has(key(f))), resolved: previous.findings.filter((f) => !now.has(key(f)))}
}

/** "12:04:05" in the machine's time zone: when the round ended. */
function clock(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())}`
}

/** "12:04:05 round 3: 1 new, 0 resolved · <summary>": what the TUI's info line says after a round. */
export function roundLine(round: number, at: Date, previous: DoctorReport, current: DoctorReport): string {
  const {added, resolved} = findingChanges(previous, current)
  const change = added.length === 0 && resolved.length === 0 ? 'no change' : `${added.length} new, ${resolved.length} resolved`
  return `${clock(at)} round ${round}: ${change} · ${oneLine(summaryText(current))}`
}

/**
 * One round after the first:
 *   ── 12:04:05 round 3: 1 new, 0 resolved · 150 errors (1 problem), … on 200 nodes: 150 affected, 0 failed
 *     + ✗ [policy-routing-rules] on 150 nodes: node-001, node-002, node-003, … +147: Policy routing rules … missing
 *     - ✗ [ipv6-vip-routes] node-a: IPv6 VIP … (resolved)
 */
export function renderWatchRound(round: number, at: Date, previous: DoctorReport, current: DoctorReport, unicode: boolean): string {
  const marks = marksFor(unicode)
  const {added, resolved} = findingChanges(previous, current)
  const lines = [`${unicode ? '──' : '--'} ${roundLine(round, at, previous, current)}`]
  const item = (sign: string, findings: Finding[], suffix: string) => {
    for (const g of groupFindings(findings)) {
      const where = g.nodes.length === 1 ? (g.nodes[0] ?? 'cluster') : whereText(g.nodes, marks.ellipsis)
      lines.push(`  ${sign} ${marks.finding[g.finding.severity]} [${g.finding.check}] ${oneLine(where)}: ${oneLine(g.finding.title)}${suffix}`)
    }
  }
  item('+', added, '')
  item('-', resolved, ' (resolved)')
  return `${lines.join('\n')}\n`
}
