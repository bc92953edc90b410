// Issue 14 "Feels like kubectl": `checks`, `version -o`, -h and `help`, usage lines naming `kubectl kr`.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parse as parseYaml} from 'yaml'
import {kr} from './kr.js'
import {CONTRACT_IDS} from '../helpers/contract-check-ids.js'

interface CheckRow {
  id: string
  title: string
  scope: string
  needs: string[]
  uses: string[]
  versions: {from: string | null; before: string | null; why: string} | null
  selectable: boolean
}

test('kubectl kr checks: a table (the default) with every contract check id and the not-selectable node-probe row', async () => {
  const res = await kr(['checks'])
  assert.equal(res.code, 0, res.stderr)
  assert.equal(res.stderr, '')
  const lines = res.stdout.split('\n')
  assert.match(lines[0], /^ID\s+SCOPE\s+NEEDS\s+VERSIONS\s+TITLE$/)
  for (const id of [...CONTRACT_IDS, 'node-probe']) {
    assert.ok(lines.some((l) => l.startsWith(`${id} `)), `${id} has a row:\n${res.stdout}`)
  }
  assert.match(res.stdout, /^dsr-route-noise\s+node\s+kube-router\.log\s+< v\d+\.\d+\.\d+\s/m, 'needs and the version range of a limited check')
  assert.match(res.stdout, /^ipv6-vip-routes\s+node\s+ip-addr\.json,ip6-route\.json\s+all\s/m)
  assert.match(res.stdout, /^node-probe\s.*not selectable/m)
  assert.deepEqual((await kr(['checks', '-o', 'table'])).stdout, res.stdout)
})

test('kubectl kr checks -o json / -o yaml: one parseable document, the same in both', async () => {
  const json = await kr(['checks', '-o', 'json'])
  assert.equal(json.code, 0, json.stderr)
  const doc = JSON.parse(json.stdout) as {apiVersion: string; kind: string; items: CheckRow[]}
  assert.equal(doc.apiVersion, 'kr.kube-router.io/v1')
  assert.equal(doc.kind, 'CheckList')
  const ids = doc.items.map((c) => c.id)
  for (const id of CONTRACT_IDS) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`)
  assert.equal(ids.at(-1), 'node-probe')
  assert.equal(new Set(ids).size, ids.length, 'ids are unique')
  for (const c of doc.items) {
    assert.ok(c.title.length > 0, c.id)
    assert.ok(Array.isArray(c.needs) && Array.isArray(c.uses), c.id)
    assert.equal(c.selectable, c.id !== 'node-probe', c.id)
  }
  const noise = doc.items.find((c) => c.id === 'dsr-route-noise')!
  assert.deepEqual(noise.needs, ['kube-router.log'])
  assert.equal(noise.versions?.from, null)
  assert.match(noise.versions?.before ?? '', /^v\d+\.\d+\.\d+$/)
  assert.equal(doc.items.find((c) => c.id === 'kube-router-version')!.scope, 'cluster')
  const yaml = await kr(['checks', '-o', 'yaml'])
  assert.equal(yaml.code, 0, yaml.stderr)
  assert.deepEqual(parseYaml(yaml.stdout), doc)
})

test('kubectl kr checks -o xml: one line naming the choices, exit 2', async () => {
  const res = await kr(['checks', '-o', 'xml'])
  assert.equal(res.code, 2)
  assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr)
  assert.match(res.stderr, /^error: .*table, json, yaml.*\(see `kubectl kr checks --help`\)$/m)
  assert.equal(res.stdout, '')
})

test('kubectl kr version: plain text; -o json and -o yaml as {"clientVersion": {"kubectlKr", "node"}}, no cluster contacted', async () => {
  const version = (JSON.parse((await import('node:fs')).readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}).version
  // a kubeconfig that points nowhere: the version must not depend on a cluster
  const env = {KUBECONFIG: '/nonexistent/kubeconfig'}
  const plain = await kr(['version'], {env})
  assert.equal(plain.code, 0, plain.stderr)
  assert.equal(plain.stdout, `kubectl-kr ${version}\n`)
  const json = await kr(['version', '-o', 'json'], {env})
  assert.equal(json.code, 0, json.stderr)
  const doc = JSON.parse(json.stdout)
  assert.deepEqual(Object.keys(doc), ['clientVersion'])
  assert.equal(doc.clientVersion.kubectlKr, version)
  assert.match(doc.clientVersion.node, /^v\d+\.\d+\.\d+/)
  const yaml = await kr(['version', '--output', 'yaml'], {env})
  assert.equal(yaml.code, 0, yaml.stderr)
  assert.deepEqual(parseYaml(yaml.stdout), doc)
  const bad = await kr(['version', '-o', 'table'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^error: .*json, yaml.*\(see `kubectl kr version --help`\)$/m)
})

// (`help -h` is oclif's root help, like `kubectl kr help`: tested below)
const COMMANDS = ['doctor', 'cleanup', 'version', 'checks', 'dsr status']

test('-h is --help on every command; usage lines say `kubectl kr <command>`', async () => {
  for (const command of COMMANDS) {
    const words = command.split(' ')
    const short = await kr([...words, '-h'])
    assert.equal(short.code, 0, `${command} -h: ${short.stderr}`)
    assert.equal(short.stderr, '', command)
    assert.match(short.stdout, new RegExp(`^USAGE\\n  \\$ kubectl kr ${command}\\b`, 'm'), `${command} -h:\n${short.stdout}`)
    assert.ok(!short.stdout.includes('$ kubectl-kr'), `${command}: no "$ kubectl-kr" in help:\n${short.stdout}`)
    const long = await kr([...words, '--help'])
    assert.equal(long.stdout, short.stdout, `${command}: -h and --help print the same`)
  }
})

test('kubectl kr help, help doctor, help dsr status; kubectl kr -h is the same as help; an unknown command is one line, exit 2', async () => {
  const root = await kr(['help'])
  assert.equal(root.code, 0, root.stderr)
  assert.match(root.stdout, /^USAGE\n  \$ kubectl kr \[COMMAND\]$/m)
  for (const c of ['checks', 'cleanup', 'doctor', 'version', 'dsr']) assert.match(root.stdout, new RegExp(`^  ${c}\\s`, 'm'), c)
  assert.equal((await kr(['-h'])).stdout, root.stdout)

  const doctor = await kr(['help', 'doctor'])
  assert.equal(doctor.code, 0, doctor.stderr)
  assert.equal(doctor.stdout, (await kr(['doctor', '--help'])).stdout)

  const status = await kr(['help', 'dsr', 'status'])
  assert.equal(status.code, 0, status.stderr)
  assert.match(status.stdout, /^  \$ kubectl kr dsr status \[SERVICE\]/m)

  const unknown = await kr(['help', 'frobnicate'])
  assert.equal(unknown.code, 2)
  assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr)
  assert.match(unknown.stderr, /^error: unknown command "frobnicate"/)
})

test('doctor help shows no empty [default: ] on the repeatable --node, --check, --skip; says cluster mode is the default; examples are all commands', async () => {
  const res = await kr(['doctor', '--help'])
  assert.equal(res.code, 0, res.stderr)
  assert.ok(!res.stdout.includes('[default: ]'), res.stdout)
  for (const [flag, value] of [['--node', 'NAME'], ['--check', 'ID'], ['--skip', 'ID']]) assert.match(res.stdout, new RegExp(`^\\s+${flag}=${value}\\.\\.\\.\\s`, 'm'), flag)
  assert.match(res.stdout, /By default doctor works in cluster mode/)
  const examples = res.stdout.slice(res.stdout.indexOf('EXAMPLES'))
  const commands = examples.split('\n').filter((l) => l.startsWith('    $ '))
  assert.ok(commands.length >= 5, examples)
  for (const line of commands) assert.match(line, /^    \$ (sudo )?kubectl kr doctor\b/, line)
})
