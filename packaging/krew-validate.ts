// krew's rules for a plugin manifest (what krew and the krew-index CI check), for the release build to refuse a
// bad plugin.yaml and for the tests. Each problem is one line; an empty list means valid.
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse} from 'yaml'
import * as tar from 'tar'

const OSES = ['linux', 'darwin', 'windows']
const ARCHES = ['amd64', 'arm64', '386', 'arm', 'ppc64le', 's390x']
const SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/
const LICENSE = /^(LICEN[CS]E|COPYING)(\.\w+)?$/i

interface Platform {
  selector?: {matchLabels?: Record<string, string>; matchExpressions?: unknown}
  uri?: string
  sha256?: string
  bin?: string
  files?: {from?: string; to?: string}[]
}

export interface ValidateOptions {
  /** the package version the manifest must carry (without v) */
  version: string
  /** where the archives are: each platform whose archive is there is checked against it (sha256, bin, licence) */
  archiveDir?: string
}

function matches(p: Platform, os: string, arch: string): boolean {
  const labels = p.selector?.matchLabels ?? {}
  return (labels.os === undefined || labels.os === os) && (labels.arch === undefined || labels.arch === arch)
}

/** The files of a .tar.gz, by path without a leading ./ */
export function archiveFiles(file: string): Map<string, number> {
  const files = new Map<string, number>()
  tar.t({file, sync: true, onReadEntry: (e) => void files.set(e.path.replace(/^\.\//, ''), e.mode ?? 0)})
  return files
}

export function validateKrewManifest(text: string, opts: ValidateOptions): string[] {
  const problems: string[] = []
  let doc: {apiVersion?: string; kind?: string; metadata?: {name?: string}; spec?: Record<string, unknown>}
  try {
    doc = parse(text)
  } catch (e) {
    return [`not YAML: ${(e as Error).message}`]
  }
  if (doc.apiVersion !== 'krew.googlecontainertools.github.com/v1alpha2') problems.push(`apiVersion is ${doc.apiVersion}`)
  if (doc.kind !== 'Plugin') problems.push(`kind is ${doc.kind}`)
  const name = doc.metadata?.name ?? ''
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) || name === 'kubectl') problems.push(`metadata.name "${name}" is not a valid plugin name`)
  const spec = doc.spec ?? {}
  const version = String(spec.version ?? '')
  if (!SEMVER.test(version)) problems.push(`spec.version "${version}" is not a semantic version with a leading v`)
  if (version !== `v${opts.version}`) problems.push(`spec.version ${version} is not the package version v${opts.version}`)
  const short = String(spec.shortDescription ?? '')
  if (short.trim() === '' || short.includes('\n') || short.length > 50) problems.push(`spec.shortDescription must be one line of at most 50 characters (${short.length})`)
  if (String(spec.description ?? '').trim() === '') problems.push('spec.description is empty')
  if (String(spec.caveats ?? '').trim() === '') problems.push('spec.caveats is empty')
  const platforms = (spec.platforms ?? []) as Platform[]
  if (!Array.isArray(platforms) || platforms.length === 0) problems.push('spec.platforms is empty')
  platforms.forEach((p, i) => {
    const at = `platforms[${i}]`
    const labels = p.selector?.matchLabels ?? {}
    if (p.selector?.matchExpressions !== undefined) problems.push(`${at}: selector uses matchExpressions; only matchLabels os/arch`)
    for (const k of Object.keys(labels)) if (k !== 'os' && k !== 'arch') problems.push(`${at}: selector label ${k}; only os and arch`)
    if (!OSES.includes(labels.os ?? '')) problems.push(`${at}: os "${labels.os}" is not a platform krew knows`)
    if (labels.arch !== undefined && !ARCHES.includes(labels.arch)) problems.push(`${at}: arch "${labels.arch}" is not a platform krew knows`)
    if (!/^https:\/\/\S+\.tar\.gz$/.test(p.uri ?? '')) problems.push(`${at}: uri ${p.uri} is not an https URL of a .tar.gz`)
    if (!/^[0-9a-f]{64}$/.test(p.sha256 ?? '')) problems.push(`${at}: sha256 is not 64 hex digits`)
    if (!p.bin) problems.push(`${at}: no bin`)
    const files = p.files ?? []
    if (files.length === 0) problems.push(`${at}: no files`)
    if (!files.some((f) => LICENSE.test(f.from ?? ''))) problems.push(`${at}: no licence file among the extracted files`)
    if (p.bin && !files.some((f) => f.from === p.bin || (f.to ?? '.') !== '.' && f.to === p.bin)) problems.push(`${at}: bin ${p.bin} is not among the extracted files`)
    const file = p.uri?.split('/').pop()
    if (opts.archiveDir && file) {
      let data: Buffer | null = null
      try {
        data = readFileSync(join(opts.archiveDir, file))
      } catch {
        // not built here: checked where it is
      }
      if (data) {
        if (createHash('sha256').update(data).digest('hex') !== p.sha256) problems.push(`${at}: sha256 is not that of ${file}`)
        const inside = archiveFiles(join(opts.archiveDir, file))
        for (const f of files) if (f.from && !inside.has(f.from)) problems.push(`${at}: ${f.from} is not in ${file}`)
        const binMode = p.bin ? inside.get(p.bin) : undefined
        if (binMode === undefined) problems.push(`${at}: bin ${p.bin} is not in ${file}`)
        else if ((binMode & 0o111) === 0) problems.push(`${at}: bin ${p.bin} is not executable in ${file}`)
      }
    }
  })
  for (const os of OSES) {
    for (const arch of ARCHES) {
      const n = platforms.filter((p) => matches(p, os, arch)).length
      if (n > 1) problems.push(`${n} platforms overlap on ${os}/${arch}`)
    }
  }
  return problems
}
