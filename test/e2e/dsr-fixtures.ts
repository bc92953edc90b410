// Objects for the dsr enable / disable tests: a kube-router DaemonSet set up for DSR (kube-router-facts.md §3.2),
// a Service ready for DSR in namespace media (media/video) and its EndpointSlice, and the request-log views the
// tests assert on.
import {demoCluster} from '../../scripts/demo/cluster.js'
import type {RequestRecord, TestCluster} from '../harness/index.js'

type Obj = Record<string, any>

/** The demo DaemonSet as kube-router's DSR manifest sets it up: hostPID, hostIPC, the CRI socket directory and
 * rt_tables mounted; `image` and `args` override the demo's. */
export function dsrReadyDaemonSet(opts: {image?: string; args?: string[]} = {}): Obj {
  const ds = structuredClone(demoCluster().kubeRouter!) as Obj
  const container = {
    ...ds.spec.template.spec.containers[0],
    ...(opts.image ? {image: opts.image} : {}),
    ...(opts.args ? {args: opts.args} : {}),
    volumeMounts: [
      {name: 'cri-socket', mountPath: '/run/containerd'},
      {name: 'rt-tables', mountPath: '/etc/iproute2'},
    ],
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    ...ds,
    spec: {template: {spec: {hostNetwork: true, hostPID: true, hostIPC: true, containers: [container], volumes: [
      {name: 'cri-socket', hostPath: {path: '/run/containerd'}},
      {name: 'rt-tables', hostPath: {path: '/etc/iproute2'}},
    ]}}},
  }
}

/** media/video: an external IP, port == targetPort, scheduler sh, no DSR annotation yet. */
export function videoService(extra: {annotations?: Record<string, string>; spec?: Obj; labels?: Record<string, string>} = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'video', namespace: 'media', labels: {app: 'video', ...extra.labels}, annotations: {'kube-router.io/service.scheduler': 'sh', ...extra.annotations}},
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.40.20',
      clusterIPs: ['10.96.40.20'],
      ipFamilies: ['IPv4'],
      externalIPs: ['199.27.151.20'],
      selector: {app: 'video'},
      ports: [{name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080}],
      ...extra.spec,
    },
  }
}

export function videoSlice(endpoints: [string, string][] = [['10.244.2.20', 'node-b']]): Obj {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {name: 'video-x7k2p', namespace: 'media', labels: {'kubernetes.io/service-name': 'video'}},
    addressType: 'IPv4',
    endpoints: endpoints.map(([address, nodeName]) => ({addresses: [address], conditions: {ready: true, serving: true, terminating: false}, nodeName})),
    ports: [{name: 'http', protocol: 'TCP', port: 8080}],
  }
}

/** Requests that change something (access reviews change nothing). */
export function writes(c: TestCluster): RequestRecord[] {
  return c.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/selfsubjectaccessreviews'))
}

export function patches(c: TestCluster, name = 'video'): RequestRecord[] {
  return c.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/services/${name}`))
}

export function annotationsOf(c: TestCluster, namespace = 'media', name = 'video'): Record<string, string> {
  return c.objects('services', namespace).find((s) => s.metadata.name === name)?.metadata.annotations ?? {}
}
