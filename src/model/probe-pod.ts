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
