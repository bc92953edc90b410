// Runs the real built CLI through real kubectl plugin dispatch: `kubectl kr ...` with bin/ on PATH.
import {spawn} from 'node:child_process'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO = fileURLToPath(new URL('../../', import.meta.url))

export interface KrResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface KrOptions {
  /** run inside this network namespace (ip netns exec) */
  ns?: string
  /** extra environment; PATH entries in `pathPrefix` go first */
  env?: Record<string, string>
  pathPrefix?: string[]
  /** in a PID namespace of its own with its own /proc (unshare): --local then sees none of the host's processes,
   * such as the real kube-routers the lab tests run meanwhile */
  ownPids?: boolean
  /** run as another user via setpriv (e.g. nobody) */
  asUser?: {uid: number; gid: number}
  timeoutMs?: number
}

/** A missing kubectl (or setpriv, ip) named as such, not as a bare ENOENT. */
function spawnError(command: string, e: NodeJS.ErrnoException): Error {
  if (e.code !== 'ENOENT') return e
  return new Error(`${command} is not on PATH (.ci/run installs it): the CLI tests run \`kubectl kr …\` through kubectl's plugin dispatch`)
}

export function kr(args: string[], opts: KrOptions = {}): Promise<KrResult> {
  const {PATH: extraPath, ...extraEnv} = opts.env ?? {}
  const path = [...(opts.pathPrefix ?? []), `${REPO}bin`, dirname(process.execPath), extraPath ?? process.env.PATH ?? '/usr/bin:/bin'].join(':')
  const env: Record<string, string> = {...(process.env as Record<string, string>), ...extraEnv, PATH: path, NO_COLOR: '1'}
  let argv = ['kubectl', 'kr', ...args]
  if (opts.asUser) argv = ['setpriv', `--reuid=${opts.asUser.uid}`, `--regid=${opts.asUser.gid}`, '--clear-groups', '--', ...argv]
  if (opts.ns) argv = ['ip', 'netns', 'exec', opts.ns, ...argv]
  if (opts.ownPids) argv = ['unshare', '--pid', '--fork', '--mount-proc', ...argv]
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {env, cwd: REPO})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000)
    child.on('error', (e) => reject(spawnError(argv[0], e)))
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

/** `kubectl kr ...` as a running process, for tests that signal it mid-run. */
export function krSpawn(args: string[], opts: KrOptions = {}): {child: ReturnType<typeof spawn>; done: Promise<KrResult>} {
  const {PATH: extraPath, ...extraEnv} = opts.env ?? {}
  const path = [...(opts.pathPrefix ?? []), `${REPO}bin`, dirname(process.execPath), extraPath ?? process.env.PATH ?? '/usr/bin:/bin'].join(':')
  const env: Record<string, string> = {...(process.env as Record<string, string>), ...extraEnv, PATH: path, NO_COLOR: '1'}
  const child = spawn('kubectl', ['kr', ...args], {env, cwd: REPO})
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000)
  const done = new Promise<KrResult>((resolve, reject) => {
    child.on('error', (e) => reject(spawnError('kubectl', e)))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code: code ?? (signal ? 128 + ({SIGKILL: 9, SIGTERM: 15, SIGINT: 2} as Record<string, number>)[signal] : null), stdout, stderr})
    })
  })
  return {child, done}
}
