// The interactive UI in a real terminal: tmux runs `kubectl kr doctor --from-bundle examples/demo-bundle`
// through kubectl plugin dispatch (no -o: a terminal and no CI mean the TUI), keys are sent, the screen is read
// back with capture-pane. Every wait polls the screen with a timeout.
import {after, before, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {REPO} from './kr.js'
import {writeLargeBundle} from '../helpers/large-bundle.js'
import {TMUX, unmet} from '../helpers/requirements.js'

const skip = unmet(TMUX)
const SOCKET = `kr-test-${process.pid}`
let TARGET = 'kr'
let dir = ''

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], {encoding: 'utf8'})
const screen = (): string => tmux('capture-pane', '-p', '-t', TARGET)
const paneFlag = (name: string): string => tmux('display-message', '-p', '-t', TARGET, `#{${name}}`).trim()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(what: string, check: (s: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    last = screen()
    if (check(last)) return last
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${last}`)
    await sleep(50)
  }
}

/** send one key and wait for the screen to show its effect */
async function key(k: string, what: string, check: (s: string) => boolean): Promise<string> {
  tmux('send-keys', '-t', TARGET, k)
  return waitFor(what, check)
}

/** single-quoted for sh */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

const selected = (s: string): string => s.split('\n').find((l) => l.startsWith('› ')) ?? ''

before(() => {
  if (skip) return
  dir = mkdtempSync(join(tmpdir(), 'kr-tmux-'))
})

after(() => {
  if (skip) return
  const socketPath = spawnSync('tmux', ['-L', SOCKET, 'display-message', '-p', '#{socket_path}'], {encoding: 'utf8'}).stdout?.trim()
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'])
  if (socketPath) rmSync(socketPath, {force: true})
  if (dir) rmSync(dir, {recursive: true, force: true})
})

test('TUI in tmux: open the IPv6 VIP finding, read evidence and fix, filter to errors, quit cleanly', {skip, timeout: 120_000}, async () => {
  const rcFile = join(dir, 'rc')
  const path = [join(REPO, 'bin'), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':')
  // the test runner may run under CI=true: the pane must not (CI turns the default output to text)
  const command = [
    'env -u CI -u NO_COLOR -u FORCE_COLOR',
    `PATH=${q(path)} TERM=xterm-256color LANG=C.UTF-8`,
    `sh -c ${q(`cd ${q(REPO)} && kubectl kr doctor --from-bundle examples/demo-bundle; echo $? > ${q(rcFile)}; echo KR-EXITED; exec sleep 600`)}`,
  ].join(' ')
  tmux('new-session', '-d', '-s', TARGET, '-x', '100', '-y', '30', command)

  // the results browser, on the alternate screen
  let s = await waitFor('the results browser', (x) => x.includes('Findings 18') && x.includes('q quit'))
  assert.equal(paneFlag('alternate_on'), '1', 'the browser uses the alternate screen')
  assert.match(s, /^kubectl kr doctor · context demo-dualstack · bundle examples\/demo-bundle$/m)
  assert.match(s, /^nodes 3 probed, 0 failed +✗ 11 errors +▲ 3 warnings +• 4 info$/m)

  // move down to the first ipv6-vip-routes finding
  for (let i = 0; i < 18 && !selected(s).includes('ipv6-vip-routes'); i++) {
    const before = selected(s)
    s = await key('j', 'the cursor to move', (x) => selected(x) !== before)
  }
  assert.match(selected(s), /^› ✗ ipv6-vip-routes +node-a +IPv6 VIP 2001:db8:100::10 is unreachable/)

  // open it: detail, verbatim evidence
  s = await key('Enter', 'the finding detail', (x) => x.includes('evidence:'))
  assert.match(s, /✗ ERROR {2}ipv6-vip-routes · node-a · 2001:db8:100::10/)
  assert.match(s, /^ {2}2001:db8:100::10 dev kube-dummy-if proto kernel metric 256 pref medium$/m)
  assert.match(s, /^ {2}local 2001:db8:100::10 dev kube-dummy-if table local proto kernel metric 0 pref medium$/m)
  // the fix, at the bottom of the view
  s = await key('G', 'the end of the finding', (x) => x.includes('fixed in: v2.2.0'))
  assert.match(s, /^fix:$/m)
  assert.match(s, /^ {2}Upgrade kube-router to v2\.2\.0 or later\.$/m)
  // long commands fold at a space, continuation lines indented: put them back together
  const fixLines = s.split('\n')
  const fix: string[] = []
  for (const l of fixLines.slice(fixLines.indexOf('fix:') + 1)) {
    if (l.startsWith('    ')) fix[fix.length - 1] += ` ${l.trim()}`
    else if (l.startsWith('  ')) fix.push(l.trim())
    else break
  }
  assert.deepEqual(fix, [
    'Upgrade kube-router to v2.2.0 or later.',
    'Workaround on the node (the routes come back only if the address is re-added): ip -6 route del 2001:db8:100::10 dev kube-dummy-if proto kernel metric 256 && ip -6 route del local 2001:db8:100::10 dev kube-dummy-if table local proto kernel metric 0',
  ])

  // back, errors only
  s = await key('Escape', 'the list', (x) => x.includes('⏎ open'))
  s = await key('e', 'the errors-only filter', (x) => x.includes('severity: errors'))
  assert.match(s, /Findings 11\/18/)
  const rows = s.split('\n').filter((l) => /^[› ] [✗▲•] /.test(l))
  assert.equal(rows.length, 11)
  assert.ok(rows.every((l) => l[2] === '✗'))

  // quit: exit code as in text mode (errors, --fail-on error), terminal back to normal
  tmux('send-keys', '-t', TARGET, 'q')
  s = await waitFor('the command to exit', (x) => x.includes('KR-EXITED'))
  const until = Date.now() + 5000
  while (!existsSync(rcFile) && Date.now() < until) await sleep(50)
  assert.equal(readFileSync(rcFile, 'utf8').trim(), '1')
  assert.equal(paneFlag('alternate_on'), '0', 'alternate screen left')
  assert.equal(paneFlag('cursor_flag'), '1', 'cursor visible again')
  const lines = s.split('\n').filter((l) => l.trim() !== '')
  // what stays: the live phase's summary, then the shell's own output; nothing of the browser
  assert.deepEqual(lines, [
    'kubectl kr doctor  bundle · context demo-dualstack · 3 nodes',
    ...['node-a', 'node-b', 'node-c'].map((n) => lines.find((l) => l.startsWith(`✓ ${n} `))!),
    lines.find((l) => l.startsWith('✓ done: 3 nodes, 3 collected, 0 failed in '))!,
    // leaving the browser prints the one-line summary of the run
    '11 errors, 3 warnings, 4 info on 3 nodes: 2 affected, 0 failed',
    'KR-EXITED',
  ])
  for (const n of ['node-a', 'node-b', 'node-c']) assert.match(lines.find((l) => l.startsWith(`✓ ${n} `)) ?? '', new RegExp(`^✓ ${n} +collected +\\d`))
  assert.ok(!/\u001b|\[\?25|\[\?1049|Findings|q quit/.test(s), `no leftovers:\n${s}`)
})

test('npm run demo opens the TUI on the demo bundle in a terminal; q exits 0 (--fail-on none)', {skip, timeout: 120_000}, async () => {
  TARGET = 'demo'
  const rcFile = join(dir, 'demo-rc')
  const path = [dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':')
  // --ignore-scripts skips predemo (a rebuild of dist/ would pull it from under the tests running alongside);
  // the demo script itself still runs, as `npm run demo` runs it
  const command = [
    'env -u CI -u NO_COLOR -u FORCE_COLOR',
    `PATH=${q(path)} TERM=xterm-256color LANG=C.UTF-8`,
    `sh -c ${q(`cd ${q(REPO)} && npm run --silent --ignore-scripts demo; echo $? > ${q(rcFile)}; echo KR-EXITED; exec sleep 600`)}`,
  ].join(' ')
  tmux('new-session', '-d', '-s', TARGET, '-x', '100', '-y', '30', command)
  const s = await waitFor('the results browser', (x) => x.includes('Findings 18') && x.includes('q quit'), 60_000)
  assert.equal(paneFlag('alternate_on'), '1')
  assert.match(s, /^kubectl kr doctor · context demo-dualstack · bundle examples\/demo-bundle$/m)
  tmux('send-keys', '-t', TARGET, 'q')
  await waitFor('the command to exit', (x) => x.includes('KR-EXITED'))
  const until = Date.now() + 5000
  while (!existsSync(rcFile) && Date.now() < until) await sleep(50)
  assert.equal(readFileSync(rcFile, 'utf8').trim(), '0')
  assert.equal(paneFlag('alternate_on'), '0')
})

test('TUI in tmux: the same fault on 150 of 200 nodes is one list entry; its detail names every node; quitting prints the summary', {skip, timeout: 120_000}, async () => {
  TARGET = 'large'
  const bundle = join(dir, 'large-bundle')
  await writeLargeBundle(bundle, 150, 50)
  const path = [join(REPO, 'bin'), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':')
  const command = [
    'env -u CI -u NO_COLOR -u FORCE_COLOR',
    `PATH=${q(path)} TERM=xterm-256color LANG=C.UTF-8`,
    `sh -c ${q(`kubectl kr doctor --from-bundle ${q(bundle)} --fail-on none; echo KR-EXITED; exec sleep 600`)}`,
  ].join(' ')
  tmux('new-session', '-d', '-s', TARGET, '-x', '110', '-y', '40', command)
  let s = await waitFor('the results browser', (x) => x.includes('Findings 13') && x.includes('q quit'), 60_000)
  const rows = s.split('\n').filter((l) => /^[› ] [✗▲•] /.test(l))
  assert.equal(rows.length, 13, s)
  assert.ok(rows.some((l) => /^[› ] ✗ local-ips-ipset +150 nodes +inet6:kube-router-local-ips lacks the node address/.test(l)), s)
  for (let i = 0; i < 13 && !selected(s).includes('local-ips-ipset'); i++) {
    const before = selected(s)
    s = await key('j', 'the cursor to move', (x) => selected(x) !== before)
  }
  s = await key('Enter', 'the finding detail', (x) => x.includes('evidence:'))
  const detail = s.replace(/\n/g, ' ')
  assert.match(detail, /on 150 nodes: node-001, node-002, node-003/)
  assert.match(s, /evidence and fix as seen on node-001/)
  tmux('send-keys', '-t', TARGET, 'q')
  s = await waitFor('the command to exit', (x) => x.includes('KR-EXITED'))
  assert.match(s, /^1050 errors \(7 problems\), 3 warnings, 3 info on 200 nodes: 150 affected, 0 failed$/m)
})
