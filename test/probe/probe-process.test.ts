// kube-router-process.txt (issue 12 item 4): in local mode the probe lists the running kube-router processes from
// the host's /proc; the probe pod (own PID namespace) reports the source missing instead of "none running".
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {copyFile, mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {runLocalProbe} from '../../src/infra/local-probe.js'
import {buildHealthyNode} from '../helpers/netns.js'
import {NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS, 'sleep']})

test('a running process named kube-router is listed with its pid and command line; none: an empty, present source', {skip}, async () => {
  const s = await buildHealthyNode({})
  const dir = await mkdtemp(path.join(os.tmpdir(), `kr-proc-${process.pid}-`))
  const bin = path.join(dir, 'kube-router')
  const sleep = (process.env.PATH ?? '/usr/bin:/bin').split(':').map((d) => path.join(d, 'sleep')).find((p) => existsSync(p))!
  await copyFile(sleep, bin)
  const probe = (env: Record<string, string> = {}) =>
    runLocalProbe({nodeName: s.nodeName, wrapper: ['ip', 'netns', 'exec', s.ns], hostRoot: s.hostRoot, sections: 'passive', env: {...s.probeEnv, ...env}})
  try {
    const none = await probe()
    assert.equal(none.capture.files['kube-router-process.txt'], '', 'no kube-router runs on the test host')
    const child = spawn(bin, ['300'], {stdio: 'ignore'})
    try {
      await new Promise((r) => setTimeout(r, 200))
      const running = await probe()
      assert.equal(running.capture.files['kube-router-process.txt'], `${child.pid} ${bin} 300\n`)
      // a `kube-router --version` running meanwhile (the probe's own version query, or a test's) is not a kube-router
      const query = path.join(dir, 'query', 'kube-router')
      const {mkdir, writeFile} = await import('node:fs/promises')
      await mkdir(path.dirname(query))
      await writeFile(query, '#!/bin/sh\nsleep 300\n', {mode: 0o755})
      const asking = spawn(query, ['--version'], {stdio: 'ignore'})
      try {
        await new Promise((r) => setTimeout(r, 200))
        assert.equal((await probe()).capture.files['kube-router-process.txt'], `${child.pid} ${bin} 300\n`)
      } finally {
        asking.kill()
      }
      const inPod = await probe({KR_PROBE_HOST_PIDS: ''})
      assert.equal(inPod.capture.files['kube-router-process.txt'], undefined)
      assert.match(inPod.capture.missing['kube-router-process.txt'] ?? '', /no hostPID/)
    } finally {
      child.kill()
    }
  } finally {
    await s.cleanup()
    await rm(dir, {recursive: true, force: true})
  }
})
