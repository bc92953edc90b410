// The Go launcher the archives install as kubectl-kr (packaging/launcher/main.go), built by the release build's own
// buildLauncher around a small sh program standing in for the inner executable, so every rule of it can be seen:
// `version --client` answered alone, everything else exec'd in place with its arguments, input, output and exit
// status; the cache it unpacks into (where, which directories it trusts, a damaged copy, racing first runs, the
// previous build's files); and the run without any cache. The real inner executable behind it runs in
// test/release/executable.test.ts.
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {buildLauncher} from '../../packaging/release.js'
import {verifyAdhocSignature} from '../../packaging/macho-sign.js'
import {parseTarget} from '../../packaging/layout.js'
import {REPO} from '../cli/kr.js'
import {isRoot} from '../helpers/requirements.js'

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}).version
const skip = process.arch !== 'x64' || process.platform !== 'linux' ? 'runs the linux-amd64 launcher, so runs on linux x64' : false

// Stands in for the Node executable: shows its pid, arguments and input, and exits or waits as asked.
const INNER = `#!/bin/sh
echo "inner pid=$$ argc=$#"
for a in "$@"; do echo "[$a]"; done
case "$1" in
  exit) exit "$2" ;;
  cat) cat ;;
  wait) trap 'echo "got TERM"; exit 143' TERM; echo ready; while :; do sleep 0.05; done ;;
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
function run(args: string[], env: Record<string, string>, opts: {input?: string; onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void} = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, args, {env: {PATH: '/usr/bin:/bin', ...env}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
      opts.onStdout?.(stdout, (s) => child.kill(s))
    })
    child.stderr.on('data', (d) => (stderr += d))
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
  assert.equal(statSync(exe).mode & 0o777, 0o755)
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
  chmodSync(exe, 0o777)
  await run(['x'], {XDG_CACHE_HOME: cache})
  assert.equal(statSync(exe).mode & 0o777, 0o755)
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

test('after an upgrade the previous builds\' executables go; their module directories (maybe in use) and other files stay', {skip}, async () => {
  const cache = freshDir('upgrade')
  const dir = join(cache, 'kubectl-kr')
  mkdirSync(dir, {mode: 0o700})
  writeFileSync(join(dir, 'kubectl-kr-0123456789abcdef'), 'old build')
  mkdirSync(join(dir, 'fedcba9876543210'))
  writeFileSync(join(dir, 'fedcba9876543210', 'kr.mjs'), 'old modules')
  writeFileSync(join(dir, 'notes.txt'), 'not ours to remove')
  assert.equal((await run(['x'], {XDG_CACHE_HOME: cache})).code, 0)
  assert.deepEqual(readdirSync(dir).sort(), ['fedcba9876543210', `kubectl-kr-${id}`, 'notes.txt'])
  // a later run of the same build leaves everything as it is
  writeFileSync(join(dir, 'kubectl-kr-1111111111111111'), 'another build')
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
})

test('nowhere to write at all: one line naming where it tried, exit 2', {skip}, async () => {
  // a TMPDIR below a file: neither $TMPDIR/kubectl-kr-<uid> nor a temporary directory can be made (root ignores modes)
  const blocked = join(root, 'inner.sh', 'tmp')
  const r = await run(['doctor'], {TMPDIR: blocked, XDG_CACHE_HOME: 'relative/not/used'})
  assert.equal(r.code, 2)
  assert.equal(r.stdout, '')
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr)
  assert.match(r.stderr, /^error: kubectl-kr could not start: no place to unpack it .*inner\.sh\/tmp.*set XDG_CACHE_HOME to a directory of your own\n$/)
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
