// `ipvsadm -Ln` -> IpvsState
//
//   IP Virtual Server version 1.2.1 (size=4096)
//   Prot LocalAddress:Port Scheduler Flags
//     -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
//   TCP  10.96.0.1:443 rr
//     -> 192.168.56.11:6443           Masq    1      3          0
//   TCP  [fd00:10:96::1]:443 rr persistent 360
//   FWM  14146 mh (mh-fallback,mh-port)
//   FWM  3021 IPv6 rr
//
// ipvsadm prints "FWM  <mark>[ IPv6] <sched>" and "<PROTO>  <addr>:<port> <sched>", then the
// scheduler flags in parentheses (ipvsadm >= 1.29; older versions differ), "persistent N",
// "mask M", "pe NAME", "ops". `options` = the words after the scheduler, single-spaced.
import {canonicalIp, ipFamily} from '../model/ip.js'
import type {IpvsDestination, IpvsService, IpvsState, Parsed, ParseIssue} from '../model/types.js'
import {asText, emptyInput, guard, isBlank, issue, parseUint, splitLines, words} from './common.js'

const SOURCE = 'ipvsadm.txt'

function emptyState(): IpvsState {
  return {services: []}
}

/** "10.0.0.1:80" / "[fd00::1]:80" -> address (canonical) and port; port null when not numeric. */
function splitAddrPort(text: string): {address: string; port: number | null} | null {
  let host: string
  let portText: string
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) return null
    host = text.slice(1, close)
    portText = text.charCodeAt(close + 1) === 58 ? text.slice(close + 2) : ''
  } else {
    const colon = text.lastIndexOf(':')
    if (colon < 0) return null
    host = text.slice(0, colon)
    portText = text.slice(colon + 1)
  }
  if (host === '') return null
  const port = parseUint(portText)
  return {address: canonicalIp(host), port: port !== null && port <= 65535 ? port : null}
}

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP', 'FWM'])

export function parseIpvsadm(text: string): Parsed<IpvsState> {
  return guard(SOURCE, emptyState, () => {
    const input = asText(text)
    const state = emptyState()
    if (isBlank(input)) return emptyInput(SOURCE, state)
    const issues: ParseIssue[] = []
    const lines = splitLines(input)
    let recognised = 0
    let current: IpvsService | null = null
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]
      const lineNo = i + 1
      if (isBlank(line)) continue
      const w = words(line)
      const first = w[0]
      if (first === 'IP' && w[1] === 'Virtual' && w[2] === 'Server') {
        recognised++
        continue
      }
      if (first === 'Prot' && w[1] === 'LocalAddress:Port') {
        recognised++
        continue
      }
      if (first === '->') {
        if (w[1] === 'RemoteAddress:Port') {
          recognised++
          continue
        }
        const dest = parseDestination(w, line)
        if (!dest) {
          issues.push(issue(SOURCE, lineNo, 'unreadable IPVS destination line', line))
          continue
        }
        if (!current) {
          issues.push(issue(SOURCE, lineNo, 'IPVS destination before any virtual service', line))
          continue
        }
        current.destinations.push(dest)
        recognised++
        continue
      }
      if (PROTOCOLS.has(first)) {
        const svc = parseService(w, line)
        if (typeof svc === 'string') {
          issues.push(issue(SOURCE, lineNo, svc, line))
          current = null
          continue
        }
        if (svc.scheduler === '' || (svc.protocol !== 'FWM' && svc.port === null)) {
          issues.push(issue(SOURCE, lineNo, svc.scheduler === '' ? 'IPVS service line without scheduler (truncated?)' : 'IPVS service port is not numeric (use ipvsadm -n)', line))
        }
        state.services.push(svc)
        current = svc
        recognised++
        continue
      }
      current = null
      issues.push(issue(SOURCE, lineNo, 'not an ipvsadm -Ln line', line))
    }
    return {value: state, issues, fatal: recognised === 0}
  })
}

function parseService(w: string[], line: string): IpvsService | string {
  const protocol = w[0] as IpvsService['protocol']
  let k = 2
  let address: string | null = null
  let port: number | null = null
  let fwmark: number | null = null
  let family: IpvsService['family'] = null
  if (protocol === 'FWM') {
    fwmark = w[1] === undefined ? null : parseUint(w[1])
    if (fwmark === null) return 'FWM service without a numeric mark'
    family = 4
    if (w[2] === 'IPv6') {
      family = 6
      k = 3
    }
  } else {
    const ap = w[1] === undefined ? null : splitAddrPort(w[1])
    if (!ap) return `${protocol} service without address:port`
    address = ap.address
    port = ap.port
    family = ipFamily(address)
  }
  const scheduler = w[k] ?? ''
  const rest = w.slice(k + 1)
  if (protocol === 'FWM' && rest.includes('IPv6')) family = 6
  return {
    protocol,
    address,
    port,
    fwmark,
    family,
    scheduler,
    options: rest.join(' '),
    destinations: [],
    text: line.trim(),
  }
}

function parseDestination(w: string[], line: string): IpvsDestination | null {
  if (w.length < 6) return null
  const ap = splitAddrPort(w[1])
  const weight = parseUint(w[3])
  const activeConn = parseUint(w[4])
  const inactConn = parseUint(w[5])
  if (!ap || ap.port === null || weight === null || activeConn === null || inactConn === null) return null
  return {address: ap.address, port: ap.port, forward: w[2], weight, activeConn, inactConn, text: line.trim()}
}
