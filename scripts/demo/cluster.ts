// Cluster objects of the demo: a 3-node dual-stack cluster running kube-router v2.1.2.
import type {ClusterObjects, EndpointSliceObject, NodeObject, ServiceObject} from '../../src/model/types.js'

export const DEMO_NODES = [
  {name: 'node-a', ip4: '192.168.56.11', ip6: 'fd00:56::11', pod4: '10.244.1.0/24', pod6: 'fd00:10:244:1::/64', controlPlane: true},
  {name: 'node-b', ip4: '192.168.56.12', ip6: 'fd00:56::12', pod4: '10.244.2.0/24', pod6: 'fd00:10:244:2::/64', controlPlane: false},
  {name: 'node-c', ip4: '192.168.56.13', ip6: 'fd00:56::13', pod4: '10.244.3.0/24', pod6: 'fd00:10:244:3::/64', controlPlane: false},
] as const

export const DEMO_IMAGE = 'docker.io/cloudnativelabs/kube-router:v2.1.2'
export const DEMO_ARGS = [
  '--run-router=true', '--run-firewall=true', '--run-service-proxy=true', '--run-loadbalancer=true',
  '--enable-ipv4=true', '--enable-ipv6=true', '--bgp-graceful-restart=true', '--kubeconfig=/var/lib/kube-router/kubeconfig',
  '--service-cluster-ip-range=10.96.0.0/12', '--service-cluster-ip-range=fd00:10:96::/112',
  '--runtime-endpoint=unix:///run/containerd/containerd.sock',
]

function node(n: (typeof DEMO_NODES)[number]): NodeObject {
  return {
    metadata: {
      name: n.name,
      labels: {'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...(n.controlPlane ? {'node-role.kubernetes.io/control-plane': ''} : {})},
    },
    spec: {podCIDR: n.pod4, podCIDRs: [n.pod4, n.pod6]},
    status: {
      addresses: [{type: 'InternalIP', address: n.ip4}, {type: 'InternalIP', address: n.ip6}, {type: 'Hostname', address: n.name}],
      conditions: [{type: 'Ready', status: 'True'}],
    },
  }
}

function service(ns: string, name: string, spec: ServiceObject['spec'], extra: Partial<ServiceObject> = {}): ServiceObject {
  return {metadata: {name, namespace: ns, ...(extra.metadata ?? {})}, spec: {ipFamilies: ['IPv4', 'IPv6'], ...spec}, ...(extra.status ? {status: extra.status} : {})}
}

function slice(ns: string, svc: string, family: 'IPv4' | 'IPv6', port: number, protocol: string, endpoints: [string, string][]): EndpointSliceObject {
  return {
    metadata: {name: `${svc}-${family.toLowerCase()}`, namespace: ns, labels: {'kubernetes.io/service-name': svc}},
    addressType: family,
    endpoints: endpoints.map(([address, nodeName]) => ({addresses: [address], conditions: {ready: true, serving: true, terminating: false}, nodeName})),
    ports: [{name: '', port, protocol}],
  }
}

export function demoCluster(): ClusterObjects {
  return {
    nodes: DEMO_NODES.map(node),
    services: [
      service('default', 'kubernetes', {type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1', 'fd00:10:96::1'], ports: [{name: 'https', protocol: 'TCP', port: 443, targetPort: 6443}]}),
      service('kube-system', 'kube-dns', {type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00:10:96::a'], ports: [{name: 'dns', protocol: 'UDP', port: 53, targetPort: 53}, {name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53}]}),
      service('default', 'web', {type: 'LoadBalancer', clusterIP: '10.96.12.34', clusterIPs: ['10.96.12.34', 'fd00:10:96::1234'], externalTrafficPolicy: 'Cluster', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080}]},
        {status: {loadBalancer: {ingress: [{ip: '198.51.100.10', ipMode: 'VIP'}, {ip: '2001:db8:100::10', ipMode: 'VIP'}]}}}),
      service('media', 'stream', {type: 'ClusterIP', clusterIP: '10.96.40.9', clusterIPs: ['10.96.40.9'], ipFamilies: ['IPv4'], externalIPs: ['199.27.151.9'], ports: [{name: 'stream', protocol: 'TCP', port: 8080, targetPort: 8080}]},
        {metadata: {name: 'stream', namespace: 'media', annotations: {'kube-router.io/service.dsr': 'tunnel', 'kube-router.io/service.scheduler': 'mh', 'kube-router.io/service.schedflags': 'flag-1,flag-2'}}}),
    ],
    endpointSlices: [
      slice('default', 'kubernetes', 'IPv4', 6443, 'TCP', [['192.168.56.11', 'node-a']]),
      slice('default', 'kubernetes', 'IPv6', 6443, 'TCP', [['fd00:56::11', 'node-a']]),
      slice('kube-system', 'kube-dns', 'IPv4', 53, 'TCP', [['10.244.1.5', 'node-a'], ['10.244.3.4', 'node-c']]),
      slice('kube-system', 'kube-dns', 'IPv6', 53, 'TCP', [['fd00:10:244:1::5', 'node-a'], ['fd00:10:244:3::4', 'node-c']]),
      slice('default', 'web', 'IPv4', 8080, 'TCP', [['10.244.2.6', 'node-b'], ['10.244.3.6', 'node-c']]),
      slice('default', 'web', 'IPv6', 8080, 'TCP', [['fd00:10:244:2::6', 'node-b'], ['fd00:10:244:3::6', 'node-c']]),
      slice('media', 'stream', 'IPv4', 8080, 'TCP', [['10.244.2.7', 'node-b'], ['10.244.3.8', 'node-c']]),
    ],
    kubeRouter: {
      metadata: {name: 'kube-router', namespace: 'kube-system', labels: {'k8s-app': 'kube-router', tier: 'node'}},
      spec: {template: {spec: {containers: [{name: 'kube-router', image: DEMO_IMAGE, args: DEMO_ARGS}]}}},
    },
  }
}
