// .tar.gz helpers for bundles: pack a directory, and read an archive into memory — in one streaming pass that
// checks every entry as its header arrives (no absolute paths, no "..", nothing followed or extracted but
// files and directories) and stops the moment a limit of the Budget is crossed. Nothing is written to disk.
import {constants} from 'node:fs'
import {open} from 'node:fs/promises'
import {Readable, pipeline} from 'node:stream'
import {createGunzip} from 'node:zlib'
import {create, Parser, type ReadEntry} from 'tar'
import {MemoryTree, SYMLINK, type Budget} from './bundle-tree.js'

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

export class UnsafeArchiveEntry extends Error {
  constructor(
    readonly entryPath: string,
    readonly reason: string,
  ) {
    super(`unsafe entry ${JSON.stringify(entryPath)} (${reason})`)
  }
}

/** The archive is not a tar inside one gzip layer (e.g. a gzip inside the gzip, which would escape the limits). */
export class NotATarArchive extends Error {}

/** gzip the directory `cwd/top` into `file`, entries under `top/`. */
export async function packDirectory(cwd: string, top: string, file: string): Promise<void> {
  await create({gzip: true, file, cwd, portable: true, strict: true}, [top])
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile'])

/** Why an entry of a type other than file or directory is not extracted. */
function notExtracted(type: string): string {
  switch (type) {
    case 'SymbolicLink':
      return SYMLINK
    case 'Link':
      return 'is a hard link; not followed'
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'is a device, not a regular file; not read'
    case 'FIFO':
      return 'is a FIFO (named pipe), not a regular file; not read'
    default:
      return `is a tar entry of type ${type}, not a regular file; not read`
  }
}

/** "./top//nodes/a/" -> "top/nodes/a" */
function normalEntryPath(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/')
}

const GZIP_MAGIC = [0x1f, 0x8b]
/** top/nodes/<node>/<file> */
const MAX_DEPTH = 4
const CHUNK = 64 * 1024

/**
 * Read the archive `file` (a gzipped tar, or a plain one) into memory. Every entry is checked as its header
 * arrives, before its content is decompressed: the entry count, its size, an unsafe path (UnsafeArchiveEntry).
 * Regular files for which `keep(path)` holds are kept with their content, other files are skipped; links,
 * devices and FIFOs are recorded as not read. Nothing deeper than 4 levels (top/nodes/<node>/<file>) is kept. The compressed and the decompressed
 * bytes are counted as they stream, so a gzip bomb stops at the first limit it crosses, and reading stops at
 * the tar's end-of-archive marker (whatever follows it is never decompressed).
 * Limits throw BundleLimitError; a corrupt gzip or tar stream throws the underlying zlib/node-tar error.
 */
export async function readArchive(file: string, budget: Budget, keep: (path: string) => boolean): Promise<MemoryTree> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new NotATarArchive('not a regular file')
    budget.archive(info.size)
    const head = Buffer.alloc(2)
    const {bytesRead} = await handle.read(head, 0, 2, 0)
    const gzip = bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]

    const tree = new MemoryTree()
    let failure: unknown = null
    let sawEof = false
    const fail = (err: unknown): void => {
      failure ??= err
    }

    const parser = new Parser({
      strict: true,
      // the decompressed stream is the tar itself: no second layer of compression is unpacked
      zstd: false,
      brotli: false,
      // called as each header arrives, before its content: false = skip the content without keeping it
      filter: (_path, entry) => {
        if (failure !== null) return false
        try {
          return admit(entry as ReadEntry)
        } catch (err) {
          fail(err)
          return false
        }
      },
      onReadEntry: (entry) => {
        const chunks: Buffer[] = []
        entry.on('data', (chunk: Buffer) => void chunks.push(chunk))
        // a copy: the chunks are views of the decompressed stream's buffers
        entry.on('end', () => tree.addFile(normalEntryPath(entry.path), Buffer.concat(chunks)))
      },
    })
    parser.on('error', fail)
    parser.on('eof', () => {
      sawEof = true
    })
    const ended = new Promise<void>((resolve) => {
      parser.on('end', () => resolve())
      parser.on('error', () => resolve())
      parser.on('abort', () => resolve())
    })

    function admit(entry: ReadEntry): boolean {
      budget.entry()
      const reason = unsafeEntryReason(entry.path)
      if (reason !== null) throw new UnsafeArchiveEntry(entry.path, reason)
      const rel = normalEntryPath(entry.path)
      if (entry.size > 0) budget.file(rel === '' ? entry.path : rel, entry.size, false)
      // nothing reads below top/nodes/<node>/<file>: deeper entries are counted, not kept
      const depth = rel === '' ? 0 : rel.split('/', MAX_DEPTH + 1).length
      if (depth > MAX_DEPTH) return false
      if (FILE_TYPES.has(entry.type)) return depth > 0 && keep(rel)
      if (entry.type === 'Directory') {
        if (depth < MAX_DEPTH) tree.addDir(rel)
      } else tree.addSpecial(rel, notExtracted(entry.type))
      return false
    }

    // compressed bytes, counted (and never more read than the limit allows)
    let compressed = 0
    const fileStream = handle.createReadStream({start: 0, end: budget.limits.archiveBytes, highWaterMark: CHUNK, autoClose: false})
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of fileStream as AsyncIterable<Buffer>) {
        compressed += chunk.length
        if (compressed > budget.limits.archiveBytes) budget.archive(compressed, true)
        yield chunk
      }
    }
    const source = Readable.from(counted(), {objectMode: false})
    const tar: Readable = gzip ? pipeline(source, createGunzip({chunkSize: CHUNK}), () => {}) : source

    let first = true
    try {
      for await (const chunk of tar as AsyncIterable<Buffer>) {
        if (first && chunk.length >= 2 && chunk[0] === GZIP_MAGIC[0] && chunk[1] === GZIP_MAGIC[1]) {
          throw new NotATarArchive('a gzip inside the gzip, not a tar archive')
        }
        first = false
        budget.add(chunk.length)
        parser.write(chunk)
        if (failure !== null || sawEof) break
      }
    } finally {
      source.destroy()
      fileStream.destroy()
    }
    if (failure !== null) throw failure
    parser.end()
    await ended
    if (failure !== null) throw failure
    return tree
  } finally {
    await handle.close().catch(() => {})
  }
}
