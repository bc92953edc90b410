// Known kube-router bugs by version (kube-router-facts.md FM1-FM5 and "Other diagnosable failure modes"), and the
// behaviour changes that are not bugs. This file is the one place that holds kube-router version numbers a
// decision depends on: checks ask isAffectedBy / hasFix / hasBehaviour instead of comparing versions themselves.
// Ranges are [from, to): `to` is the first release with the fix.
import {compareVersions, parseVersionText} from '../parsers/kube-router-version.js'
import type {Version} from '../model/types.js'

export type BugCondition = 'always' | 'ipv6' | 'dsr' | 'dsr-maglev' | 'dsr-ipv6'

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
    when: 'always',
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
    when: 'dsr',
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
    id: 'dsr-tcpmss',
    title: 'DSR TCP connections stall on large transfers (TCPMSS clamp rules missing or wrong)',
    detail: 'The MSS clamp for replies of local DSR endpoints was missing or in an older form before v2.1.3/v2.2.0.',
    ranges: [{from: 'v0.0.0', to: 'v2.1.3'}],
    fixedIn: 'v2.2.0',
    when: 'dsr',
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
    relatedCheck: null,
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

export type BehaviourChangeId = 'strict-external-ip-validation'

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
// Kept apart from KNOWN_BUGS: these are looked up when their log line is seen, not listed for a version.
// Sources: accuracy-audit §2 "Missing" table and §3 #9/#12.

export type LogFixId = 'rt-tables-missing' | 'dsr-container-lookup' | 'dsr-cri-resolver' | 'fou-port-kernel-6.19' | 'netlink-dump-interrupted'

export interface LogFix {
  id: LogFixId
  ranges: {from: string; to: string}[]
  fixedIn: string
  links: string[]
}

export const LOG_FIXES: Readonly<Record<LogFixId, LogFix>> = {
  // /etc/iproute2/rt_tables absent (distroless hosts, #1616): no fallback until 70920609
  'rt-tables-missing': {id: 'rt-tables-missing', ranges: [{from: 'v2.1.0', to: 'v2.1.1'}], fixedIn: 'v2.1.1', links: ['https://github.com/cloudnativelabs/kube-router/issues/1616']},
  // DSR receiver setup looked for the container of non-local endpoints (#1640, PR #1651)
  'dsr-container-lookup': {id: 'dsr-container-lookup', ranges: [{from: 'v2.1.0', to: 'v2.1.1'}], fixedIn: 'v2.1.1', links: ['https://github.com/cloudnativelabs/kube-router/issues/1640']},
  // gRPC NewClient without the passthrough resolver: "produced zero addresses" for unix:// runtime endpoints (#1754, 5179953b)
  'dsr-cri-resolver': {id: 'dsr-cri-resolver', ranges: [{from: 'v2.2.0', to: 'v2.2.2'}], fixedIn: 'v2.2.2', links: ['https://github.com/cloudnativelabs/kube-router/issues/1754']},
  // netlink FouAdd (used from v2.6.0) fails on kernels >= 6.19 until the netlink bump 33178752 (#2070)
  'fou-port-kernel-6.19': {id: 'fou-port-kernel-6.19', ranges: [{from: 'v2.6.0', to: 'v2.10.0'}], fixedIn: 'v2.10.0', links: ['https://github.com/cloudnativelabs/kube-router/issues/2070']},
  // interrupted netlink dumps were not retried (#1965; retries 8ea5e44d, 440ad4d0)
  'netlink-dump-interrupted': {id: 'netlink-dump-interrupted', ranges: [{from: 'v2.0.0', to: 'v2.7.0'}], fixedIn: 'v2.7.0', links: ['https://github.com/cloudnativelabs/kube-router/issues/1965']},
}

/** The fix of a log error for this version: `affected` when the version lies in one of its ranges (unknown version: null). */
export function logFixFor(version: Version | null, id: LogFixId): {fix: LogFix; affected: boolean | null} {
  const fix = LOG_FIXES[id]
  return {fix, affected: version ? fix.ranges.some((r) => versionInRange(version, r)) : null}
}
