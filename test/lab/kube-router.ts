// Real kube-router in the lab: the DaemonSet, its ServiceAccount and ClusterRole as a real install has them; the
// DaemonSet controller makes one pod per node, kube-scheduler binds them, and each node's kubelet stand-in runs the
// real kube-router binary (built by `npm run lab:build`, mounted from the host) inside the node's namespace.
//
// Controllers (docs/lab.md, "kube-router"):
//   --run-router=true        routes to the other nodes' pod CIDRs, learnt by iBGP (gobgp) between the namespaces
//   --run-firewall=true      the network policy controller: iptables chains and ipsets per namespace
//   --run-service-proxy=false  needs IPVS, which this kernel lacks (and the dummy link type for kube-dummy-if)
//   --enable-overlay=true --overlay-type=subnet  (kube-router's defaults) the `from <pod CIDR> lookup 77` rules; no
//                            tunnel is ever made, as every node is in the same subnet (this kernel has no ipip link type)
//   --enable-cni=false       no CNI: the host's /etc/cni is the machine's own, shared by every node namespace
// kube-router talks to the API server at the bridge address with a token of its ServiceAccount (there is no
// service proxy to make the `kubernetes` Service's ClusterIP reach it).
// Each pod first gives itself a private copy of /etc/iproute2 (kube-router appends its routing tables to
// rt_tables; the nodes share the host's /etc) holding an rt_tables file as kube-router's image has one: this host has
// none, and v2.1.0 then never sets up its policy routing (kube-router #1616); `rtTables: false` keeps it so.
import type {Lab} from './cluster.js'

type Obj = Record<string, any>

export const KUBE_ROUTER_ARGS = [
  '--run-router=true',
  '--run-firewall=true',
  '--run-service-proxy=false',
  '--enable-overlay=true',
  '--overlay-type=subnet',
  '--enable-cni=false',
  '--enable-ipv4=true',
  '--enable-ipv6=true',
  '--bgp-graceful-restart=true',
  '--kubeconfig=/var/lib/kube-router/kubeconfig',
  '--hostname-override=$(NODE_NAME)',
  '--metrics-port=0',
]

async function apply(lab: Lab, path: string, obj: Obj): Promise<void> {
  try {
    await lab.admin.req('POST', path, obj)
  } catch (error) {
    if ((error as {status?: number}).status !== 409) throw error
  }
}

/** iproute2's stock rt_tables, as kube-router's image carries it. */
const RT_TABLES = '255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n'

export interface KubeRouterDeployOptions {
  /** flags after KUBE_ROUTER_ARGS (a later flag wins) */
  extraArgs?: string[]
  /** default true: an rt_tables file in the pod's /etc/iproute2; false reproduces kube-router #1616 on v2.1.0 */
  rtTables?: boolean
}

export async function deployKubeRouter(lab: Lab, opts: KubeRouterDeployOptions = {}): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1'
  await apply(lab, '/api/v1/namespaces/kube-system/serviceaccounts', {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'kube-router', namespace: 'kube-system'}})
  await apply(lab, `${rbac}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {name: 'kube-router'},
    rules: [
      {apiGroups: [''], resources: ['namespaces', 'pods', 'services', 'nodes', 'endpoints'], verbs: ['list', 'get', 'watch']},
      {apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['list', 'get', 'watch']},
      {apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'get', 'watch']},
      {apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update']},
      {apiGroups: [''], resources: ['services/status'], verbs: ['update']},
    ],
  })
  await apply(lab, `${rbac}/clusterrolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {name: 'kube-router'},
    roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kube-router'},
    subjects: [{kind: 'ServiceAccount', name: 'kube-router', namespace: 'kube-system'}],
  })
  const token = await lab.admin.req('POST', '/api/v1/namespaces/kube-system/serviceaccounts/kube-router/token', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {expirationSeconds: 86_400},
  })
  const ca = (await import('node:fs/promises')).readFile(lab.pki.ca.cert)
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kr-lab',
    '  cluster:',
    `    server: https://${lab.bridgeIp4}:${lab.port}`,
    `    certificate-authority-data: ${(await ca).toString('base64')}`,
    'users:',
    '- name: kube-router',
    '  user:',
    `    token: ${token.status.token}`,
    'contexts:',
    '- name: kr-lab',
    '  context: {cluster: kr-lab, user: kube-router}',
    'current-context: kr-lab',
    '',
  ].join('\n')
  await apply(lab, '/api/v1/namespaces/kube-system/secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {name: 'kube-router-kubeconfig', namespace: 'kube-system'},
    data: {kubeconfig: Buffer.from(kubeconfig).toString('base64')},
  })
  const labels = {'k8s-app': 'kube-router', tier: 'node'}
  await apply(lab, '/apis/apps/v1/namespaces/kube-system/daemonsets', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {name: 'kube-router', namespace: 'kube-system', labels},
    spec: {
      selector: {matchLabels: labels},
      template: {
        metadata: {labels},
        spec: {
          serviceAccountName: 'kube-router',
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          tolerations: [{operator: 'Exists'}],
          containers: [
            {
              name: 'kube-router',
              image: 'docker.io/cloudnativelabs/kube-router:v2.1.0',
              command: [
                '/bin/sh',
                '-c',
                'mkdir -p /tmp/iproute2 && cp -a /etc/iproute2/. /tmp/iproute2/ && ' +
                  (opts.rtTables === false ? 'rm -f /tmp/iproute2/rt_tables && ' : `{ [ -e /tmp/iproute2/rt_tables ] || printf '${RT_TABLES}' > /tmp/iproute2/rt_tables; } && `) +
                  'mount --bind /tmp/iproute2 /etc/iproute2 && exec /kr-lab/bin/kube-router "$@"',
                'kube-router',
              ],
              args: [...KUBE_ROUTER_ARGS, ...(opts.extraArgs ?? [])],
              env: [
                {name: 'NODE_NAME', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}},
                {name: 'POD_NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}},
              ],
              securityContext: {privileged: true},
              volumeMounts: [
                {name: 'lab-bin', mountPath: '/kr-lab/bin', readOnly: true},
                {name: 'kubeconfig', mountPath: '/var/lib/kube-router', readOnly: true},
                {name: 'xtables-lock', mountPath: '/run/xtables.lock'},
              ],
            },
          ],
          volumes: [
            {name: 'lab-bin', hostPath: {path: lab.binDir, type: 'Directory'}},
            {name: 'kubeconfig', secret: {secretName: 'kube-router-kubeconfig'}},
            {name: 'xtables-lock', hostPath: {path: '/run/xtables.lock', type: 'FileOrCreate'}},
          ],
        },
      },
    },
  })
}
