// Text from a node, a bundle or the API never drives the terminal: escape sequences, C1 controls and bidi
// overrides in a hostile bundle reach no output format raw (text, json, yaml, junit) nor an error line.
import assert from 'node:assert/strict'
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {kr, REPO} from './kr.js'
import type {DoctorReport} from '../../src/model/report.js'

const DEMO = join(REPO, 'examples/demo-bundle')
// window title, clear screen, bell, a C1 CSI, right-to-left override
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eevil'
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/

let dir = ''
let bundle = ''

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kr-safe-'))
  bundle = join(dir, 'bundle')
  cpSync(DEMO, bundle, {recursive: true})
  const log = join(bundle, 'nodes', 'node-b', 'kube-router.log')
  writeFileSync(log, `${readFileSync(log, 'utf8')}E1122 09:44:07.486112       1 linux_networking.go:503] Failed to add route for 199.27.151.9 in custom route table for external IP's due to: ${HOSTILE}\n`)
  const servicesFile = join(bundle, 'cluster', 'services.json')
  const services = JSON.parse(readFileSync(servicesFile, 'utf8'))
  for (const svc of services.items) svc.metadata.annotations = {...svc.metadata.annotations, note: HOSTILE}
  services.items[2].metadata.name = `web${HOSTILE}`
  writeFileSync(servicesFile, JSON.stringify(services))
})

after(() => rmSync(dir, {recursive: true, force: true}))

test('no output format carries a raw terminal control from a hostile bundle; the data survives in json', async () => {
  for (const output of ['text', 'json', 'yaml', 'junit']) {
    const res = await kr(['doctor', '--from-bundle', bundle, '-o', output])
    assert.ok(res.code === 1, `${output}: ${res.stderr}`)
    assert.equal(RAW_CONTROL.test(res.stdout), false, `${output} stdout: ${JSON.stringify(res.stdout.match(new RegExp(`.{0,40}${RAW_CONTROL.source}.{0,20}`))?.[0])}`)
    assert.equal(RAW_CONTROL.test(res.stderr.replace(/\n/g, '')), false, `${output} stderr`)
    if (output === 'json') {
      const report = JSON.parse(res.stdout) as DoctorReport
      assert.ok(report.findings.some((f) => f.evidence.some((e) => e.includes(HOSTILE))), 'json keeps the exact text, escaped')
    }
    if (output === 'text') assert.match(res.stdout, /\\x1b\]0;pwned\\x07/, 'shown visibly')
  }
})

test('an error line quoting user input shows controls instead of sending them', async () => {
  const res = await kr(['doctor', '--from-bundle', bundle, '--check', `x${HOSTILE}`])
  assert.equal(res.code, 2)
  assert.equal(RAW_CONTROL.test(res.stderr.replace(/\n/g, '')), false, JSON.stringify(res.stderr))
  assert.match(res.stderr, /\\u202eevil/)
})

test('remediation commands quote hostile values: each is one shell word, never an operator or an expansion', async () => {
  const {parse} = await import('shell-quote')
  const hostileTarget = '10.96.0.10;touch${IFS}/tmp/kr-pwned'
  const copy = join(dir, 'hostile-target')
  cpSync(DEMO, copy, {recursive: true})
  const probesFile = join(copy, 'nodes', 'node-a', 'probes.json')
  const probes = JSON.parse(readFileSync(probesFile, 'utf8')) as {kind: string; target: string; ok: boolean; error: string | null; family: number}[]
  const vip = probes.find((p) => p.kind === 'service-vip' && p.family === 4)!
  Object.assign(vip, {target: hostileTarget, ok: false, error: 'connection timed out'})
  writeFileSync(probesFile, JSON.stringify(probes))
  const res = await kr(['doctor', '--from-bundle', copy, '-o', 'json'])
  const report = JSON.parse(res.stdout) as DoctorReport
  const commands = report.findings.flatMap((f) => f.remediation).filter((line) => line.includes('kr-pwned'))
  assert.ok(commands.length >= 2, `remediation quoting the target: ${JSON.stringify(commands)}`)
  for (const command of commands) {
    const words = parse(command, (name) => `$${name}`)
    // pipes and && are the tool's own; anything else (a ';' from the value above all) would be injected
    const ops = words.filter((w) => typeof w !== 'string').map((w) => JSON.stringify(w))
    assert.ok(ops.every((op) => op === '{"op":"|"}' || op === '{"op":"&&"}'), `only the tool's own operators in ${command}: ${ops.join(' ')}`)
    assert.ok(words.some((w) => typeof w === 'string' && w.startsWith(hostileTarget)), `the target is one word, unexpanded, in ${command}`)
  }
})
