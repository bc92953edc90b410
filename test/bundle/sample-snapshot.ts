// A realistic snapshot for the bundle tests: two probed nodes (one without IPVS), one failed node.
import type {Snapshot} from '../../src/model/types.js'

export function sampleSnapshot(): Snapshot {
  return {
    mode: 'cluster',
    context: 'prod-eu',
    bundle: null,
    createdAt: '2025-05-01T10:00:00.000Z',
    cluster: {
      nodes: [
        {
          metadata: {name: 'node-b', labels: {'kubernetes.io/os': 'linux'}},
          spec: {podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64']},
          status: {
            addresses: [
              {type: 'InternalIP', address: '192.168.1.12'},
              {type: 'InternalIP', address: 'fd00:192:168:1::12'},
            ],
            conditions: [{type: 'Ready', status: 'True'}],
          },
        },
        {
          metadata: {name: 'node-a'},
          spec: {podCIDR: '10.244.0.0/24'},
          status: {addresses: [{type: 'InternalIP', address: '192.168.1.11'}]},
        },
      ],
      services: [
        {
          metadata: {name: 'web', namespace: 'default', annotations: {'kube-router.io/service.dsr': 'tunnel'}},
          spec: {
            type: 'LoadBalancer',
            clusterIP: '10.96.0.10',
            clusterIPs: ['10.96.0.10', 'fd00:10:96::a'],
            ipFamilies: ['IPv4', 'IPv6'],
            ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080}],
          },
          status: {loadBalancer: {ingress: [{ip: '203.0.113.10'}]}},
        },
      ],
      endpointSlices: [
        {
          metadata: {name: 'web-abcde', namespace: 'default', labels: {'kubernetes.io/service-name': 'web'}},
          addressType: 'IPv4',
          endpoints: [{addresses: ['10.244.1.5'], conditions: {ready: true}, nodeName: 'node-b'}],
          ports: [{name: 'http', port: 8080, protocol: 'TCP'}],
        },
      ],
      kubeRouter: {
        metadata: {name: 'kube-router', namespace: 'kube-system'},
        spec: {
          template: {
            spec: {
              containers: [
                {name: 'kube-router', image: 'docker.io/cloudnativelabs/kube-router:v2.1.2', args: ['--run-router=true', '--enable-ipv6=true']},
              ],
            },
          },
        },
      },
    },
    nodes: [
      {
        name: 'node-b',
        files: {
          'ip-addr.json': '[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]}]\n',
          'ip6-route.json':
            '[{"type":"local","dst":"fd00:10:96::a","dev":"kube-dummy-if","table":"local","protocol":"kernel","metric":0,"flags":[],"pref":"medium"}]\n',
          'ipset.txt': 'create kube-router-local-ips hash:ip family inet hashsize 1024 maxelem 65536\nadd kube-router-local-ips 192.168.1.12\n',
          'ipvsadm.txt':
            'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nFWM  3754 mh (mh-fallback,mh-port)\n  -> 10.244.1.5:0                 Tunnel  1      0          0\n',
          'sysctl.txt': 'net.ipv4.vs.sloppy_tcp = 0\nnet.ipv4.conf.all.rp_filter = 1\n',
          'networkd.txt': '# active: yes\n# file: /etc/systemd/networkd.conf\n[Network]\n#ManageForeignRoutingPolicyRules=yes\n',
          'kube-router-version.txt': 'Running /usr/local/bin/kube-router version v2.1.2-dirty, built on 2024-05-01T00:00:00Z, go1.22.2\n',
          'kube-router.log': 'E0501 10:00:00.000000 1 service_endpoints_sync.go:123] Failed to add route: file exists\nno trailing newline',
          'probes.json': '[{"kind":"service-vip","target":"fd00:10:96::a","port":80,"family":6,"service":"default/web","ok":false,"error":"timeout","ms":2000}]\n',
        },
        missing: {'iptables.txt': 'iptables-save: command not found', 'ip6tables.txt': 'ip6tables-save: command not found'},
      },
      {
        name: 'node-a',
        files: {
          'ip-rule.json': '[{"priority":0,"src":"all","table":"local"}]\n',
          // raw output, even when broken: parsers see it later and report their own issues
          'ip-route.json': '[{"dst":"default","gateway":"192.168.1.1"',
          'iptables.txt': '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "kube-router: \\"quoted\\" ünïcode" -j ACCEPT\nCOMMIT\n',
        },
        missing: {},
      },
    ],
    failedNodes: [{name: 'node-c', error: 'probe pod kr-probe-node-c did not start: ImagePullBackOff'}],
  }
}
