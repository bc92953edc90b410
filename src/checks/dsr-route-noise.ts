// FM1 (kube-router-facts.md "FM1"): v2.0.0-v2.5.x log "Failed to add route for <IP> in custom route table for
// external IP's due to: exit status 1|2" every sync on IPv6-enabled nodes, although `<IP> dev kube-bridge` is in
// table 79: noise. The code path is gone in v2.6.0. A different cause of the same line is a missing kube-bridge.
// Traps: FWM + Tunnel IPVS entries and the DSR IP absent from kube-dummy-if are the normal DSR layout.
import {defineNodeCheck} from './define.js'
import {dsrStatusCommand, routesOf, plural, shellWord} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {hostOf, parseIp, sameIp} from '../model/ip.js'
import {BRIDGE_IF} from '../expected/node-facts.js'
import {externalAndLbIps, isDsrService, serviceKey} from '../expected/services.js'
import {knownBug} from '../expected/version-matrix.js'
import type {LogLine} from '../model/types.js'

// the code path that logs the message is gone from this release on (FM1 "Fixed in")
const GONE_IN = knownBug('dsr-external-ip-route-noise').fixedIn

const PATTERN = /Failed to add route for (\S+) in custom route table for external IP's(?: due to: (.*))?/

export const dsrRouteNoise = defineNodeCheck({
  id: 'dsr-route-noise',
  title: 'DSR "Failed to add route … custom route table for external IP\'s" explained',
  needs: ['kube-router.log'],
  uses: ['ip-route.json', 'ip6-route.json', 'ip-addr.json'],
  versions: {before: GONE_IN, why: `the message cannot occur from ${GONE_IN} on (table 79 is no longer filled)`},
  evaluate({node, facts, cluster}) {
    // the DSR Services holding the IP (kube-router loops over every DSR external IP, any annotation value: §1.3)
    const statusOf = (ip: string): string[] => {
      if (!cluster) return [dsrStatusCommand(null)]
      const owners = cluster.services.filter((svc) => (isDsrService(svc) || svc.metadata.annotations?.['kube-router.io/service.dsr'] !== undefined) && externalAndLbIps(svc).some((x) => sameIp(x.ip, ip)))
      return owners.length ? owners.map((svc) => dsrStatusCommand(serviceKey(svc))) : [dsrStatusCommand(null)]
    }
    const log = sourceValue(node, 'kube-router.log')!
    const byIp = new Map<string, LogLine[]>()
    for (const line of log) {
      const m = PATTERN.exec(line.message)
      if (!m) continue
      const ip = m[1].replace(/[,.:]+$/, '')
      byIp.set(ip, [...(byIp.get(ip) ?? []), line])
    }
    if (byIp.size === 0) return {findings: [], note: `no "Failed to add route" lines in ${plural(log.length, 'log line')}`}
    const links = sourceValue(node, 'ip-addr.json')
    const hasBridge = links === null ? null : links.some((l) => l.ifname === BRIDGE_IF)
    const findings = []
    for (const [ip, lines] of byIp) {
      const family = parseIp(ip)?.family ?? 4
      const table79 = routesOf(node, family).filter((r) => r.tableId === 79 && r.dst !== 'default' && sameIp(hostOf(r.dst), ip))
      const repeat = lines.length > 1 ? [`(${lines.length} times in the recent log; last: ${lines[lines.length - 1].text})`] : []
      if (table79.length > 0) {
        findings.push({
          severity: 'info' as const,
          subject: ip,
          title: `"Failed to add route for ${ip}" is benign noise: the route is in table 79`,
          detail:
            `kube-router ${facts.version?.text ?? `before ${GONE_IN}`} runs the table-79 setup once per IP family but loops over every DSR external IP, so on an IPv6-enabled node one of the passes tries to add ${ip} in the wrong family (or again) and fails, every sync. ` +
            'The route is present and DSR is unaffected. FWM virtual services with Tunnel destinations in ipvsadm and the IP missing from kube-dummy-if are how DSR is meant to look.',
          evidence: [lines[0].text, ...repeat, ...table79.map((r) => r.text)],
          remediation: [`Nothing to fix; upgrade kube-router to ${GONE_IN} or later to silence the message.`, ...statusOf(ip)],
          fixedIn: GONE_IN,
        })
      } else if (hasBridge === false) {
        findings.push({
          severity: 'warning' as const,
          subject: ip,
          title: `"Failed to add route for ${ip}": kube-bridge does not exist on this node`,
          detail: 'kube-router adds DSR external IPs to table 79 through kube-bridge. Without that interface ("Cannot find device") the route cannot exist: proxy-only deployments with another CNI, or a node without pods.',
          evidence: [lines[0].text, ...repeat],
          remediation: [`ip link show ${BRIDGE_IF}`, 'Run kube-router with its routing controller (--run-router=true) or do not use DSR external IPs on nodes without kube-bridge.', ...statusOf(ip)],
          fixedIn: null,
        })
      } else {
        findings.push({
          severity: 'warning' as const,
          subject: ip,
          title: `"Failed to add route for ${ip}" and the route is really missing from table 79`,
          detail: `Table 79 holds no route for ${ip}, so replies for this DSR external IP are not steered through kube-bridge.`,
          evidence: [lines[0].text, ...repeat, `(no ${ip} route in table 79)`],
          remediation: [`ip ${family === 6 ? '-6 ' : ''}route add ${shellWord(ip)} dev ${BRIDGE_IF} table 79`, 'Check the DSR requirements (runtime endpoint, rt_tables mounted, hostPID) in the kube-router log.', ...statusOf(ip)],
          fixedIn: null,
        })
      }
    }
    return {findings}
  },
})
