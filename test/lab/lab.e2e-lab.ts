// The lab against itself and the CLI: a real kube-apiserver, etcd and kube-controller-manager, three netns nodes
// with kubelet stand-ins. Part of `npm test` (and `npm run test:lab` runs the lab files alone). Needs root and the
// lab binaries (`npm run lab:build`); under CI=true a missing need fails instead of skipping.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, test} from 'node:test'
import {kr} from '../cli/kr.js'
import {type Lab, startLab} from './cluster.js'
import {eventually, labSkip} from './suite.js'

const exec = promisify(execFile)
const skip = labSkip()

/** Polls until `check` resolves truthy. */

/** no kube-router DaemonSet in these tests: the probe image is named (the stand-in kubelet pulls nothing) */
const IMAGE = 'docker.io/cloudnativelabs/kube-router:v2.1.0'
let lab: Lab
let work: string
let kubeconfig: string

before(async () => {
  if (skip) return
  work = await mkdtemp(join(tmpdir(), 'kr-lab-e2e-'))
  // node 3's host stands in for what the kernel lacks: a tool on PATH, an env override, a mounted host directory
  lab = await startLab({
    nodes: 3,
    prepareNode: async (node) => {
      if (node.name !== 'lab-node-3') return
      const bin = join(work, 'node-3-bin')
      const state = join(work, 'node-3-state')
      await mkdir(bin)
      await mkdir(state)
      await writeFile(join(state, 'recorded.txt'), 'recorded on the host\n')
      await writeFile(join(bin, 'kr-host-tool'), '#!/bin/sh\necho "host tool on $(cat /proc/sys/kernel/hostname 2>/dev/null || echo ?)"\n')
      await chmod(join(bin, 'kr-host-tool'), 0o755)
      return {binDir: bin, env: {KR_HOST_STATE: state, GREETING: 'from the host'}, mounts: [state]}
    },
  })
  kubeconfig = join(work, 'kubeconfig')
  await writeFile(kubeconfig, lab.kubeconfig, {mode: 0o600})
})

after(async () => {
  if (skip) return
  await lab?.close()
  if (work) await rm(work, {recursive: true, force: true})
})

async function kubectl(args: string[], opts: {input?: string; allowFailure?: boolean} = {}): Promise<{stdout: string; stderr: string; code: number}> {
  const p = exec('kubectl', ['--kubeconfig', kubeconfig, ...args], {timeout: 60_000})
  if (opts.input !== undefined) {
    p.child.stdin?.end(opts.input)
  }
  try {
    const r = await p
    return {stdout: r.stdout, stderr: r.stderr, code: 0}
  } catch (error) {
    const e = error as {stdout: string; stderr: string; code: number}
    if (!opts.allowFailure) throw error
    return {stdout: e.stdout, stderr: e.stderr, code: e.code}
  }
}

async function pod(ns: string, name: string): Promise<any> {
  return lab.admin.req('GET', `/api/v1/namespaces/${ns}/pods/${name}`)
}

test('kubectl get nodes: three Ready nodes registered by their kubelets, with their InternalIPs', {skip}, async () => {
  const r = await kubectl(['get', 'nodes', '-o', 'json'])
  const nodes = JSON.parse(r.stdout).items as any[]
  assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), ['lab-node-1', 'lab-node-2', 'lab-node-3'])
  for (const n of nodes) {
    assert.equal(n.status.conditions.find((c: any) => c.type === 'Ready').status, 'True')
    const i = Number(n.metadata.name.slice(-1))
    assert.deepEqual(n.status.addresses.filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address), [lab.nodes[i - 1].ip4, lab.nodes[i - 1].ip6])
    assert.deepEqual(n.spec.podCIDRs, [`10.244.${i}.0/24`, `fd00:10:244:${i}::/64`])
  }
})

test('a pod runs in its node: command, env fieldRef, ConfigMap and hostPath volumes; Succeeded; kubectl logs through the API server', {skip}, async () => {
  await kubectl(['create', 'configmap', 'greeting', '--from-literal=hello.txt=hello from a configmap'])
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: 'runs-once'},
    spec: {
      nodeName: 'lab-node-2',
      hostNetwork: true,
      restartPolicy: 'Never',
      containers: [
        {
          name: 'main',
          image: 'busybox',
          command: ['/bin/sh', '-c', 'cat /cfg/hello.txt; echo; echo "node=$NODE"; ls /host-etc/hostname >/dev/null && echo host-etc-mounted; ip -4 -o addr show dev eth0 | grep -o "inet [0-9.]*"'],
          env: [{name: 'NODE', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}}],
          volumeMounts: [
            {name: 'cfg', mountPath: '/cfg', readOnly: true},
            {name: 'etc', mountPath: '/host-etc', readOnly: true},
          ],
        },
      ],
      volumes: [
        {name: 'cfg', configMap: {name: 'greeting'}},
        {name: 'etc', hostPath: {path: '/etc', type: 'Directory'}},
      ],
    },
  }
  await kubectl(['apply', '-f', '-'], {input: JSON.stringify(manifest)})
  await eventually(async () => (await pod('default', 'runs-once')).status?.phase === 'Succeeded', {timeoutMs: 30_000, what: 'runs-once Succeeded'})
  const p = await pod('default', 'runs-once')
  assert.equal(p.status.containerStatuses[0].state.terminated.reason, 'Completed')
  assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 0)
  assert.equal(p.status.hostIP, lab.nodes[1].ip4)
  const logs = await kubectl(['logs', 'runs-once'])
  assert.equal(logs.stdout, `hello from a configmap\nnode=lab-node-2\nhost-etc-mounted\ninet ${lab.nodes[1].ip4}\n`)
  const tail = await kubectl(['logs', 'runs-once', '--tail=1'])
  assert.equal(tail.stdout, `inet ${lab.nodes[1].ip4}\n`)
})

test("a node's host stand-ins: its binDir first on PATH, its env over the pod's, its mounts read-only; other nodes have none", {skip}, async () => {
  const script = 'command -v kr-host-tool || echo no-tool; echo "$GREETING"; if [ -n "$KR_HOST_STATE" ]; then cat "$KR_HOST_STATE/recorded.txt"; touch "$KR_HOST_STATE/x" 2>/dev/null || echo read-only; else echo no-host-state; fi'
  for (const node of ['lab-node-3', 'lab-node-1']) {
    const name = `host-${node}`
    const manifest = {apiVersion: 'v1', kind: 'Pod', metadata: {name}, spec: {nodeName: node, hostNetwork: true, restartPolicy: 'Never',
      containers: [{name: 'main', image: 'busybox', command: ['/bin/sh', '-c', script], env: [{name: 'GREETING', value: 'from the pod'}]}]}}
    await kubectl(['apply', '-f', '-'], {input: JSON.stringify(manifest)})
    await eventually(async () => ['Succeeded', 'Failed'].includes((await pod('default', name)).status?.phase), {timeoutMs: 30_000, what: `${name} done`})
  }
  assert.equal((await kubectl(['logs', 'host-lab-node-3'])).stdout, `${join(work, 'node-3-bin', 'kr-host-tool')}\nfrom the host\nrecorded on the host\nread-only\n`)
  assert.equal((await kubectl(['logs', 'host-lab-node-1'])).stdout, 'no-tool\nfrom the pod\nno-host-state\n')
})

test('a failing command: Failed, terminated with its exit code and reason Error', {skip}, async () => {
  const manifest = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'fails'}, spec: {nodeName: 'lab-node-1', restartPolicy: 'Never', containers: [{name: 'main', image: 'busybox', command: ['/bin/sh', '-c', 'echo bad >&2; exit 3']}]}}
  await kubectl(['apply', '-f', '-'], {input: JSON.stringify(manifest)})
  await eventually(async () => (await pod('default', 'fails')).status?.phase === 'Failed', {timeoutMs: 30_000, what: 'fails Failed'})
  const t = (await pod('default', 'fails')).status.containerStatuses[0].state.terminated
  assert.deepEqual([t.exitCode, t.reason], [3, 'Error'])
  assert.equal((await kubectl(['logs', 'fails'])).stdout, 'bad\n')
})

test('activeDeadlineSeconds: the process is killed, the pod Failed with reason DeadlineExceeded', {skip}, async () => {
  const manifest = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'too-slow'}, spec: {nodeName: 'lab-node-3', restartPolicy: 'Never', activeDeadlineSeconds: 2, containers: [{name: 'main', image: 'busybox', command: ['sleep', '600']}]}}
  await kubectl(['apply', '-f', '-'], {input: JSON.stringify(manifest)})
  await eventually(async () => (await pod('default', 'too-slow')).status?.phase === 'Failed', {timeoutMs: 30_000, what: 'too-slow Failed'})
  const p = await pod('default', 'too-slow')
  assert.equal(p.status.reason, 'DeadlineExceeded')
  assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 137)
})

test('delete: SIGTERM to the container, then the kubelet removes the pod', {skip}, async () => {
  const manifest = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'long'}, spec: {nodeName: 'lab-node-1', terminationGracePeriodSeconds: 5, containers: [{name: 'main', image: 'busybox', command: ['sleep', '600']}]}}
  await kubectl(['apply', '-f', '-'], {input: JSON.stringify(manifest)})
  await eventually(async () => (await pod('default', 'long')).status?.phase === 'Running', {timeoutMs: 30_000, what: 'long Running'})
  const started = Date.now()
  await kubectl(['delete', 'pod', 'long', '--wait=true'])
  assert.ok(Date.now() - started < 5000, 'sleep dies on SIGTERM: the grace period is not waited out')
  const gone = await kubectl(['get', 'pod', 'long'], {allowFailure: true})
  assert.match(gone.stderr, /NotFound/)
})

test('RBAC: the restricted user (ClusterRole view) is refused by the real authorizer; doctor names what is missing; exit 2', {skip}, async () => {
  const denied = await kubectl(['--context', 'kr-lab-restricted', 'create', 'configmap', 'x', '-n', 'kube-system'], {allowFailure: true})
  assert.match(denied.stderr, /forbidden: User "kr-lab-restricted" cannot create resource "configmaps"/)
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '--image', IMAGE, '--context', 'kr-lab-restricted'], {timeoutMs: 60_000})
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /^error: not allowed to run the doctor with context "kr-lab-restricted": missing .*create pods in namespace kube-system/m)
  const pods = await lab.admin.req('GET', '/api/v1/namespaces/kube-system/pods')
  assert.equal(pods.items.length, 0)
})

test('Pod Security: the real admission plugin rejects a privileged pod in a baseline namespace; doctor refuses that probe namespace', {skip}, async () => {
  await kubectl(['create', 'namespace', 'kr-baseline'])
  await kubectl(['label', 'namespace', 'kr-baseline', 'pod-security.kubernetes.io/enforce=baseline'])
  const manifest = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'priv', namespace: 'kr-baseline'}, spec: {hostNetwork: true, containers: [{name: 'main', image: 'busybox', command: ['true'], securityContext: {privileged: true}}]}}
  const refused = await kubectl(['apply', '-f', '-'], {input: JSON.stringify(manifest), allowFailure: true})
  assert.match(refused.stderr, /violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\), privileged \(container "main" must not set securityContext.privileged=true\)/)
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '--image', IMAGE, '--probe-namespace', 'kr-baseline'], {timeoutMs: 60_000})
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /^error: namespace kr-baseline enforces Pod Security "baseline"/)
})

test('doctor against the lab: probe pods run on all three nodes through the real API and are removed', {skip}, async () => {
  const r = await kr(['doctor', '--kubeconfig', kubeconfig, '--image', IMAGE, '-o', 'json'], {timeoutMs: 180_000})
  assert.ok(r.code === 0 || r.code === 1, `${r.code}: ${r.stderr}`)
  const report = JSON.parse(r.stdout)
  assert.deepEqual(report.nodes.map((n: any) => n.name ?? n.node).sort(), ['lab-node-1', 'lab-node-2', 'lab-node-3'])
  const left = await lab.admin.req('GET', '/api/v1/namespaces/kube-system/pods?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dkubectl-kr')
  assert.deepEqual(left.items, [])
})
