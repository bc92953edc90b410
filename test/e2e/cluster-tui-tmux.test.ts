// The interactive UI over a cluster run, in a real terminal: tmux runs `kubectl kr doctor` against the test API
// server; the live phase shows one row per node as the probe pods go; Ctrl-C (raw mode: no SIGINT) cleans up
// exactly as in text mode.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {after, test} from 'node:test'
import {REPO} from '../cli/kr.js'
import {startTestCluster, type TestCluster} from '../harness/index.js'
import {demoClusterObjects, leftovers, replayNode} from './replay.js'
import {TMUX, unmet} from '../helpers/requirements.js'

const skip = unmet(TMUX)
const SOCKET = `kr-e2e-tui-${process.pid}`
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], {encoding: 'utf8'})
const screen = (): string => tmux('capture-pane', '-p', '-t', 'kr')
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let dir = ''
let cluster: TestCluster | null = null

after(async () => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'])
  await cluster?.close()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`)
    await sleep(50)
  }
}

test('TUI over a cluster run: live rows per node, Ctrl-C deletes every probe pod, exit 130', {skip, timeout: 90_000}, async () => {
  dir = mkdtempSync(join(tmpdir(), 'kr-e2e-tui-'))
  cluster = await startTestCluster({
    nodes: [replayNode('node-1', {}, 60_000), replayNode('node-2', {}, 60_000), replayNode('node-3', {fault: 'image-pull'})],
    ...demoClusterObjects(),
  })
  const kubeconfig = join(dir, 'kubeconfig')
  await cluster.writeKubeconfig(kubeconfig)
  const rcFile = join(dir, 'rc')
  const path = [join(REPO, 'bin'), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':')
  const command = [
    'env -u CI -u NO_COLOR -u FORCE_COLOR',
    `PATH=${q(path)} TERM=xterm-256color LANG=C.UTF-8`,
    `sh -c ${q(`kubectl kr doctor --kubeconfig ${q(kubeconfig)}; echo $? > ${q(rcFile)}; exec sleep 600`)}`,
  ].join(' ')
  tmux('new-session', '-d', '-s', 'kr', '-x', '100', '-y', '30', command)

  const probePods = () => cluster!.pods().filter((p) => p.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'kubectl-kr')
  const left = () => leftovers(cluster!)
  await waitFor('two running probe pods and the failed node on screen', () => {
    const s = screen()
    return probePods().filter((p) => p.status?.phase === 'Running').length === 2 && /node-3 +failed/.test(s) && /node-1 +probing/.test(s)
  })
  const live = screen()
  assert.match(live, /node-2.*probing/)
  assert.match(live, /node-3 +failed.*cannot pull image/)

  tmux('send-keys', '-t', 'kr', 'C-c')
  await waitFor('the exit code', () => existsSync(rcFile) && readFileSync(rcFile, 'utf8').trim() !== '')
  assert.equal(readFileSync(rcFile, 'utf8').trim(), '130')
  assert.deepEqual(left(), [])
  assert.match(screen(), /interrupted \(SIGINT\): deleted 3 probe pods/)
})
