// dsr-endpoints.txt: what the probe read inside the network namespaces of DSR endpoint pods (probe.sh, section
// "DSR endpoint pods"). Records, one per line:
//   # comment                              (# requested: IP …, # no endpoint pods requested, # ignored: …)
//   endpoint IP pid PID NETNS              a namespace holding IP; the lines up to the next "endpoint" are its own:
//   link <`ip -o link show` line>
//   addr <`ip -o addr show` line>
//   net.ipv4.conf.IF.rp_filter = V
//   endpoint IP not-found REASON | endpoint IP error REASON
import {canonicalIp, parseIp} from '../model/ip.js'
import type {DsrEndpointPod, DsrEndpointsState, Parsed, ParseIssue} from '../model/types.js'
import {asText, guard, issue, splitLines} from './common.js'

const SOURCE = 'dsr-endpoints.txt'

function emptyState(): DsrEndpointsState {
  return {requested: [], pods: [], notRead: new Map()}
}

/** "5: kube-tunnel-if@NONE: <NOARP,UP,LOWER_UP> mtu 1480 …" -> "kube-tunnel-if" */
function linkName(line: string): string | null {
  const m = /^\d+:\s+([^:@\s]+)(@[^:\s]*)?:/.exec(line)
  return m ? m[1] : null
}

/** "2: eth0    inet 10.244.1.9/24 brd … scope global eth0\ …" */
function address(line: string): DsrEndpointPod['addresses'][number] | null {
  const m = /^\d+:\s+(\S+)\s+(inet6?)\s+([0-9a-fA-F.:]+)\/(\d+)/.exec(line)
  if (!m || !parseIp(m[3])) return null
  return {ifname: m[1], family: m[2] === 'inet6' ? 6 : 4, address: canonicalIp(m[3]), prefixlen: Number(m[4]), line}
}

export function parseDsrEndpoints(text: string): Parsed<DsrEndpointsState> {
  return guard(SOURCE, emptyState, () => {
    const state = emptyState()
    const issues: ParseIssue[] = []
    const lines = splitLines(asText(text))
    let pod: DsrEndpointPod | null = null
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]
      if (line.trim() === '') continue
      if (line.startsWith('# requested:')) {
        state.requested = line.slice('# requested:'.length).trim().split(/\s+/).filter(Boolean).map((ip) => (parseIp(ip) ? canonicalIp(ip) : ip))
        continue
      }
      if (line.startsWith('#')) continue
      const endpoint = /^endpoint (\S+) (pid (\d+) (\S+)|not-found (.*)|error (.*))$/.exec(line)
      if (endpoint) {
        const ip = parseIp(endpoint[1]) ? canonicalIp(endpoint[1]) : endpoint[1]
        if (endpoint[3] !== undefined) {
          pod = {ip, pid: Number(endpoint[3]), netns: endpoint[4], links: [], addresses: [], rpFilter: new Map(), errors: []}
          state.pods.push(pod)
        } else {
          const reason = endpoint[5] ?? endpoint[6]
          const current: DsrEndpointPod | null = pod
          // an error after a namespace's record belongs to that namespace
          if (endpoint[6] !== undefined && current !== null && current.ip === ip) current.errors.push(reason)
          else state.notRead.set(ip, reason)
          if (endpoint[5] !== undefined) pod = null
        }
        continue
      }
      if (!pod) {
        issues.push(issue(SOURCE, i + 1, 'line outside an endpoint record', line))
        continue
      }
      if (line.startsWith('link ')) {
        const name = linkName(line.slice(5))
        if (name) pod.links.push({ifname: name, line: line.slice(5)})
        else issues.push(issue(SOURCE, i + 1, 'unreadable `ip -o link show` line', line))
        continue
      }
      if (line.startsWith('addr ')) {
        const a = address(line.slice(5))
        if (a) pod.addresses.push(a)
        continue
      }
      const rp = /^net\.ipv4\.conf\.(\S+)\.rp_filter = (\S*)$/.exec(line)
      if (rp) {
        pod.rpFilter.set(rp[1], {value: rp[2], line})
        continue
      }
      issues.push(issue(SOURCE, i + 1, 'unknown line', line))
    }
    return {value: state, issues, fatal: false}
  })
}
