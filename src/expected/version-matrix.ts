// Known kube-router bugs by version (kube-router-facts.md FM1-FM5 and "Other diagnosable failure modes"), and the
// behaviour changes that are not bugs. This file is the one place that holds kube-router version numbers a
// decision depends on: checks ask isAffectedBy / hasFix / hasBehaviour instead of comparing versions themselves.
// Ranges are [from, to): `to` is the first release with the fix.
import {compareVersions, parseVersionText} from '../parsers/kube-router-version.js'
import type {Version} from '../model/types.js'

/**
 * When a bug can bite, decided by the kube-router-version check from the cluster objects, the DaemonSet flags and
 * the nodes (accuracy-audit.md §2). "ipv6" = a Node has an IPv6 address (kube-router's capability, not --enable-ipv6).
 */
export type BugCondition =
  | 'always'
  | 'ipv6'
  /** kube-router's service proxy runs (--run-service-proxy) */
  | 'service-proxy'
  /** DSR Services exist and a node is IPv6-capable */
  | 'dsr-on-ipv6-node'
  | 'dual-stack'
  | 'dsr'
  | 'dsr-maglev'
  | 'dsr-ipv6'
  /** several DSR Services share one external/LB IP */
  | 'dsr-shared-ip'
  /** DSR with a CRI --runtime-endpoint (kube-router enters pods through the CRI) */
  | 'dsr-cri'
  /** IPv6 and the network policy controller */
  | 'ipv6-firewall'
  /** IPv6 with BGP routing and --bgp-graceful-restart off (the default) */
  | 'ipv6-bgp-no-graceful-restart'
  /** dual-stack nodes with --ipvs-permit-all=false */
  | 'dual-stack-permit-all-off'
  | 'overlay-fou'
  /** a Service annotated kube-router.io/service.local */
  | 'service-local'
  /** a Service with externalTrafficPolicy: Local */
  | 'external-traffic-local'

export type KnownBugId =
  | 'ipv6-vip-kernel-routes'
  | 'ipv6-local-ips-missing'
  | 'local-ips-not-restored'
  | 'dsr-external-ip-route-noise'
  | 'dsr-maglev-sloppy-tcp'
  | 'dsr-tcpmss'
  | 'dsr-ipv6-mss-value'
  | 'node-ips-only-local'
  | 'ip6tables-icmpv6-crashloop'
  | 'rt-tables-missing'
  | 'dsr-cri-resolver-zero-addresses'
  | 'dsr-container-not-found'
  | 'ipv6-netpol-ipset-names'
  | 'ipv6-netpol-ipsets-not-restored'
  | 'bgp-ipv6-routes-need-graceful-restart'
  | 'nodeport-primary-family-only'
  | 'permit-all-off-one-family'
  | 'fou-kernel-6.19'
  | 'netlink-dump-interrupted'
  | 'service-local-cluster-ip'
  | 'external-traffic-local-cluster-ip'
  | 'external-ip-rule-substring'

export interface KnownBug {
  id: KnownBugId
  title: string
  detail: string
  ranges: {from: string; to: string}[]
  fixedIn: string
  when: BugCondition
  severity: 'warning' | 'info'
  /** the check that looks for this bug's footprint on nodes */
  relatedCheck: string | null
  links: string[]
}

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'ipv6-vip-kernel-routes',
    title: 'IPv6 Service VIPs unreachable from the node that holds them',
    detail:
      'Adding a /128 VIP to kube-dummy-if makes the kernel add routes without `src` that outrank kube-router\'s own, so the node sources packets from the VIP itself. kube-router deletes them only from v2.2.0 on.',
    ranges: [{from: 'v2.0.0', to: 'v2.2.0'}],
    fixedIn: 'v2.2.0',
    when: 'ipv6',
    severity: 'warning',
    relatedCheck: 'ipv6-vip-routes',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1698', 'https://github.com/cloudnativelabs/kube-router/pull/1700'],
  },
  {
    id: 'ipv6-local-ips-missing',
    title: 'inet6:kube-router-local-ips lacks the node IPv6 addresses: a NodePort/LoadBalancer Service cuts the node IP and API server off',
    detail:
      'getAllLocalIPs listed only IPv4 addresses, so traffic to the node\'s IPv6 address is rejected by KUBE-ROUTER-SERVICES as soon as any NodePort or LoadBalancer Service exists.',
    ranges: [{from: 'v2.0.0', to: 'v2.2.0'}],
    fixedIn: 'v2.2.0',
    when: 'ipv6',
    severity: 'warning',
    relatedCheck: 'local-ips-ipset',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1685', 'https://github.com/cloudnativelabs/kube-router/pull/1699'],
  },
  {
    id: 'local-ips-not-restored',
    title: 'kube-router-local-ips no longer restored (both families): node and local connections rejected',
    detail: 'A regression in v2.6.1 leaves kube-router-local-ips empty, so KUBE-ROUTER-SERVICES rejects traffic to the node IPs.',
    ranges: [{from: 'v2.6.1', to: 'v2.6.2'}],
    fixedIn: 'v2.6.2',
    when: 'service-proxy',
    severity: 'warning',
    relatedCheck: 'local-ips-ipset',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1924', 'https://github.com/cloudnativelabs/kube-router/pull/1925'],
  },
  {
    id: 'dsr-external-ip-route-noise',
    title: 'DSR logs "Failed to add route … custom route table for external IP\'s" on every sync',
    detail:
      'On IPv6-enabled nodes the per-family pass tries to add every DSR external IP to table 79, including the other family\'s, and fails. The route exists and DSR works; the message is noise. The code path is gone in v2.6.0.',
    ranges: [{from: 'v2.0.0', to: 'v2.6.0'}],
    fixedIn: 'v2.6.0',
    when: 'dsr-on-ipv6-node',
    severity: 'info',
    relatedCheck: 'dsr-route-noise',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1836'],
  },
  {
    id: 'dsr-maglev-sloppy-tcp',
    title: 'DSR + Maglev connections die on node failover: kube-router does not set net.ipv4.vs.sloppy_tcp',
    detail:
      'The node that takes over a flow has no IPVS connection entry for mid-stream packets and drops them unless sloppy_tcp=1. kube-router manages the sysctl itself from v2.6.0.',
    ranges: [{from: 'v0.0.0', to: 'v2.6.0'}],
    fixedIn: 'v2.6.0',
    when: 'dsr-maglev',
    severity: 'warning',
    relatedCheck: 'dsr-sloppy-tcp',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1860'],
  },
  {
    // accuracy-audit.md §2: the fix (5fdde068) is in v2.1.3 and, on the v2.2 line, v2.2.0 (c3b6db95); reporters
    // ran v1.6.x without trouble, so the range starts at v2.0.0 (where it began is not established).
    id: 'dsr-tcpmss',
    title: 'DSR TCP connections stall on large transfers when several DSR Services share one IP (TCPMSS clamp removed)',
    detail:
      'The MSS clamp was one rule per external IP (`-d <ip>` / `-s <ip>`, no port): when one of several Services sharing the IP lost its endpoints, its cleanup deleted the clamp the others need. From the fix on, each tuple has its own `-s <ip> --sport <port> -i kube-bridge` rule.',
    ranges: [{from: 'v2.0.0', to: 'v2.1.3'}],
    fixedIn: 'v2.1.3',
    when: 'dsr-shared-ip',
    severity: 'warning',
    relatedCheck: 'dsr-programming',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1671', 'https://github.com/cloudnativelabs/kube-router/pull/1672'],
  },
  {
    id: 'dsr-ipv6-mss-value',
    title: 'DSR over IPv6 clamps MSS to MTU-60 instead of MTU-100',
    detail: 'IPv6 DSR replies use an MSS 40 bytes too large, which can stall large transfers.',
    ranges: [{from: 'v0.0.0', to: 'v2.7.0'}],
    fixedIn: 'v2.7.0',
    when: 'dsr-ipv6',
    severity: 'info',
    relatedCheck: 'dsr-programming',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1995'],
  },
  {
    id: 'node-ips-only-local',
    title: 'kube-router-node-ips holds only the local node: pod traffic to other nodes is masqueraded',
    detail: 'A v2.3.0-v2.4.0 regression breaks ipip paths between nodes.',
    ranges: [{from: 'v2.3.0', to: 'v2.4.1'}],
    fixedIn: 'v2.4.1',
    when: 'always',
    severity: 'warning',
    relatedCheck: null,
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1778'],
  },
  {
    id: 'ip6tables-icmpv6-crashloop',
    title: 'kube-router crash-loops on IPv6 ("error setting up ipvs firewall"): ip6tables missing or given the wrong ICMP option',
    detail: 'v2.1.3 shipped without ip6tables (unknown option "--icmpv6-type"); v2.2.0 used --icmp-type with ip6tables.',
    ranges: [
      {from: 'v2.1.3', to: 'v2.1.4'},
      {from: 'v2.2.0', to: 'v2.2.1'},
    ],
    fixedIn: 'v2.2.1',
    when: 'ipv6',
    severity: 'warning',
    relatedCheck: null,
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1686', 'https://github.com/cloudnativelabs/kube-router/issues/1712'],
  },
  // ---- accuracy-audit.md §2 "Missing": each with the footprint a node shows ----
  {
    id: 'rt-tables-missing',
    title: 'Without /etc/iproute2/rt_tables the overlay `lookup 77` rule, table 78 and the `lookup 79` rule are never set up',
    detail:
      'v2.1.0 writes its table names into rt_tables and fails when the file is absent (images without iproute2\'s file, no hostPath mount): every sync fails before the table 78 route and the 79 rule, and the routing controller never adds the pod-CIDR rule. Footprint: no `from <pod CIDR> lookup 77`, no `from all lookup 79`, table 78 empty; log "failed to update rt_tables file". Restarting does not help.',
    ranges: [{from: 'v2.1.0', to: 'v2.1.1'}],
    fixedIn: 'v2.1.1',
    when: 'always',
    severity: 'warning',
    relatedCheck: 'policy-routing-rules',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1616'],
  },
  {
    id: 'dsr-cri-resolver-zero-addresses',
    title: 'DSR receivers are never set up inside pods with a CRI runtime ("name resolver error: produced zero addresses")',
    detail:
      'The gRPC dial of --runtime-endpoint fails, so kube-router cannot enter the endpoint pods to add the DSR address on kube-tunnel-if. Director side (MARK, rule, table 78, FWM Tunnel) looks complete; the pods drop the tunnelled packets. Footprint: the log line "unable to setup DSR receiver inside pod … produced zero addresses".',
    ranges: [{from: 'v2.2.0', to: 'v2.2.2'}],
    fixedIn: 'v2.2.2',
    when: 'dsr-cri',
    severity: 'warning',
    relatedCheck: 'dsr-programming',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1754'],
  },
  {
    id: 'dsr-container-not-found',
    title: 'DSR setup fails with "could not find container" for endpoints on other nodes',
    detail:
      'v2.1.0 tries to enter the pods of non-local endpoints too and aborts the DSR setup of the Service. Footprint: log "could not find container" next to "failed to setup DSR endpoint".',
    ranges: [{from: 'v2.1.0', to: 'v2.1.1'}],
    fixedIn: 'v2.1.1',
    when: 'dsr-cri',
    severity: 'warning',
    relatedCheck: 'dsr-programming',
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1640', 'https://github.com/cloudnativelabs/kube-router/pull/1651'],
  },
  {
    id: 'ipv6-netpol-ipset-names',
    title: 'IPv6 NetworkPolicies do not apply: the inet6 ipset names do not match the ip6tables rules',
    detail: 'v2.1.0 generated IPv6 set names the ip6tables rules do not reference. Footprint: ip6tables rules naming `inet6:KUBE-*` sets that `ipset save` does not have.',
    ranges: [{from: 'v2.1.0', to: 'v2.1.1'}],
    fixedIn: 'v2.1.1',
    when: 'ipv6-firewall',
    severity: 'warning',
    relatedCheck: null,
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1653'],
  },
  {
    id: 'ipv6-netpol-ipsets-not-restored',
    title: 'IPv6 NetworkPolicy ipsets are not restored: IPv6 policies are not enforced (security)',
    detail: 'v2.6.1 stripped the `inet6:` prefix when restoring sets, so IPv6 policy sets stay empty or stale. Footprint: `inet6:KUBE-SRC-*` / `inet6:KUBE-DST-*` sets empty while pods match the policies.',
    ranges: [{from: 'v2.6.1', to: 'v2.6.2'}],
    fixedIn: 'v2.6.2',
    when: 'ipv6-firewall',
    severity: 'warning',
    relatedCheck: null,
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1927', 'https://github.com/cloudnativelabs/kube-router/pull/1935'],
  },
  {
    id: 'bgp-ipv6-routes-need-graceful-restart',
    title: 'Dual-stack BGP: IPv6 pod routes are never exchanged unless --bgp-graceful-restart is on',
    detail: 'The IPv6 AFI/SAFI was configured on peers only with graceful restart. Footprint: no `proto 17` IPv6 routes to other nodes\' IPv6 pod CIDRs (`ip -6 route show proto 17`) while IPv4 has them.',
    ranges: [{from: 'v2.0.0', to: 'v2.7.0'}],
    fixedIn: 'v2.7.0',
    when: 'ipv6-bgp-no-graceful-restart',
    severity: 'warning',
    relatedCheck: null,
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1992'],
  },
  {
    id: 'nodeport-primary-family-only',
    title: 'NodePorts answer only on the primary family\'s node IP',
    detail: 'Dual-stack Services get their NodePort IPVS service only on the primary node IP (and that family\'s address in svip). Footprint: `ipvsadm -Ln` has `TCP <node IPv4>:<nodePort>` but no `[<node IPv6>]:<nodePort>`.',
    ranges: [{from: 'v2.0.0', to: 'v2.11.0'}],
    fixedIn: 'v2.11.0',
    when: 'dual-stack',
    severity: 'info',
    relatedCheck: null,
    links: ['https://github.com/cloudnativelabs/kube-router/commit/18a0b7af'],
  },
  {
    id: 'permit-all-off-one-family',
    title: '--ipvs-permit-all=false empties KUBE-ROUTER-SERVICES for the first family only',
    detail: 'The setup returned after clearing the first family\'s chain, so the other family keeps its REJECT rule. Footprint: `-j REJECT` in one of iptables/ip6tables KUBE-ROUTER-SERVICES only.',
    ranges: [{from: 'v2.0.0', to: 'v2.9.0'}],
    fixedIn: 'v2.9.0',
    when: 'dual-stack-permit-all-off',
    severity: 'warning',
    relatedCheck: 'local-ips-ipset',
    links: ['https://github.com/cloudnativelabs/kube-router/commit/aba49a98'],
  },
  {
    id: 'fou-kernel-6.19',
    title: 'FOU tunnels fail on kernel 6.19 and later ("Failed to enable FoU")',
    detail: 'The netlink library kube-router used for FouAdd speaks a message format kernel 6.19 rejects. Footprint: no `tun-*` links to cross-subnet peers, log "Failed to enable FoU".',
    ranges: [{from: 'v2.6.0', to: 'v2.10.0'}],
    fixedIn: 'v2.10.0',
    when: 'overlay-fou',
    severity: 'warning',
    relatedCheck: null,
    links: ['https://github.com/cloudnativelabs/kube-router/issues/2070'],
  },
  {
    id: 'netlink-dump-interrupted',
    title: 'Sporadic "results may be incomplete or inconsistent" from netlink: tunnels recreated, a subnet skipped for a sync',
    detail: 'A netlink dump interrupted by a concurrent change was treated as an error; kube-router retries from v2.7.0. Footprint: the log line; a pod route or tunnel missing until the next sync.',
    ranges: [{from: 'v2.6.0', to: 'v2.7.0'}],
    fixedIn: 'v2.7.0',
    when: 'always',
    severity: 'info',
    relatedCheck: null,
    links: ['https://github.com/cloudnativelabs/kube-router/issues/1965'],
  },
  {
    id: 'service-local-cluster-ip',
    title: 'kube-router.io/service.local makes the ClusterIP node-local too: nodes without an endpoint refuse it',
    detail: 'The annotation set the internal traffic policy to Local as well, so kube-router skips the Service\'s ClusterIP on nodes without a ready local endpoint. Footprint: `ipvsadm -Ln` has no destinations (or no service) for the ClusterIP on those nodes; curl from them is refused.',
    ranges: [{from: 'v2.0.0', to: 'v2.4.0'}],
    fixedIn: 'v2.4.0',
    when: 'service-local',
    severity: 'info',
    relatedCheck: 'vip-reachability',
    links: ['https://github.com/cloudnativelabs/kube-router/commit/44439d60'],
  },
  {
    id: 'external-traffic-local-cluster-ip',
    title: 'externalTrafficPolicy: Local makes the ClusterIP node-local too: nodes without an endpoint refuse it',
    detail: 'v2.0.x treated the annotation (any value) or externalTrafficPolicy: Local as "local" for every address of the Service, ClusterIP included. Footprint: the ClusterIP\'s IPVS service has no destinations on nodes without a ready endpoint; curl from them fails.',
    ranges: [{from: 'v2.0.0', to: 'v2.1.0'}],
    fixedIn: 'v2.1.0',
    when: 'external-traffic-local',
    severity: 'info',
    relatedCheck: 'vip-reachability',
    links: ['https://github.com/cloudnativelabs/kube-router/commit/44439d60'],
  },
  {
    // accuracy-audit.md §1.9 (b), code-derived: linux_networking.go@v2.5.0:525-526
    id: 'external-ip-rule-substring',
    title: 'The `from all lookup 79` rule is never re-added while any ip rule contains "79" or "external_ip"',
    detail:
      'Before adding the rule kube-router searched the whole `ip rule list` output for the substrings, so a fwmark like 0x1779, a pod CIDR such as 10.244.79.0/24 or any address containing 79 in another rule keeps it out for good once it is deleted. Footprint: no `lookup 79` rule, another rule containing "79".',
    ranges: [{from: 'v2.0.0', to: 'v2.6.0'}],
    fixedIn: 'v2.6.0',
    when: 'service-proxy',
    severity: 'info',
    relatedCheck: 'policy-routing-rules',
    links: ['https://github.com/cloudnativelabs/kube-router/blob/v2.5.0/pkg/controllers/proxy/linux_networking.go#L525'],
  },
]

export function versionInRange(version: Version, range: {from: string; to: string}): boolean {
  const from = parseVersionText(range.from)
  const to = parseVersionText(range.to)
  if (!from || !to) return false
  return compareVersions(version, from) >= 0 && compareVersions(version, to) < 0
}

export function bugsAffecting(version: Version): KnownBug[] {
  return KNOWN_BUGS.filter((bug) => bug.ranges.some((r) => versionInRange(version, r)))
}

export function knownBug(id: KnownBugId): KnownBug {
  // every KnownBugId has an entry (test/expected/version-matrix.test.ts)
  return KNOWN_BUGS.find((bug) => bug.id === id)!
}

/** The version lies in one of the bug's ranges. */
export function isAffectedBy(version: Version, id: KnownBugId): boolean {
  return knownBug(id).ranges.some((r) => versionInRange(version, r))
}

/** The version is at least the bug's fixedIn release; versions from before the bug's range are not "fixed". */
export function hasFix(version: Version, id: KnownBugId): boolean {
  return atLeast(version, knownBug(id).fixedIn)
}

export type BehaviourChangeId = 'strict-external-ip-validation' | 'table-79-unused' | 'dsr-ipv6-mss-minus-100'

export interface BehaviourChange {
  id: BehaviourChangeId
  /** first release with the behaviour */
  since: string
  what: string
  source: string
}

/** kube-router behaviour that changed at a release without being a bug: no version finding of its own. */
export const BEHAVIOUR_CHANGES: Readonly<Record<BehaviourChangeId, BehaviourChange>> = {
  'strict-external-ip-validation': {
    id: 'strict-external-ip-validation',
    since: 'v2.8.0',
    what: 'with --strict-external-ip-validation=true (the default) external and LoadBalancer IPs outside the configured ranges, or inside the cluster IP range, are dropped',
    source: 'kube-router-facts.md §3.2, "Other failure modes" 1; pkg/svcip/validator.go @ v2.8.0',
  },
  'table-79-unused': {
    id: 'table-79-unused',
    since: 'v2.6.0',
    what: 'table 79 (external_ip) is emptied at every sync and never filled: the `from all lookup 79` rule is inert',
    source: 'accuracy-audit.md §1.3, §1.9; linux_networking.go @ v2.6.0:637-703 (70062050)',
  },
  'dsr-ipv6-mss-minus-100': {
    id: 'dsr-ipv6-mss-minus-100',
    since: 'v2.7.0',
    what: 'the DSR TCPMSS clamp of IPv6 tuples is MTU-100 (MTU-60 before, as for IPv4)',
    source: 'accuracy-audit.md §1.2; setupMangleTableRule @ v2.11.1:1566-1600 (ee0940b8)',
  },
}

/** True when the version has the behaviour (at least its `since` release). */
export function hasBehaviour(version: Version, id: BehaviourChangeId): boolean {
  return atLeast(version, BEHAVIOUR_CHANGES[id].since)
}

/** The version is inside [from, before); a bound that is absent (or not a version) does not limit. */
export function inVersionWindow(version: Version, window: {from?: string; before?: string}): boolean {
  const from = window.from ? parseVersionText(window.from) : null
  const before = window.before ? parseVersionText(window.before) : null
  return !((from && compareVersions(version, from) < 0) || (before && compareVersions(version, before) >= 0))
}

/** True when the version is at least `min` (e.g. atLeast(v, 'v2.6.0')). */
function atLeast(version: Version, min: string): boolean {
  const m = parseVersionText(min)
  return m !== null && compareVersions(version, m) >= 0
}

// ---------- fixes of known kube-router log errors (the kube-router-log check) ----------
// The known bugs whose log line the kube-router-log check recognises (accuracy-audit §2 "Missing" table and §3
// #9/#12): looked up when their line is seen, so a version outside their ranges still gets a word on the fix.
// KNOWN_BUGS is the one source of their ranges, fixed-in releases and links.

export const LOG_FIX_BUGS = [
  'rt-tables-missing',
  'dsr-container-not-found',
  'dsr-cri-resolver-zero-addresses',
  'fou-kernel-6.19',
  'netlink-dump-interrupted',
] as const satisfies readonly KnownBugId[]

export type LogFixId = (typeof LOG_FIX_BUGS)[number]

export type LogFix = Pick<KnownBug, 'ranges' | 'fixedIn' | 'links'> & {id: LogFixId}

export const LOG_FIXES: Readonly<Record<LogFixId, LogFix>> = Object.fromEntries(
  LOG_FIX_BUGS.map((id) => {
    const {ranges, fixedIn, links} = knownBug(id)
    return [id, {id, ranges, fixedIn, links}]
  }),
) as Record<LogFixId, LogFix>

/**
 * Where this version stands to a log error's bug: in one of its ranges (`affected`), older than the bug
 * (`before-bug`: the line has another cause), at or past the fix (`has-fix`), or between two ranges
 * (`unaffected`); null when the version is unknown.
 */
export type LogFixStanding = 'affected' | 'before-bug' | 'has-fix' | 'unaffected'

export function logFixFor(version: Version | null, id: LogFixId): {fix: LogFix; standing: LogFixStanding | null; since: string} {
  const fix = LOG_FIXES[id]
  // the first release with the bug: the lowest range start
  const since = fix.ranges.map((r) => r.from).reduce((a, b) => (compareVersionTexts(b, a) < 0 ? b : a))
  if (!version) return {fix, standing: null, since}
  if (fix.ranges.some((r) => versionInRange(version, r))) return {fix, standing: 'affected', since}
  if (atLeast(version, fix.fixedIn)) return {fix, standing: 'has-fix', since}
  return {fix, standing: atLeast(version, since) ? 'unaffected' : 'before-bug', since}
}

function compareVersionTexts(a: string, b: string): number {
  const va = parseVersionText(a)
  const vb = parseVersionText(b)
  return va && vb ? compareVersions(va, vb) : 0
}
