// The ad-hoc Mach-O signature the release build puts on the macOS executables (packaging/macho-sign.ts), on a
// small Mach-O made here: every page hashed up to the signature, the load commands sized for it, and a changed
// byte caught by the verifier the build runs. (On Bun's own darwin-arm64 output it reproduces Bun's signature
// byte for byte: docs/release.md.)
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {test} from 'node:test'
import {signAdhoc, verifyAdhocSignature} from '../../packaging/macho-sign.js'

/** header, __TEXT and __LINKEDIT segments and an empty LC_CODE_SIGNATURE at the end of __LINKEDIT */
function tinyMachO(): Buffer {
  const dataoff = 3 * 4096 + 16
  const buf = Buffer.concat([Buffer.alloc(32 + 72 + 72 + 16), randomBytes(dataoff - 192)])
  buf.writeUInt32LE(0xfeedfacf, 0)
  buf.writeUInt32LE(0x0100000c, 4) // arm64
  buf.writeUInt32LE(2, 12) // MH_EXECUTE
  buf.writeUInt32LE(3, 16)
  buf.writeUInt32LE(72 + 72 + 16, 20)
  const segment = (at: number, name: string, fileoff: number, filesize: number) => {
    buf.writeUInt32LE(0x19, at)
    buf.writeUInt32LE(72, at + 4)
    buf.write(name.padEnd(16, '\0'), at + 8, 'latin1')
    buf.writeBigUInt64LE(BigInt(filesize), at + 32) // vmsize
    buf.writeBigUInt64LE(BigInt(fileoff), at + 40)
    buf.writeBigUInt64LE(BigInt(filesize), at + 48)
  }
  segment(32, '__TEXT', 0, 8192)
  segment(104, '__LINKEDIT', 8192, dataoff - 8192)
  buf.writeUInt32LE(0x1d, 176)
  buf.writeUInt32LE(16, 180)
  buf.writeUInt32LE(dataoff, 184)
  buf.writeUInt32LE(0, 188)
  return buf
}

test('an unsigned Mach-O is refused by the verifier, signed it passes', () => {
  const plain = tinyMachO()
  assert.match(verifyAdhocSignature(plain) ?? '', /SuperBlob|past the end/)
  const signed = signAdhoc(plain, 'kubectl-kr')
  assert.equal(verifyAdhocSignature(signed), null)
  // the code up to the signature is unchanged but for the load commands that give its new size
  assert.deepEqual(signed.subarray(192, 3 * 4096 + 16), plain.subarray(192, 3 * 4096 + 16))
  const datasize = signed.readUInt32LE(188)
  assert.equal(signed.length, 3 * 4096 + 16 + datasize)
  assert.equal(signed.readBigUInt64LE(104 + 48), BigInt(signed.length - 8192), '__LINKEDIT covers the signature')
  // the identifier, and adhoc | linker-signed flags, as the linker writes them
  assert.ok(signed.subarray(3 * 4096 + 16).includes(Buffer.from('kubectl-kr\0')))
  assert.equal(signed.readUInt32BE(3 * 4096 + 16 + 20 + 12), 0x20002)
})

test('a byte changed after signing is caught, page by page; re-signing is stable', () => {
  const signed = signAdhoc(tinyMachO(), 'kubectl-kr')
  const tampered = Buffer.from(signed)
  tampered[4096 + 7] ^= 0xff
  assert.equal(verifyAdhocSignature(tampered), 'page 1 does not match its hash')
  assert.equal(verifyAdhocSignature(signAdhoc(tampered, 'kubectl-kr')), null)
  assert.deepEqual(signAdhoc(signed, 'kubectl-kr'), signed)
})

test('a file that is not a 64-bit Mach-O is refused with the reason', () => {
  assert.equal(verifyAdhocSignature(Buffer.from('\x7fELF not a mach-o file, padded to 32 bytes')), 'not a 64-bit little-endian Mach-O file')
  assert.throws(() => signAdhoc(Buffer.alloc(64), 'x'), /not a 64-bit little-endian Mach-O/)
})
