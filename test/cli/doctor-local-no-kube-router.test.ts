// No false green (issue 12 item 4): `kubectl kr doctor --local` on a host that does not run kube-router says so,
// naming what is missing, instead of "no problems found". The host is a real network namespace with a NIC and a
// docker bridge and nothing of kube-router; its /proc is that of a PID namespace of its own, since the host may run
// real kube-routers meanwhile (the lab tests do).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {kr} from './kr.js'
import {createNetns, deleteNetns, run} from '../helpers/netns.js'
import {NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'
import type {DoctorReport} from '../../src/model/report.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, 'unshare']})

test('--local on a host without kube-router: kube-router-present error naming what is missing, exit 1, no "no problems found"', {skip}, async () => {
  const ns = await createNetns('plainhost')
  const hostRoot = mkdtempSync(join(tmpdir(), `kr-plainhost-${process.pid}-`))
  try {
    const ip = (...args: string[]) => run(['ip', '-n', ns, ...args])
    await ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer')
    await ip('link', 'add', 'docker0', 'type', 'bridge')
    for (const l of ['eth0', 'eth0-peer', 'docker0']) await ip('link', 'set', l, 'up')
    await ip('addr', 'add', '192.168.56.40/24', 'dev', 'eth0')
    await ip('addr', 'add', '172.17.0.1/16', 'dev', 'docker0')
    await ip('route', 'add', 'default', 'via', '192.168.56.1', 'dev', 'eth0')

    const args = ['doctor', '--local', '--node', 'plainhost', '--host-root', hostRoot]
    const json = await kr([...args, '-o', 'json'], {ns, ownPids: true})
    assert.equal(json.code, 1, json.stderr)
    const report = JSON.parse(json.stdout) as DoctorReport
    const present = report.findings.filter((f) => f.check === 'kube-router-present')
    assert.equal(present.length, 1, JSON.stringify(report.findings, null, 2))
    assert.equal(present[0].severity, 'error')
    for (const missing of ['no kube-dummy-if', 'no KUBE-ROUTER chains', 'no kube-router ipsets', 'no kube-router process']) {
      assert.ok(present[0].detail.includes(missing), `${missing}: ${present[0].detail}`)
    }
    const text = await kr(args, {ns, ownPids: true})
    assert.equal(text.code, 1)
    assert.match(text.stdout, /kube-router is not running on plainhost/)
    assert.doesNotMatch(text.stdout, /no problems found/)
  } finally {
    await deleteNetns(ns)
    rmSync(hostRoot, {recursive: true, force: true})
  }
})
