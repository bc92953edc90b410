// `npm run release [-- --target linux-amd64 ...]`: single executables, archives, SHA256SUMS and the krew
// manifest in release/. Everything comes from the npm registry, except the launcher, which the machine's Go builds
// from its standard library alone; docs/release.md says why each target is built the way it is. Run after
// `npm run build` (the npm script does): the executables carry dist/, bundled.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmod, copyFile, mkdir, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import * as tar from 'tar'
import {bundle} from './bundle.js'
import {krewManifest, type BuiltArchive} from './krew-manifest.js'
import {ARCHIVE_MEMBERS, TARGETS, type Target, archiveName, parseTarget, targetName} from './layout.js'
import {validateKrewManifest} from './krew-validate.js'
import {adhocSign, verifyAdhocSignature} from './macho-sign.js'

const REPO = fileURLToPath(new URL('../', import.meta.url))
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

interface Options {
  targets: Target[]
  out: string
  /** build the Linux targets with Bun too (for the comparison in docs/release.md; releases use Node) */
  bunForLinux?: boolean
}

function parseArgs(argv: string[]): Options {
  const targets: Target[] = []
  let out = join(REPO, 'release')
  let bunForLinux = false
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target') targets.push(parseTarget(argv[++i] ?? ''))
    else if (argv[i] === '--out') out = resolve(argv[++i] ?? '')
    else if (argv[i] === '--bun-for-linux') bunForLinux = true
    else throw new Error(`unknown argument ${argv[i]} (use --target ${TARGETS.map(targetName).join('|')}, --out DIR, --bun-for-linux)`)
  }
  return {targets: targets.length > 0 ? targets : [...TARGETS], out, bunForLinux}
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** One file out of a package from the registry, through the npm client (cached in release/.cache). */
async function fromRegistry(cache: string, spec: string, fileInPackage: string): Promise<string> {
  const dir = join(cache, spec.replace(/[/@]/g, '_'))
  const file = join(dir, 'package', fileInPackage)
  if (await stat(file).then(() => true, () => false)) return file
  await mkdir(dir, {recursive: true})
  const packed = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], {encoding: 'utf8'}).trim().split('\n').pop()!
  await tar.x({file: join(dir, packed), cwd: dir})
  await rm(join(dir, packed))
  return file
}

const NODE_ARCH = {amd64: 'x64', arm64: 'arm64'} as const
const BUN_ARCH = {amd64: 'x64', arm64: 'aarch64'} as const
const BUN_TARGET_ARCH = {amd64: 'x64', arm64: 'arm64'} as const

/** The line `kubectl kr version --client` prints, from the tested versionLine() of dist/, written once per release. */
async function versionLineFile(work: string, version: string): Promise<string> {
  const file = join(work, 'version-line')
  const {versionLine} = (await import(pathToFileURL(join(REPO, 'dist/report/version-line.js')).href)) as {versionLine: (v: string) => string}
  await writeFile(file, versionLine(version))
  return file
}

/** Linux: Node's single-executable application on exactly the Node the tests run on (this process's). */
async function buildSea(t: Target, app: {dir: string; files: string[]; version: string}, work: string, cache: string): Promise<string> {
  const version = process.versions.node
  const blob = join(work, 'sea.blob')
  if (!(await stat(blob).then(() => true, () => false))) {
    const assets: Record<string, string> = {}
    for (const f of app.files) assets[f] = join(app.dir, f)
    const digest = createHash('sha256')
    for (const f of app.files) digest.update(f).update(await readFile(join(app.dir, f)))
    await writeFile(join(work, 'build-id'), digest.digest('hex').slice(0, 16))
    assets['build-id'] = join(work, 'build-id')
    assets['version-line'] = await versionLineFile(work, app.version)
    const config = {
      main: join(REPO, 'packaging/sea-main.cjs'),
      output: blob,
      disableExperimentalSEAWarning: true,
      // neither can be made for another architecture, and neither starts a one-line main faster (docs/release.md,
      // bench/startup.ts); the bundle is split and lazy instead
      useCodeCache: false,
      useSnapshot: false,
      assets,
    }
    await writeFile(join(work, 'sea-config.json'), JSON.stringify(config, null, 2))
    execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], {stdio: 'ignore'})
  }
  const native = process.platform === 'linux' && process.arch === NODE_ARCH[t.arch]
  const node = native ? process.execPath : await fromRegistry(cache, `node-linux-${NODE_ARCH[t.arch]}@${version}`, 'bin/node')
  const exe = join(work, `${targetName(t)}`, 'kubectl-kr')
  await mkdir(join(work, targetName(t)), {recursive: true})
  await copyFile(node, exe)
  await chmod(exe, 0o755)
  const postject = join(REPO, 'node_modules/postject/dist/cli.js')
  execFileSync(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], {stdio: 'ignore'})
  return exe
}

/** macOS (and Linux with --bun-for-linux): Bun's --compile with the target's Bun binary from the registry (docs/release.md: no Node 24 for
 * darwin-arm64 there, and no way here to sign what postject leaves unsigned). */
async function buildBun(t: Target, app: {dir: string}, work: string, cache: string): Promise<string> {
  const bunVersion = JSON.parse(await readFile(join(REPO, 'node_modules/bun/package.json'), 'utf8')).version as string
  const runtime = await fromRegistry(cache, `@oven/bun-${t.os}-${BUN_ARCH[t.arch]}@${bunVersion}`, 'bin/bun')
  const exe = join(work, targetName(t), 'kubectl-kr')
  await mkdir(join(work, targetName(t)), {recursive: true})
  execFileSync(join(REPO, 'node_modules/.bin/bun'), [
    'build', '--compile', `--target=bun-${t.os}-${BUN_TARGET_ARCH[t.arch]}`, `--compile-executable-path=${runtime}`,
    // a .env or bunfig.toml in the user's current directory must not change what the plugin does
    '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig',
    './kr.mjs', '--asset=probe.sh', '--outfile', exe,
  ], {cwd: app.dir, stdio: 'ignore'})
  if (t.os !== 'darwin') return exe
  // Bun signs arm64 output itself but leaves x64 with the runtime's stale signature; re-sign both the same way
  await adhocSign(exe, 'kubectl-kr')
  const problem = verifyAdhocSignature(await readFile(exe))
  if (problem) throw new Error(`${exe}: ${problem}`)
  return exe
}

const GO_ARCH = {amd64: 'amd64', arm64: 'arm64'} as const

/**
 * The file users install (packaging/launcher/main.go): a Go program carrying the inner executable, which answers
 * `version --client` itself and execs the inner one, unpacked once into a private cache, for everything else.
 * Built with the machine's Go, its standard library only (nothing is downloaded); docs/release.md has the numbers.
 */
export async function buildLauncher(t: Target, innerExe: string, version: string, work: string): Promise<string> {
  const dir = join(work, `launcher-${targetName(t)}`)
  await rm(dir, {recursive: true, force: true})
  await mkdir(join(dir, 'payload'), {recursive: true})
  for (const f of ['main.go', 'go.mod']) await copyFile(join(REPO, 'packaging/launcher', f), join(dir, f))
  await copyFile(innerExe, join(dir, 'payload/kubectl-kr'))
  await writeFile(join(dir, 'payload/build-id'), sha256(await readFile(innerExe)).slice(0, 16))
  await copyFile(await versionLineFile(work, version), join(dir, 'payload/version-line'))
  const exe = join(dir, 'kubectl-kr')
  const env = {
    ...process.env,
    PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin`,
    GOOS: t.os, GOARCH: GO_ARCH[t.arch], CGO_ENABLED: '0',
    // the Go that is here, and no module downloads: the launcher imports the standard library only
    GOTOOLCHAIN: 'local', GOFLAGS: '', GOPROXY: 'off',
    // its own build cache, gone with the work directory: Go would keep every build's compiled payload (the size of
    // the inner executable) in the user's cache for days; the standard library costs about 10 s to compile
    GOCACHE: join(work, 'go-build'),
  }
  try {
    execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w -buildid=', '-o', exe, '.'], {cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe']})
  } catch (e) {
    const err = e as {code?: string; stderr?: Buffer}
    if (err.code === 'ENOENT') throw new Error('go is not on PATH (nor in /usr/local/go/bin): the launcher is built with it (https://go.dev/dl/ or Debian\'s golang-go)')
    throw new Error(`go build of the launcher for ${targetName(t)} failed:\n${err.stderr?.toString() ?? String(e)}`)
  }
  await rm(join(dir, 'payload/kubectl-kr'))
  // Go's linker signs darwin/arm64 output ad hoc itself (Apple silicon runs nothing unsigned); darwin/amd64 runs unsigned
  if (t.os === 'darwin' && t.arch === 'arm64') {
    const problem = verifyAdhocSignature(await readFile(exe))
    if (problem) throw new Error(`${exe}: ${problem}`)
  }
  return exe
}

async function archive(t: Target, version: string, exe: string, out: string, work: string): Promise<BuiltArchive> {
  const stage = join(work, `stage-${targetName(t)}`)
  await rm(stage, {recursive: true, force: true})
  await mkdir(stage)
  for (const m of ARCHIVE_MEMBERS) {
    await copyFile(typeof m.source === 'string' ? join(REPO, m.source) : exe, join(stage, m.name))
    await chmod(join(stage, m.name), m.mode)
  }
  const file = archiveName(version, t)
  await tar.c({gzip: {level: 9}, file: join(out, file), cwd: stage, portable: true, noMtime: false, mtime: new Date(0)}, ARCHIVE_MEMBERS.map((m) => m.name))
  return {target: t, file, sha256: sha256(await readFile(join(out, file)))}
}

export async function release(opts: Options): Promise<BuiltArchive[]> {
  const pjson = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {version: string}
  const work = join(opts.out, '.work')
  const cache = join(opts.out, '.cache')
  await rm(work, {recursive: true, force: true})
  await mkdir(work, {recursive: true})
  for (const f of await readdir(opts.out)) if (f.endsWith('.tar.gz') || f === 'SHA256SUMS' || f === 'plugin.yaml') await rm(join(opts.out, f))
  const app = await bundle(REPO, join(work, 'app'))
  const built: BuiltArchive[] = []
  for (const t of opts.targets) {
    const started = Date.now()
    const sea = t.os === 'linux' && !opts.bunForLinux
    const inner = sea ? await buildSea(t, app, work, cache) : await buildBun(t, app, work, cache)
    const exe = await buildLauncher(t, inner, app.version, work)
    built.push(await archive(t, pjson.version, exe, opts.out, work))
    process.stderr.write(`${archiveName(pjson.version, t)}  ${((await stat(exe)).size / 1e6).toFixed(1)} MB executable  ${Date.now() - started} ms\n`)
  }
  await writeFile(join(opts.out, 'SHA256SUMS'), built.map((a) => `${a.sha256}  ${a.file}\n`).join(''))
  const manifest = krewManifest(pjson.version, built)
  const problems = validateKrewManifest(manifest, {version: pjson.version, archiveDir: opts.out})
  if (problems.length > 0) throw new Error(`the krew manifest is not valid:\n  ${problems.join('\n  ')}`)
  await writeFile(join(opts.out, 'plugin.yaml'), manifest)
  return built
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await release(parseArgs(process.argv.slice(2)))
  } catch (e) {
    process.stderr.write(`error: release: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exit(1)
  }
}
