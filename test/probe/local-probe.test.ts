// runLocalProbe's own behaviour (overall timeout, exit codes, spawn failure), with stand-in scripts.
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {runLocalProbe} from '../../src/infra/local-probe.js'
import {probeScriptPath} from '../../src/probe/script-path.js'
import {probeSourceNames} from '../../src/model/sources.js'

let dir = ''
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), `kr-localprobe-${process.pid}-`))
})
after(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function script(name: string, text: string): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, text)
  return file
}

const PLAN = 'echo "=== kr:plan ip-rule.json ipset.txt sysctl.txt"'
const RULES = 'printf \'=== kr:begin ip-rule.json\\n[]\\n\\n=== kr:end ip-rule.json rc=0\\n\''

test('an overall timeout stops the script; finished sections are kept, the rest says why', async () => {
  const file = await script('hang.sh', `echo "KR-PROBE 1"\n${PLAN}\n${RULES}\necho "=== kr:begin ipset.txt"\necho "create x"\nsleep 30\n`)
  const started = Date.now()
  const r = await runLocalProbe({nodeName: 'n', scriptPath: file, sections: 'passive', timeoutMs: 1000})
  assert.ok(Date.now() - started < 6000, 'returned soon after the timeout')
  assert.equal(r.capture.files['ip-rule.json'], '[]\n')
  assert.equal(r.capture.missing['ipset.txt'], 'truncated probe output: the probe was stopped after 1s')
  assert.equal(r.capture.missing['sysctl.txt'], 'truncated probe output: the probe was stopped after 1s')
  // every other passive source is accounted for too
  assert.equal(r.capture.missing['networkd.txt'], 'probe timed out after 1s')
  assert.ok(r.issues.includes('the probe was stopped after 1s'))
})

test('a non-zero exit still returns what was parsed', async () => {
  const file = await script('exit3.sh', `echo "KR-PROBE 1"\n${PLAN}\n${RULES}\necho oops >&2\nexit 3\n`)
  const r = await runLocalProbe({nodeName: 'n', scriptPath: file, sections: 'passive'})
  assert.equal(r.capture.files['ip-rule.json'], '[]\n')
  assert.equal(r.capture.missing['ipset.txt'], 'truncated probe output')
  assert.ok(r.issues.includes('the probe exited with code 3'))
  assert.ok(r.issues.includes('probe stderr: oops'))
})

test('a shell that cannot be started: every source missing with the reason', async () => {
  const r = await runLocalProbe({nodeName: 'n', shell: 'kr-no-such-shell', sections: 'all'})
  assert.deepEqual(r.capture.files, {})
  assert.equal(Object.keys(r.capture.missing).length, probeSourceNames('all').length)
  assert.match(r.capture.missing['ipset.txt'] ?? '', /^probe did not run: .*ENOENT/)
})

test('probeScriptPath points at the shipped script', async () => {
  assert.ok(probeScriptPath().endsWith(`${path.sep}probe${path.sep}probe.sh`))
  const r = await runLocalProbe({nodeName: 'n', sections: 'active', targets: []})
  assert.deepEqual(r.issues.filter((i) => !i.includes('timeout command')), [])
  assert.equal(r.capture.files['probes.json'] ?? r.capture.missing['probes.json'], r.capture.files['probes.json'] ? '[]\n' : 'curl not found')
})
