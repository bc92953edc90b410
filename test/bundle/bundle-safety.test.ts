// Hostile bundles (security audit, issue 10): real files, real archives, no mocks. Every limit stops the read at
// once with a one-line BundleLimitError naming the limit, the bundle and the flag; nothing outside a directory
// bundle is ever read; nothing but regular files is ever opened.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {gzipSync} from 'node:zlib'
import {create, list} from 'tar'
import {
  BundleError,
  BundleLimitError,
  DEFAULT_BUNDLE_LIMITS,
  parseBundleLimit,
  readBundle,
  writeBundle,
  type BundleLimitName,
} from '../../src/infra/bundle.js'
import {unmet} from '../helpers/requirements.js'
import {sampleSnapshot} from './sample-snapshot.js'

let work: string
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kr-bundle-safety-'))
})
after(async () => {
  await rm(work, {recursive: true, force: true})
})

let counter = 0
const fresh = (name: string): string => join(work, `${counter++}-${name}`)

const MiB = 1024 * 1024
const GiB = 1024 * MiB

// ---------- raw tar, built by hand so the archives can be hostile ----------

/** One ustar header block. `type`: '0' file, '2' symlink, '3' char device, '5' directory, '6' FIFO. */
function tarHeader(name: string, size: number, type = '0', linkpath = ''): Buffer {
  const h = Buffer.alloc(512)
  h.write(name, 0, 100)
  h.write('0000644\0', 100)
  h.write('0000000\0', 108)
  h.write('0000000\0', 116)
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124)
  h.write('00000000000\0', 136)
  h.write('        ', 148)
  h.write(type, 156)
  h.write(linkpath, 157, 100)
  h.write('ustar\0', 257)
  h.write('00', 263)
  let sum = 0
  for (let i = 0; i < 512; i++) sum += h[i]
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return h
}

const pad = (size: number): Buffer => Buffer.alloc((512 - (size % 512)) % 512)
const tarFile = (name: string, content: string | Buffer): Buffer[] => {
  const body = Buffer.from(content)
  return [tarHeader(name, body.length), body, pad(body.length)]
}
const END = Buffer.alloc(1024)

/** `count` MiB of zeros as concatenated gzip members: one 16 MiB member (~16 KB) repeated, built in ~0.2 s. */
function gzippedZeros(count: number): Buffer[] {
  const member = gzipSync(Buffer.alloc(16 * MiB), {level: 9})
  return Array.from({length: Math.ceil(count / 16)}, () => member)
}

async function assertLimit(promise: Promise<unknown>, path: string, limit: BundleLimitName, pattern: RegExp): Promise<BundleLimitError> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof BundleLimitError, `expected BundleLimitError, got ${String(err)}`)
    assert.equal(err.limit, limit)
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`)
    assert.ok(err.message.includes(path), `names the bundle: ${err.message}`)
    assert.match(err.message, /exceeds the limit of .+ \(raise it with --max-bundle-[a-z-]+\)$/)
    assert.match(err.message, pattern)
    assert.equal(err.exitCode, 2)
    return err
  }
  assert.fail('expected a BundleLimitError')
}

async function assertBundleError(promise: Promise<unknown>, path: string, pattern: RegExp): Promise<void> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof BundleError, `expected BundleError, got ${String(err)}`)
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`)
    assert.ok(err.message.includes(path), `names the path: ${err.message}`)
    assert.match(err.message, pattern)
    return
  }
  assert.fail('expected a BundleError')
}

/** CPU time (user + system, ms) and wall time of `fn`. */
async function timed(fn: () => Promise<unknown>): Promise<{cpuMs: number; wallMs: number}> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  await fn().catch(() => {})
  const used = process.cpuUsage(cpu)
  return {cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start}
}

async function kubectlKrTempDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => n.startsWith('kubectl-kr-bundle-'))
}

// ---------- archives ----------

test('gzip bomb: a 3 MB .tar.gz holding a file of 3 GiB of zeros is refused at its header, in well under a second, nothing written', async () => {
  const path = fresh('bomb.tar.gz')
  const header = gzipSync(Buffer.concat([...tarFile('bomb/manifest.json', '{"kind":"KrBundle","schemaVersion":1}'), tarHeader('bomb/nodes/a/iptables.txt', 3 * GiB)]))
  await writeFile(path, Buffer.concat([header, ...gzippedZeros(3 * 1024)]))
  assert.ok((await readFile(path)).length < 4 * MiB)
  const tempsBefore = await kubectlKrTempDirs()
  const rssBefore = process.memoryUsage().rss
  const {cpuMs} = await timed(() =>
    assertLimit(readBundle(path), path, 'fileBytes', /bomb\/nodes\/a\/iptables\.txt \(3 GiB\) exceeds the limit of 256 MiB per file \(raise it with --max-bundle-file-size\)$/),
  )
  assert.ok(cpuMs < 1000, `refused after ${cpuMs} ms of CPU`)
  assert.ok(process.memoryUsage().rss - rssBefore < 200 * MiB, 'memory stays small')
  assert.deepEqual(await kubectlKrTempDirs(), tempsBefore, 'no temporary extraction')

  // the same in a file nobody reads: every entry's size counts, not only the kept ones
  const junk = fresh('junk-bomb.tgz')
  await writeFile(junk, Buffer.concat([gzipSync(tarHeader('x/nodes/a/junk.bin', 3 * GiB)), ...gzippedZeros(64)]))
  await assertLimit(readBundle(junk), junk, 'fileBytes', /x\/nodes\/a\/junk\.bin/)
})

test('zeros after the end-of-archive marker are never decompressed', async () => {
  const path = fresh('trailing.tar.gz')
  const tar = Buffer.concat([...tarFile('t/manifest.json', '{"kind":"KrBundle","schemaVersion":1}'), ...tarFile('t/nodes/a/ipset.txt', 'create x hash:ip\n'), END])
  await writeFile(path, Buffer.concat([gzipSync(tar), ...gzippedZeros(3 * 1024)]))
  let nodes: {name: string; files: Record<string, string | undefined>}[] = []
  const {cpuMs} = await timed(async () => (nodes = (await readBundle(path)).nodes))
  assert.deepEqual(
    nodes.map((n) => [n.name, n.files['ipset.txt']]),
    [['a', 'create x hash:ip\n']],
  )
  assert.ok(cpuMs < 1000, `${cpuMs} ms of CPU`)
})

test('total uncompressed data: files each under the per-file limit stop at the total', async () => {
  const path = fresh('total.tgz')
  const parts = [...tarFile('t/manifest.json', '{}')]
  for (let i = 0; i < 6; i++) parts.push(tarHeader(`t/nodes/n${i}/iptables.txt`, 2 * MiB), Buffer.alloc(2 * MiB))
  await writeFile(path, gzipSync(Buffer.concat([...parts, END])))
  const err = await assertLimit(readBundle(path, {totalBytes: 8 * MiB}), path, 'totalBytes', /^bundle \S+ exceeds the limit of 8 MiB of uncompressed data \(raise it with --max-bundle-bytes\)$/)
  assert.ok(err.message.startsWith(`bundle ${path} `))
  // raised, it is read
  assert.equal((await readBundle(path, {totalBytes: 16 * MiB})).nodes.length, 6)
})

/** An archive of `count` empty files (as fast as it gets: one header template, patched). */
function manyEntries(count: number): Buffer {
  const blocks = Buffer.alloc((count + 2) * 512)
  const template = tarHeader('m/nodes/n0000/f0000000', 0)
  for (let i = 0; i < count; i++) {
    const name = `m/nodes/n${String(i % 5000).padStart(4, '0')}/f${String(i).padStart(7, '0')}`
    const at = i * 512
    template.copy(blocks, at)
    blocks.write(name, at, 'latin1')
    let sum = 0
    for (let j = 0; j < 512; j++) sum += j >= 148 && j < 156 ? 32 : blocks[at + j]
    blocks.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1')
  }
  return gzipSync(blocks, {level: 1})
}

test('entry count: 60,000 entries stop at a 50,000 limit; beyond the default limit, refused in about a second of CPU', async () => {
  const sixty = fresh('60k.tgz')
  await writeFile(sixty, manyEntries(60_000))
  const small = await timed(() =>
    assertLimit(readBundle(sixty, {entries: 50_000}), sixty, 'entries', /exceeds the limit of 50,000 files and directories \(raise it with --max-bundle-entries\)$/),
  )
  assert.ok(small.cpuMs < 1500, `60,000 entries: ${small.cpuMs} ms of CPU`)

  const many = fresh('too-many.tgz')
  await writeFile(many, manyEntries(DEFAULT_BUNDLE_LIMITS.entries + 1))
  const big = await timed(() => assertLimit(readBundle(many), many, 'entries', /exceeds the limit of 150,000 files and directories/))
  assert.ok(big.cpuMs < 3000, `${DEFAULT_BUNDLE_LIMITS.entries + 1} entries: ${big.cpuMs} ms of CPU`)
})

test('archive size: a .tar.gz over the limit is refused before it is read', async () => {
  const sparse = fresh('huge.tar.gz')
  await writeFile(sparse, gzipSync(Buffer.from('x')))
  await truncate(sparse, DEFAULT_BUNDLE_LIMITS.archiveBytes + 1)
  await assertLimit(readBundle(sparse), sparse, 'archiveBytes', /huge\.tar\.gz \(1 GiB\) exceeds the limit of 1 GiB for a \.tar\.gz file \(raise it with --max-bundle-size\)$/)

  const normal = fresh('normal.tgz')
  await writeBundle(sampleSnapshot(), normal, '0.1.0')
  await assertLimit(readBundle(normal, {archiveBytes: 100}), normal, 'archiveBytes', /exceeds the limit of 100 bytes for a \.tar\.gz file/)
})

test('archives: links, devices and FIFOs are never extracted; a link at a source is a missing source saying so', async () => {
  const path = fresh('specials.tgz')
  const tar = Buffer.concat([
    ...tarFile('s/manifest.json', '{"kind":"KrBundle","schemaVersion":1}'),
    tarHeader('s/nodes/a/ipset.txt', 0, '2', '/etc/shadow'),
    tarHeader('s/nodes/a/iptables.txt', 0, '3'),
    tarHeader('s/nodes/a/ip-rule.json', 0, '6'),
    tarHeader('s/nodes/a/ip6-rule.json', 0, '1', 's/manifest.json'),
    ...tarFile('s/nodes/a/sysctl.txt', 'net.ipv4.vs.sloppy_tcp = 1\n'),
    tarHeader('s/nodes/b', 0, '2', '/etc'),
    END,
  ])
  await writeFile(path, gzipSync(tar))
  const snapshot = await readBundle(path)
  const a = snapshot.nodes.find((n) => n.name === 'a')!
  assert.deepEqual(a.files, {'sysctl.txt': 'net.ipv4.vs.sloppy_tcp = 1\n'})
  assert.equal(a.missing['ipset.txt'], 'nodes/a/ipset.txt is a symbolic link; not followed')
  assert.match(a.missing['iptables.txt']!, /is a device, not a regular file; not read/)
  assert.match(a.missing['ip-rule.json']!, /is a FIFO/)
  assert.match(a.missing['ip6-rule.json']!, /is a hard link; not followed/)
  const b = snapshot.nodes.find((n) => n.name === 'b')!
  assert.deepEqual(b.files, {})
  assert.equal(b.missing['ipset.txt'], 'nodes/b is a symbolic link; not followed')
})

test('archives: a gzip inside the gzip is not unpacked (it would escape the limits)', async () => {
  const inner = gzipSync(Buffer.concat([...tarFile('i/manifest.json', '{}'), END]))
  const path = fresh('double.tar.gz')
  await writeFile(path, gzipSync(inner))
  await assertBundleError(readBundle(path), path, /not a readable \.tar\.gz \(a gzip inside the gzip, not a tar archive\)/)
})

test('archives: an uncompressed tar named .tar.gz is still read', async () => {
  const path = fresh('plain.tar.gz')
  await writeFile(path, Buffer.concat([...tarFile('p/manifest.json', '{"kind":"KrBundle","schemaVersion":1}'), ...tarFile('p/nodes/a/ipset.txt', 'x'), END]))
  assert.equal((await readBundle(path)).nodes[0].files['ipset.txt'], 'x')
})

// ---------- JSON ----------

test('deep JSON (nesting 100,000) is refused before parsing; brackets inside strings do not count', async () => {
  const path = fresh('deep')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
  await writeFile(join(path, 'cluster/nodes.json'), `{"items": [], "x": ${deep}}`)
  const {cpuMs} = await timed(() =>
    assertLimit(readBundle(path), path, 'jsonDepth', /cluster\/nodes\.json exceeds the limit of 128 levels of JSON nesting \(raise it with --max-bundle-json-depth\)$/),
  )
  assert.ok(cpuMs < 1000, `${cpuMs} ms`)
  await writeFile(join(path, 'manifest.json'), deep)
  await assertLimit(readBundle(path), path, 'jsonDepth', /manifest\.json/)

  const fine = fresh('brackets-in-strings')
  await writeBundle(sampleSnapshot(), fine, '0.1.0')
  await writeFile(join(fine, 'cluster/nodes.json'), JSON.stringify({items: [], note: deep, quote: '\\"['}))
  assert.equal((await readBundle(fine)).cluster?.nodes.length, 0)
  // and in an archive
  const tgz = fresh('deep.tgz')
  await writeFile(tgz, gzipSync(Buffer.concat([...tarFile('d/manifest.json', deep), END])))
  await assertLimit(readBundle(tgz), tgz, 'jsonDepth', /d\/manifest\.json/)
})

test('huge JSON: over the JSON limit, and over the per-file limit without being read (sparse file)', async () => {
  const path = fresh('huge-json')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  const items = Array.from({length: 40_000}, (_, i) => ({metadata: {name: `svc-${i}`, namespace: 'default'}}))
  await writeFile(join(path, 'cluster/services.json'), JSON.stringify({kind: 'ServiceList', items}))
  await assertLimit(readBundle(path, {jsonBytes: MiB}), path, 'jsonBytes', /cluster\/services\.json \(\d+(\.\d)? MiB\) exceeds the limit of 1 MiB per JSON file \(raise it with --max-bundle-json-size\)$/)
  assert.equal((await readBundle(path)).cluster?.services.length, 40_000)

  // 300 MiB of nothing on disk: refused from its size, never read
  await truncate(join(path, 'cluster/services.json'), 300 * MiB)
  const {cpuMs} = await timed(() => assertLimit(readBundle(path), path, 'fileBytes', /cluster\/services\.json \(300 MiB\) exceeds the limit of 256 MiB per file/))
  assert.ok(cpuMs < 1000, `${cpuMs} ms`)
  await assertLimit(readBundle(path, {fileBytes: 512 * MiB}), path, 'jsonBytes', /cluster\/services\.json \(300 MiB\) exceeds the limit of 256 MiB per JSON file/)
})

test('directory bundles: a source file over the per-file limit, and the total', async () => {
  const path = fresh('big-source')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  await truncate(join(path, 'nodes/node-a/iptables.txt'), 257 * MiB)
  await assertLimit(readBundle(path), path, 'fileBytes', /nodes\/node-a\/iptables\.txt \(257 MiB\) exceeds the limit of 256 MiB per file/)
  await truncate(join(path, 'nodes/node-a/iptables.txt'), 3 * MiB)
  await assertLimit(readBundle(path, {totalBytes: 2 * MiB}), path, 'totalBytes', /of uncompressed data \(raise it with --max-bundle-bytes\)$/)
  await assertLimit(readBundle(path, {entries: 10}), path, 'entries', /exceeds the limit of 10 files and directories/)
})

// ---------- directory bundles: only regular files inside the bundle ----------

const SECRET = 'kr-secret-7f3a9c: root:$6$notreallyahash'

test('a symlink to a file outside the bundle is not read: a missing source saying so; the secret is nowhere, not in a saved copy', async () => {
  const outside = fresh('shadow')
  await writeFile(outside, SECRET)
  const path = fresh('linked')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  await rm(join(path, 'nodes/node-a/ipset.txt'), {force: true})
  await symlink(outside, join(path, 'nodes/node-a/ipset.txt'))
  const snapshot = await readBundle(path)
  const a = snapshot.nodes.find((n) => n.name === 'node-a')!
  assert.equal(a.files['ipset.txt'], undefined)
  assert.equal(a.missing['ipset.txt'], 'nodes/node-a/ipset.txt is a symbolic link; not followed')
  assert.ok(!JSON.stringify(snapshot).includes('kr-secret'))

  for (const copy of [fresh('copy'), fresh('copy.tar.gz')]) {
    await writeBundle(snapshot, copy, '0.1.0')
    const texts: string[] = []
    if (copy.endsWith('.tar.gz')) {
      await list({file: copy, onReadEntry: (e) => e.on('data', (c: Buffer) => texts.push(c.toString()))})
    } else {
      const walk = async (dir: string): Promise<void> => {
        for (const e of await readdir(dir, {withFileTypes: true})) {
          if (e.isDirectory()) await walk(join(dir, e.name))
          else texts.push(await readFile(join(dir, e.name), 'utf8'))
        }
      }
      await walk(copy)
    }
    assert.ok(texts.length > 10)
    assert.ok(!texts.join('\n').includes('kr-secret'), `no secret in ${copy}`)
    // the copy says why the source is missing
    assert.equal((await readBundle(copy)).nodes.find((n) => n.name === 'node-a')?.missing['ipset.txt'], 'nodes/node-a/ipset.txt is a symbolic link; not followed')
  }
})

test('a symlink inside the bundle is not followed either; a linked node directory is a node with every source missing', async () => {
  const path = fresh('inner-link')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  await rm(join(path, 'nodes/node-b/ipset.txt'), {force: true})
  await symlink('../node-a/ipset.txt', join(path, 'nodes/node-b/ipset.txt'))
  await mkdir(join(work, 'elsewhere'), {recursive: true})
  await writeFile(join(work, 'elsewhere', 'ipset.txt'), SECRET)
  await symlink(join(work, 'elsewhere'), join(path, 'nodes/node-z'))
  const snapshot = await readBundle(path)
  const b = snapshot.nodes.find((n) => n.name === 'node-b')!
  assert.equal(b.files['ipset.txt'], undefined)
  assert.match(b.missing['ipset.txt']!, /symbolic link; not followed/)
  const z = snapshot.nodes.find((n) => n.name === 'node-z')!
  assert.deepEqual(z.files, {})
  assert.equal(z.missing['ipset.txt'], 'nodes/node-z is a symbolic link; not followed')
  assert.ok(!JSON.stringify(snapshot).includes('kr-secret'))
})

test('a symlink in place of a structural file or directory refuses the bundle, naming it', async () => {
  const outside = fresh('outside.json')
  await writeFile(outside, JSON.stringify({kind: 'NodeList', items: [], secret: SECRET}))
  for (const [file, pattern] of [
    ['cluster/nodes.json', /cluster\/nodes\.json: is a symbolic link; not followed/],
    ['manifest.json', /manifest\.json: is a symbolic link; not followed/],
    ['nodes/node-a/missing.json', /nodes\/node-a\/missing\.json: is a symbolic link; not followed/],
    ['cluster', /cluster: is a symbolic link; not followed/],
  ] as const) {
    const path = fresh('structural-link')
    await writeBundle(sampleSnapshot(), path, '0.1.0')
    await rm(join(path, file), {recursive: true, force: true})
    await symlink(outside, join(path, file))
    await assertBundleError(readBundle(path), path, pattern)
  }
})

test('a FIFO is never opened: the read completes at once, the source is missing saying why; a FIFO manifest refuses', {skip: unmet({tools: ['mkfifo']})}, async () => {
  const path = fresh('fifo')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  await rm(join(path, 'nodes/node-a/iptables.txt'), {force: true})
  execFileSync('mkfifo', [join(path, 'nodes/node-a/iptables.txt')])
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('readBundle hung on a FIFO')), 5000).unref())
  const snapshot = (await Promise.race([readBundle(path), timeout])) as Awaited<ReturnType<typeof readBundle>>
  const a = snapshot.nodes.find((n) => n.name === 'node-a')!
  assert.equal(a.files['iptables.txt'], undefined)
  assert.equal(a.missing['iptables.txt'], 'nodes/node-a/iptables.txt is a FIFO (named pipe), not a regular file; not read')

  await rm(join(path, 'manifest.json'))
  execFileSync('mkfifo', [join(path, 'manifest.json')])
  await Promise.race([assertBundleError(readBundle(path), path, /manifest\.json: is a FIFO/), timeout])
})

test('a device node is never opened', {skip: unmet({root: true, tools: ['mknod']})}, async () => {
  const path = fresh('device')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  await rm(join(path, 'nodes/node-a/ipset.txt'), {force: true})
  // /dev/zero: reading it would never end
  execFileSync('mknod', [join(path, 'nodes/node-a/ipset.txt'), 'c', '1', '5'])
  const snapshot = await readBundle(path)
  assert.equal(snapshot.nodes.find((n) => n.name === 'node-a')?.missing['ipset.txt'], 'nodes/node-a/ipset.txt is a device, not a regular file; not read')
})

// ---------- manifest ----------

test('schemaVersion must be a positive integer: "banana", 0, -1, 1.5, "1", null, {} are refused naming the value', async () => {
  const path = fresh('schema')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8'))
  for (const [value, shown] of [
    ['banana', '"banana"'],
    [0, '0'],
    [-1, '-1'],
    [1.5, '1.5'],
    ['1', '"1"'],
    [null, 'null'],
    [{}, '{}'],
  ] as const) {
    await writeFile(join(path, 'manifest.json'), JSON.stringify({...manifest, schemaVersion: value}))
    await assertBundleError(
      readBundle(path),
      path,
      new RegExp(`manifest\\.json: schemaVersion ${shown.replace(/[.{}]/g, '\\$&')} is not a positive integer \\(this kubectl-kr reads schemaVersion 1\\)$`),
    )
  }
  // absent (a hand-made manifest) still reads as version 1
  const {schemaVersion: _, ...rest} = manifest
  await writeFile(join(path, 'manifest.json'), JSON.stringify(rest))
  assert.equal((await readBundle(path)).nodes.length, 2)
})

// ---------- the flag values ----------

test('parseBundleLimit: sizes with units, counts as numbers; a bad value is a one-line error naming the flag', () => {
  assert.equal(parseBundleLimit('totalBytes', '4GiB'), 4 * GiB)
  assert.equal(parseBundleLimit('totalBytes', '3G'), 3e9)
  assert.equal(parseBundleLimit('fileBytes', '512 MiB'), 512 * MiB)
  assert.equal(parseBundleLimit('archiveBytes', '1000000'), 1e6)
  assert.equal(parseBundleLimit('entries', '500,000'), 500_000)
  assert.equal(parseBundleLimit('jsonDepth', '256'), 256)
  assert.throws(() => parseBundleLimit('entries', '5k'), /--max-bundle-entries "5k": expected a positive whole number/)
  assert.throws(() => parseBundleLimit('totalBytes', 'lots'), /--max-bundle-bytes "lots": expected a size such as 512MiB/)
  assert.throws(() => parseBundleLimit('totalBytes', '0'), /--max-bundle-bytes/)
})

test('an archive written by writeBundle reads back identically under the default limits (no regression)', async () => {
  const path = fresh('roundtrip.tar.gz')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  const read = await readBundle(path)
  assert.deepEqual(read, {...sampleSnapshot(), mode: 'bundle', bundle: path})
  // the archive as tar writes it from a directory with pax headers for a long node name
  const dir = fresh('long-names')
  const long = `node-${'x'.repeat(200)}`
  const snap = sampleSnapshot()
  snap.nodes[0] = {...snap.nodes[0], name: long}
  await writeBundle(snap, dir, '0.1.0')
  const file = fresh('long.tgz')
  await create({gzip: true, file, cwd: dir}, await readdir(dir))
  assert.ok((await readBundle(file)).nodes.some((n) => n.name === long))
})
