// Kernel state of the demo cluster's nodes (3 dual-stack nodes on kube-router v2.1.2), built for real in a network
// namespace; shared by the demo bundle generator and the cluster-mode end-to-end tests.
//   node-a  FM2 (IPv6 VIP kernel routes) + FM3 (inet6:kube-router-local-ips lacks the node IPv6)
//   node-b  FM1 (DSR route noise, benign) + FM4 (networkd active, rules wiped) + FM5 (DSR+Maglev, sloppy_tcp=0)
//   node-c  healthy (the v2.1.2 workarounds applied: kernel routes removed, node IPv6 in local-ips, sloppy_tcp=1)
import {execFileSync} from 'node:child_process'
import {DEMO_NODES} from './cluster.js'

export const V4_VIPS = ['10.96.0.1', '10.96.0.10', '10.96.12.34', '10.96.40.9', '198.51.100.10']
export const V6_VIPS = ['fd00:10:96::1', 'fd00:10:96::a', 'fd00:10:96::1234', '2001:db8:100::10']
export const VERSION_LINE = 'Running /usr/local/bin/kube-router version v2.1.2, built on 2024-05-13T18:52:49+0000, go1.22.2'

/** A demo node: its name, addresses and pod CIDRs (DEMO_NODES, or the same nodes at another lab's addresses). */
export interface DemoNode {
  readonly name: string
  readonly ip4: string
  readonly ip6: string
  readonly pod4: string
  readonly pod6: string
  readonly controlPlane: boolean
}

/** Where the demo nodes' LAN leads: their default gateways, and every node of the cluster (for the ipsets that list
 * them all). */
export interface DemoNetwork {
  gateway4: string
  gateway6: string
  nodes: readonly DemoNode[]
}

export const DEMO_NETWORK: DemoNetwork = {gateway4: '192.168.56.1', gateway6: 'fd00:56::1', nodes: DEMO_NODES}
export interface Flavour {ipv6KernelRoutes: boolean; localIps6HasNode: boolean; rulesWiped: boolean; networkdActive: boolean; sloppyTcp: 0 | 1; log: string}

export const FLAVOURS: Record<string, Flavour> = {
  'node-a': {ipv6KernelRoutes: true, localIps6HasNode: false, rulesWiped: false, networkdActive: false, sloppyTcp: 1, log: ''},
  'node-b': {ipv6KernelRoutes: false, localIps6HasNode: true, rulesWiped: true, networkdActive: true, sloppyTcp: 0, log: 'noise'},
  'node-c': {ipv6KernelRoutes: false, localIps6HasNode: true, rulesWiped: false, networkdActive: false, sloppyTcp: 1, log: ''},
}

function sh(ns: string, script: string): void {
  execFileSync('ip', ['netns', 'exec', ns, 'sh', '-ec', script], {stdio: ['ignore', 'ignore', 'inherit']})
}

/** Programs node `n` into the (existing, empty) network namespace `ns` as kube-router would have, with flavour `f`'s
 * faults: its eth0 (a veth whose peer eth0-peer stays in `ns` for the caller to move to a LAN), then seedDemoNode. */
export function buildDemoNode(ns: string, n: DemoNode, f: Flavour, net: DemoNetwork = DEMO_NETWORK): void {
  sh(ns, [
    'ip link add eth0 type veth peer name eth0-peer', 'ip link set eth0 up', 'ip link set eth0-peer up',
    `ip addr add ${n.ip4}/24 dev eth0`, `ip -6 addr add ${n.ip6}/64 dev eth0 nodad`,
    `ip route add default via ${net.gateway4} dev eth0`, `ip -6 route add default via ${net.gateway6} dev eth0`,
  ].join('\n'))
  seedDemoNode(ns, n, f, net)
}

/** Programs kube-router's state of node `n` (flavour `f`'s faults) into `ns`, whose eth0 already holds the node's
 * addresses and default routes (as a lab node's does). */
export function seedDemoNode(ns: string, n: DemoNode, f: Flavour, net: DemoNetwork = DEMO_NETWORK): void {
  const p4 = n.pod4.replace('.0/24', '.1')
  const p6 = n.pod6.replace('::/64', '::1')
  const lines = [
    'ip link set lo up',
    'ip link add kube-bridge type veth peer name kube-bridge-p', 'ip link set kube-bridge up', 'ip link set kube-bridge-p up',
    `ip addr add ${p4}/24 dev kube-bridge`, `ip -6 addr add ${p6}/64 dev kube-bridge nodad`,
    'ip link add kube-dummy-if type veth peer name kube-dummy-p', 'ip link set kube-dummy-if up', 'ip link set kube-dummy-p up',
    // the kernel re-adds an address's local route when the link's carrier comes up: wait for it (a loaded machine
    // may take long) before the VIPs, or a deleted kernel route could come back after its deletion
    'for i in $(seq 200); do ip link show kube-dummy-if | grep -q LOWER_UP && ip link show kube-bridge | grep -q LOWER_UP && ip link show eth0 | grep -q LOWER_UP && break; sleep 0.05; done',
    ...V4_VIPS.flatMap((v) => [`ip addr add ${v}/32 dev kube-dummy-if scope link`, `ip route replace local ${v} dev kube-dummy-if table local proto kernel scope host src ${n.ip4}`]),
    ...V6_VIPS.flatMap((v) => [
      `ip -6 addr add ${v}/128 dev kube-dummy-if scope link nodad`,
      `ip -6 route add local ${v} dev kube-dummy-if table local proto kernel src ${n.ip6} metric 1024`,
      ...(f.ipv6KernelRoutes ? [] : [`ip -6 route del ${v} dev kube-dummy-if proto kernel metric 256`, `ip -6 route del local ${v} dev kube-dummy-if table local proto kernel metric 0`]),
    ]),
    ...(f.rulesWiped ? [] : [`ip rule add from ${n.pod4} lookup 77`, `ip -6 rule add from ${n.pod6} lookup 77`, 'ip rule add priority 32765 from all lookup 79', 'ip -6 rule add priority 32765 from all lookup 79']),
    'ip rule add priority 32764 fwmark 0x3742 lookup 78',
    'ip route add local default dev lo table 78', 'ip -6 route add local default dev lo table 78',
    'ip route add 199.27.151.9 dev kube-bridge table 79',
    // the other nodes' pod CIDRs: the upstream router advertises the whole pod range of each family over BGP and
    // kube-router injects it (proto 17)
    `ip route add 10.244.0.0/16 via ${net.gateway4} dev eth0 proto 17`,
    `ip -6 route add fd00:10:244::/48 via ${net.gateway6} dev eth0 proto 17`,
    'iptables -t mangle -A PREROUTING -d 199.27.151.9/32 -p tcp -m tcp --dport 8080 -j MARK --set-mark 14146',
    'iptables -t mangle -A OUTPUT -d 199.27.151.9/32 -p tcp -m tcp --dport 8080 -j MARK --set-mark 14146',
    'iptables -t mangle -A PREROUTING -s 199.27.151.9/32 -i kube-bridge -p tcp -m tcp --sport 8080 --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1440',
    'ipset create kube-router-local-ips hash:ip family inet timeout 0',
    `ipset add kube-router-local-ips ${n.ip4} timeout 0`,
    'ipset create inet6:kube-router-local-ips hash:ip family inet6 timeout 0',
    ...(f.localIps6HasNode ? [`ipset add inet6:kube-router-local-ips ${n.ip6} timeout 0`] : []),
    'ipset create kube-router-svip hash:ip family inet timeout 0',
    ...[...V4_VIPS, n.ip4].map((v) => `ipset add kube-router-svip ${v} timeout 0`),
    'ipset create inet6:kube-router-svip hash:ip family inet6 timeout 0',
    ...[...V6_VIPS, n.ip6].map((v) => `ipset add inet6:kube-router-svip ${v} timeout 0`),
    'ipset create kube-router-svip-prt hash:ip,port family inet timeout 0',
    ...svipPorts(n, 4).map((e) => `ipset add kube-router-svip-prt ${e} timeout 0`),
    'ipset create inet6:kube-router-svip-prt hash:ip,port family inet6 timeout 0',
    ...svipPorts(n, 6).map((e) => `ipset add inet6:kube-router-svip-prt ${e} timeout 0`),
    'ipset create kube-router-pod-subnets hash:net family inet timeout 0',
    ...net.nodes.map((o) => `ipset add kube-router-pod-subnets ${o.pod4} timeout 0`),
    'ipset create kube-router-node-ips hash:ip family inet timeout 0',
    ...net.nodes.map((o) => `ipset add kube-router-node-ips ${o.ip4} timeout 0`),
    ...['iptables', 'ip6tables'].flatMap((t) => {
      const v6 = t === 'ip6tables'
      const pre = v6 ? 'inet6:' : ''
      return [
        `${t} -N KUBE-ROUTER-SERVICES`,
        `${t} -I INPUT 1 -m comment --comment "handle traffic to IPVS service IPs in custom chain" -m set --match-set ${pre}kube-router-svip dst -j KUBE-ROUTER-SERVICES`,
        `${t} -A KUBE-ROUTER-SERVICES -p ${v6 ? 'ipv6-icmp' : 'icmp'} -m comment --comment "allow icmp echo requests to service IPs" -m ${v6 ? 'icmp6 --icmpv6-type' : 'icmp --icmp-type'} ${v6 ? 'echo-request' : 'echo-request'} -j ACCEPT`,
        `${t} -A KUBE-ROUTER-SERVICES -m comment --comment "allow input traffic to ipvs services" -m set --match-set ${pre}kube-router-svip-prt dst,dst -j ACCEPT`,
        `${t} -A KUBE-ROUTER-SERVICES -m comment --comment "reject all unexpected traffic to service IPs" -m set ! --match-set ${pre}kube-router-local-ips dst -j REJECT --reject-with ${v6 ? 'icmp6-port-unreachable' : 'icmp-port-unreachable'}`,
      ]
    }),
  ]
  sh(ns, lines.join('\n'))
}

/** kube-router-svip-prt members: "ip,proto:port" of every virtual service (as kube-router keeps them). */
function svipPorts(n: DemoNode, family: 4 | 6): string[] {
  const out: string[] = []
  for (const line of demoIpvsadmText(n, true).split('\n')) {
    const m = /^(TCP|UDP)\s+(?:\[([^\]]+)\]|([\d.]+)):(\d+)\s/.exec(line)
    if (!m) continue
    const ip = m[2] ?? m[3]
    if ((family === 6) === ip.includes(':')) out.push(`${ip},${m[1].toLowerCase()}:${m[4]}`)
  }
  return out
}

/** The recorded-format `ipvsadm -Ln` of a demo node (this kernel has no IPVS). */
export function demoIpvsadmText(n: DemoNode, mh: boolean): string {
  return [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    `TCP  ${n.ip4}:30080 rr`,
    '  -> 10.244.2.6:8080               Masq    1      0          0',
    '  -> 10.244.3.6:8080               Masq    1      0          0',
    'TCP  10.96.0.1:443 rr',
    '  -> 192.168.56.11:6443            Masq    1      4          0',
    'TCP  10.96.0.10:53 rr',
    '  -> 10.244.1.5:53                 Masq    1      0          0',
    '  -> 10.244.3.4:53                 Masq    1      0          0',
    'UDP  10.96.0.10:53 rr',
    '  -> 10.244.1.5:53                 Masq    1      0          0',
    '  -> 10.244.3.4:53                 Masq    1      0          0',
    'TCP  10.96.12.34:80 rr',
    '  -> 10.244.2.6:8080               Masq    1      0          0',
    '  -> 10.244.3.6:8080               Masq    1      0          0',
    'TCP  10.96.40.9:8080 rr',
    '  -> 10.244.2.7:8080               Masq    1      0          0',
    '  -> 10.244.3.8:8080               Masq    1      0          0',
    'TCP  198.51.100.10:80 rr',
    '  -> 10.244.2.6:8080               Masq    1      0          0',
    '  -> 10.244.3.6:8080               Masq    1      0          0',
    `TCP  [${n.ip6}]:30080 rr`,
    '  -> [fd00:10:244:2::6]:8080       Masq    1      0          0',
    '  -> [fd00:10:244:3::6]:8080       Masq    1      0          0',
    'TCP  [fd00:10:96::1]:443 rr',
    '  -> [fd00:56::11]:6443            Masq    1      0          0',
    'TCP  [fd00:10:96::a]:53 rr',
    '  -> [fd00:10:244:1::5]:53         Masq    1      0          0',
    '  -> [fd00:10:244:3::4]:53         Masq    1      0          0',
    'TCP  [fd00:10:96::1234]:80 rr',
    '  -> [fd00:10:244:2::6]:8080       Masq    1      0          0',
    '  -> [fd00:10:244:3::6]:8080       Masq    1      0          0',
    'TCP  [2001:db8:100::10]:80 rr',
    '  -> [fd00:10:244:2::6]:8080       Masq    1      0          0',
    '  -> [fd00:10:244:3::6]:8080       Masq    1      0          0',
    `FWM  14146 ${mh ? 'mh (mh-fallback,mh-port)' : 'rr'}`,
    '  -> 10.244.2.7:8080               Tunnel  1      0          0',
    '  -> 10.244.3.8:8080               Tunnel  1      0          0',
    '',
  ].join('\n')
}


/** kube-router's log on node-b: FM1's benign route noise. */
export const NOISE_LOG = [
  'I1122 09:14:02.101221       1 version.go:66] Running /usr/local/bin/kube-router version v2.1.2, built on 2024-05-13T18:52:49+0000, go1.22.2',
  'I1122 09:14:02.230118       1 network_services_controller.go:355] Starting network services controller',
  ...Array.from({length: 6}, (_, i) => `E1122 ${String(9 + Math.floor((14 + i * 5) / 60)).padStart(2, '0')}:${String((14 + i * 5) % 60).padStart(2, '0')}:07.48${i}112       1 linux_networking.go:503] Failed to add route for 199.27.151.9 in custom route table for external IP's due to: exit status 1`),
  'I1122 09:44:07.512004       1 network_services_controller.go:471] Syncing ipvs services took 412.087212ms',
  '',
].join('\n')

