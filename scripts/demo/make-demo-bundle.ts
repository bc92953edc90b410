// Regenerates examples/demo-bundle (run as root: `node --import tsx scripts/demo/make-demo-bundle.ts`).
// Each node's kernel state is built for real in a network namespace and captured by the real probe; what this
// kernel cannot hold (IPVS and `ipvsadm -Ln`, ip_vs sysctls, a kube-router pod log, curls that go through IPVS) is added from
// recorded real-format text below. The cluster is 3 dual-stack nodes on kube-router v2.1.2:
//   node-a  FM2 (IPv6 VIP kernel routes) + FM3 (inet6:kube-router-local-ips lacks the node IPv6)
//   node-b  FM1 (DSR route noise, benign) + FM4 (networkd active, rules wiped) + FM5 (DSR+Maglev, sloppy_tcp=0)
//   node-c  healthy (the v2.1.2 workarounds applied: kernel routes removed, node IPv6 in local-ips, sloppy_tcp=1)
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runLocalProbe} from '../../src/infra/local-probe.js'
import {writeBundle} from '../../src/infra/bundle.js'
import {demoCluster, DEMO_NODES} from './cluster.js'
import {buildDemoNode, demoIpvsadmText, FLAVOURS, NOISE_LOG, VERSION_LINE, type DemoNode} from './nodes.js'
import type {NodeCapture, ProbeResult} from '../../src/model/types.js'

const OUT = process.argv[2] ?? 'examples/demo-bundle'
function probes(n: DemoNode): ProbeResult[] {
  const brokenV6Vips = n.name === 'node-a'
  const vip = (target: string, port: number, family: 4 | 6, service: string, ok: boolean, ms: number): ProbeResult =>
    ({kind: 'service-vip', target, port, family, service, ok, error: ok ? null : `Connection timed out after 2002 milliseconds`, ms: ok ? ms : null})
  const api = (target: string, port: number, family: 4 | 6, service: string | null, ok: boolean, error: string | null): ProbeResult =>
    ({kind: 'apiserver', target, port, family, service, ok, error, ms: ok ? 2 : null})
  return [
    api('10.96.0.1', 443, 4, 'default/kubernetes', true, null),
    api('fd00:10:96::1', 443, 6, 'default/kubernetes', !brokenV6Vips, brokenV6Vips ? 'Connection timed out after 2001 milliseconds' : null),
    api('192.168.56.11', 6443, 4, null, true, null),
    api('fd00:56::11', 6443, 6, null, n.name !== 'node-a', n.name === 'node-a' ? "Failed to connect to fd00:56::11 port 6443 after 0 ms: Couldn't connect to server" : null),
    vip('10.96.0.10', 53, 4, 'kube-system/kube-dns', true, 1),
    vip('fd00:10:96::a', 53, 6, 'kube-system/kube-dns', !brokenV6Vips, 1),
    vip('10.96.12.34', 80, 4, 'default/web', true, 1),
    vip('fd00:10:96::1234', 80, 6, 'default/web', !brokenV6Vips, 1),
  ]
}

async function main(): Promise<void> {
  const cluster = demoCluster()
  const work = mkdtempSync(join(tmpdir(), 'kr-demo-'))
  const captures: NodeCapture[] = []
  try {
    for (const n of DEMO_NODES) {
      const f = FLAVOURS[n.name]
      const ns = `kr-demo-${n.name}-${process.pid}`
      const root = join(work, n.name, 'root')
      const bin = join(work, n.name, 'bin')
      mkdirSync(join(root, 'etc/systemd'), {recursive: true})
      mkdirSync(bin, {recursive: true})
      writeFileSync(join(root, 'etc/systemd/networkd.conf'), '#  This file is part of systemd.\n[Network]\n#SpeedMeter=no\n#SpeedMeterIntervalSec=10sec\n#ManageForeignRoutingPolicyRules=yes\n#ManageForeignRoutes=yes\n#RouteTable=\n')
      if (f.networkdActive) mkdirSync(join(root, 'run/systemd/netif/links'), {recursive: true})
      writeFileSync(join(bin, 'kube-router'), `#!/bin/sh\necho '${VERSION_LINE}' >&2\n`)
      chmodSync(join(bin, 'kube-router'), 0o755)
      execFileSync('ip', ['netns', 'add', ns])
      try {
        buildDemoNode(ns, n, f)
        const {capture} = await runLocalProbe({
          nodeName: n.name, hostRoot: root, sections: 'passive',
          wrapper: ['ip', 'netns', 'exec', ns], env: {PATH: `${bin}:${process.env.PATH}`},
        })
        const files = {...capture.files}
        files['sysctl.txt'] = (files['sysctl.txt'] ?? '') +
          ['net.ipv4.vs.conntrack = 1', 'net.ipv4.vs.conn_reuse_mode = 0', 'net.ipv4.vs.expire_nodest_conn = 1', 'net.ipv4.vs.expire_quiescent_template = 1', `net.ipv4.vs.sloppy_tcp = ${f.sloppyTcp}`, ''].join('\n')
        files['probes.json'] = JSON.stringify(probes(n), null, 2) + '\n'
        files['ipvsadm.txt'] = demoIpvsadmText(n, true)
        if (f.log === 'noise') files['kube-router.log'] = NOISE_LOG
        const missing = {...capture.missing}
        delete missing['probes.json']
        delete missing['ipvsadm.txt']
        if (f.log === 'noise') delete missing['kube-router.log']
        captures.push({name: n.name, files, missing})
      } finally {
        execFileSync('ip', ['netns', 'del', ns])
      }
    }
    rmSync(OUT, {recursive: true, force: true})
    await writeBundle({mode: 'cluster', context: 'demo-dualstack', bundle: null, createdAt: '2026-11-22T09:45:00.000Z', cluster, nodes: captures, failedNodes: []}, OUT, '0.1.0')
    process.stderr.write(`demo bundle written to ${OUT}\n`)
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
}

await main()
