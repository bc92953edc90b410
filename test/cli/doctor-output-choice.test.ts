// Which output `kubectl kr doctor` picks when nobody asks: text when stdout is piped (no escape codes, even with
// colour-friendly TERM and no NO_COLOR), and -o tui refused without a terminal.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {dirname, join} from 'node:path'
import {kr, REPO} from './kr.js'

const DEMO = join(REPO, 'examples/demo-bundle')

/** kubectl kr through plugin dispatch, stdin and stdout piped, CI and NO_COLOR unset. */
function piped(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && k !== 'NO_COLOR' && k !== 'FORCE_COLOR') env[k] = v
  env.PATH = [join(REPO, 'bin'), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':')
  env.TERM = 'xterm-256color'
  env.LANG = 'C.UTF-8'
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['kr', ...args], {env, cwd: REPO, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.stdin.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

test('piped stdout: the text report, no escape codes, same exit code as -o text', async () => {
  const res = await piped(['doctor', '--from-bundle', DEMO])
  assert.equal(res.code, 1, res.stderr)
  assert.ok(!res.stdout.includes('\u001b'), 'no escape codes on stdout')
  assert.ok(!res.stderr.includes('\u001b'), 'no escape codes on stderr')
  assert.match(res.stdout, /^11 errors, 3 warnings, 4 info on 3 nodes: 2 affected, 0 failed\nsource {7}bundle .*demo-bundle \(context demo-dualstack\)/)
  assert.match(res.stdout, /^kube-router {2}v2\.1\.2, image docker\.io\/cloudnativelabs\/kube-router:v2\.1\.2$/m)
  assert.match(res.stdout, /^Errors \(11\)$/m)
  assert.match(res.stdout, /✗ \[ipv6-vip-routes\] node-a: IPv6 VIP 2001:db8:100::10 is unreachable/)
  const text = await piped(['doctor', '--from-bundle', DEMO, '-o', 'text'])
  assert.equal(text.code, res.code)
  assert.equal(text.stdout.replace(/generated \S+/, ''), res.stdout.replace(/generated \S+/, ''))
})

test('-o tui without a terminal: one-line error, exit 2, nothing on stdout', async () => {
  const res = await kr(['doctor', '--from-bundle', DEMO, '-o', 'tui'])
  assert.equal(res.code, 2)
  assert.equal(res.stdout, '')
  const lines = res.stderr.trim().split('\n')
  assert.equal(lines.length, 1, res.stderr)
  assert.match(lines[0], /^error: -o tui needs a terminal on stdin and stdout; use -o text, json, yaml, junit or markdown/)
})
