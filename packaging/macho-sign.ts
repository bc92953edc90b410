// Ad-hoc code signature for a 64-bit Mach-O executable, written here because no signing tool is available on
// Linux from Debian or the npm registry. macOS on Apple silicon refuses to start an executable without a valid
// signature; an ad-hoc one (no certificate) is what the linker itself writes. The layout is the linker's:
// a SuperBlob holding one CodeDirectory (version 0x20400, flags adhoc|linker-signed, SHA-256 of every 4 KiB
// page up to the signature). verifyAdhocSignature() recomputes every page hash, for the tests and the build.
import {createHash} from 'node:crypto'
import {readFile, writeFile} from 'node:fs/promises'

const MH_MAGIC_64 = 0xfeedfacf
const MH_EXECUTE = 2
const LC_SEGMENT_64 = 0x19
const LC_CODE_SIGNATURE = 0x1d
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0
const CSMAGIC_CODEDIRECTORY = 0xfade0c02
const CS_ADHOC = 0x2
const CS_LINKER_SIGNED = 0x20000
const CS_EXECSEG_MAIN_BINARY = 0x1
const CD_VERSION = 0x20400
const CD_HEADER = 88
const PAGE_SHIFT = 12
const PAGE = 1 << PAGE_SHIFT
const HASH_SIZE = 32
const HASH_SHA256 = 2

interface Layout {
  filetype: number
  signatureCmd: number
  dataoff: number
  datasize: number
  linkeditCmd: number
  linkeditFileoff: bigint
  textFileoff: bigint
  textFilesize: bigint
}

function layout(buf: Buffer): Layout {
  if (buf.length < 32 || buf.readUInt32LE(0) !== MH_MAGIC_64) throw new Error('not a 64-bit little-endian Mach-O file')
  const filetype = buf.readUInt32LE(12)
  const ncmds = buf.readUInt32LE(16)
  let off = 32
  let signatureCmd = -1
  let linkeditCmd = -1
  let textFileoff = 0n
  let textFilesize = 0n
  let linkeditFileoff = 0n
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(off)
    const size = buf.readUInt32LE(off + 4)
    if (cmd === LC_CODE_SIGNATURE) signatureCmd = off
    if (cmd === LC_SEGMENT_64) {
      const name = buf.toString('latin1', off + 8, off + 24).replace(/\0+$/, '')
      if (name === '__TEXT') {
        textFileoff = buf.readBigUInt64LE(off + 40)
        textFilesize = buf.readBigUInt64LE(off + 48)
      }
      if (name === '__LINKEDIT') {
        linkeditCmd = off
        linkeditFileoff = buf.readBigUInt64LE(off + 40)
      }
    }
    off += size
  }
  if (signatureCmd < 0) throw new Error('no LC_CODE_SIGNATURE load command to fill in')
  if (linkeditCmd < 0) throw new Error('no __LINKEDIT segment')
  return {
    filetype, signatureCmd, linkeditCmd, linkeditFileoff, textFileoff, textFilesize,
    dataoff: buf.readUInt32LE(signatureCmd + 8),
    datasize: buf.readUInt32LE(signatureCmd + 12),
  }
}

function pageHashes(code: Buffer): Buffer {
  const slots = Math.ceil(code.length / PAGE)
  const out = Buffer.alloc(slots * HASH_SIZE)
  for (let i = 0; i < slots; i++) createHash('sha256').update(code.subarray(i * PAGE, Math.min((i + 1) * PAGE, code.length))).digest().copy(out, i * HASH_SIZE)
  return out
}

/** The signed file: everything up to the old signature, the load commands updated for the new one's size, then
 * the new signature, which covers every byte before it. */
export function signAdhoc(input: Buffer, identifier: string): Buffer {
  const l = layout(input)
  const ident = Buffer.from(`${identifier}\0`, 'utf8')
  const slots = Math.ceil(l.dataoff / PAGE)
  const cdLength = CD_HEADER + ident.length + slots * HASH_SIZE
  const superLength = 12 + 8 + cdLength
  const out = Buffer.alloc(l.dataoff + superLength)
  input.copy(out, 0, 0, l.dataoff)
  // the load commands first: they are in the first page, which is hashed too
  out.writeUInt32LE(superLength, l.signatureCmd + 12)
  const linkeditFilesize = BigInt(l.dataoff + superLength) - l.linkeditFileoff
  out.writeBigUInt64LE(linkeditFilesize, l.linkeditCmd + 48)
  if (out.readBigUInt64LE(l.linkeditCmd + 32) < linkeditFilesize) out.writeBigUInt64LE(((linkeditFilesize + 0xfffn) / 0x1000n) * 0x1000n, l.linkeditCmd + 32)

  let p = l.dataoff
  out.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, p)
  out.writeUInt32BE(superLength, p + 4)
  out.writeUInt32BE(1, p + 8)
  out.writeUInt32BE(0, p + 12) // slot type: CodeDirectory
  out.writeUInt32BE(20, p + 16) // its offset in the SuperBlob
  p += 20
  const cd = p
  out.writeUInt32BE(CSMAGIC_CODEDIRECTORY, cd)
  out.writeUInt32BE(cdLength, cd + 4)
  out.writeUInt32BE(CD_VERSION, cd + 8)
  out.writeUInt32BE(CS_ADHOC | CS_LINKER_SIGNED, cd + 12)
  out.writeUInt32BE(CD_HEADER + ident.length, cd + 16) // hashOffset
  out.writeUInt32BE(CD_HEADER, cd + 20) // identOffset
  out.writeUInt32BE(0, cd + 24) // nSpecialSlots
  out.writeUInt32BE(slots, cd + 28)
  out.writeUInt32BE(l.dataoff, cd + 32) // codeLimit
  out.writeUInt8(HASH_SIZE, cd + 36)
  out.writeUInt8(HASH_SHA256, cd + 37)
  out.writeUInt8(0, cd + 38) // platform
  out.writeUInt8(PAGE_SHIFT, cd + 39)
  // spare2, scatterOffset, teamOffset, spare3, codeLimit64 stay 0
  out.writeBigUInt64BE(l.textFileoff, cd + 64)
  out.writeBigUInt64BE(l.textFilesize, cd + 72)
  out.writeBigUInt64BE(l.filetype === MH_EXECUTE ? BigInt(CS_EXECSEG_MAIN_BINARY) : 0n, cd + 80)
  ident.copy(out, cd + CD_HEADER)
  pageHashes(out.subarray(0, l.dataoff)).copy(out, cd + CD_HEADER + ident.length)
  return out
}

export async function adhocSign(path: string, identifier: string): Promise<void> {
  await writeFile(path, signAdhoc(await readFile(path), identifier))
}

/** Why the file's signature would not pass macOS's check of the code pages, or null when it would. */
export function verifyAdhocSignature(buf: Buffer): string | null {
  let l: Layout
  try {
    l = layout(buf)
  } catch (e) {
    return (e as Error).message
  }
  if (l.dataoff + l.datasize > buf.length) return 'the signature runs past the end of the file'
  const sb = buf.subarray(l.dataoff, l.dataoff + l.datasize)
  if (sb.length < 12 || sb.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) return 'no embedded signature SuperBlob'
  try {
    return checkCodeDirectory(buf, sb, l)
  } catch {
    return 'the signature is cut short or malformed'
  }
}

function checkCodeDirectory(buf: Buffer, sb: Buffer, l: Layout): string | null {
  const count = sb.readUInt32BE(8)
  for (let i = 0; i < count; i++) {
    if (sb.readUInt32BE(12 + 8 * i) !== 0) continue
    const cd = sb.subarray(sb.readUInt32BE(16 + 8 * i))
    if (cd.readUInt32BE(0) !== CSMAGIC_CODEDIRECTORY) return 'the CodeDirectory slot holds something else'
    const hashOffset = cd.readUInt32BE(16)
    const slots = cd.readUInt32BE(28)
    const codeLimit = cd.readUInt32BE(32)
    if (cd.readUInt8(36) !== HASH_SIZE || cd.readUInt8(37) !== HASH_SHA256) return 'not a SHA-256 CodeDirectory'
    if (cd.readUInt8(39) !== PAGE_SHIFT) return 'not 4 KiB pages'
    if (codeLimit !== l.dataoff) return `the signature covers ${codeLimit} bytes, not the ${l.dataoff} before it`
    const expected = pageHashes(buf.subarray(0, codeLimit))
    if (slots * HASH_SIZE !== expected.length) return 'wrong number of page hashes'
    for (let s = 0; s < slots; s++) {
      if (!expected.subarray(s * HASH_SIZE, (s + 1) * HASH_SIZE).equals(cd.subarray(hashOffset + s * HASH_SIZE, hashOffset + (s + 1) * HASH_SIZE))) {
        return `page ${s} does not match its hash`
      }
    }
    return null
  }
  return 'no CodeDirectory'
}
