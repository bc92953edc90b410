// .tar.gz helpers for bundles: pack a directory, and unpack an archive only after every entry
// has been checked (no absolute paths, no "..", nothing but files and directories).
import {create, extract, list, type ReadEntry} from 'tar'

/** A bundle path that names an archive rather than a directory. */
export function isArchivePath(path: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(path)
}

/** The top directory inside an archive: the file name without its extension ("x.tar.gz" -> "x"). */
export function archiveTopName(fileName: string): string {
  const top = fileName.replace(/\.(tar\.gz|tgz)$/i, '')
  return top === '' || top === '.' || top === '..' ? 'bundle' : top
}

/** Why an archive entry path is unsafe to extract, or null when it is fine. */
export function unsafeEntryReason(entryPath: string): string | null {
  if (entryPath.includes('\u0000')) return 'contains a NUL byte'
  if (/^[/\\]/.test(entryPath) || /^[a-zA-Z]:/.test(entryPath)) return 'absolute path'
  if (entryPath.split(/[/\\]/).includes('..')) return 'contains ".."'
  return null
}

const EXTRACTED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory'])

export class UnsafeArchiveEntry extends Error {
  constructor(
    readonly entryPath: string,
    readonly reason: string,
  ) {
    super(`unsafe entry ${JSON.stringify(entryPath)} (${reason})`)
  }
}

/** gzip the directory `cwd/top` into `file`, entries under `top/`. */
export async function packDirectory(cwd: string, top: string, file: string): Promise<void> {
  await create({gzip: true, file, cwd, portable: true, strict: true}, [top])
}

/**
 * Extract `file` into `dest`. Every entry is checked first (a separate read pass, so nothing
 * is written when one is unsafe): absolute paths and ".." throw UnsafeArchiveEntry. Links,
 * devices and FIFOs are not extracted (a bundle holds only files and directories).
 * A corrupt gzip or tar stream throws the underlying node-tar/zlib error.
 */
export async function unpackArchive(file: string, dest: string): Promise<void> {
  let unsafe: UnsafeArchiveEntry | null = null
  await list({
    file,
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const reason = unsafeEntryReason(entry.path)
      if (reason !== null && unsafe === null) unsafe = new UnsafeArchiveEntry(entry.path, reason)
    },
  })
  if (unsafe !== null) throw unsafe
  await extract({
    file,
    cwd: dest,
    strict: true,
    preserveOwner: false,
    filter: (_path, entry) => 'type' in entry && EXTRACTED_TYPES.has(entry.type),
  })
}
