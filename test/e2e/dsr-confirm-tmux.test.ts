// The question `dsr enable` asks in a real terminal: tmux runs `kubectl kr dsr enable` through kubectl plugin
// dispatch against the test API server; `n` changes nothing, `y` goes on to patch (and then verifies).
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {after, before, test} from 'node:test'
import {REPO} from '../cli/kr.js'
import {TMUX, unmet} from '../helpers/requirements.js'
import {dsrReadyDaemonSet, patches, videoService, videoSlice, writes} from './dsr-fixtures.js'
import {replayClusters, replayNode} from './replay.js'

const skip = unmet(TMUX)
const SOCKET = `kr-dsr-${process.pid}`
const replay = replayClusters('dsr-tmux')
let dir = ''

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], {encoding: 'utf8'})
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function screenUntil(target: string, what: string, check: (s: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const s = tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', target)
    if (check(s)) return s
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${s}`)
    await sleep(50)
  }
}

before(() => {
  if (!skip) dir = mkdtempSync(join(tmpdir(), 'kr-dsr-tmux-'))
})

after(async () => {
  await replay.closeAll()
  if (skip) return
  spawnSync('tmux', ['-L', SOCKET, 'kill-server'])
  if (dir) rmSync(dir, {recursive: true, force: true})
})

/** `kubectl kr ARGS` in a tmux pane (a terminal on stdin, stdout and stderr); its exit code lands in a file. */
function runInPane(target: string, args: string[]): string {
  const rcFile = join(dir, `${target}.rc`)
  const path = [join(REPO, 'bin'), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':')
  const command = [
    'env -u CI -u NO_COLOR',
    `PATH=${q(path)} TERM=xterm-256color LANG=C.UTF-8`,
    `sh -c ${q(`cd ${q(REPO)} && kubectl kr ${args.map(q).join(' ')}; echo $? > ${q(rcFile)}; echo KR-EXITED; exec sleep 600`)}`,
  ].join(' ')
  tmux('new-session', '-d', '-s', target, '-x', '200', '-y', '50', command)
  return rcFile
}

test('the question in a terminal: n changes nothing (exit 0, no write)', {skip, timeout: 90_000}, async () => {
  const {c, kubeconfig} = await replay.start({nodes: [replayNode('node-b')], services: [videoService()], endpointSlices: [videoSlice()], daemonSets: [dsrReadyDaemonSet()]})
  const rc = runInPane('no', ['dsr', 'enable', 'media/video', '--kubeconfig', kubeconfig])
  const asked = await screenUntil('no', 'the question', (s) => s.includes('enable DSR on media/video: apply this change? [y/N]'))
  assert.match(asked, /^ {2}\+ kube-router\.io\/service\.dsr: tunnel$/m)
  tmux('send-keys', '-t', 'no', 'n', 'Enter')
  const s = await screenUntil('no', 'the end', (x) => x.includes('KR-EXITED'))
  assert.match(s, /^nothing changed$/m)
  assert.equal(existsSync(rc) ? readFileSync(rc, 'utf8').trim() : '', '0')
  assert.deepEqual(writes(c), [])
  assert.deepEqual(patches(c), [])
})

test('Ctrl-C at the question: interrupted, nothing changed, exit 130', {skip, timeout: 90_000}, async () => {
  const {c, kubeconfig} = await replay.start({nodes: [replayNode('node-b')], services: [videoService()], endpointSlices: [videoSlice()], daemonSets: [dsrReadyDaemonSet()]})
  const rc = runInPane('ctrlc', ['dsr', 'enable', 'media/video', '--kubeconfig', kubeconfig])
  await screenUntil('ctrlc', 'the question', (s) => s.includes('apply this change? [y/N]'))
  tmux('send-keys', '-t', 'ctrlc', 'C-c')
  const s = await screenUntil('ctrlc', 'the end', (x) => x.includes('KR-EXITED'))
  assert.match(s, /interrupted \(SIGINT\): nothing changed$/m)
  assert.equal(existsSync(rc) ? readFileSync(rc, 'utf8').trim() : '', '130')
  assert.deepEqual(writes(c), [])
})

test('kubectl kr cleanup: Ctrl-C at its question deletes nothing, exit 130', {skip, timeout: 90_000}, async () => {
  const {c, kubeconfig} = await replay.start({nodes: [replayNode('node-b')]})
  c.createPod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: 'kr-probe-abc123-node-b', namespace: 'kube-system', labels: {'app.kubernetes.io/managed-by': 'kubectl-kr', 'app.kubernetes.io/name': 'kr-probe', 'kr.kube-router.io/run': 'abc123'}},
    spec: {nodeName: 'node-b', hostNetwork: true, restartPolicy: 'Never', activeDeadlineSeconds: 600, containers: [{name: 'probe', image: 'busybox', command: ['/bin/sh', '/kr/probe.sh']}]},
  })
  const rc = runInPane('cleanup', ['cleanup', '--kubeconfig', kubeconfig])
  await screenUntil('cleanup', 'the question', (s) => /\[y\/N\]/.test(s))
  tmux('send-keys', '-t', 'cleanup', 'C-c')
  const s = await screenUntil('cleanup', 'the end', (x) => x.includes('KR-EXITED'))
  assert.match(s, /^interrupted \(SIGINT\)$/m)
  assert.doesNotMatch(s, /internal error/)
  assert.equal(existsSync(rc) ? readFileSync(rc, 'utf8').trim() : '', '130')
  assert.equal(c.pods('kube-system').filter((p) => p.metadata.name === 'kr-probe-abc123-node-b').length, 1)
})
