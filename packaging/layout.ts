// What a release is made of: the targets, the archive names and what goes into each archive. The release build
// (packaging/release.ts), the krew manifest (packaging/krew-manifest.ts) and the tests read it from here.

export interface Target {
  os: 'linux' | 'darwin'
  arch: 'amd64' | 'arm64'
}

export const TARGETS: readonly Target[] = [
  {os: 'linux', arch: 'amd64'},
  {os: 'linux', arch: 'arm64'},
  {os: 'darwin', arch: 'amd64'},
  {os: 'darwin', arch: 'arm64'},
]

export function targetName(t: Target): string {
  return `${t.os}-${t.arch}`
}

export function parseTarget(name: string): Target {
  const t = TARGETS.find((x) => targetName(x) === name)
  if (!t) throw new Error(`unknown target ${name} (one of ${TARGETS.map(targetName).join(', ')})`)
  return t
}

export function archiveName(version: string, t: Target): string {
  return `kubectl-kr_${version}_${t.os}_${t.arch}.tar.gz`
}

/** The plugin executable's name inside every archive; kubectl dispatches `kubectl kr` to it. */
export const EXECUTABLE = 'kubectl-kr'
/** The completer's name: kubectl looks for kubectl_complete-<plugin> on PATH. */
export const COMPLETER = 'kubectl_complete-kr'

export interface ArchiveMember {
  /** name inside the archive (top level) */
  name: string
  /** where it comes from: a path relative to the repository, or the executable built for the target */
  source: string | {built: true}
  /** file mode in the archive */
  mode: number
  /** krew links this one into its bin directory */
  bin?: boolean
}

/**
 * Every file of an archive, in order; the krew manifest's `files`, the checksums and test/release/krew-manifest.test.ts
 * follow it. kubectl_complete-kr is kubectl's plugin completion hook (kubectl runs it from PATH for `kubectl kr <TAB>`):
 * a small sh script running `kubectl-kr __complete WORDS…`. krew links only `bin` into its bin directory
 * (kubernetes-sigs/krew#812), so the caveats and docs/release.md say how to put the completer there.
 */
export const ARCHIVE_MEMBERS: readonly ArchiveMember[] = [
  {name: EXECUTABLE, source: {built: true}, mode: 0o755, bin: true},
  {name: COMPLETER, source: 'packaging/kubectl_complete-kr', mode: 0o755},
  {name: 'LICENSE', source: 'LICENSE', mode: 0o644},
  {name: 'README.md', source: 'README.md', mode: 0o644},
]

/** Where the archives are downloaded from: a GitHub release of this repository. */
export const REPOSITORY = 'kubectl-kr/kubectl-kr'
export function releaseUrl(version: string, file: string): string {
  return `https://github.com/${REPOSITORY}/releases/download/v${version}/${file}`
}
