// How much of a bundle kubectl-kr is willing to read: every bundle, directory or .tar.gz, is read within
// these limits, and crossing one stops the read at once with a one-line BundleLimitError that names the
// limit, the bundle and the flag that raises it. A light module (no tar, no fs) so a command can show the
// defaults in --help without loading the bundle code.
//
// Defaults, sized from the demo bundle (examples/demo-bundle: ~27 KB per node) and bench/RESULTS.md (one
// node with 100,000 iptables rules, 50,000 ipset members and 20,000 routes is 36 MB of probe output, its
// iptables.txt ~25 MB; real nodes are tens to hundreds of KB):
//
//   archiveBytes  1 GiB     a .tar.gz file; captures compress ~10:1, so ~10 GiB of text
//   entries       150,000   files + directories; a node is ≤ 17 (15 sources, missing.json, its directory):
//                           ~8,800 nodes, 1.8× a 5,000-node cluster (~85,000); node-tar reads ~100,000 headers/s
//   fileBytes     256 MiB   one file; 10× the iptables-save of a 100,000-rule node
//   totalBytes    2 GiB     all uncompressed data (for an archive: the whole tar stream); the snapshot is held
//                           in memory, so this is the memory the run needs: 5,000 nodes at ~400 KB each.
//                           Beyond ~3 GiB Node also needs NODE_OPTIONS=--max-old-space-size=<MiB>
//   jsonBytes     256 MiB   one JSON file that is parsed (manifest.json, cluster/*.json, missing.json,
//                           failed-nodes.json): cluster/nodes.json of ~10,000 full Node objects
//   jsonDepth     128       nesting of such a file; Kubernetes objects nest < 30 deep (managedFields included)

import {UserError} from '../model/errors.js'
import {BundleError} from './bundle-error.js'

export interface BundleLimits {
  /** size of a .tar.gz bundle file (compressed) */
  archiveBytes: number
  /** files and directories in the bundle (archive entries of any type) */
  entries: number
  /** uncompressed size of any one file */
  fileBytes: number
  /** all uncompressed data read: for an archive, the whole decompressed tar stream */
  totalBytes: number
  /** size of one file that is parsed as JSON */
  jsonBytes: number
  /** nesting depth of one file that is parsed as JSON */
  jsonDepth: number
}

export type BundleLimitName = keyof BundleLimits

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

export const DEFAULT_BUNDLE_LIMITS: Readonly<BundleLimits> = Object.freeze({
  archiveBytes: 1 * GiB,
  entries: 150_000,
  fileBytes: 256 * MiB,
  totalBytes: 2 * GiB,
  jsonBytes: 256 * MiB,
  jsonDepth: 128,
})

/** The command-line flag that raises each limit (named in every limit error; src/commands/doctor.ts defines them). */
export const BUNDLE_LIMIT_FLAGS: Readonly<Record<BundleLimitName, string>> = Object.freeze({
  archiveBytes: '--max-bundle-size',
  entries: '--max-bundle-entries',
  fileBytes: '--max-bundle-file-size',
  totalBytes: '--max-bundle-bytes',
  jsonBytes: '--max-bundle-json-size',
  jsonDepth: '--max-bundle-json-depth',
})

/** Limits that are counts, not byte sizes. */
const COUNTS: ReadonlySet<BundleLimitName> = new Set(['entries', 'jsonDepth'])

/** What each limit is about, for --help. */
export const BUNDLE_LIMIT_SUMMARIES: Readonly<Record<BundleLimitName, string>> = Object.freeze({
  archiveBytes: 'Largest .tar.gz bundle file read (compressed size).',
  entries: 'Most files and directories a bundle may hold.',
  fileBytes: 'Largest single file in a bundle (uncompressed).',
  totalBytes: 'Most uncompressed data read from a bundle (held in memory).',
  jsonBytes: 'Largest JSON file of a bundle that is parsed (manifest.json, cluster/*.json).',
  jsonDepth: 'Deepest nesting of a JSON file of a bundle.',
})

/** The limits in effect: the defaults, overridden by what is given (undefined keeps the default). */
export function resolveBundleLimits(given: Partial<BundleLimits> = {}): BundleLimits {
  const limits = {...DEFAULT_BUNDLE_LIMITS}
  for (const key of Object.keys(limits) as BundleLimitName[]) {
    const value = given[key]
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`bundle limit ${key} must be a positive integer, not ${String(value)}`)
    limits[key] = value
  }
  return limits
}

/** "2 GiB", "256 MiB", "1.5 KiB", "900 bytes". */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (bytes >= size) {
      const value = bytes / size
      return `${Number.isInteger(value) ? value : Number(value.toFixed(1))} ${unit}`
    }
  }
  return `${bytes} byte${bytes === 1 ? '' : 's'}`
}

/** A limit's value as people read it: a size for byte limits, a grouped number for counts. */
export function formatLimit(name: BundleLimitName, value: number): string {
  return COUNTS.has(name) ? value.toLocaleString('en-US') : formatBytes(value)
}

const UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1000, kb: 1000, m: 1000 ** 2, mb: 1000 ** 2, g: 1000 ** 3, gb: 1000 ** 3, t: 1000 ** 4, tb: 1000 ** 4,
  ki: KiB, kib: KiB, mi: MiB, mib: MiB, gi: GiB, gib: GiB, ti: 1024 * GiB, tib: 1024 * GiB,
}

/**
 * A flag's text as a limit value: byte limits take a size ("512MiB", "2GiB", "3G", "1000000"), counts a plain
 * number ("500000", "500_000" and "500,000" too). Throws a one-line UserError naming the flag.
 */
export function parseBundleLimit(name: BundleLimitName, text: string): number {
  const flag = BUNDLE_LIMIT_FLAGS[name]
  const trimmed = text.trim().replace(/[_,]/g, '')
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(trimmed)
  const unit = match ? match[2].toLowerCase() : ''
  const factor = COUNTS.has(name) ? (unit === '' ? 1 : undefined) : UNITS[unit]
  const value = match && factor !== undefined ? Math.floor(Number(match[1]) * factor) : NaN
  if (!Number.isSafeInteger(value) || value <= 0) {
    const want = COUNTS.has(name) ? 'a positive whole number, e.g. 500000' : 'a size such as 512MiB, 4GiB or 3G'
    throw new BundleLimitFlagError(`${flag} ${JSON.stringify(text)}: expected ${want}`)
  }
  return value
}

/** A limit flag with a value that is not a size or count. */
export class BundleLimitFlagError extends UserError {
  override readonly name = 'BundleLimitFlagError'
}

/** A bundle that crosses one of the limits: the message names the bundle, the limit and the flag to raise it. */
export class BundleLimitError extends BundleError {
  constructor(
    message: string,
    path: string,
    /** which limit */
    readonly limit: BundleLimitName,
  ) {
    super(message, path)
  }
}

/** "(raise it with --max-bundle-bytes)" */
export function raiseHint(name: BundleLimitName): string {
  return `(raise it with ${BUNDLE_LIMIT_FLAGS[name]})`
}
