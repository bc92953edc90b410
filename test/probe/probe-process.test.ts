// kube-router-process.txt (issue 12 item 4): in local mode the probe lists the running kube-router processes from
// the host's /proc; the probe pod (own PID namespace) reports the source missing instead of "none running".
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {runLocalProbe} from '../../src/infra/local-probe.js'
import {buildHealthyNode} from '../helpers/netns.js'
import {NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, 'sleep', 'unshare']})

// Each probe runs in a PID namespace of its own with its own /proc, holding only the processes this test starts:
// the host may run real kube-routers meanwhile (the lab tests do).
test('a running process named kube-router is listed with its pid and command line; none: an empty, present source', {skip}, async () => {
  const s = await buildHealthyNode({})
  const dir = await mkdtemp(path.join(os.tmpdir(), `kr-proc-${process.pid}-`))
  const bin = path.join(dir, 'kube-router')
  const sleep = (process.env.PATH ?? '/usr/bin:/bin').split(':').map((d) => path.join(d, 'sleep')).find((p) => existsSync(p))!
  await copyFile(sleep, bin)
  // a `kube-router --version` running meanwhile (the probe's own version query, or a test's) is not a kube-router
  const query = path.join(dir, 'query', 'kube-router')
  await mkdir(path.dirname(query))
  await writeFile(query, '#!/bin/sh\nsleep 300\n', {mode: 0o755})
  const probe = (started: string[], env: Record<string, string> = {}) => {
    const start = started.map((cmd) => `${cmd} & `).join('')
    const wrapper = ['unshare', '--pid', '--fork', '--mount-proc', 'sh', '-c', `${start}sleep 0.2; exec "$@"`, 'sh', 'ip', 'netns', 'exec', s.ns]
    return runLocalProbe({nodeName: s.nodeName, wrapper, hostRoot: s.hostRoot, sections: 'passive', env: {...s.probeEnv, ...env}})
  }
  try {
    const none = await probe([])
    assert.equal(none.capture.files['kube-router-process.txt'], '', 'no kube-router in the probe\'s PID namespace')
    const running = await probe([`'${bin}' 300`, `'${query}' --version`])
    assert.match(running.capture.files['kube-router-process.txt'] ?? '', new RegExp(`^\\d+ ${bin.replace(/[.]/g, '\\.')} 300\n$`))
    const inPod = await probe([`'${bin}' 300`], {KR_PROBE_HOST_PIDS: ''})
    assert.equal(inPod.capture.files['kube-router-process.txt'], undefined)
    assert.match(inPod.capture.missing['kube-router-process.txt'] ?? '', /no hostPID/)
  } finally {
    await s.cleanup()
    await rm(dir, {recursive: true, force: true})
  }
})
