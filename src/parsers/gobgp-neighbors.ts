// gobgp-neighbors.txt: `gobgp neighbor` as kube-router's bundled client prints it
//   Peer             AS  Up/Down State       |#Received  Accepted
//   192.168.56.12 64512 00:10:23 Establ      |        3         3
//   192.168.56.13 64512    never Active      |        0         0
// (gobgp cmd/gobgp/neighbor.go: Up/Down is "never", "hh:mm:ss" or "<days>d hh:mm:ss"; State is Idle, Connect,
// Active, Sent, Confirm, Establ, Idle(Admin) or Idle(PfxCt); Peer is an address or, unnumbered, an interface.)
import type {Parsed, ParseIssue} from '../model/types.js'
import type {BgpNeighbor, BgpNeighborsState} from '../model/failure-mode-sources.js'
import {asText, guard, isBlank, issue, splitLines} from './common.js'

const SOURCE = 'gobgp-neighbors.txt'
const ROW = /^\s*(\S+)\s+(\S+)\s+(never|(?:\d+d )?\d+:\d\d:\d\d)\s+(\S+)\s*\|\s*(\S+)\s+(\S+)\s*$/

function count(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null
  return Number(text)
}

export function parseGobgpNeighbors(text: string): Parsed<BgpNeighborsState> {
  return guard(SOURCE, () => ({neighbors: []}), () => {
    const input = asText(text)
    const value: BgpNeighborsState = {neighbors: []}
    // gobgp prints the header even without peers: empty text is nothing usable
    if (isBlank(input)) return {value, issues: [issue(SOURCE, null, 'empty: no gobgp neighbor table', input)], fatal: true}
    const issues: ParseIssue[] = []
    let header = false
    const lines = splitLines(input)
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]
      if (isBlank(line)) continue
      if (/^\s*Peer\s+AS\b/.test(line)) {
        header = true
        continue
      }
      const m = ROW.exec(line)
      if (!m) {
        issues.push(issue(SOURCE, i + 1, 'not a gobgp neighbor row', line))
        continue
      }
      const neighbor: BgpNeighbor = {peer: m[1], asn: count(m[2]), upDown: m[3], state: m[4], received: count(m[5]), accepted: count(m[6]), text: line}
      value.neighbors.push(neighbor)
    }
    const fatal = !header && value.neighbors.length === 0
    if (fatal && issues.length === 0) issues.push(issue(SOURCE, null, 'no gobgp neighbor table', input.slice(0, 200)))
    return {value, issues, fatal}
  })
}
