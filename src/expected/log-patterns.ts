// Known kube-router log errors (accuracy-audit §3 #9, #12 and §2; kube-router source strings @ v2.1.0-v2.11.1): what
// each means, what fixes it, and, where a release fixed it, which LOG_FIXES / KNOWN_BUGS entry holds the versions
// (expected/version-matrix.ts; no version numbers here). Lines another check diagnoses name it (`seeCheck`).
import type {KnownBugId, LogFixId} from './version-matrix.js'

export interface LogPattern {
  id: string
  match: RegExp
  severity: 'error' | 'warning' | 'info'
  title: string
  cause: string
  fix: string
  /** the version-matrix entry that says which releases have the fault */
  fixedBy?: {log: LogFixId} | {bug: KnownBugId}
  /** the check that diagnoses this from node state */
  seeCheck?: string
}

export const LOG_PATTERNS: readonly LogPattern[] = [
  {
    id: 'rt-tables-missing',
    match: /rt_tables: no such file or directory|failed to update rt_tables file/,
    severity: 'error',
    title: 'kube-router cannot read /etc/iproute2/rt_tables',
    cause: 'The host has no /etc/iproute2/rt_tables (minimal or distroless images). kube-router fails before the overlay `lookup 77` rule and the DSR table 78/79 setup, on every sync.',
    fix: 'Mount the host\'s rt_tables into the pod (or create the file on the host); releases with the fix fall back to built-in paths.',
    fixedBy: {log: 'rt-tables-missing'},
  },
  {
    id: 'dsr-cri-resolver',
    match: /produced zero addresses/,
    severity: 'error',
    title: 'DSR receiver setup cannot reach the container runtime ("produced zero addresses")',
    cause: 'kube-router\'s gRPC client resolves a unix:// --runtime-endpoint through DNS and finds nothing, so DSR IPs are never added inside the pods: DSR traffic arrives but nothing answers.',
    fix: 'Upgrade kube-router; there is no configuration workaround.',
    fixedBy: {log: 'dsr-cri-resolver-zero-addresses'},
  },
  {
    id: 'dsr-container-lookup',
    match: /could not find container/,
    severity: 'error',
    title: 'DSR receiver setup looks for containers that are not on this node',
    cause: 'kube-router tries to enter the network namespace of endpoints on other nodes and fails, which aborts the DSR setup of the Service.',
    fix: 'Upgrade kube-router.',
    fixedBy: {log: 'dsr-container-not-found'},
  },
  {
    id: 'dsr-runtime-endpoint',
    match: /runtimeEndpoint is not specified/,
    severity: 'error',
    title: 'DSR needs --runtime-endpoint',
    cause: 'kube-router enters each local DSR endpoint\'s network namespace through the container runtime, and no --runtime-endpoint was given.',
    fix: 'Run kube-router with --runtime-endpoint=unix:///run/containerd/containerd.sock (or your runtime\'s socket) and mount that socket into the pod.',
  },
  {
    id: 'dsr-receiver',
    match: /unable to setup DSR receiver inside pod/,
    severity: 'error',
    title: 'the DSR IP could not be added inside a pod',
    cause: 'kube-router programs IPVS and the mangle rules first and then adds the DSR IP on kube-tunnel-if inside each local endpoint\'s pod; this last step failed, so the pod drops the tunnelled traffic although node state looks right. The rest of the line gives the reason (runtime socket, hostPID, pod without ip tools).',
    fix: 'Fix the reason in the line (kube-router needs hostPID: true and the runtime socket for DSR), then restart kube-router on the node.',
  },
  {
    id: 'dsr-host-network',
    match: /DSR does not work with hostNetwork: true pods/,
    severity: 'warning',
    title: 'a DSR Service has hostNetwork endpoints: kube-router skips it',
    cause: 'DSR needs a network namespace of its own per endpoint; kube-router leaves Services with hostNetwork pods without any DSR programming.',
    fix: 'Remove the kube-router.io/service.dsr annotation from that Service, or run its pods without hostNetwork.',
  },
  {
    id: 'dsr-policy-routing',
    match: /failed to setup policy routing required for DSR/,
    severity: 'error',
    title: 'the policy routing DSR needs (table 78, fwmark rules) could not be set up',
    cause: 'kube-router could not add the `local default dev lo` route to table 78 or its rules; DSR traffic is not delivered locally. The rest of the line gives the netlink error.',
    fix: 'Fix the error in the line (rt_tables, permissions, another tool owning table 78), then restart kube-router.',
  },
  {
    id: 'fou-enable',
    match: /Failed to enable FoU6? for tunnel overlay/,
    severity: 'error',
    title: 'the FoU port for the overlay could not be set up',
    cause: 'With --overlay-encap=fou kube-router opens a FoU UDP port; failing that, tunnels to nodes in other subnets carry nothing.',
    fix: 'Load the fou module on the host; on kernels 6.19 and later use a kube-router with the newer netlink library.',
    fixedBy: {log: 'fou-kernel-6.19'},
  },
  {
    id: 'netlink-inconsistent',
    match: /results may be incomplete or inconsistent/,
    severity: 'warning',
    title: 'a netlink dump was interrupted ("results may be incomplete or inconsistent")',
    cause: 'The kernel\'s link or route table changed during kube-router\'s read; without a retry kube-router acts on a partial list (tunnels recreated, a subnet skipped until the next sync).',
    fix: 'Upgrade kube-router to a release that retries interrupted dumps; otherwise it heals at a later sync.',
    fixedBy: {log: 'netlink-dump-interrupted'},
  },
  {
    id: 'ipvs-firewall',
    match: /error setting up ipvs firewall/,
    severity: 'error',
    title: 'kube-router exits: "error setting up ipvs firewall"',
    cause: 'The service proxy could not create its iptables rules (on IPv6: an ip6tables missing from the image, or given the IPv4 ICMP option) and kube-router exits, so it crash-loops.',
    fix: 'Upgrade kube-router past the affected releases, or check that ip6tables works in its image.',
    fixedBy: {bug: 'ip6tables-icmpv6-crashloop'},
  },
  {
    id: 'missing-kernel-match',
    match: /Couldn't load (match|target) `?\w+|No chain\/target\/match by that name|Set \S+ doesn't exist/,
    severity: 'error',
    title: 'iptables lacks a match or target kube-router uses (kernel module not loaded)',
    cause: 'kube-router\'s rules use xt_set, xt_ipvs, xt_comment, xt_mark and others; a host that does not load them (and a container that cannot) rejects those rules.',
    fix: 'Load the modules on the host (modprobe xt_set ip_set ip_vs xt_ipvs xt_comment xt_mark) and make them load at boot, then restart kube-router.',
  },
  {
    id: 'address-in-use',
    match: /bind: address already in use/,
    severity: 'error',
    title: 'a port kube-router listens on is taken',
    cause: 'Another process holds a port kube-router needs (BGP 179, gobgp gRPC 50051, health 20244, metrics): often a second kube-router, a BGP daemon on the host, or a leftover.',
    fix: 'Find the owner with `ss -ltnp` on the node, stop it or move kube-router\'s port (--bgp-port, --health-port, --metrics-port).',
  },
  {
    id: 'ipvs-sync',
    match: /error during (periodic ipvs|ipvs|full) sync in network service controller/,
    severity: 'warning',
    title: 'the service proxy\'s sync fails',
    cause: 'kube-router could not program every Service into IPVS in this sync; Services added or changed since stay unprogrammed until a sync succeeds. The rest of the line names the Service and the error.',
    fix: 'Fix the error the line names; kube-router retries every sync.',
  },
  {
    id: 'bridge-mtu',
    match: /Failed to set MTU for kube-bridge/,
    severity: 'warning',
    title: 'kube-bridge\'s MTU could not be set',
    cause: 'With --auto-mtu kube-router sets kube-bridge to the primary interface\'s MTU; this failed, so pods keep the bridge\'s current MTU.',
    fix: 'See the mtu check; set the CNI configuration\'s mtu by hand if needed.',
    seeCheck: 'mtu',
  },
  {
    id: 'pod-cidr',
    match: /Failed to get pod CIDRs? from node spec/,
    severity: 'info',
    title: 'kube-router could not read the node\'s pod CIDR',
    cause: 'The node has no spec.podCIDR and no kube-router.io/pod-cidr annotation; kube-router exits.',
    fix: 'See the pod-cidr check.',
    seeCheck: 'pod-cidr',
  },
  {
    id: 'netpol-abort',
    match: /Aborting sync\. Failed to/,
    severity: 'info',
    title: 'the network-policy sync aborts',
    cause: 'A NetworkPolicy sync failed and kept the previous rules.',
    fix: 'See the netpol-sync check.',
    seeCheck: 'netpol-sync',
  },
  {
    id: 'dsr-route-noise',
    match: /Failed to add route for \S+ in custom route table for external IP/,
    severity: 'info',
    title: '"Failed to add route … custom route table for external IP\'s"',
    cause: 'Usually benign noise of the DSR external-IP route pass.',
    fix: 'See the dsr-route-noise check.',
    seeCheck: 'dsr-route-noise',
  },
  {
    id: 'external-ip-rejected',
    match: /rejecting (externalIP|loadBalancerIP|all \d+ (externalIPs|loadBalancerIPs))/,
    severity: 'info',
    title: 'strict external-IP validation rejects Service IPs',
    cause: 'Service IPs outside the configured ranges are not programmed.',
    fix: 'See the external-ip-validation check.',
    seeCheck: 'external-ip-validation',
  },
]

export function classify(message: string): LogPattern | null {
  return LOG_PATTERNS.find((p) => p.match.test(message)) ?? null
}
