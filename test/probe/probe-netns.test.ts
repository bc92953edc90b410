// probe.sh against real kernel state: kube-router-like nodes built in network namespaces.
// Runs as root (CI); skipped with a message otherwise.
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm, symlink} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {type LocalProbeOptions, type ProbeTarget, runLocalProbe} from '../../src/infra/local-probe.js'
import type {ProbeResult} from '../../src/model/types.js'
import {probeSourceNames} from '../../src/model/sources.js'
import {PROBE_CAPABILITIES, probePodManifest} from '../../src/model/probe-pod.js'
import {containerSecurity} from '../harness/kubelet.js'
import {
  buildDsrNode,
  buildHealthyNode,
  buildNode,
  buildSeed001Node,
  buildSeed002Node,
  buildSeed003Node,
  cleanupStale,
  createNetns,
  deleteNetns,
  healthySpec,
  listNetns,
  type BuildOptions,
  type Listener,
  type NodeScenario,
  run,
  snapshotNetns,
  startListener,
  writeExecutable,
} from '../helpers/netns.js'
import {NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, 'setpriv', 'unshare']})
const ALL_SOURCES = probeSourceNames('all')

/** A PID namespace of the probe's own with its own /proc, for runs compared with each other: kube-router-process.txt
 * then holds no kube-router the host runs meanwhile (the lab tests run real ones). */
const OWN_PIDS = ['unshare', '--pid', '--fork', '--mount-proc']

function probe(s: NodeScenario, extra: Partial<LocalProbeOptions> = {}) {
  return runLocalProbe({
    nodeName: s.nodeName,
    wrapper: ['ip', 'netns', 'exec', s.ns],
    hostRoot: s.hostRoot,
    ...extra,
    env: {...s.probeEnv, ...extra.env},
  })
}

function probes(text: string | undefined): ProbeResult[] {
  assert.ok(text !== undefined, 'probes.json captured')
  return JSON.parse(text) as ProbeResult[]
}

/** A directory of symlinks to the named host tools (+ extra scripts): a PATH with exactly these. */
async function toolDir(tools: string[], scripts: Record<string, string> = {}): Promise<{dir: string; remove(): Promise<void>}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `kr-tools-${process.pid}-`))
  for (const tool of tools.filter((t) => !(t in scripts))) {
    const target = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
      .split(':')
      .map((d) => path.join(d, tool))
      .find((p) => existsSync(p))
    assert.ok(target, `${tool} is installed`)
    await symlink(target, path.join(dir, tool))
  }
  for (const [name, text] of Object.entries(scripts)) await writeExecutable(dir, name, text)
  return {dir, remove: () => rm(dir, {recursive: true, force: true})}
}

const BASE_TOOLS = ['sh', 'dash', 'busybox', 'ip', 'ipset', 'cat', 'sleep', 'true', 'iptables-nft-save', 'ip6tables-nft-save', 'iptables-legacy-save', 'ip6tables-legacy-save', 'iptables-save', 'ip6tables-save']

/** Targets for every VIP/port of the scenario's services and the API server on the node IPs. */
function scenarioTargets(s: NodeScenario): ProbeTarget[] {
  const targets: ProbeTarget[] = []
  for (const svc of s.services) {
    for (const ip of svc.clusterIPs) {
      const tcp = svc.ports.find((p) => p.protocol === 'TCP')
      if (tcp) targets.push({kind: 'service-vip', family: ip.includes(':') ? 6 : 4, address: ip, port: tcp.port, service: `${svc.namespace}/${svc.name}`})
    }
  }
  targets.push({kind: 'apiserver', family: 4, address: s.nodeIp4, port: 6443, service: null})
  targets.push({kind: 'apiserver', family: 6, address: s.nodeIp6, port: 6443, service: null})
  return targets
}

async function withScenario(build: (o?: BuildOptions) => Promise<NodeScenario>, opts: BuildOptions, fn: (s: NodeScenario) => Promise<void>) {
  const s = await build(opts)
  try {
    await fn(s)
  } finally {
    await s.cleanup()
  }
}

const SCENARIOS: [string, (o?: BuildOptions) => Promise<NodeScenario>, BuildOptions, (s: NodeScenario, files: Record<string, string>) => void][] = [
  [
    'healthy',
    buildHealthyNode,
    {},
    (s, f) => {
      const v6 = JSON.parse(f['ip6-route.json']) as {dst: string; type?: string; prefsrc?: string; metric?: number; table?: string}[]
      const vipRoutes = v6.filter((r) => r.dst === 'fd00:10:96::1')
      assert.deepEqual(
        vipRoutes.map((r) => [r.type, r.table, r.prefsrc, r.metric]),
        [['local', 'local', s.nodeIp6, 1024]],
      )
      const v4 = JSON.parse(f['ip-route.json']) as {dst: string; type?: string; prefsrc?: string; table?: string}[]
      assert.deepEqual(
        v4.filter((r) => r.dst === '10.96.0.10').map((r) => [r.type, r.table, r.prefsrc]),
        [['local', 'local', s.nodeIp4]],
      )
      const rules = JSON.parse(f['ip-rule.json']) as {priority: number; src: string; srclen?: number; table: string}[]
      assert.ok(rules.some((r) => r.src === '10.244.1.0' && r.srclen === 24 && r.table === '77'))
      assert.ok(rules.some((r) => r.priority === 32765 && r.src === 'all' && r.table === '79'))
      assert.match(f['ip-route.json'], /"type":"local","dst":"default","dev":"lo","table":"78"/)
      assert.match(f['ipset.txt'], /^add inet6:kube-router-local-ips fd00:56::11 timeout 0$/m)
      assert.match(f['ipset.txt'], /^add kube-router-svip 192\.168\.56\.11 timeout 0$/m)
      assert.match(f['ipset.txt'], /^create kube-router-svip-prt hash:ip,port family inet .*timeout 0/m)
      assert.match(f['networkd.txt'], /^# active: yes\n# systemd-version: unknown\n# file: \/etc\/systemd\/networkd\.conf\n/)
      assert.match(f['networkd.txt'], /# file: \/etc\/systemd\/networkd\.conf\.d\/50-kube-router\.conf\n[^]*ManageForeignRoutingPolicyRules=no\nManageForeignRoutes=no\n/)
      assert.match(f['kube-router-version.txt'], /version v2\.11\.1, built on 2026-08-04T10:00:00\+0000, go1\.25\.1/)
      assert.match(f['ipvsadm.txt'], /^TCP {2}10\.96\.0\.1:443 rr\n {2}-> 192\.168\.56\.11:6443 +Masq +1 +0 +0 +\n/m)
    },
  ],
  [
    'seed001',
    buildSeed001Node,
    {},
    (s, f) => {
      const v6 = JSON.parse(f['ip6-route.json']) as {dst: string; type?: string; prefsrc?: string; metric?: number; table?: string; protocol?: string}[]
      const vip = v6.filter((r) => r.dst === 'fd00:10:96::a')
      // FM2: the kernel's two routes (no src) next to kube-router's own local route
      assert.ok(vip.some((r) => r.type === undefined && r.protocol === 'kernel' && r.metric === 256 && r.prefsrc === undefined))
      assert.ok(vip.some((r) => r.type === 'local' && r.table === 'local' && r.metric === 0 && r.prefsrc === undefined))
      assert.ok(vip.some((r) => r.type === 'local' && r.table === 'local' && r.metric === 1024 && r.prefsrc === s.nodeIp6))
      assert.match(f['kube-router-version.txt'], /version v2\.1\.2,/)
      assert.match(f['ipvsadm.txt'], /^TCP {2}\[fd00:10:96::a\]:80 rr$/m)
    },
  ],
  [
    'seed002',
    buildSeed002Node,
    {},
    (s, f) => {
      // FM3: node IPv6 in inet6:kube-router-svip, not in inet6:kube-router-local-ips
      assert.match(f['ipset.txt'], /^create inet6:kube-router-local-ips hash:ip family inet6 /m)
      assert.doesNotMatch(f['ipset.txt'], /^add inet6:kube-router-local-ips /m)
      assert.match(f['ipset.txt'], new RegExp(`^add inet6:kube-router-svip ${s.nodeIp6} timeout 0$`, 'm'))
      assert.match(f['ipset.txt'], /^add kube-router-local-ips 192\.168\.56\.11 timeout 0$/m)
      assert.match(
        f['ip6tables.txt'],
        /^-A KUBE-ROUTER-SERVICES -m comment --comment "reject all unexpected traffic to service IPs" -m set ! --match-set inet6:kube-router-local-ips dst -j REJECT --reject-with icmp6-port-unreachable$/m,
      )
      assert.match(f['kube-router-version.txt'], /version v2\.1\.2,/)
    },
  ],
  [
    'seed003',
    buildSeed003Node,
    {},
    (_s, f) => {
      // FM4: networkd active, Manage* not set; the 77/79 rules gone
      assert.match(f['networkd.txt'], /^# active: yes\n# systemd-version: unknown\n# file: \/etc\/systemd\/networkd\.conf\n/)
      assert.match(f['networkd.txt'], /^#ManageForeignRoutingPolicyRules=yes$/m)
      assert.doesNotMatch(f['networkd.txt'], /^ManageForeign/m)
      assert.doesNotMatch(f['networkd.txt'], /^# file: .*networkd\.conf\.d/m)
      for (const file of ['ip-rule.json', 'ip6-rule.json']) {
        const tables = (JSON.parse(f[file]) as {table: string}[]).map((r) => r.table)
        assert.ok(!tables.includes('77') && !tables.includes('79'), `${file}: ${tables.join(',')}`)
      }
      assert.match(f['kube-router-version.txt'], /version v2\.4\.1,/)
    },
  ],
  [
    'dsr',
    buildDsrNode,
    {},
    (_s, f) => {
      assert.match(f['ip-rule.json'], /\{"priority":32764,"src":"all","fwmark":"0x3742","table":"78"\}/)
      assert.match(f['ip-route.json'], /\{"dst":"199\.27\.151\.9","dev":"kube-bridge","table":"79"/)
      assert.match(f['iptables.txt'], /^-A OUTPUT -d 199\.27\.151\.9\/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x3742\/0xffffffff$/m)
      assert.match(f['iptables.txt'], /-i kube-bridge -p tcp -m tcp --sport 8080 --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1440/)
      assert.match(f['ipvsadm.txt'], /^FWM {2}14146 mh\n {2}-> 10\.244\.1\.9:8080 +Tunnel +1 /m)
      // the DSR external IP is not on kube-dummy-if
      assert.doesNotMatch(f['ip-addr.json'], /199\.27\.151\.9/)
    },
  ],
  [
    'healthy (legacy iptables)',
    buildHealthyNode,
    {iptablesBackend: 'legacy'},
    (_s, f) => {
      assert.match(f['iptables.txt'], /^# kr-backend: legacy\n/)
      assert.match(f['ip6tables.txt'], /^# kr-backend: legacy\n/)
      assert.match(f['ip6tables.txt'], /^:KUBE-ROUTER-SERVICES - \[0:0\]$/m)
    },
  ],
]

for (const [name, build, opts, check] of SCENARIOS) {
  test(`${name}: every source captured with real content, and the node is left exactly as it was`, {skip}, async () => {
    await withScenario(build, opts, async (s) => {
      const listeners: Listener[] = []
      try {
        // something to connect to, so the active section really connects
        listeners.push(await startListener(s.ns, s.vips6[0] ?? '::1', 80))
        const before = await snapshotNetns(s.ns)
        const {capture, issues} = await probe(s, {targets: scenarioTargets(s), connectTimeoutSec: 1})
        const after = await snapshotNetns(s.ns)
        for (const key of Object.keys(before)) assert.equal(after[key], before[key], `${key} unchanged by the probe`)

        assert.deepEqual(capture.missing, {})
        assert.deepEqual(issues, [])
        assert.deepEqual(Object.keys(capture.files).sort(), [...ALL_SOURCES].sort())
        const f = capture.files as Record<string, string>
        for (const file of ['ip-addr.json', 'ip-route.json', 'ip6-route.json', 'ip-rule.json', 'ip6-rule.json', 'probes.json']) {
          assert.doesNotThrow(() => JSON.parse(f[file]), `${file} is JSON`)
        }
        const links = JSON.parse(f['ip-addr.json']) as {ifname: string; addr_info: {local: string}[]}[]
        const dummy = links.find((l) => l.ifname === 'kube-dummy-if')
        assert.deepEqual(dummy?.addr_info.map((a) => a.local).sort(), [...s.vips4, ...s.vips6].sort())
        assert.ok(links.some((l) => l.ifname === 'kube-bridge'))
        assert.match(f['ipset.txt'], /^create kube-router-svip hash:ip family inet hashsize \d+ maxelem \d+ timeout 0/m)
        assert.match(f['iptables.txt'], /^# kr-backend: (nft|legacy)\n/)
        for (const file of ['iptables.txt', 'ip6tables.txt']) {
          assert.match(f[file], /^-A INPUT -m comment --comment "handle traffic to IPVS service IPs in custom chain" -m set --match-set (inet6:)?kube-router-svip dst -j KUBE-ROUTER-SERVICES$/m)
        }
        assert.match(f['sysctl.txt'], /^net\.ipv4\.conf\.kube-dummy-if\.rp_filter = \d$/m)
        assert.match(f['sysctl.txt'], /^net\.ipv4\.conf\.all\.arp_ignore = 1$/m)
        assert.match(f['sysctl.txt'], /^net\.ipv4\.ip_forward = 1$/m)
        assert.equal(probes(f['probes.json']).length, scenarioTargets(s).length)
        check(s, f)
      } finally {
        for (const l of listeners) await l.close()
      }
    })
  })
}

test('dash and busybox sh give the same capture', {skip}, async () => {
  await withScenario(buildHealthyNode, {}, async (s) => {
    const stable = (files: Record<string, string | undefined>) =>
      Object.fromEntries(
        Object.entries(files).map(([k, v]) => [k, (v ?? '').replace(/^# (Generated|Completed) .*$/gm, '').replace(/\[\d+:\d+\]/g, '[0:0]')]),
      )
    const dash = await probe(s, {shell: 'dash', sections: 'passive'})
    const busybox = await probe(s, {shell: ['busybox', 'sh'], sections: 'passive'})
    assert.deepEqual(dash.issues, [])
    assert.deepEqual(busybox.issues, [])
    assert.deepEqual(busybox.capture.missing, {})
    assert.deepEqual(stable(busybox.capture.files), stable(dash.capture.files))
  })
})

test('missing tools are recorded per source, the rest is still captured', {skip}, async () => {
  await withScenario(buildHealthyNode, {}, async (s) => {
    const tools = await toolDir([...BASE_TOOLS, 'timeout'])
    try {
      // a PATH without curl, ipvsadm, kube-router and gobgp
      const r = await probe(s, {env: {PATH: tools.dir}, targets: scenarioTargets(s)})
      assert.deepEqual(r.capture.missing, {
        'gobgp-neighbors.txt': 'gobgp not found (not in this image)',
        'ipvsadm.txt': 'ipvsadm not found',
        'kube-router-version.txt': 'kube-router not found',
        'probes.json': 'curl not found',
      })
      assert.deepEqual(Object.keys(r.capture.files).sort(), ALL_SOURCES.filter((n) => !(n in r.capture.missing)).sort())

      // ipvsadm present but IPVS not loaded: not run (it would load ip_vs)
      const noIpvs = await probe(s, {sections: 'passive', env: {KR_PROBE_IPVS_PROC: path.join(s.hostRoot, 'no-such-file')}})
      assert.match(noIpvs.capture.missing['ipvsadm.txt'] ?? '', /^IPVS is not loaded \(.*no-such-file does not exist\)$/)

      // a tool that fails: first stderr line and rc in the reason
      const failing = await toolDir([], {ipset: '#!/bin/sh\necho "ipset v7.17: Kernel error received: Operation not permitted" >&2\nexit 1\n'})
      try {
        const r2 = await probe(s, {sections: 'passive', env: {PATH: `${failing.dir}:${s.probeEnv.PATH}`}})
        assert.equal(r2.capture.missing['ipset.txt'], 'ipset failed: rc=1: ipset v7.17: Kernel error received: Operation not permitted')
        assert.equal(r2.capture.files['ipset.txt'], undefined)
      } finally {
        await failing.remove()
      }
    } finally {
      await tools.remove()
    }
  })
})

// ---------- least privilege: the probe pod's securityContext, for real ----------

const LOG_DIR = 'var/log/pods/kube-system_kube-router-x7k2p_0b6f/kube-router'

/** The probe pod's container as the plugin builds it (with a kube-router log directory). */
function probeContainer(): Record<string, any> {
  const pod = probePodManifest({runId: 'a1b2c3', nodeName: 'node-a', namespace: 'kube-system', image: 'kube-router', scriptConfigMap: 'kr-probe-a1b2c3', env: {KR_KUBE_ROUTER_LOG_DIR: LOG_DIR}, deadlineSeconds: 60}) as any
  return pod.spec.containers[0]
}

/** setpriv argv giving exactly these capabilities (as the harness kubelet runs an unprivileged container). */
function withCaps(caps: readonly string[]): string[] {
  return containerSecurity({securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: ['ALL'], add: [...caps]}}})
}

/** probes.json without the timings, also those in curl's messages (they differ run to run). */
function withoutTimings(text: string | undefined): unknown {
  return probes(text).map(({ms: _ms, ...rest}) => ({...rest, error: rest.error?.replace(/ after \d+ ms/, ' after … ms') ?? null}))
}

for (const backend of ['nft', 'legacy'] as const) {
  test(`least privilege (${backend} iptables): with only the probe pod's capabilities every source is captured, identical to a privileged run`, {skip}, async () => {
    await withScenario(buildHealthyNode, {iptablesBackend: backend}, async (s) => {
      const dir = path.join(s.hostRoot, LOG_DIR)
      await mkdir(dir, {recursive: true})
      const {writeFile} = await import('node:fs/promises')
      await writeFile(path.join(dir, '0.log'), '2026-11-20T06:07:50.000000000Z stderr F I1120 06:07:50.000000       1 a.go:1] hello\n')
      const listener = await startListener(s.ns, s.vips6[0] ?? '::1', 80)
      try {
        const security = containerSecurity(probeContainer())
        assert.deepEqual(security, withCaps(PROBE_CAPABILITIES), 'the manifest drops ALL and adds exactly PROBE_CAPABILITIES, no privilege escalation')
        const opts = {targets: scenarioTargets(s), connectTimeoutSec: 1, env: {KR_KUBE_ROUTER_LOG_DIR: LOG_DIR}}
        const privileged = await probe(s, {...opts, wrapper: [...OWN_PIDS, 'ip', 'netns', 'exec', s.ns]})
        const least = await probe(s, {...opts, wrapper: [...OWN_PIDS, 'ip', 'netns', 'exec', s.ns, ...security]})
        for (const r of [privileged, least]) {
          assert.deepEqual(r.capture.missing, {})
          assert.deepEqual(r.issues, [])
          assert.deepEqual(Object.keys(r.capture.files).sort(), [...ALL_SOURCES, 'kube-router.log'].sort())
        }
        const a = privileged.capture.files as Record<string, string>
        const b = least.capture.files as Record<string, string>
        // iptables-save's time stamps and the packet counters (the probes' own traffic) move between the runs
        const stable = (text: string) => text.replace(/^# (Generated by|Completed on) .*$/gm, '# $1 …').replace(/\[\d+:\d+\]$/gm, '[…]')
        for (const file of Object.keys(a).filter((f) => f !== 'probes.json')) assert.equal(stable(b[file]), stable(a[file]), `${file}: same content without privileges`)
        assert.deepEqual(withoutTimings(b['probes.json']), withoutTimings(a['probes.json']))
        // and the content is real
        assert.match(b['ipset.txt'], /^add kube-router-svip 192\.168\.56\.11 timeout 0$/m)
        assert.match(b['iptables.txt'], new RegExp(`^# kr-backend: ${backend}\n[^]*^:KUBE-ROUTER-SERVICES `, 'm'))
        assert.match(b['ip6tables.txt'], new RegExp(`^# kr-backend: ${backend}\n[^]*^-A KUBE-ROUTER-SERVICES `, 'm'))
        assert.match(b['ip-rule.json'], /"table":"77"/)
        assert.match(b['sysctl.txt'], /^net\.ipv4\.ip_forward = 1$/m)
        assert.match(b['networkd.txt'], /^# active: yes\n# systemd-version: unknown\n# file: \/etc\/systemd\/networkd\.conf\n/)
        assert.match(b['kube-router.log'], /a\.go:1\] hello/)
        assert.ok(probes(b['probes.json']).some((p) => p.ok))
      } finally {
        await listener.close()
      }
    })
  })
}

test('least privilege: each capability is needed (without NET_ADMIN or NET_RAW sources fail or the probe warns)', {skip}, async () => {
  for (const backend of ['nft', 'legacy'] as const) {
    await withScenario(buildHealthyNode, {iptablesBackend: backend, nodeIndex: backend === 'nft' ? 41 : 42}, async (s) => {
      const run = (caps: string[]) => probe(s, {sections: 'passive', wrapper: ['ip', 'netns', 'exec', s.ns, ...withCaps(caps)]})
      const none = await run([])
      const rawOnly = await run(['NET_RAW'])
      for (const r of [none, rawOnly]) {
        // nfnetlink (ipset, nf_tables) refuses dumps without CAP_NET_ADMIN
        assert.match(r.capture.missing['ipset.txt'] ?? '', /ipset failed: rc=1: .*Operation not permitted/)
        assert.match(r.capture.missing['iptables.txt'] ?? '', /iptables-save failed/)
        assert.match(r.capture.missing['ip6tables.txt'] ?? '', /ip6tables-save failed/)
        // what needs no capability
        for (const file of ['ip-addr.json', 'ip-route.json', 'ip6-route.json', 'ip-rule.json', 'ip6-rule.json', 'sysctl.txt', 'networkd.txt', 'kube-router-version.txt'] as const) {
          assert.ok(r.capture.files[file], `${file} needs no capability`)
        }
      }
      const adminOnly = await run(['NET_ADMIN'])
      assert.ok(adminOnly.capture.files['ipset.txt'], 'ipset needs NET_ADMIN only')
      if (backend === 'nft') {
        // the rules match ipsets: iptables-nft-save opens a raw socket to look their names up
        assert.match(adminOnly.capture.missing['iptables.txt'] ?? '', /Can't open socket to ipset/)
      } else {
        // iptables-legacy-save cannot open its raw socket: the empty nft ruleset is reported, with a warning
        assert.doesNotMatch(adminOnly.capture.files['iptables.txt'] ?? '', /KUBE-ROUTER/)
        assert.ok(
          adminOnly.issues.some((i) => /iptables\.txt: legacy tables exist but iptables-legacy-save failed/.test(i)),
          adminOnly.issues.join('\n'),
        )
      }
      const both = await run(['NET_ADMIN', 'NET_RAW'])
      assert.deepEqual(both.capture.missing, {})
      assert.deepEqual(both.issues, [])
    })
  }
})

test('networkd "active" also from the unit cgroup under the host root (the probe pod mounts /sys/fs/cgroup, not /run)', {skip}, async () => {
  await withScenario(buildHealthyNode, {}, async (s) => {
    await rm(path.join(s.hostRoot, 'run'), {recursive: true, force: true})
    const active = async () => (await probe(s, {sections: 'passive'})).capture.files['networkd.txt']?.split('\n')[0]
    assert.equal(await active(), '# active: no')
    for (const cg of ['sys/fs/cgroup', 'sys/fs/cgroup/systemd', 'sys/fs/cgroup/unified']) {
      const unit = path.join(s.hostRoot, cg, 'system.slice/systemd-networkd.service')
      await mkdir(unit, {recursive: true})
      assert.equal(await active(), '# active: yes', cg)
      await rm(unit, {recursive: true})
    }
    await mkdir(path.join(s.hostRoot, 'sys/fs/cgroup/system.slice/systemd-resolved.service'), {recursive: true})
    assert.equal(await active(), '# active: no')
  })
})

test('kube-router.log: the tail of the newest log file in the kubelet log directory, when asked for', {skip}, async () => {
  await withScenario(buildHealthyNode, {}, async (s) => {
    const rel = 'var/log/pods/kube-system_kube-router-x7k2p_0b6f/kube-router'
    const dir = path.join(s.hostRoot, rel)
    await mkdir(dir, {recursive: true})
    const {writeFile, utimes} = await import('node:fs/promises')
    await writeFile(path.join(dir, '0.log'), '2026-11-20T06:00:00.000000000Z stderr F I1120 06:00:00.000000       1 old.go:1] before the restart\n')
    const lines = Array.from({length: 6}, (_, i) => `2026-11-20T06:07:5${i}.000000000Z stderr F I1120 06:07:5${i}.000000       1 a.go:${i}] line ${i}`)
    await writeFile(path.join(dir, '1.log'), `${lines.join('\n')}\n`)
    await utimes(path.join(dir, '0.log'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000))
    const r = await probe(s, {sections: 'passive', env: {KR_KUBE_ROUTER_LOG_DIR: rel, KR_KUBE_ROUTER_LOG_LINES: '4'}})
    assert.equal(r.capture.files['kube-router.log'], `${lines.slice(2).join('\n')}\n`)

    const absent = await probe(s, {sections: 'passive', env: {KR_KUBE_ROUTER_LOG_DIR: 'var/log/pods/nope/kube-router'}})
    assert.equal(absent.capture.missing['kube-router.log'], 'no kube-router log directory /var/log/pods/nope/kube-router on this node')
    const escape = await probe(s, {sections: 'passive', env: {KR_KUBE_ROUTER_LOG_DIR: '../../etc'}})
    assert.equal(escape.capture.missing['kube-router.log'], 'KR_KUBE_ROUTER_LOG_DIR must be a plain path relative to the host root')
    const unset = await probe(s, {sections: 'passive'})
    assert.equal('kube-router.log' in unset.capture.files || 'kube-router.log' in unset.capture.missing, false)
  })
})

const HANGING_IPSET = '#!/bin/sh\nexec sleep 30\n'

for (const mode of ['coreutils timeout', 'busybox timeout', 'no timeout command (shell watchdog)'] as const) {
  test(`a hanging tool is cut by the per-command timeout: ${mode}`, {skip}, async () => {
    await withScenario(buildHealthyNode, {}, async (s) => {
      const tools =
        mode === 'coreutils timeout'
          ? await toolDir([...BASE_TOOLS, 'timeout'], {ipset: HANGING_IPSET})
          : mode === 'busybox timeout'
            ? await toolDir(BASE_TOOLS, {ipset: HANGING_IPSET, timeout: '#!/bin/sh\nexec busybox timeout "$@"\n'})
            : await toolDir(BASE_TOOLS, {ipset: HANGING_IPSET})
      try {
        const started = Date.now()
        const r = await probe(s, {
          sections: 'passive',
          shell: mode === 'busybox timeout' ? ['busybox', 'sh'] : 'dash',
          env: {PATH: `${tools.dir}:${s.binDir}`, KR_PROBE_CMD_TIMEOUT: '1'},
        })
        const elapsed = Date.now() - started
        assert.equal(r.capture.missing['ipset.txt'], 'ipset timed out after 1s')
        assert.ok(elapsed < 10_000, `finished in ${elapsed} ms`)
        assert.ok(r.capture.files['ip-addr.json'] && r.capture.files['iptables.txt'] && r.capture.files['networkd.txt'])
        if (mode.startsWith('no timeout')) {
          assert.ok(r.issues.some((i) => i.includes('no usable timeout command')), r.issues.join('\n'))
        } else {
          assert.deepEqual(r.issues, [])
        }
      } finally {
        await tools.remove()
      }
    })
  })
}

test('targets with shell metacharacters are rejected, never executed', {skip}, async () => {
  const ns = await createNetns('metachar')
  const canary = path.join(os.tmpdir(), `kr-pwned-${process.pid}`)
  try {
    const evil = [
      `service-vip 4 $(touch\${IFS}${canary}) 80 -`,
      `service-vip 4 127.0.0.1 80 \`touch\${IFS}${canary}\``,
      `service-vip 4 127.0.0.1;touch\${IFS}${canary} 80 -`,
      `apiserver 6 ::1|touch\${IFS}${canary} 6443 -`,
      `service-vip 4 127.0.0.1 80&&touch\${IFS}${canary} -`,
      `evil;touch\${IFS}${canary} 4 127.0.0.1 80 -`,
      'service-vip 4 -K/etc/passwd 80 -',
      'service-vip 6 [::1]:80/x 80 -',
      'service-vip 4 127.0.0.1 99999 -',
      'service-vip 4 127.0.0.1 080 -',
      'service-vip 4 1.2.3.4.5 80 -',
      'service-vip 4 127.0.0.1 80 default/web"}',
      'service-vip 4 * 80 -',
      'service-vip 5 127.0.0.1 80 -',
      `service-vip 4 127.0.0.1 80 - touch ${canary}`,
    ]
    const good = 'service-vip 4 127.0.0.1 9 default/closed'
    const r = await runLocalProbe({
      nodeName: 'metachar',
      wrapper: ['ip', 'netns', 'exec', ns],
      sections: 'active',
      env: {KR_PROBE_TARGETS: [...evil, '', good].join('\n')},
    })
    assert.equal(existsSync(canary), false, 'nothing was executed')
    const warnings = r.issues.filter((i) => i.startsWith('probe warning: probes.json: target record'))
    assert.equal(warnings.length, evil.length, r.issues.join('\n'))
    assert.equal(r.issues.length, evil.length)
    const results = probes(r.capture.files['probes.json'])
    assert.deepEqual(
      results.map((p) => [p.kind, p.target, p.port, p.family, p.service, p.ok, p.ms]),
      [['service-vip', '127.0.0.1', 9, 4, 'default/closed', false, null]],
    )
  } finally {
    await deleteNetns(ns)
    await rm(canary, {force: true})
  }
})

test('active probes: connected = ok (whatever HTTP says), refused = not ok with curl\'s message', {skip}, async () => {
  await withScenario(buildHealthyNode, {}, async (s) => {
    const listeners = [
      await startListener(s.ns, 'fd00:10:96::1', 80, 'http'),
      await startListener(s.ns, s.nodeIp4, 6443, 'http'), // not TLS: connects, then the handshake fails
      await startListener(s.ns, '10.96.0.10', 9153, 'silent'), // connects, never answers
    ]
    try {
      const {capture, issues} = await probe(s, {
        sections: 'active',
        connectTimeoutSec: 1,
        targets: [
          {kind: 'service-vip', family: 6, address: 'fd00:10:96::1', port: 80, service: 'default/echo'},
          {kind: 'apiserver', family: 4, address: s.nodeIp4, port: 6443, service: null},
          {kind: 'service-vip', family: 4, address: '10.96.0.10', port: 9153, service: 'kube-system/kube-dns'},
          {kind: 'service-vip', family: 4, address: '10.96.0.20', port: 80, service: 'default/echo'},
        ],
      })
      assert.deepEqual(issues, [])
      assert.deepEqual(Object.keys(capture.files), ['probes.json'])
      const [vip6, api, silent, closed] = probes(capture.files['probes.json'])
      assert.deepEqual(vip6, {kind: 'service-vip', target: 'fd00:10:96::1', port: 80, family: 6, service: 'default/echo', ok: true, error: null, ms: vip6.ms})
      assert.equal(typeof vip6.ms, 'number')
      assert.equal(api.ok, true)
      assert.match(api.error ?? '', /^curl: \(35\) /)
      assert.equal(silent.ok, true)
      assert.match(silent.error ?? '', /^curl: \(28\) Operation timed out/)
      assert.equal(closed.ok, false)
      assert.equal(closed.ms, null)
      assert.match(closed.error ?? '', /^curl: \(7\) Failed to connect to 10\.96\.0\.20 port 80 .*Couldn't connect to server$/)
    } finally {
      for (const l of listeners) await l.close()
    }
  })
})

test('FM3 in the kernel: the node IPv6 API port is rejected on seed002 and reachable on healthy', {skip}, async () => {
  for (const [build, expectOk] of [
    [buildHealthyNode, true],
    [buildSeed002Node, false],
  ] as const) {
    await withScenario(build, {}, async (s) => {
      const listener = await startListener(s.ns, s.nodeIp6, 6443, 'http')
      try {
        const {capture} = await probe(s, {
          sections: 'active',
          targets: [{kind: 'apiserver', family: 6, address: s.nodeIp6, port: 6443, service: null}],
        })
        const [api] = probes(capture.files['probes.json'])
        assert.equal(api.ok, expectOk, `${s.scenario}: ${api.error}`)
        if (!expectOk) assert.match(api.error ?? '', /^curl: \(7\) /)
      } finally {
        await listener.close()
      }
    })
  }
})

test('FM2 in the kernel: an IPv6 VIP with the extra kernel routes is unreachable from the node (seed001), fine on healthy', {skip}, async () => {
  for (const [build, vip, expectOk] of [
    [buildHealthyNode, 'fd00:10:96::1', true],
    [buildSeed001Node, 'fd00:10:96::a', false],
  ] as const) {
    await withScenario(build, {}, async (s) => {
      const listener = await startListener(s.ns, vip, 80, 'http')
      try {
        const {capture} = await probe(s, {
          sections: 'active',
          connectTimeoutSec: 1,
          targets: [{kind: 'service-vip', family: 6, address: vip, port: 80, service: 'default/web'}],
        })
        const [r] = probes(capture.files['probes.json'])
        // seed001: the node sources the SYN from the VIP itself; the SYN-ACK to the VIP is then
        // rejected by KUBE-ROUTER-SERVICES (the VIP is not a local IP), so the connect times out
        assert.equal(r.ok, expectOk, `${s.scenario}: ${r.error}`)
        if (!expectOk) assert.match(r.error ?? '', /^curl: \(28\) /)
      } finally {
        await listener.close()
      }
    })
  }
})

test('builders clean up after themselves, also when building fails', {skip}, async () => {
  const mine = async (scenario: string) => (await listNetns()).filter((n) => n.startsWith(`kr-${scenario}-${process.pid}-`))
  const s = await buildHealthyNode({nodeIndex: 2})
  assert.equal(s.nodeIp4, '192.168.56.12')
  assert.equal(s.nodeName, 'node-b')
  assert.deepEqual(await mine('healthy'), [s.ns])
  await s.cleanup()
  await s.cleanup() // idempotent
  assert.deepEqual(await mine('healthy'), [])
  assert.equal(existsSync(s.hostRoot), false)

  const broken = {...healthySpec(), scenario: 'broken', kubeRouterVersion: 'v0.0.0-no-such-fixture'}
  await assert.rejects(buildNode(broken), /building the broken node failed/)
  assert.deepEqual(await mine('broken'), [])
  const tmpLeft = (await import('node:fs/promises').then((fs) => fs.readdir(os.tmpdir()))).filter((e) =>
    e.startsWith(`kr-broken-${process.pid}-`),
  )
  assert.deepEqual(tmpLeft, [])
})

test('cleanupStale removes namespaces and temp dirs of dead test runs only', {skip}, async () => {
  // a pid that certainly belonged to a process that has exited
  const dead = (await run(['sh', '-c', 'echo $$'])).stdout.trim()
  const staleNs = `kr-stale-${dead}-1`
  const staleDir = path.join(os.tmpdir(), `kr-stale-${dead}-abc123`)
  await run(['ip', 'netns', 'add', staleNs])
  await mkdir(staleDir, {recursive: true})
  const live = await createNetns('live')
  try {
    const removed = await cleanupStale()
    assert.ok(removed.includes(staleNs), removed.join(', '))
    assert.ok(removed.includes(staleDir))
    const left = await listNetns()
    assert.ok(!left.includes(staleNs))
    assert.ok(left.includes(live), 'namespaces of this (live) process stay')
  } finally {
    await deleteNetns(live)
    await deleteNetns(staleNs)
    await rm(staleDir, {recursive: true, force: true})
  }
})
