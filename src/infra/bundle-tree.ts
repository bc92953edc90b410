// What a bundle is read from: a directory on disk, or the files of a .tar.gz held in memory. Both answer the
// same three questions (what is at a path, what is in a directory, a file's bytes) without ever following a
// symbolic link or opening anything but a regular file, and every byte read is charged to one Budget, which
// throws a BundleLimitError the moment a limit is crossed.
import {constants, type Stats} from 'node:fs'
import {lstat, open, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {BundleLimitError, formatBytes, formatLimit, raiseHint, type BundleLimitName, type BundleLimits} from './bundle-limits.js'

/** What is at a path: nothing, a directory, a regular file, or something that is not read (`why` says so). */
export type TreeEntry = {kind: 'absent'} | {kind: 'dir'} | {kind: 'file'} | {kind: 'special'; why: string}

export interface BundleTree {
  /** what is at `rel` ('/'-separated, relative to the tree's root; '' is the root), never following a link */
  lookup(rel: string): Promise<TreeEntry>
  /** the entries of directory `rel` (each charged to `budget` when not counted before); [] when it is not a directory */
  list(rel: string, budget: Budget): Promise<{name: string; entry: TreeEntry}[]>
  /** a regular file's bytes or text (charged to `budget`), null when absent or a directory, {why} when not a regular file */
  read(rel: string, budget: Budget, json: boolean): Promise<Buffer | string | null | {why: string}>
}

export const SYMLINK = 'is a symbolic link; not followed'

/** Why an entry of this kind is not read. */
function specialReason(info: Pick<Stats, 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string {
  if (info.isSymbolicLink()) return SYMLINK
  if (info.isFIFO()) return 'is a FIFO (named pipe), not a regular file; not read'
  if (info.isSocket()) return 'is a socket, not a regular file; not read'
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'is a device, not a regular file; not read'
  return 'is not a regular file; not read'
}

// ---------- limits ----------

/** Counts what a bundle read has cost so far against its limits. */
export class Budget {
  entries = 0
  bytes = 0

  constructor(
    readonly limits: BundleLimits,
    /** the bundle path as the user gave it */
    readonly display: string,
  ) {}

  private exceeded(name: BundleLimitName, subject: string, what: string): never {
    throw new BundleLimitError(`${subject} exceeds the limit of ${formatLimit(name, this.limits[name])} ${what} ${raiseHint(name)}`, this.display, name)
  }

  /** One more file or directory. */
  entry(): void {
    if (++this.entries > this.limits.entries) this.exceeded('entries', `bundle ${this.display}`, 'files and directories')
  }

  /** `n` more bytes of uncompressed data. */
  add(n: number): void {
    this.bytes += n
    if (this.bytes > this.limits.totalBytes) this.exceeded('totalBytes', `bundle ${this.display}`, 'of uncompressed data')
  }

  /** The size of the compressed archive (`atLeast`: the size is known to be more than `size`). */
  archive(size: number, atLeast = false): void {
    if (size > this.limits.archiveBytes) {
      this.exceeded('archiveBytes', `bundle ${this.display} (${atLeast ? 'more than ' : ''}${formatBytes(size)})`, 'for a .tar.gz file')
    }
  }

  /** One file's size (`atLeast`: the size is known to be more than `size`); a JSON file has its own, lower limit. */
  file(rel: string, size: number, json: boolean, atLeast = false): void {
    const subject = `bundle ${this.display}: ${rel} (${atLeast ? 'more than ' : ''}${formatBytes(size)})`
    if (size > this.limits.fileBytes) this.exceeded('fileBytes', subject, 'per file')
    if (json && size > this.limits.jsonBytes) this.exceeded('jsonBytes', subject, 'per JSON file')
  }

  /** The most bytes one file may have. */
  fileCap(json: boolean): number {
    return json ? Math.min(this.limits.fileBytes, this.limits.jsonBytes) : this.limits.fileBytes
  }

  /** Nesting of a JSON text, checked before it is parsed. */
  jsonDepth(rel: string, text: string): void {
    if (jsonNestingExceeds(text, this.limits.jsonDepth)) this.exceeded('jsonDepth', `bundle ${this.display}: ${rel}`, 'levels of JSON nesting')
  }
}

/** True when the arrays and objects of `text` nest deeper than `max` (strings are skipped; a linear scan, no recursion). */
export function jsonNestingExceeds(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

// ---------- a directory on disk ----------

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as {code: unknown}).code) : undefined
}

// O_NOFOLLOW: a link swapped in after the lstat is refused by the kernel (ELOOP). O_NONBLOCK: a FIFO swapped in
// does not block the open; it is then seen by fstat and never read.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)
const CHUNK = 1024 * 1024

export class DirectoryTree implements BundleTree {
  constructor(readonly root: string) {}

  private path(rel: string): string {
    return rel === '' ? this.root : join(this.root, ...rel.split('/'))
  }

  async lookup(rel: string): Promise<TreeEntry> {
    let info: Stats
    try {
      info = await lstat(this.path(rel))
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return {kind: 'absent'}
      throw err
    }
    if (info.isDirectory()) return {kind: 'dir'}
    if (info.isFile()) return {kind: 'file'}
    return {kind: 'special', why: specialReason(info)}
  }

  async list(rel: string, budget: Budget): Promise<{name: string; entry: TreeEntry}[]> {
    let entries
    try {
      entries = await readdir(this.path(rel), {withFileTypes: true})
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return []
      throw err
    }
    for (let i = 0; i < entries.length; i++) budget.entry()
    return entries.map((e) => ({
      name: e.name,
      entry: e.isDirectory() ? {kind: 'dir'} : e.isFile() ? {kind: 'file'} : {kind: 'special', why: specialReason(e)},
    }))
  }

  async read(rel: string, budget: Budget, json: boolean): Promise<Buffer | string | null | {why: string}> {
    const full = this.path(rel)
    const before = await this.lookup(rel)
    if (before.kind === 'absent' || before.kind === 'dir') return null
    if (before.kind === 'special') return {why: before.why}
    let handle
    try {
      handle = await open(full, OPEN_FLAGS)
    } catch (err) {
      const code = errnoCode(err)
      if (code === 'ENOENT' || code === 'ENOTDIR') return null
      if (code === 'ELOOP') return {why: SYMLINK}
      if (code === 'ENXIO' || code === 'ENODEV') return {why: 'is not a regular file; not read'}
      throw err
    }
    try {
      const info = await handle.stat()
      if (!info.isFile()) return info.isDirectory() ? null : {why: specialReason(info)}
      budget.entry()
      budget.file(rel, info.size, json)
      const cap = budget.fileCap(json)
      // the size may change while reading: never read more than the cap allows. The first read asks for the
      // whole file (and one byte more, to see it grew); the caller decodes the bytes once. Node's readFile(…,
      // 'utf8') decodes chunk by chunk into a rope that costs ~10x more to flatten on a 32 MB file (bench/).
      const chunks: Buffer[] = []
      let got = 0
      for (;;) {
        const want = Math.min(cap + 1 - got, Math.max(CHUNK, info.size + 1 - got))
        const buffer = Buffer.allocUnsafe(want)
        const {bytesRead} = await handle.read(buffer, 0, want, null)
        if (bytesRead === 0) break
        chunks.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead))
        got += bytesRead
        if (got > cap) budget.file(rel, cap, json, true)
        budget.add(bytesRead)
      }
      return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, got)
    } finally {
      await handle.close()
    }
  }
}

// ---------- the files of an archive, in memory ----------

type MemNode = {kind: 'dir'; children: Map<string, MemNode>} | {kind: 'file'; data: Buffer} | {kind: 'special'; why: string}

/** An archive's tree: directories, the files worth keeping (with their content), and what was not extracted. */
export class MemoryTree implements BundleTree {
  private readonly root: MemNode & {kind: 'dir'} = {kind: 'dir', children: new Map()}

  private find(rel: string): MemNode | null {
    let node: MemNode = this.root
    for (const part of rel === '' ? [] : rel.split('/')) {
      if (node.kind !== 'dir') return null
      const next = node.children.get(part)
      if (next === undefined) return null
      node = next
    }
    return node
  }

  /** Put `node` at `rel`, creating the directories above it (a later entry replaces an earlier one, as tar does). */
  private set(rel: string, node: MemNode): void {
    const parts = rel === '' ? [] : rel.split('/')
    if (parts.length === 0) return
    let dir: MemNode & {kind: 'dir'} = this.root
    for (const part of parts.slice(0, -1)) {
      let next = dir.children.get(part)
      if (next?.kind !== 'dir') {
        next = {kind: 'dir', children: new Map()}
        dir.children.set(part, next)
      }
      dir = next
    }
    const last = parts[parts.length - 1]
    if (node.kind === 'dir' && dir.children.get(last)?.kind === 'dir') return
    dir.children.set(last, node)
  }

  addDir(rel: string): void {
    this.set(rel, {kind: 'dir', children: new Map()})
  }

  addFile(rel: string, data: Buffer): void {
    this.set(rel, {kind: 'file', data})
  }

  addSpecial(rel: string, why: string): void {
    this.set(rel, {kind: 'special', why})
  }

  private static entry(node: MemNode | null): TreeEntry {
    if (node === null) return {kind: 'absent'}
    return node.kind === 'special' ? {kind: 'special', why: node.why} : {kind: node.kind}
  }

  async lookup(rel: string): Promise<TreeEntry> {
    return MemoryTree.entry(this.find(rel))
  }

  // entries were counted while extracting
  async list(rel: string, _budget: Budget): Promise<{name: string; entry: TreeEntry}[]> {
    const node = this.find(rel)
    if (node?.kind !== 'dir') return []
    return [...node.children].map(([name, child]) => ({name, entry: MemoryTree.entry(child)}))
  }

  async read(rel: string, budget: Budget, json: boolean): Promise<Buffer | null | {why: string}> {
    const node = this.find(rel)
    if (node === null || node.kind === 'dir') return null
    if (node.kind === 'special') return {why: node.why}
    // sizes and the total were charged while extracting; a JSON file has its own limit
    budget.file(rel, node.data.length, json)
    return node.data
  }
}
