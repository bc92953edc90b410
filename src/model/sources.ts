// The capture sources of a node, in the order the probe script reports them: the one list every other list of
// sources derives from. The names are the bundle's nodes/<node>/ files (CONTRACT.md §5). Adding a source is one
// entry here plus its parser (parsers/node-capture.ts, where the compiler then asks for it).

/** passive = read-only inspection; active = connections made from the node (curl). */
export type ProbeSection = 'passive' | 'active'

export interface ProbeSourceInfo {
  name: string
  /** `null` for sources that do not come from the probe script (the pod log). */
  section: ProbeSection | null
  /** What produces it, as a person would type it (for docs and --help). */
  command: string
  /** When the source is reported as missing instead. */
  missingWhen: string
}

export const PROBE_SOURCES = [
  {name: 'ip-addr.json', section: 'passive', command: 'ip -j -d addr show', missingWhen: 'ip is absent or has no JSON output'},
  {name: 'ip-route.json', section: 'passive', command: 'ip -j -4 route show table all', missingWhen: 'ip is absent or fails'},
  {name: 'ip6-route.json', section: 'passive', command: 'ip -j -6 route show table all', missingWhen: 'ip is absent or fails'},
  {name: 'ip-rule.json', section: 'passive', command: 'ip -j -4 rule show', missingWhen: 'ip is absent or fails'},
  {name: 'ip6-rule.json', section: 'passive', command: 'ip -j -6 rule show', missingWhen: 'ip is absent or fails'},
  {name: 'ipset.txt', section: 'passive', command: 'ipset save', missingWhen: 'ipset is absent or fails'},
  {
    name: 'ipvsadm.txt',
    section: 'passive',
    command: 'ipvsadm -Ln',
    missingWhen: 'ipvsadm is absent or /proc/net/ip_vs does not exist (IPVS not loaded; ipvsadm would load it)',
  },
  {
    name: 'iptables.txt',
    section: 'passive',
    command:
      'iptables-nft-save, or iptables-legacy-save when /proc/net/ip_tables_names is non-empty, whichever holds KUBE-ROUTER chains; else iptables-save. First line "# kr-backend: nft|legacy|default"',
    missingWhen: 'no iptables save tool works',
  },
  {
    name: 'ip6tables.txt',
    section: 'passive',
    command: 'as iptables.txt with ip6tables-* and /proc/net/ip6_tables_names',
    missingWhen: 'no ip6tables save tool works',
  },
  {
    name: 'sysctl.txt',
    section: 'passive',
    command:
      '"key = value" read from /proc/sys: net.ipv4.vs.*, ip_forward, IPv6 forwarding, arp_ignore/arp_announce, every interface rp_filter, bridge-nf-call-*',
    missingWhen: '/proc/sys/net is not available',
  },
  {
    name: 'networkd.txt',
    section: 'passive',
    command:
      '"# active: yes|no" (yes when networkd\'s state file $KR_HOST_ROOT/run/systemd/netif/state exists or the unit cgroup $KR_HOST_ROOT/sys/fs/cgroup/[systemd/|unified/]system.slice/systemd-networkd.service is a directory), "# systemd-version: N|unknown" (from the name of usr/lib{,64,/*}/systemd/libsystemd-shared-N*.so), then "# file: PATH" + text of networkd.conf and {etc,run,usr/lib,lib}/systemd/networkd.conf.d/*.conf',
    missingWhen: 'never (an empty configuration is still a result)',
  },
  {
    name: 'kube-router-version.txt',
    section: 'passive',
    command: 'kube-router --version 2>&1 ($KR_KUBE_ROUTER_BIN overrides the binary)',
    missingWhen: 'kube-router is not on this host/image',
  },
  {
    name: 'kube-router-process.txt',
    section: 'passive',
    command: '"<pid> <command line>" of each process whose /proc/<pid>/comm is kube-router (empty: none runs); only where /proc is the host\'s ($KR_PROBE_HOST_PIDS=1, local mode)',
    missingWhen: 'the probe pod (no hostPID: the node\'s processes are not visible)',
  },
  {
    name: 'iptables-backends.txt',
    section: 'passive',
    command:
      'for iptables and ip6tables, nft and legacy: "== <tool>-<backend>", "# kr-version: <--version>", the save\'s stderr as "# kr-stderr: ...", its table/chain/comment lines, jumps from built-in chains to KUBE-* chains and KUBE-FIREWALL rules, "# kr-rules: N"; "# kr-unavailable: why" instead when the tool is absent, the legacy tables do not exist, or the save fails',
    missingWhen: 'never (each backend says why it is unavailable)',
  },
  {
    name: 'gobgp-neighbors.txt',
    section: 'passive',
    command: 'gobgp neighbor (kube-router\'s local gRPC API, read-only)',
    missingWhen: 'gobgp is not in the image, or kube-router\'s BGP server does not answer',
  },
  {
    name: 'dsr-endpoints.txt',
    section: 'passive',
    command:
      'for each pod IP in $KR_DSR_ENDPOINTS: the network namespace holding it, found through /proc (ls -l /proc/*/ns/net), read with nsenter --net: ip -o link show, ip -o addr show, rp_filter of all, default, eth0, kube-tunnel-if; "# no endpoint pods requested" without it',
    missingWhen: 'never (no endpoint pods requested is still a result)',
  },
  {
    name: 'kube-router.log',
    section: null,
    command:
      'tail -n 5000 of the newest *.log in $KR_HOST_ROOT/$KR_KUBE_ROUTER_LOG_DIR (the kubelet log directory of the node\'s kube-router container; cluster mode sets it), or --kube-router-log FILE locally',
    missingWhen: 'no kube-router pod on the node, or its log directory is absent',
  },
  {
    name: 'probes.json',
    section: 'active',
    command: 'curl to each target: http://VIP:PORT/ (service-vip) or https://IP:PORT/healthz -k (apiserver)',
    missingWhen: 'curl is absent',
  },
] as const satisfies readonly ProbeSourceInfo[]

/** The file names of a bundle's nodes/<node>/ directory. */
export type SourceName = (typeof PROBE_SOURCES)[number]['name']

export const SOURCE_NAMES: readonly SourceName[] = PROBE_SOURCES.map((s) => s.name)

const KNOWN = new Set<string>(PROBE_SOURCES.map((s) => s.name))

export function isSourceName(name: string): name is SourceName {
  return KNOWN.has(name)
}

/** The sources the probe script reports for the given sections, in order. */
export function probeSourceNames(sections: 'passive' | 'active' | 'all' = 'all'): SourceName[] {
  return PROBE_SOURCES.filter(
    (s) => s.section !== null && (sections === 'all' || s.section === sections),
  ).map((s) => s.name)
}
