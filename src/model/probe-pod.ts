// The probe pod of one node (DESIGN.md "Probe pods"): pinned to the node, host network and PID namespaces,
// privileged, tolerating every taint, the host's / read-only at /host, a deadline so it ends even when the
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
      hostPID: true,
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
          securityContext: {privileged: true},
          resources: {requests: {cpu: '10m', memory: '32Mi'}, limits: {memory: '512Mi'}},
          volumeMounts: [
            {name: 'host', mountPath: HOST_MOUNT, readOnly: true},
            {name: 'probe', mountPath: SCRIPT_MOUNT, readOnly: true},
          ],
        },
      ],
      volumes: [
        {name: 'host', hostPath: {path: '/', type: 'Directory'}},
        {name: 'probe', configMap: {name: input.scriptConfigMap, defaultMode: 0o444}},
      ],
    },
  }
}
