// Issue 14 item 7 in the interactive UI, in a real terminal: tmux runs `kubectl kr doctor --watch 1s` against the
// test API server; the browser opens on the first round, its info line says what each later round changed (with
// the time) and the findings follow the node; q ends the watch, deletes nothing left behind and leaves the summary.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {after, test} from 'node:test'
import {REPO} from '../cli/kr.js'
import {TMUX, unmet} from '../helpers/requirements.js'
import {DEMO_BUNDLE, HEALTHY_PROBE_OUTPUT, leftovers, probeOutputFromBundle, replayClusters, replayNode} from './replay.js'

const skip = unmet(TMUX)
const SOCKET = `kr-e2e-watch-${process.pid}`
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], {encoding: 'utf8'})
const screen = (): string => tmux('capture-pane', '-p', '-t', 'kr')
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const replay = replayClusters('watch-tmux')
const dir = mkdtempSync(join(tmpdir(), 'kr-watch-tmux-'))

after(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'])
  await replay.closeAll()
  rmSync(dir, {recursive: true, force: true})
})

async function waitFor(what: string, check: (s: string) => boolean, timeoutMs = 60_000): Promise<string> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const s = screen()
    if (check(s)) return s
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${s}`)
    await sleep(100)
  }
}

test('TUI --watch: the browser follows each round, the info line says what changed; q ends it with the summary', {skip, timeout: 180_000}, async () => {
  // node-c's addresses: the families kube-router needs rules for come from the Node's addresses (accuracy-audit §1.1)
  const node = replayNode('node-c', {addresses: [{type: 'InternalIP', address: '192.168.56.13'}, {type: 'InternalIP', address: 'fd00:56::13'}, {type: 'Hostname', address: 'node-c'}]})
  const {c, kubeconfig} = await replay.start({nodes: [node]})
  const rcFile = join(dir, 'rc')
  const path = [join(REPO, 'bin'), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':')
  const command = [
    'env -u CI -u NO_COLOR -u FORCE_COLOR',
    `PATH=${q(path)} TERM=xterm-256color LANG=C.UTF-8`,
    `sh -c ${q(`kubectl kr doctor --kubeconfig ${q(kubeconfig)} --watch 1s --check policy-routing-rules,networkd-foreign-rules; echo $? > ${q(rcFile)}; echo KR-EXITED; exec sleep 600`)}`,
  ].join(' ')
  tmux('new-session', '-d', '-s', 'kr', '-x', '120', '-y', '30', command)
  await waitFor('the browser on the first round', (s) => s.includes('q quit') && /no problems found/.test(s))
  // kube-router's rules wiped on the node: a later round shows them, with the time
  if (node.runtime.kind === 'replay') node.runtime.log = probeOutputFromBundle(DEMO_BUNDLE, 'node-b')
  let s = await waitFor('a round with new findings', (x) => /\d\d:\d\d:\d\d round \d+: [1-9]\d* new, 0 resolved/.test(x))
  s = await waitFor('the new findings in the list', (x) => /✗ policy-routing-rules +node-c/.test(x))
  // restored: the next rounds say resolved, the list empties again
  if (node.runtime.kind === 'replay') node.runtime.log = HEALTHY_PROBE_OUTPUT
  s = await waitFor('a round with them resolved', (x) => /\d\d:\d\d:\d\d round \d+: 0 new, [1-9]\d* resolved/.test(x) && /Findings 0 /.test(x))
  // later rounds without change keep the last change on the info line
  s = await waitFor('a round without change', (x) => /round \d+: 0 new, [1-9]\d* resolved · since then no change \(round \d+ at \d\d:\d\d:\d\d\)/.test(x))
  tmux('send-keys', '-t', 'kr', 'q')
  s = await waitFor('the command to exit', (x) => x.includes('KR-EXITED'))
  const until = Date.now() + 5000
  while (!existsSync(rcFile) && Date.now() < until) await sleep(50)
  assert.equal(readFileSync(rcFile, 'utf8').trim(), '0', 'the last round found nothing')
  assert.match(s, /^0 errors, 0 warnings, 0 info on 1 node: 0 affected, 0 failed$/m)
  await sleep(500)
  assert.deepEqual(leftovers(c), [], 'every round deleted its pods and script')
})
