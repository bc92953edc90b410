// The Go launcher the archives install as kubectl-kr (packaging/launcher/main.go), built by the release build's own
// buildLauncher around a small sh program standing in for the inner executable, so every rule of it can be seen:
// `version --client` answered alone, everything else exec'd in place with its arguments, input, output and exit
// status; the cache it unpacks into (where, which directories it trusts, a damaged copy, racing first runs, the
// previous build's files); and the run without any cache. The real inner executable behind it runs in
// test/release/executable.test.ts.
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {buildLauncher} from '../../packaging/release.js'
import {verifyAdhocSignature} from '../../packaging/macho-sign.js'
import {parseTarget} from '../../packaging/layout.js'
import {REPO} from '../cli/kr.js'
import {isRoot, TMUX, unmet} from '../helpers/requirements.js'
import {startTmux} from '../helpers/tmux.js'

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}).version
const skip = process.arch !== 'x64' || process.platform !== 'linux' ? 'runs the linux-amd64 launcher, so runs on linux x64' : false

// Stands in for the Node executable: shows its pid, arguments and input, and exits or waits as asked.
const INNER = `#!/bin/sh
echo "inner pid=$$ argc=$#"
for a in "$@"; do echo "[$a]"; done
case "$1" in
  exit) exit "$2" ;;
  cat) cat ;;
  wait)
    trap 'echo "got TERM"; exit 143' TERM
    trap 'echo "got INT"; ints=$((ints + 1))' INT
    ints=0; echo ready
    while [ "$ints" = 0 ]; do sleep 0.05; done
    sleep 0.3; exit 130 ;;
esac
`

let root: string
let launcher: string
let id: string

before(async () => {
  if (skip) return
  root = mkdtempSync(join(tmpdir(), 'kr-launcher-'))
  const inner = join(root, 'inner.sh')
  writeFileSync(inner, INNER, {mode: 0o755})
  launcher = await buildLauncher(parseTarget('linux-amd64'), inner, VERSION, join(root, 'work'))
  id = readFileSync(join(root, 'work/launcher-linux-amd64/payload/build-id'), 'utf8')
  chmodSync(root, 0o755)
})

after(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  pid: number
}

/** The launcher with only the given environment (plus a PATH for sh and sleep). */
function run(args: string[], env: Record<string, string>, opts: {input?: string; detached?: boolean; onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void} = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    // detached: a session of its own, so without a controlling terminal
    const child = spawn(launcher, args, {env: {PATH: '/usr/bin:/bin', ...env}, detached: opts.detached})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
      opts.onStdout?.(stdout, (s) => child.kill(s))
    })
    child.stderr.on('data', (d) => (stderr += d))
    // a command that does not read its input may be gone before it is written
    child.stdin.on('error', () => {})
    child.stdin.end(opts.input ?? '')
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, pid: child.pid!})
    })
  })
}

function freshDir(name: string): string {
  const dir = join(root, name)
  mkdirSync(dir, {recursive: true})
  return dir
}

test('version --client is the line versionLine() wrote at build time, and nothing is unpacked for it', {skip}, async () => {
  const cache = freshDir('version')
  const r = await run(['version', '--client'], {XDG_CACHE_HOME: cache, TMPDIR: cache})
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, `kubectl-kr ${VERSION}\n`)
  assert.deepEqual(readdirSync(cache), [])
})

test('every other command: the inner executable in the launcher\'s place, with its arguments, input, output and exit status', {skip}, async () => {
  const cache = freshDir('exec')
  const r = await run(['doctor', '', 'two words', '--x=é'], {XDG_CACHE_HOME: cache})
  assert.equal(r.code, 0, r.stderr)
  // the same process: exec'd, so kubectl's signals and exit status reach the CLI itself
  assert.equal(r.stdout, `inner pid=${r.pid} argc=4\n[doctor]\n[]\n[two words]\n[--x=é]\n`)
  assert.equal(r.stderr, '')
  const piped = await run(['cat'], {XDG_CACHE_HOME: cache}, {input: 'from stdin\n'})
  assert.match(piped.stdout, /\[cat\]\nfrom stdin\n$/)
  assert.equal((await run(['exit', '7'], {XDG_CACHE_HOME: cache})).code, 7)
  // version without --client asks the cluster, so it is the CLI's
  assert.match((await run(['version'], {XDG_CACHE_HOME: cache})).stdout, /^inner pid=\d+ argc=1\n\[version\]\n$/)
})

test('unpacked once per build into $XDG_CACHE_HOME/kubectl-kr, private, and reused', {skip}, async () => {
  const cache = freshDir('xdg')
  await run(['x'], {XDG_CACHE_HOME: cache})
  const dir = join(cache, 'kubectl-kr')
  const exe = join(dir, `kubectl-kr-${id}`)
  assert.equal(statSync(dir).mode & 0o777, 0o700)
  assert.equal(statSync(exe).mode & 0o777, 0o700)
  assert.equal(readFileSync(exe, 'utf8'), INNER)
  assert.deepEqual(readdirSync(dir), [`kubectl-kr-${id}`])
  const first = statSync(exe)
  await run(['x'], {XDG_CACHE_HOME: cache})
  const second = statSync(exe)
  assert.equal(second.ino, first.ino, 'reused, not written again')
  // without XDG_CACHE_HOME: ~/.cache
  const home = freshDir('home')
  assert.equal((await run(['x'], {HOME: home})).code, 0)
  assert.ok(existsSync(join(home, '.cache/kubectl-kr', `kubectl-kr-${id}`)))
})

test('a damaged copy (cut short, or not the user\'s) is written again', {skip}, async () => {
  const cache = freshDir('damaged')
  await run(['x'], {XDG_CACHE_HOME: cache})
  const exe = join(cache, 'kubectl-kr', `kubectl-kr-${id}`)
  truncateSync(exe, 10)
  const r = await run(['again'], {XDG_CACHE_HOME: cache})
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /\[again\]/)
  assert.equal(readFileSync(exe, 'utf8'), INNER)
  if (isRoot()) {
    chownSync(exe, 65534, 65534)
    await run(['x'], {XDG_CACHE_HOME: cache})
    assert.equal(statSync(exe).uid, 0)
  }
  for (const mode of [0o777, 0o644]) {
    chmodSync(exe, mode)
    assert.equal((await run(['x'], {XDG_CACHE_HOME: cache})).code, 0)
    assert.equal(statSync(exe).mode & 0o777, 0o700)
  }
})

test('a cache directory others can write to (or owned by someone else) is not trusted: $TMPDIR/kubectl-kr-<uid> instead', {skip}, async () => {
  const cache = freshDir('shared')
  const tmp = freshDir('shared-tmp')
  mkdirSync(join(cache, 'kubectl-kr'), {mode: 0o777})
  chmodSync(join(cache, 'kubectl-kr'), 0o777)
  const r = await run(['x'], {XDG_CACHE_HOME: cache, TMPDIR: tmp})
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(readdirSync(join(cache, 'kubectl-kr')), [])
  const uid = process.getuid!()
  assert.ok(existsSync(join(tmp, `kubectl-kr-${uid}`, `kubectl-kr-${id}`)))
  if (isRoot()) {
    // root (sudo keeping a user's HOME) must not run what that user could have put there
    const userCache = freshDir('user-cache')
    mkdirSync(join(userCache, 'kubectl-kr'), {mode: 0o700})
    chownSync(join(userCache, 'kubectl-kr'), 65534, 65534)
    const tmp2 = freshDir('user-cache-tmp')
    assert.equal((await run(['x'], {XDG_CACHE_HOME: userCache, TMPDIR: tmp2})).code, 0)
    assert.deepEqual(readdirSync(join(userCache, 'kubectl-kr')), [])
    assert.ok(existsSync(join(tmp2, `kubectl-kr-${uid}`, `kubectl-kr-${id}`)))
  }
})

test('root with a user\'s HOME (sudo -E) neither runs nor creates anything under it', {skip: skip || (!isRoot() && 'needs root')}, async () => {
  const home = freshDir('sudo-home')
  chownSync(home, 65534, 65534)
  const tmp = freshDir('sudo-tmp')
  const r = await run(['x'], {HOME: home, TMPDIR: tmp})
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(readdirSync(home), [], 'no root-owned ~/.cache left in the user\'s home')
  assert.ok(existsSync(join(tmp, 'kubectl-kr-0', `kubectl-kr-${id}`)))
  // the user's own cache, even private, is theirs to swap: not used either
  mkdirSync(join(home, '.cache/kubectl-kr'), {recursive: true, mode: 0o700})
  for (const d of ['.cache', '.cache/kubectl-kr']) chownSync(join(home, d), 65534, 65534)
  writeFileSync(join(home, '.cache/kubectl-kr', `kubectl-kr-${id}`), INNER.replace('inner pid', 'PLANT pid'), {mode: 0o700})
  const again = await run(['x'], {HOME: home, TMPDIR: tmp})
  assert.doesNotMatch(again.stdout, /PLANT/)
  assert.match(again.stdout, /^inner pid/)
})

test('a directory above the cache that others can write to (not sticky) disqualifies it; a sticky one like /tmp does not', {skip}, async () => {
  const open = freshDir('open-parent')
  chmodSync(open, 0o777)
  const tmp = freshDir('open-parent-tmp')
  chmodSync(tmp, 0o1777)
  const r = await run(['x'], {XDG_CACHE_HOME: join(open, 'cache'), TMPDIR: tmp})
  assert.equal(r.code, 0, r.stderr)
  // another user could have renamed open/cache between the checks and the exec: nothing made or run there
  assert.deepEqual(readdirSync(open), [])
  assert.ok(existsSync(join(tmp, `kubectl-kr-${process.getuid!()}`, `kubectl-kr-${id}`)), 'the sticky TMPDIR is used')
  // a cache reached through a symbolic link is judged, and used, where it really is
  const real = freshDir('real-cache')
  symlinkSync(real, join(root, 'linked-cache'))
  assert.equal((await run(['x'], {XDG_CACHE_HOME: join(root, 'linked-cache')})).code, 0)
  assert.ok(existsSync(join(real, 'kubectl-kr', `kubectl-kr-${id}`)))
})

test('a cache on a filesystem mounted noexec: the next place is used; with none left, one line naming noexec', {skip: skip || unmet({root: true, tools: ['mount', 'umount']}), timeout: 60_000}, async () => {
  const noexec = freshDir('noexec')
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'noexec,size=8m,mode=0755', 'tmpfs', noexec])
  try {
    const tmp = freshDir('noexec-tmp')
    const r = await run(['x'], {XDG_CACHE_HOME: noexec, TMPDIR: tmp})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^inner pid/)
    assert.ok(existsSync(join(tmp, `kubectl-kr-${process.getuid!()}`, `kubectl-kr-${id}`)))
    const none = await run(['x'], {XDG_CACHE_HOME: noexec, TMPDIR: noexec})
    assert.equal(none.code, 2)
    assert.equal(none.stderr.split('\n').filter(Boolean).length, 1, none.stderr)
    assert.match(none.stderr, /noexec/)
    assert.deepEqual(readdirSync(noexec).sort(), ['kubectl-kr', `kubectl-kr-${process.getuid!()}`], 'no temporary directory left')
  } finally {
    execFileSync('umount', [noexec])
  }
})

test('first runs racing each other all start, and leave one whole copy', {skip}, async () => {
  const cache = freshDir('race')
  const runs = await Promise.all(Array.from({length: 6}, (_, i) => run([`run${i}`], {XDG_CACHE_HOME: cache})))
  for (const [i, r] of runs.entries()) {
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`\\[run${i}\\]`))
  }
  assert.deepEqual(readdirSync(join(cache, 'kubectl-kr')), [`kubectl-kr-${id}`])
  assert.equal(readFileSync(join(cache, 'kubectl-kr', `kubectl-kr-${id}`), 'utf8'), INNER)
})

test('after an upgrade: copies of builds not written for a day go, and what killed first runs left; module directories (maybe in use), recent copies and other files stay', {skip}, async () => {
  const cache = freshDir('upgrade')
  const dir = join(cache, 'kubectl-kr')
  mkdirSync(dir, {mode: 0o700})
  const aged = (name: string, hours: number) => {
    writeFileSync(join(dir, name), 'x')
    const t = new Date(Date.now() - hours * 3600_000)
    utimesSync(join(dir, name), t, t)
  }
  aged('kubectl-kr-0123456789abcdef', 48)
  aged('kubectl-kr-2222222222222222', 2)
  aged(`kubectl-kr-0123456789abcdef.tmp-12345`, 1)
  aged(`kubectl-kr-${id}.tmp-67890`, 0)
  mkdirSync(join(dir, 'fedcba9876543210'))
  writeFileSync(join(dir, 'fedcba9876543210', 'kr.mjs'), 'old modules')
  writeFileSync(join(dir, 'notes.txt'), 'not ours to remove')
  assert.equal((await run(['x'], {XDG_CACHE_HOME: cache})).code, 0)
  assert.deepEqual(readdirSync(dir).sort(), ['fedcba9876543210', `kubectl-kr-${id}`, `kubectl-kr-${id}.tmp-67890`, 'kubectl-kr-2222222222222222', 'notes.txt'].sort())
  // a later run of the same build (nothing written) removes nothing
  aged('kubectl-kr-1111111111111111', 48)
  assert.equal((await run(['x'], {XDG_CACHE_HOME: cache})).code, 0)
  assert.ok(existsSync(join(dir, 'kubectl-kr-1111111111111111')))
})

test('with no cache anywhere it runs from a temporary directory, passes signals on, and removes it after', {skip}, async () => {
  const tmp = freshDir('nocache-tmp')
  // $TMPDIR/kubectl-kr-<uid> is a file, and there is no HOME or XDG_CACHE_HOME: no place to keep a copy
  writeFileSync(join(tmp, `kubectl-kr-${process.getuid!()}`), '')
  const r = await run(['exit', '5'], {TMPDIR: tmp})
  assert.equal(r.code, 5, r.stderr)
  assert.match(r.stdout, /\[exit\]\n\[5\]/)
  assert.deepEqual(readdirSync(tmp), [`kubectl-kr-${process.getuid!()}`])
  let sent = false
  const waited = await run(['wait'], {TMPDIR: tmp}, {
    onStdout: (text, kill) => {
      if (!sent && text.includes('ready')) {
        sent = true
        kill('SIGTERM')
      }
    },
  })
  assert.match(waited.stdout, /got TERM/)
  assert.equal(waited.code, 143)
  assert.deepEqual(readdirSync(tmp), [`kubectl-kr-${process.getuid!()}`])
  // without a controlling terminal nobody else sends the child a Ctrl-C: SIGINT is passed on, once
  sent = false
  const interrupted = await run(['wait'], {TMPDIR: tmp}, {
    detached: true,
    onStdout: (text, kill) => {
      if (!sent && text.includes('ready')) {
        sent = true
        kill('SIGINT')
      }
    },
  })
  assert.equal(interrupted.stdout.match(/got INT/g)?.length, 1, interrupted.stdout)
  assert.equal(interrupted.code, 130)
  assert.deepEqual(readdirSync(tmp), [`kubectl-kr-${process.getuid!()}`])
})

test('with no cache, one Ctrl-C in a terminal reaches the command once (the terminal sends it to both)', {skip: skip || unmet(TMUX), timeout: 60_000}, async () => {
  const tmp = freshDir('ctrl-c-tmp')
  writeFileSync(join(tmp, `kubectl-kr-${process.getuid!()}`), '')
  // the shell catches INT (a handler, which the launcher does not inherit) so that it stays to show the exit status
  const term = startTmux(`kr-launcher-${process.pid}`, `env -i PATH=/usr/bin:/bin TMPDIR=${tmp} sh -c 'trap : INT; ${launcher} wait; echo "exit=$?"; exec sleep 600'`, {x: 100, y: 20})
  try {
    await term.screen('the command', (s) => s.includes('ready'), 20_000)
    term.tmux('send-keys', '-t', 'kr', 'C-c')
    const s = await term.screen('its exit', (text) => text.includes('exit='), 20_000)
    assert.equal(s.match(/got INT/g)?.length, 1, s)
    assert.match(s, /exit=130/)
  } finally {
    term.kill()
  }
  assert.deepEqual(readdirSync(tmp), [`kubectl-kr-${process.getuid!()}`])
})

test('nowhere to write at all: one line naming where it tried, exit 2', {skip}, async () => {
  // a TMPDIR below a file: neither $TMPDIR/kubectl-kr-<uid> nor a temporary directory can be made (root ignores modes)
  const blocked = join(root, 'inner.sh', 'tmp')
  const r = await run(['doctor'], {TMPDIR: blocked, XDG_CACHE_HOME: 'relative/not/used'})
  assert.equal(r.code, 2)
  assert.equal(r.stdout, '')
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr)
  assert.match(r.stderr, /^error: kubectl-kr could not start: no place to unpack and run it .*inner\.sh\/tmp.*set XDG_CACHE_HOME to a directory of your own on a filesystem that allows running programs\n$/)
})

test('the launcher\'s source is gofmt-clean and passes go vet', {skip}, () => {
  const dir = join(root, 'vet')
  mkdirSync(join(dir, 'payload'), {recursive: true})
  for (const f of ['main.go', 'go.mod']) copyFileSync(join(REPO, 'packaging/launcher', f), join(dir, f))
  for (const f of ['kubectl-kr', 'build-id', 'version-line']) writeFileSync(join(dir, 'payload', f), 'x')
  const env = {...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin`, GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '', GOCACHE: join(root, 'work/go-build')}
  assert.equal(execFileSync('gofmt', ['-l', '.'], {cwd: dir, env, encoding: 'utf8'}), '')
  execFileSync('go', ['vet', '.'], {cwd: dir, env, stdio: 'pipe'})
})

test('the macOS and Linux arm64 launchers build here; Go signs the darwin-arm64 one ad hoc, validly', {skip, timeout: 180_000}, async () => {
  const inner = join(root, 'inner.sh')
  for (const target of ['darwin-arm64', 'darwin-amd64', 'linux-arm64']) {
    const exe = await buildLauncher(parseTarget(target), inner, VERSION, join(root, 'work'))
    const bytes = readFileSync(exe)
    assert.equal(bytes.readUInt32LE(0), target.startsWith('darwin') ? 0xfeedfacf : 0x464c457f, `${target}: ${target.startsWith('darwin') ? 'Mach-O 64' : 'ELF'}`)
    if (target === 'darwin-arm64') assert.equal(verifyAdhocSignature(bytes), null)
  }
})
