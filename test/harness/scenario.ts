// From network-namespace scenarios (test/helpers/netns.ts) to test-cluster options:
// harness nodes whose pods run in the scenario's namespace, and the Services,
// EndpointSlices, kube-router DaemonSet and kube-router pods of that cluster.
//
//   const a = await buildSeed001Node({nodeIndex: 1}), b = await buildHealthyNode({nodeIndex: 2})
//   const cluster = await startTestCluster(scenarioClusterOptions([a, b], {token: 't'}))
import {createHash} from 'node:crypto'
import path from 'node:path'
import type {NodeScenario, ServiceSpec} from '../helpers/netns.js'
import type {HarnessNode, TestClusterOptions} from './types.js'

type Obj = Record<string, any>

function suffix(text: string): string {
  const chars = 'bcdfghjklmnpqrstvwxz2456789'
  const h = createHash('sha256').update(text).digest()
  return [...h.subarray(0, 5)].map((b) => chars[b % chars.length]).join('')
}

function uid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/**
 * The harness node of a scenario: InternalIPs, pod CIDRs, and a netns runtime whose env
 * points the probe at the scenario (KR_HOST_ROOT = its hostRoot for the pod's /host,
 * KR_PROBE_IPVS_PROC, the fake kube-router as KR_KUBE_ROUTER_BIN).
 */
export function harnessNode(s: NodeScenario, extra: Partial<HarnessNode> = {}): HarnessNode {
  const {PATH: _path, ...env} = s.probeEnv
  return {
    name: s.nodeName,
    addresses: [
      {type: 'InternalIP', address: s.nodeIp4},
      {type: 'InternalIP', address: s.nodeIp6},
      {type: 'Hostname', address: s.nodeName},
    ],
    podCIDRs: [s.podCidr4, s.podCidr6],
    ...extra,
    runtime: extra.runtime ?? {kind: 'netns', ns: s.ns, binDir: s.binDir, env: {...env, KR_KUBE_ROUTER_BIN: path.join(s.binDir, 'kube-router')}},
  }
}

/** v1 Service as the API returns it for a scenario service. */
export function serviceObject(spec: ServiceSpec): Obj {
  const isKubernetes = spec.namespace === 'default' && spec.name === 'kubernetes'
  const svc: Obj = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      uid: uid(`svc/${spec.namespace}/${spec.name}`),
      creationTimestamp: '2026-09-14T08:05:41Z',
      labels: isKubernetes ? {component: 'apiserver', provider: 'kubernetes'} : {app: spec.name},
    },
    spec: {
      type: spec.type,
      clusterIP: spec.clusterIPs[0],
      clusterIPs: spec.clusterIPs,
      ipFamilies: spec.ipFamilies,
      ipFamilyPolicy: spec.clusterIPs.length > 1 ? 'PreferDualStack' : 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      ports: spec.ports.map((p) => {
        const port: Obj = {name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort}
        if (p.nodePort !== undefined) port.nodePort = p.nodePort
        return port
      }),
    },
    status: {loadBalancer: {}},
  }
  if (spec.annotations) svc.metadata.annotations = spec.annotations
  if (!isKubernetes) svc.spec.selector = {app: spec.name}
  if (spec.externalIPs) svc.spec.externalIPs = spec.externalIPs
  if (spec.type !== 'ClusterIP') svc.spec.externalTrafficPolicy = 'Cluster'
  return svc
}

/** One EndpointSlice per address family, as the endpointslice controller writes them. */
export function endpointSliceObjects(spec: ServiceSpec): Obj[] {
  const isKubernetes = spec.namespace === 'default' && spec.name === 'kubernetes'
  const out: Obj[] = []
  for (const family of ['IPv4', 'IPv6'] as const) {
    const eps = spec.endpoints.filter((e) => e.address.includes(':') === (family === 'IPv6'))
    if (!eps.length && !spec.ipFamilies.includes(family)) continue
    const name = isKubernetes && family === spec.ipFamilies[0] ? 'kubernetes' : `${spec.name}-${suffix(`${spec.namespace}/${spec.name}/${family}`)}`
    out.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name,
        namespace: spec.namespace,
        uid: uid(`eps/${spec.namespace}/${name}`),
        creationTimestamp: '2026-09-14T08:05:41Z',
        generation: 1,
        labels: {
          'kubernetes.io/service-name': spec.name,
          'endpointslice.kubernetes.io/managed-by': isKubernetes ? 'endpointslice-mirroring-controller.k8s.io' : 'endpointslice-controller.k8s.io',
        },
      },
      addressType: family,
      endpoints: eps.map((e) => {
        const ep: Obj = {addresses: [e.address], conditions: {ready: true, serving: true, terminating: false}}
        if (!isKubernetes) ep.nodeName = e.nodeName
        return ep
      }),
      ports: spec.ports.map((p) => ({name: p.name, protocol: p.protocol, port: p.targetPort})),
    })
  }
  return out
}

export const KUBE_ROUTER_ARGS = [
  '--run-router=true',
  '--run-firewall=true',
  '--run-service-proxy=true',
  '--bgp-graceful-restart=true',
  '--kubeconfig=/var/lib/kube-router/kubeconfig',
  '--runtime-endpoint=unix:///run/containerd/containerd.sock',
  '--enable-ipv6=true',
]

function kubeRouterPodSpec(version: string, args: string[]): Obj {
  return {
    hostNetwork: true,
    hostPID: true,
    hostIPC: true,
    serviceAccountName: 'kube-router',
    priorityClassName: 'system-node-critical',
    tolerations: [{operator: 'Exists'}],
    containers: [
      {
        name: 'kube-router',
        image: `docker.io/cloudnativelabs/kube-router:${version}`,
        imagePullPolicy: 'IfNotPresent',
        args,
        env: [{name: 'NODE_NAME', valueFrom: {fieldRef: {apiVersion: 'v1', fieldPath: 'spec.nodeName'}}}],
        securityContext: {privileged: true},
        volumeMounts: [
          {name: 'lib-modules', mountPath: '/lib/modules', readOnly: true},
          {name: 'cni-conf-dir', mountPath: '/etc/cni/net.d'},
          {name: 'kubeconfig', mountPath: '/var/lib/kube-router', readOnly: true},
          {name: 'xtables-lock', mountPath: '/run/xtables.lock'},
        ],
      },
    ],
    volumes: [
      {name: 'lib-modules', hostPath: {path: '/lib/modules'}},
      {name: 'cni-conf-dir', hostPath: {path: '/etc/cni/net.d'}},
      {name: 'kubeconfig', configMap: {name: 'kube-router-cfg'}},
      {name: 'xtables-lock', hostPath: {path: '/run/xtables.lock', type: 'FileOrCreate'}},
    ],
  }
}

/** The kube-router DaemonSet (kube-system, k8s-app=kube-router) with its status for `nodes` nodes. */
export function kubeRouterDaemonSet(version: string, nodes: number, args: string[] = KUBE_ROUTER_ARGS): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {name: 'kube-router', namespace: 'kube-system', labels: {'k8s-app': 'kube-router', tier: 'node'}, generation: 1, uid: uid('ds/kube-system/kube-router')},
    spec: {
      selector: {matchLabels: {'k8s-app': 'kube-router', tier: 'node'}},
      template: {metadata: {labels: {'k8s-app': 'kube-router', tier: 'node'}}, spec: kubeRouterPodSpec(version, args)},
      updateStrategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1, maxSurge: 0}},
    },
    status: {currentNumberScheduled: nodes, desiredNumberScheduled: nodes, numberAvailable: nodes, numberMisscheduled: 0, numberReady: nodes, observedGeneration: 1, updatedNumberScheduled: nodes},
  }
}

/** A Running kube-router pod of the DaemonSet on a node (uid derived from the node name). */
export function kubeRouterPod(nodeName: string, version: string, opts: {hostIP?: string; args?: string[]} = {}): Obj {
  const name = `kube-router-${suffix(`kube-router/${nodeName}`)}`
  const hostIP = opts.hostIP ?? '10.0.0.1'
  const started = '2026-09-14T08:06:02Z'
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'kube-system',
      uid: uid(`pod/kube-system/${name}`),
      creationTimestamp: '2026-09-14T08:05:50Z',
      labels: {'k8s-app': 'kube-router', tier: 'node', 'controller-revision-hash': '5d8f7b9c6', 'pod-template-generation': '1'},
      ownerReferences: [{apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-router', uid: uid('ds/kube-system/kube-router'), controller: true, blockOwnerDeletion: true}],
    },
    spec: {...kubeRouterPodSpec(version, opts.args ?? KUBE_ROUTER_ARGS), nodeName, restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30},
    status: {
      phase: 'Running',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({type, status: 'True', lastProbeTime: null, lastTransitionTime: started})),
      hostIP,
      hostIPs: [{ip: hostIP}],
      podIP: hostIP,
      podIPs: [{ip: hostIP}],
      startTime: '2026-09-14T08:05:50Z',
      containerStatuses: [
        {
          name: 'kube-router',
          image: `docker.io/cloudnativelabs/kube-router:${version}`,
          imageID: `docker.io/cloudnativelabs/kube-router@sha256:${createHash('sha256').update(version).digest('hex')}`,
          containerID: `containerd://${createHash('sha256').update(name).digest('hex')}`,
          ready: true,
          started: true,
          restartCount: 0,
          state: {running: {startedAt: started}},
          lastState: {},
        },
      ],
      qosClass: 'BestEffort',
    },
  }
}

/**
 * Options for a cluster made of these scenarios: one harness node each, the union of their
 * services (+ EndpointSlices), the kube-router DaemonSet of the first scenario's version and
 * a Running kube-router pod per node (each at its node's version). `extra` is merged last.
 */
export function scenarioClusterOptions(scenarios: NodeScenario[], extra: Partial<TestClusterOptions> = {}): TestClusterOptions {
  const services = new Map<string, ServiceSpec>()
  for (const s of scenarios) for (const svc of s.services) if (!services.has(`${svc.namespace}/${svc.name}`)) services.set(`${svc.namespace}/${svc.name}`, svc)
  return {
    nodes: scenarios.map((s) => harnessNode(s)),
    services: [...services.values()].map(serviceObject),
    endpointSlices: [...services.values()].flatMap(endpointSliceObjects),
    daemonSets: scenarios.length ? [kubeRouterDaemonSet(scenarios[0].kubeRouterVersion, scenarios.length)] : [],
    pods: scenarios.map((s) => kubeRouterPod(s.nodeName, s.kubeRouterVersion, {hostIP: s.nodeIp4})),
    ...extra,
  }
}
