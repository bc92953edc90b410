// probe.sh's DSR endpoint-pod section against real network namespaces: a node, an endpoint pod holding the DSR IP
// on kube-tunnel-if, another pod, a process in the node's own namespace; the pods found through a /proc view
// (KR_PROBE_PROC), read with nsenter; under dash and busybox (with busybox's ls, grep and nsenter, as in the Alpine
// kube-router image); and with the probe pod's capabilities: both DSR_ENDPOINT_CAPABILITIES are needed.
// Runs as root (CI); skipped with a message otherwise.
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, rm, symlink} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {runLocalProbe} from '../../src/infra/local-probe.js'
import {DSR_ENDPOINT_CAPABILITIES, PROBE_CAPABILITIES, probePodManifest} from '../../src/model/probe-pod.js'
import {parseDsrEndpoints} from '../../src/parsers/dsr-endpoints.js'
import {containerSecurity} from '../harness/kubelet.js'
import {createNetns, deleteNetns, run} from '../helpers/netns.js'
import {DSR_TOOLS, NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, ...DSR_TOOLS, 'setpriv']})

let node = ''
let pod = ''
let other = ''
let dir = ''
const procs: ChildProcess[] = []

async function live(ns: string): Promise<number> {
  const p = spawn('ip', ['netns', 'exec', ns, 'sleep', 'infinity'], {stdio: 'ignore'})
  procs.push(p)
  await new Promise<void>((resolve, reject) => {
    p.once('spawn', () => resolve())
    p.once('error', reject)
  })
  await symlink(`/proc/${p.pid}`, path.join(dir, String(p.pid)))
  return p.pid!
}

before(async () => {
  if (skip) return
  dir = await mkdtemp(path.join(os.tmpdir(), `kr-proc-view-${process.pid}-`))
  node = await createNetns('dsr-ep-node')
  pod = await createNetns('dsr-ep-pod')
  other = await createNetns('dsr-ep-other')
  const ip = (ns: string, ...args: string[]) => run(['ip', '-n', ns, ...args])
  for (const [ns, addr] of [[pod, '10.244.1.40/24'], [other, '10.244.1.41/24']]) {
    await ip(ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer')
    await ip(ns, 'addr', 'add', addr, 'dev', 'eth0')
  }
  // kube-router's receiver: a veth named kube-tunnel-if here (no ipip on this kernel)
  await ip(pod, 'link', 'add', 'kube-tunnel-if', 'type', 'veth', 'peer', 'name', 'ktif-peer')
  await ip(pod, 'addr', 'add', '203.0.113.50/32', 'dev', 'kube-tunnel-if')
  await run(['ip', 'netns', 'exec', pod, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.kube-tunnel-if.rp_filter=0'])
  await live(pod)
  await live(other)
  await live(node) // a hostNetwork process: the node's own namespace is skipped
})

after(async () => {
  for (const p of procs) p.kill('SIGKILL')
  for (const ns of [node, pod, other]) if (ns) await deleteNetns(ns)
  if (dir) await rm(dir, {recursive: true, force: true})
})

async function section(opts: {shell?: string | string[]; wrapper?: string[]; pathPrefix?: string} = {}) {
  const r = await runLocalProbe({
    nodeName: 'node-a',
    sections: 'passive',
    shell: opts.shell,
    wrapper: ['ip', 'netns', 'exec', node, ...(opts.wrapper ?? [])],
    env: {KR_PROBE_PROC: dir, KR_DSR_ENDPOINTS: '10.244.1.40\n10.244.1.99', ...(opts.pathPrefix ? {PATH: `${opts.pathPrefix}:${process.env.PATH}`} : {})},
  })
  const text = r.capture.files['dsr-endpoints.txt']
  assert.ok(text !== undefined, `dsr-endpoints.txt captured: ${r.capture.missing['dsr-endpoints.txt']}`)
  return {text, parsed: parseDsrEndpoints(text).value}
}

function assertFound(parsed: ReturnType<typeof parseDsrEndpoints>['value']): void {
  assert.deepEqual(parsed.requested, ['10.244.1.40', '10.244.1.99'])
  assert.equal(parsed.pods.length, 1)
  const [p] = parsed.pods
  assert.equal(p.ip, '10.244.1.40')
  assert.deepEqual(p.links.map((l) => l.ifname).sort(), ['eth0', 'eth0-peer', 'ktif-peer', 'kube-tunnel-if', 'lo'])
  assert.ok(p.addresses.some((a) => a.ifname === 'kube-tunnel-if' && a.address === '203.0.113.50' && a.prefixlen === 32))
  assert.equal(p.rpFilter.get('kube-tunnel-if')?.value, '0')
  assert.equal(p.rpFilter.get('all')?.value, '0')
  assert.equal(parsed.notRead.get('10.244.1.99'), 'no process on this node is in a network namespace holding 10.244.1.99')
}

for (const shell of ['dash', 'sh'] as const) {
  test(`${shell}: the endpoint pod is found through the /proc view and read inside; an IP no namespace holds is not-found`, {skip}, async () => {
    assertFound((await section({shell})).parsed)
  })
}

test('busybox sh with busybox ls, grep and nsenter (the Alpine image)', {skip}, async () => {
  const bin = await mkdtemp(path.join(os.tmpdir(), `kr-busybox-${process.pid}-`))
  try {
    const busybox = (await run(['sh', '-c', 'command -v busybox'])).stdout.trim()
    for (const applet of ['ls', 'grep', 'nsenter']) await symlink(busybox, path.join(bin, applet))
    assertFound((await section({shell: ['busybox', 'sh'], pathPrefix: bin})).parsed)
  } finally {
    await rm(bin, {recursive: true, force: true})
  }
})

test('least privilege: the DSR probe pod\'s capabilities read the pod; without SYS_ADMIN or SYS_PTRACE it says it could not', {skip}, async () => {
  const manifest = probePodManifest({runId: 'a1b2c3', nodeName: 'node-a', namespace: 'kube-system', image: 'kube-router', scriptConfigMap: 'kr-probe-a1b2c3', env: {KR_DSR_ENDPOINTS: '10.244.1.40'}, deadlineSeconds: 60}) as any
  assert.equal(manifest.spec.hostPID, true)
  const container = manifest.spec.containers[0]
  assert.deepEqual(container.securityContext.capabilities.add, [...PROBE_CAPABILITIES, ...DSR_ENDPOINT_CAPABILITIES])
  assertFound((await section({wrapper: containerSecurity(container)})).parsed)

  const caps = (list: readonly string[]) => containerSecurity({securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: ['ALL'], add: [...list]}}})
  const noAdmin = (await section({wrapper: caps([...PROBE_CAPABILITIES, 'SYS_PTRACE'])})).parsed
  assert.equal(noAdmin.pods.length, 0)
  assert.match(noAdmin.notRead.get('10.244.1.40')!, /^\d+ network namespace\(s\) could not be read: nsenter failed: rc=1: .*(Operation not permitted|setns)/)
  const noPtrace = (await section({wrapper: caps([...PROBE_CAPABILITIES, 'SYS_ADMIN'])})).parsed
  assert.equal(noPtrace.pods.length, 0)
  assert.match(noPtrace.notRead.get('10.244.1.40')!, /^\d+ network namespace\(s\) could not be read: cannot read .*\/ns\/net$/)

  // without KR_DSR_ENDPOINTS the pod is doctor's: no hostPID, no extra capability
  const doctor = probePodManifest({runId: 'a1b2c3', nodeName: 'node-a', namespace: 'kube-system', image: 'kube-router', scriptConfigMap: 'kr-probe-a1b2c3', env: {}, deadlineSeconds: 60}) as any
  assert.equal(doctor.spec.hostPID, false)
  assert.deepEqual(doctor.spec.containers[0].securityContext.capabilities.add, [...PROBE_CAPABILITIES])
})
