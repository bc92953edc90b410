import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, test} from 'node:test'
import {create, list} from 'tar'
import {BundleError, checkBundleTarget, readBundle, writeBundle} from '../../src/infra/bundle.js'
import type {Snapshot} from '../../src/model/types.js'
import {sampleSnapshot} from './sample-snapshot.js'

let work: string
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kr-bundle-test-'))
})
after(async () => {
  await rm(work, {recursive: true, force: true})
})

let counter = 0
const fresh = (name: string): string => join(work, `${counter++}-${name}`)

const asBundle = (snapshot: Snapshot, path: string): Snapshot => ({...snapshot, mode: 'bundle', bundle: path})

async function assertBundleError(promise: Promise<unknown>, path: string, pattern: RegExp): Promise<BundleError> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof BundleError, `expected BundleError, got ${String(err)}`)
    assert.ok(!err.message.includes('\n'), `one line: ${JSON.stringify(err.message)}`)
    assert.ok(err.message.includes(path), `names the path: ${err.message}`)
    assert.match(err.message, pattern)
    assert.equal(err.path, path)
    return err
  }
  assert.fail('expected a BundleError')
}

async function tempLeftovers(): Promise<string[]> {
  return (await readdir(work)).filter((name) => name.includes('.tmp-'))
}

test('directory round trip', async () => {
  const path = fresh('bundle')
  const snapshot = sampleSnapshot()
  await writeBundle(snapshot, path, '0.1.0')
  assert.deepEqual(await readBundle(path), asBundle(snapshot, path))
  assert.deepEqual(await tempLeftovers(), [])
})

test('directory layout follows CONTRACT §5', async () => {
  const path = fresh('layout')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8'))
  assert.equal(manifest.kind, 'KrBundle')
  assert.equal(manifest.schemaVersion, 1)
  assert.equal(manifest.createdAt, '2025-05-01T10:00:00.000Z')
  assert.deepEqual(manifest.tool, {name: 'kubectl-kr', version: '0.1.0'})
  assert.equal(manifest.context, 'prod-eu')
  assert.equal(manifest.mode, 'cluster')

  const nodes = JSON.parse(await readFile(join(path, 'cluster/nodes.json'), 'utf8'))
  assert.deepEqual([nodes.apiVersion, nodes.kind, nodes.items.length], ['v1', 'NodeList', 2])
  const services = JSON.parse(await readFile(join(path, 'cluster/services.json'), 'utf8'))
  assert.deepEqual([services.apiVersion, services.kind], ['v1', 'ServiceList'])
  const slices = JSON.parse(await readFile(join(path, 'cluster/endpointslices.json'), 'utf8'))
  assert.deepEqual([slices.apiVersion, slices.kind], ['discovery.k8s.io/v1', 'EndpointSliceList'])
  const ds = JSON.parse(await readFile(join(path, 'cluster/kube-router.json'), 'utf8'))
  assert.equal(ds.metadata.name, 'kube-router')

  assert.deepEqual((await readdir(join(path, 'nodes'))).sort(), ['node-a', 'node-b'])
  assert.equal(await readFile(join(path, 'nodes/node-a/ip-route.json'), 'utf8'), '[{"dst":"default","gateway":"192.168.1.1"')
  assert.deepEqual(JSON.parse(await readFile(join(path, 'nodes/node-b/missing.json'), 'utf8')), {
    'iptables.txt': 'iptables-save: command not found',
    'ip6tables.txt': 'ip6tables-save: command not found',
  })
  assert.ok(!(await readdir(join(path, 'nodes/node-a'))).includes('missing.json'), 'no missing.json when nothing is missing')
  assert.deepEqual(JSON.parse(await readFile(join(path, 'failed-nodes.json'), 'utf8')), [
    {name: 'node-c', error: 'probe pod kr-probe-node-c did not start: ImagePullBackOff'},
  ])
})

test('no cluster objects: no cluster/ directory; no failed nodes: no failed-nodes.json; no kube-router.json without a DaemonSet', async () => {
  const path = fresh('local')
  const snapshot: Snapshot = {...sampleSnapshot(), mode: 'local', context: null, cluster: null, failedNodes: []}
  await writeBundle(snapshot, path, '0.1.0')
  const top = await readdir(path)
  assert.deepEqual(top.sort(), ['manifest.json', 'nodes'])
  assert.deepEqual(await readBundle(path), asBundle(snapshot, path))

  const path2 = fresh('no-ds')
  const base = sampleSnapshot()
  const noDs: Snapshot = {...base, cluster: {...base.cluster!, kubeRouter: null}}
  await writeBundle(noDs, path2, '0.1.0')
  assert.deepEqual((await readdir(join(path2, 'cluster'))).sort(), ['endpointslices.json', 'nodes.json', 'services.json'])
  assert.deepEqual(await readBundle(path2), asBundle(noDs, path2))
})

test('.tar.gz and .tgz round trip, entries under a top directory named after the file', async () => {
  for (const name of ['support.tar.gz', 'support.tgz']) {
    const path = fresh(name)
    const snapshot = sampleSnapshot()
    await writeBundle(snapshot, path, '0.1.0')
    const entries: string[] = []
    await list({file: path, onReadEntry: (e) => void entries.push(e.path)})
    const top = name.replace(/\.(tar\.gz|tgz)$/, '').replace(/^/, `${counter - 1}-`)
    assert.ok(entries.every((e) => e.startsWith(`${top}/`)), `all under ${top}/: ${entries.join(' ')}`)
    assert.ok(entries.includes(`${top}/manifest.json`))
    assert.ok(entries.includes(`${top}/nodes/node-b/ipvsadm.txt`))
    assert.deepEqual(await readBundle(path), asBundle(snapshot, path))
  }
  assert.deepEqual(await tempLeftovers(), [])
})

test('archives with the content at the root are accepted too', async () => {
  const dir = fresh('flat-src')
  await writeBundle(sampleSnapshot(), dir, '0.1.0')
  const file = fresh('flat.tgz')
  await create({gzip: true, file, cwd: dir}, await readdir(dir))
  assert.deepEqual(await readBundle(file), asBundle(sampleSnapshot(), file))
})

test('a directory holding the bundle one level down is accepted', async () => {
  const outer = fresh('outer')
  await mkdir(outer)
  await writeBundle(sampleSnapshot(), join(outer, 'inner'), '0.1.0')
  assert.equal((await readBundle(outer)).nodes.length, 2)
})

test('missing files are tolerated; unknown files ignored; no manifest needs only nodes/', async () => {
  const path = fresh('handmade')
  await mkdir(join(path, 'nodes/worker-1'), {recursive: true})
  await mkdir(join(path, 'nodes/worker-2'), {recursive: true})
  await writeFile(join(path, 'nodes/worker-1/ip-rule.json'), '[]')
  await writeFile(join(path, 'nodes/worker-1/notes.txt'), 'ignored')
  await writeFile(join(path, 'nodes/README'), 'a stray file, not a node')
  await writeFile(join(path, 'extra.json'), '{not json, but unknown so ignored')
  const snapshot = await readBundle(path)
  assert.equal(snapshot.mode, 'bundle')
  assert.equal(snapshot.bundle, path)
  assert.equal(snapshot.context, null)
  assert.equal(snapshot.cluster, null)
  assert.ok(!Number.isNaN(Date.parse(snapshot.createdAt)))
  assert.deepEqual(snapshot.nodes, [
    {name: 'worker-1', files: {'ip-rule.json': '[]'}, missing: {}},
    {name: 'worker-2', files: {}, missing: {}},
  ])
  assert.deepEqual(snapshot.failedNodes, [])

  // a cluster/ directory with some lists missing
  await mkdir(join(path, 'cluster'))
  await writeFile(join(path, 'cluster/services.json'), '{"apiVersion":"v1","kind":"ServiceList","items":[{"metadata":{"name":"x"}}]}')
  const withCluster = await readBundle(path)
  assert.deepEqual(withCluster.cluster, {nodes: [], services: [{metadata: {name: 'x'}}], endpointSlices: [], kubeRouter: null})
})

test('unparseable cluster file: BundleError naming the file', async () => {
  const path = fresh('bad-cluster')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  await writeFile(join(path, 'cluster/services.json'), '{"items": [\n  oops\n]}')
  await assertBundleError(readBundle(path), path, /cluster\/services\.json: not valid JSON \(.+\)$/)
  await writeFile(join(path, 'cluster/services.json'), '{"kind": "Service"}')
  await assertBundleError(readBundle(path), path, /cluster\/services\.json: not a List/)
})

test('node source files are not parsed: garbage is carried as text', async () => {
  const path = fresh('garbage-source')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  await writeFile(join(path, 'nodes/node-a/ip-addr.json'), '\u0000\u0001 not json')
  const snapshot = await readBundle(path)
  assert.equal(snapshot.nodes.find((n) => n.name === 'node-a')?.files['ip-addr.json'], '\u0000\u0001 not json')
})

test('error: path does not exist', async () => {
  const path = fresh('nope')
  await assertBundleError(readBundle(path), path, /does not exist/)
})

test('error: neither a directory nor an archive', async () => {
  const path = fresh('notes.txt')
  await writeFile(path, 'hello')
  await assertBundleError(readBundle(path), path, /neither a directory nor a \.tar\.gz/)
})

test('error: not a kubectl-kr bundle', async () => {
  const path = fresh('random-dir')
  await mkdir(join(path, 'a'), {recursive: true})
  await mkdir(join(path, 'b'))
  await assertBundleError(readBundle(path), path, /not a kubectl-kr bundle: no manifest\.json and no nodes\/ directory/)
  const manifestOnly = fresh('other-kind')
  await mkdir(manifestOnly)
  await writeFile(join(manifestOnly, 'manifest.json'), '{"kind": "SomethingElse"}')
  await assertBundleError(readBundle(manifestOnly), manifestOnly, /manifest\.json: kind is "SomethingElse"/)
})

test('error: newer schemaVersion asks to upgrade', async () => {
  const path = fresh('future')
  await writeBundle(sampleSnapshot(), path, '0.1.0')
  const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8'))
  await writeFile(join(path, 'manifest.json'), JSON.stringify({...manifest, schemaVersion: 2}))
  await assertBundleError(readBundle(path), path, /schemaVersion 2.*upgrade kubectl-kr/)
})

test('error: corrupt gzip / tar', async () => {
  const good = fresh('good.tar.gz')
  await writeBundle(sampleSnapshot(), good, '0.1.0')
  const bytes = await readFile(good)

  const truncated = fresh('truncated.tar.gz')
  await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)))
  await assertBundleError(readBundle(truncated), truncated, /not a readable \.tar\.gz \(.+\)/)

  const flipped = fresh('flipped.tgz')
  const copy = Buffer.from(bytes)
  copy[40] ^= 0xff
  await writeFile(flipped, copy)
  await assertBundleError(readBundle(flipped), flipped, /not a readable \.tar\.gz/)

  const text = fresh('text.tgz')
  await writeFile(text, 'this is not an archive')
  await assertBundleError(readBundle(text), text, /not a readable \.tar\.gz/)

  const empty = fresh('empty.tar.gz')
  await writeFile(empty, '')
  await assertBundleError(readBundle(empty), empty, /not a readable \.tar\.gz/)
})

test('error: archive with path traversal or absolute paths is rejected, nothing extracted', async () => {
  const src = fresh('evil-src')
  await mkdir(join(src, 'top/nodes/a'), {recursive: true})
  await writeFile(join(src, 'top/manifest.json'), '{"kind":"KrBundle","schemaVersion":1}')
  await writeFile(join(src, 'evil.txt'), 'pwned')
  const escapeName = `escape-${counter}`
  await writeFile(join(src, escapeName), 'pwned')

  const dotdot = fresh('dotdot.tar.gz')
  // cwd inside top/, so "../evil.txt" is stored as is (preservePaths keeps it)
  await create({gzip: true, file: dotdot, cwd: join(src, 'top'), preservePaths: true}, ['manifest.json', '../evil.txt'])
  const names: string[] = []
  await list({file: dotdot, onReadEntry: (e) => void names.push(e.path)})
  assert.ok(names.includes('../evil.txt'), `archive holds ../evil.txt: ${names.join(' ')}`)
  await assertBundleError(readBundle(dotdot), dotdot, /unsafe entry "\.\.\/evil\.txt".*refusing/)

  const absolute = fresh('absolute.tgz')
  const absPath = join(src, escapeName)
  await create({gzip: true, file: absolute, cwd: src, preservePaths: true}, ['top/manifest.json', absPath])
  await assertBundleError(readBundle(absolute), absolute, /unsafe entry .*absolute path/)
  // nothing was written outside (or anywhere near) the temp directory
  assert.equal(await readFile(absPath, 'utf8'), 'pwned')
  assert.ok(!(await readdir(tmpdir())).includes('evil.txt'))
})

test('refuses to overwrite an existing file or non-empty directory', async () => {
  const file = fresh('exists.tgz')
  await writeFile(file, 'precious')
  await assertBundleError(writeBundle(sampleSnapshot(), file, '0.1.0'), file, /already exists.*(choose another path|remove it)/)
  assert.equal(await readFile(file, 'utf8'), 'precious')

  const dir = fresh('exists-dir')
  await mkdir(dir)
  await writeFile(join(dir, 'keep.txt'), 'precious')
  await assertBundleError(writeBundle(sampleSnapshot(), dir, '0.1.0'), dir, /already exists and is not empty/)
  assert.deepEqual(await readdir(dir), ['keep.txt'])

  await assertBundleError(checkBundleTarget(file), file, /already exists/)
  await assertBundleError(checkBundleTarget(dir), dir, /already exists and is not empty/)
  await checkBundleTarget(fresh('free.tgz'))

  const plainFile = fresh('plain-file')
  await writeFile(plainFile, 'precious')
  await assertBundleError(writeBundle(sampleSnapshot(), plainFile, '0.1.0'), plainFile, /already exists/)

  // an empty directory is fine: it becomes the bundle
  const empty = fresh('empty-dir')
  await mkdir(empty)
  await writeBundle(sampleSnapshot(), empty, '0.1.0')
  assert.equal((await readBundle(empty)).nodes.length, 2)

  // a missing parent directory is reported, not created
  const orphan = join(fresh('no-such-dir'), 'b.tgz')
  await assertBundleError(writeBundle(sampleSnapshot(), orphan, '0.1.0'), orphan, /does not exist/)
  assert.deepEqual(await tempLeftovers(), [])
})

test('a failed write leaves nothing behind', async () => {
  const path = fresh('bad-node.tar.gz')
  const snapshot = sampleSnapshot()
  snapshot.nodes.push({name: '../escape', files: {'ipset.txt': 'x'}, missing: {}})
  await assertBundleError(writeBundle(snapshot, path, '0.1.0'), path, /node name "\.\.\/escape"/)
  await assert.rejects(stat(path), {code: 'ENOENT'})
  assert.deepEqual(await tempLeftovers(), [])
})

test('invalid node directory name in a bundle is rejected', {skip: process.platform === 'win32'}, async () => {
  const path = fresh('backslash')
  await mkdir(join(path, 'nodes', 'a\\b'), {recursive: true})
  await assertBundleError(readBundle(path), path, /nodes\/a\\b: not a valid node name/)
})

test('failed nodes keep their kind through a bundle; an unknown kind is dropped, and old bundles have none', async () => {
  const path = fresh('kinds')
  const failedNodes: Snapshot['failedNodes'] = [
    {name: 'no-pull', error: 'cannot pull image x (ImagePullBackOff)', kind: 'image-pull'},
    {name: 'old-style', error: 'the probe exited with code 1 before finishing'},
  ]
  await writeBundle({...sampleSnapshot(), failedNodes}, path, '0.0.0-test')
  assert.deepEqual((await readBundle(path)).failedNodes, failedNodes)
  await writeFile(join(path, 'failed-nodes.json'), JSON.stringify([{name: 'x', error: 'e', kind: 'meteor-strike'}]))
  assert.deepEqual((await readBundle(path)).failedNodes, [{name: 'x', error: 'e'}])
})
