// The release executable as a user gets it: built for this machine's target into a temp dir by the real release
// build (packaging/release.ts), its archive unpacked, and `kubectl-kr` copied alone into an empty directory.
// It runs through kubectl's plugin dispatch with a PATH that holds no `node` (system directories are mirrored by
// symbolic links, leaving node, npm and friends out) and a fresh HOME.
import {spawn} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import * as tar from 'tar'
import {release} from '../../packaging/release.js'
import type {BuiltArchive} from '../../packaging/krew-manifest.js'
import {parseTarget} from '../../packaging/layout.js'

export const NODE_NAMES = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack', 'bun', 'bunx'])
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

export interface ReleaseBuild {
  /** temp dir holding everything below */
  root: string
  /** where `npm run release` wrote the archive, SHA256SUMS and plugin.yaml */
  out: string
  archive: BuiltArchive
  /** the archive unpacked, every file of it */
  unpacked: string
  /** the empty directory kubectl-kr was copied into, alone */
  exeDir: string
  /** the system commands without node */
  systemDir: string
  /** HOME for every run */
  home: string
  cleanup(): void
}

/** Every command of the system directories, first one wins as on PATH, except Node.js and its tools. */
export function mirrorWithoutNode(dir: string): void {
  mkdirSync(dir)
  const seen = new Set<string>()
  for (const sys of SYSTEM_DIRS) {
    let names: string[]
    try {
      names = readdirSync(sys)
    } catch {
      continue
    }
    for (const name of names) {
      if (seen.has(name) || NODE_NAMES.has(name)) continue
      seen.add(name)
      symlinkSync(join(sys, name), join(dir, name))
    }
  }
}

export async function buildReleaseExecutable(target = 'linux-amd64'): Promise<ReleaseBuild> {
  const root = mkdtempSync(join(tmpdir(), 'kr-release-'))
  const cleanup = () => rmSync(root, {recursive: true, force: true})
  try {
    const out = join(root, 'out')
    mkdirSync(out)
    // KR_RELEASE_BUN=1: the same tests against a Bun build (the comparison in docs/release.md)
    const [archive] = await release({targets: [parseTarget(target)], out, bunForLinux: process.env.KR_RELEASE_BUN === '1'})
    const unpacked = join(root, 'unpacked')
    mkdirSync(unpacked)
    await tar.x({file: join(out, archive.file), cwd: unpacked})
    const exeDir = join(root, 'bin')
    mkdirSync(exeDir)
    copyFileSync(join(unpacked, 'kubectl-kr'), join(exeDir, 'kubectl-kr'))
    statSync(join(exeDir, 'kubectl-kr'))
    const systemDir = join(root, 'system')
    mirrorWithoutNode(systemDir)
    const home = join(root, 'home')
    mkdirSync(home)
    return {root, out, archive, unpacked, exeDir, systemDir, home, cleanup}
  } catch (e) {
    cleanup()
    throw e
  }
}

export interface ExeResult {
  code: number | null
  stdout: string
  stderr: string
}

/** `kubectl kr …` (or another command) with only the executable's directory (or `pathInsteadOfExe`), `extraPath`
 * and the node-less system commands on PATH, nothing else of this process's environment. */
export function runAsUser(b: ReleaseBuild, argv: string[], opts: {ns?: string; extraPath?: string[]; pathInsteadOfExe?: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number} = {}): Promise<ExeResult> {
  const env: Record<string, string> = {
    PATH: [opts.pathInsteadOfExe ?? b.exeDir, ...(opts.extraPath ?? []), b.systemDir].join(':'),
    HOME: b.home,
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    ...opts.env,
  }
  let full = argv
  if (opts.ns) full = ['ip', 'netns', 'exec', opts.ns, ...full]
  return new Promise((resolve, reject) => {
    const child = spawn(full[0], full.slice(1), {env, cwd: opts.cwd ?? b.root})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}
