// The probe pod of one node (DESIGN.md "Probe pods"): pinned to the node, host network namespace, least
// privilege (not privileged, no hostPID, every capability dropped but NET_ADMIN and NET_RAW — hostPID, SYS_ADMIN
// and SYS_PTRACE only when it reads inside DSR endpoint pods —, no privilege escalation, read-only root filesystem, RuntimeDefault seccomp), tolerating every taint, only the host
// directories the probe reads mounted read-only (recursively) under /host, a deadline so it ends even when the
// plugin is killed, and labels that let a later `kubectl kr cleanup` find it. Pure: plain objects in and out.

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
export const MANAGED_BY = 'kubectl-kr'
export const RUN_LABEL = 'kr.kube-router.io/run'
export const NODE_ANNOTATION = 'kr.kube-router.io/node'
export const PROBE_CONTAINER = 'probe'
export const HOST_MOUNT = '/host'
/** where the probe script's ConfigMap is mounted in the pod */
export const SCRIPT_MOUNT = '/kr'
export const SCRIPT_KEY = 'probe.sh'

/**
 * The capabilities the probe needs; every other one is dropped. Each was shown necessary by running probe.sh in
 * a network-namespace node with and without it (test/probe/probe-netns.test.ts, "least privilege"):
 * - NET_ADMIN: `ipset save`, `iptables-nft-save` / `ip6tables-nft-save` (nfnetlink refuses dumps without it),
 *   `iptables-legacy-save` (the IPT_SO_GET_* socket options) and `ipvsadm -Ln` (IPVS netlink and socket options
 *   are CAP_NET_ADMIN-only in the kernel);
 * - NET_RAW: `iptables-legacy-save` opens a raw socket for its socket options, and both iptables backends open
 *   one to resolve the ipset names of `-m set` rules (without it: "Can't open socket to ipset").
 * `ip -j … show`, /proc/sys, curl and reading the mounted host files need none (the probe runs as uid 0, the
 * owner of what it reads, so it needs no DAC_OVERRIDE either).
 */
export const PROBE_CAPABILITIES = ['NET_ADMIN', 'NET_RAW'] as const

/**
 * Added only when the probe reads inside DSR endpoint pods (env KR_DSR_ENDPOINTS, `dsr status` / `enable` /
 * `disable`), together with hostPID (the pods' processes are found in the host's /proc):
 * - SYS_PTRACE: reading /proc/PID/ns/net of a process of another user (ptrace read access);
 * - SYS_ADMIN: setns(2) into a network namespace (`nsenter --net`), which the kernel allows only with it.
 * The probe still only reads there (`ip -o … show`, /proc/sys); entering changes nothing in the pod.
 */
export const DSR_ENDPOINT_CAPABILITIES = ['SYS_ADMIN', 'SYS_PTRACE'] as const

/**
 * The host directories mounted read-only at /host/<same path> (so KR_HOST_ROOT=/host keeps working), what the probe
 * reads there, and why each one exists on every node.
 *
 * hostPath type is `Directory` for all of them: Kubernetes has no optional hostPath. `Directory` refuses to start
 * the pod when the path is missing (it waits in ContainerCreating until its deadline); type "" and
 * `DirectoryOrCreate` create a missing path on the host (containerd and CRI-O mkdir -p the bind source), which
 * a read-only probe must never do (an empty root-owned run/systemd/netif/links would even keep networkd, which
 * runs as systemd-network, from writing its state there later). So only directories that exist on every node
 * are mounted, and the optional paths are read beneath them:
 * - etc: networkd.conf and networkd.conf.d/ under etc/systemd, which exists only where systemd does (a node
 *   without systemd must still be probed), so its guaranteed parent /etc is mounted;
 * - usr: usr/lib/systemd/networkd.conf.d (vendor drop-ins); /usr exists everywhere, /usr/lib not on NixOS. On
 *   merged-/usr hosts (every current distribution) lib/systemd is the same directory; /lib itself is not
 *   mounted as it is absent on some hosts;
 * - sys/fs/cgroup: whether systemd-networkd runs (its unit's cgroup, system.slice/systemd-networkd.service,
 *   exists while it does). The kubelet needs cgroups, so it exists on every node. This replaces
 *   run/systemd/netif/links: /run/systemd is not guaranteed and, like /run, holds unix sockets
 *   (/run/systemd/private accepts any uid 0 peer and controls systemd; containerd's socket is in /run), and a
 *   read-only mount does not stop connect(2) on a socket, so neither /run nor anything below it is mounted
 *   (the runtime drop-ins of run/systemd/networkd.conf.d are therefore not read in cluster mode);
 * - var/log/pods: the kube-router container's log directory; the kubelet creates /var/log/pods (mounted only when
 *   the node has a kube-router pod, i.e. when KR_KUBE_ROUTER_LOG_DIR is set).
 * None of these holds sockets; recursiveReadOnly makes submounts (cgroup v1 controllers, an /etc/… bind mount)
 * read-only too where the runtime supports it (Kubernetes 1.30+; older API servers drop the field with a warning,
 * and the top mount is still read-only).
 */
export const HOST_PATHS = [
  {name: 'host-etc', path: '/etc', reads: 'etc/systemd/networkd.conf, etc/systemd/networkd.conf.d/*.conf'},
  {name: 'host-usr', path: '/usr', reads: 'usr/lib/systemd/networkd.conf.d/*.conf'},
  {name: 'host-cgroup', path: '/sys/fs/cgroup', reads: 'system.slice/systemd-networkd.service (networkd running)'},
] as const
export const HOST_LOG_PATH = {name: 'host-pod-logs', path: '/var/log/pods', reads: "the kube-router container's *.log"} as const

/** Every probe pod this tool ever created. */
export const ALL_PROBE_PODS_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`

export function runSelector(runId: string): string {
  return `${ALL_PROBE_PODS_SELECTOR},${RUN_LABEL}=${runId}`
}

export interface ProbePodInput {
  runId: string
  nodeName: string
  namespace: string
  image: string
  /** the ConfigMap holding the probe script (probeScriptConfigMap); inputs only in `env` */
  scriptConfigMap: string
  env: Record<string, string>
  deadlineSeconds: number
}

export function scriptConfigMapName(runId: string): string {
  return `kr-probe-${runId}`
}

/** The run's one copy of the probe script, mounted by every probe pod (a pod spec per node would carry it
 * once per node: into etcd and through every watch event). */
export function probeScriptConfigMap(input: {runId: string; namespace: string; script: string}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: scriptConfigMapName(input.runId),
      namespace: input.namespace,
      labels: {[MANAGED_BY_LABEL]: MANAGED_BY, 'app.kubernetes.io/name': 'kr-probe', [RUN_LABEL]: input.runId},
    },
    data: {[SCRIPT_KEY]: input.script},
  }
}

/** kr-probe-<run>-<node>, kept a valid DNS label-ish name (<= 63 chars) and unique per node. */
export function probePodName(runId: string, nodeName: string): string {
  const base = `kr-probe-${runId}-`
  let slug = nodeName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')
  const room = 63 - base.length
  if (slug.length > room || slug !== nodeName) {
    const hash = shortHash(nodeName)
    slug = `${slug.slice(0, room - hash.length - 1).replace(/-+$/, '')}-${hash}`
  }
  return `${base}${slug}`
}

function shortHash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(36).padStart(7, '0').slice(-7)
}

export function probePodManifest(input: ProbePodInput): Record<string, unknown> {
  const hostPaths = [...HOST_PATHS, ...(input.env.KR_KUBE_ROUTER_LOG_DIR ? [HOST_LOG_PATH] : [])]
  const readsEndpointPods = Boolean(input.env.KR_DSR_ENDPOINTS)
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: probePodName(input.runId, input.nodeName),
      namespace: input.namespace,
      labels: {[MANAGED_BY_LABEL]: MANAGED_BY, 'app.kubernetes.io/name': 'kr-probe', [RUN_LABEL]: input.runId},
      annotations: {[NODE_ANNOTATION]: input.nodeName},
    },
    spec: {
      nodeName: input.nodeName,
      hostNetwork: true,
      // hostPID only for the DSR endpoint-side reads (entering an endpoint pod's network namespace through its
      // process); no other source reads another process
      hostPID: readsEndpointPods,
      dnsPolicy: 'ClusterFirstWithHostNet',
      restartPolicy: 'Never',
      activeDeadlineSeconds: input.deadlineSeconds,
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      tolerations: [{operator: 'Exists'}],
      containers: [
        {
          name: PROBE_CONTAINER,
          image: input.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/sh', `${SCRIPT_MOUNT}/${SCRIPT_KEY}`],
          env: Object.entries(input.env).map(([name, value]) => ({name, value})),
          securityContext: {
            privileged: false,
            allowPrivilegeEscalation: false,
            capabilities: {drop: ['ALL'], add: [...PROBE_CAPABILITIES, ...(readsEndpointPods ? DSR_ENDPOINT_CAPABILITIES : [])]},
            // the script writes nothing: output goes to stdout, no temporary files (probe-static.test.ts)
            readOnlyRootFilesystem: true,
            seccompProfile: {type: 'RuntimeDefault'},
          },
          resources: {requests: {cpu: '10m', memory: '32Mi'}, limits: {memory: '512Mi'}},
          volumeMounts: [
            ...hostPaths.map((h) => ({name: h.name, mountPath: `${HOST_MOUNT}${h.path}`, readOnly: true, recursiveReadOnly: 'IfPossible'})),
            {name: 'probe', mountPath: SCRIPT_MOUNT, readOnly: true},
          ],
        },
      ],
      volumes: [
        ...hostPaths.map((h) => ({name: h.name, hostPath: {path: h.path, type: 'Directory'}})),
        {name: 'probe', configMap: {name: input.scriptConfigMap, defaultMode: 0o444}},
      ],
    },
  }
}

/** The probe's container command, as probePodManifest writes it. */
export const PROBE_COMMAND: readonly string[] = ['/bin/sh', `${SCRIPT_MOUNT}/${SCRIPT_KEY}`]

/** What `kubectl kr cleanup` needs to know of a pod or ConfigMap to tell ours from one that only carries our label. */
export interface ObjectShape {
  name: string
  labels: Record<string, string>
  annotations?: Record<string, string>
  /** pods: their containers */
  containers?: readonly {name?: string; command?: readonly string[]}[]
  /** ConfigMaps: the keys of data and binaryData */
  dataKeys?: readonly string[]
}

/** Run ids are 6 hex digits (3 random bytes). */
const RUN_ID = /^[0-9a-f]{6}$/

function labelProblem(o: ObjectShape): {run: string} | {problem: string} {
  const run = o.labels[RUN_LABEL]
  if (run === undefined) return {problem: `no ${RUN_LABEL} label`}
  if (!RUN_ID.test(run)) return {problem: `${RUN_LABEL}=${run} is not a run id of this tool`}
  if (o.labels[MANAGED_BY_LABEL] !== MANAGED_BY) return {problem: `not labelled ${ALL_PROBE_PODS_SELECTOR}`}
  if (o.labels['app.kubernetes.io/name'] !== 'kr-probe') return {problem: 'not labelled app.kubernetes.io/name=kr-probe'}
  return {run}
}

/** null when the pod is one probePodManifest makes (run label, name, single probe container and its command), else
 * why it is not: cleanup deletes only pods this tool created, never one that merely carries its label. */
export function notAProbePod(pod: ObjectShape): string | null {
  const labels = labelProblem(pod)
  if ('problem' in labels) return labels.problem
  const node = pod.annotations?.[NODE_ANNOTATION]
  if (node ? pod.name !== probePodName(labels.run, node) : !pod.name.startsWith(`kr-probe-${labels.run}-`)) return `the name is not kr-probe-${labels.run}-<node>`
  const containers = pod.containers ?? []
  if (containers.length !== 1 || containers[0].name !== PROBE_CONTAINER) return `not the single "${PROBE_CONTAINER}" container of a probe pod`
  const command = containers[0].command ?? []
  if (command.length !== PROBE_COMMAND.length || command.some((c, i) => c !== PROBE_COMMAND[i])) return `its container does not run ${PROBE_COMMAND.join(' ')}`
  return null
}

/** null when the ConfigMap is a probe script ConfigMap (probeScriptConfigMap), else why it is not. */
export function notAProbeScript(cm: ObjectShape): string | null {
  const labels = labelProblem(cm)
  if ('problem' in labels) return labels.problem
  if (cm.name !== scriptConfigMapName(labels.run)) return `the name is not ${scriptConfigMapName(labels.run)}`
  const keys = cm.dataKeys ?? []
  if (keys.length !== 1 || keys[0] !== SCRIPT_KEY) return `its data is not just ${SCRIPT_KEY}`
  return null
}
