// Bundle files (CONTRACT §5): the only module that reads or writes them.
//
//   manifest.json                {"kind": "KrBundle", "schemaVersion": 1, "createdAt", "tool": {"version"}, "context", "mode", "nodes"}
//   cluster/nodes.json           v1 NodeList                         (cluster/ absent when there were no cluster objects)
//   cluster/services.json        v1 ServiceList
//   cluster/endpointslices.json  discovery.k8s.io/v1 EndpointSliceList
//   cluster/kube-router.json     the kube-router DaemonSet (optional)
//   nodes/<node>/<source>        raw capture, one file per source
//   nodes/<node>/missing.json    {"<source>": "<why it is absent>"}  (only when something is missing)
//   failed-nodes.json            [{"name", "error"}]                 (only when some node could not be probed)
//
// A directory, or a .tar.gz/.tgz of one (entries under a top directory named after the file).
// Writes go to a temporary sibling first and are renamed into place, so a failure never leaves
// a half-written bundle. Node source files are carried as text, never parsed here.
import {UserError} from '../model/errors.js'
import {randomBytes} from 'node:crypto'
import {link, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile} from 'node:fs/promises'
import {isSourceName, SOURCE_NAMES} from '../model/sources.js'
import {parseClusterObjects} from '../parsers/cluster.js'
import type {Stats} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, join, resolve} from 'node:path'
import type {
  ClusterObjects,
  DaemonSetObject,
  EndpointSliceObject,
  NodeCapture,
  NodeObject,
  ParseIssue,
  ServiceObject,
  Snapshot,
  SourceName,
} from '../model/types.js'
import {archiveTopName, isArchivePath, packDirectory, UnsafeArchiveEntry, unpackArchive} from './bundle-archive.js'

export const BUNDLE_SCHEMA_VERSION = 1

/** A bundle that cannot be read or written. The message is one line and names the path. */
export class BundleError extends UserError {
  override readonly name = 'BundleError'

  constructor(
    message: string,
    /** the bundle path as the user gave it */
    readonly path: string,
    options?: {cause?: unknown},
  ) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' ').trim(), 2, options)
  }
}

// Every source a node directory may hold; a Record so the compiler flags a SourceName added to the model but not here.
const SOURCES = SOURCE_NAMES
const isSource = isSourceName

const MISSING_FILE = 'missing.json'

interface ClusterFile {
  file: string
  kind: string
  apiVersion: string
}

const CLUSTER_LISTS = {
  nodes: {file: 'nodes.json', kind: 'NodeList', apiVersion: 'v1'},
  services: {file: 'services.json', kind: 'ServiceList', apiVersion: 'v1'},
  endpointSlices: {file: 'endpointslices.json', kind: 'EndpointSliceList', apiVersion: 'discovery.k8s.io/v1'},
} satisfies Record<string, ClusterFile>
const KUBE_ROUTER_FILE = 'kube-router.json'

// ---------- small helpers ----------

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  return text.replace(/\s+/g, ' ').trim()
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as {code: unknown}).code) : undefined
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null
    throw err
  }
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null
    throw err
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

/** A node name that is safe as one directory name. */
function checkNodeName(name: unknown): string | null {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..') return 'empty or a dot name'
  if (/[/\\\u0000]/.test(name)) return 'contains a path separator'
  return null
}

// ---------- write ----------

async function writeLayout(snapshot: Snapshot, dir: string, toolVersion: string, displayPath: string): Promise<void> {
  await mkdir(dir)
  const seen = new Set<string>()
  for (const capture of snapshot.nodes) {
    const problem = checkNodeName(capture.name)
    if (problem !== null) throw new BundleError(`cannot write bundle ${displayPath}: node name ${JSON.stringify(capture.name)} ${problem}`, displayPath)
    if (seen.has(capture.name)) throw new BundleError(`cannot write bundle ${displayPath}: node ${capture.name} appears twice in the snapshot`, displayPath)
    seen.add(capture.name)
  }

  await writeFile(
    join(dir, 'manifest.json'),
    json({
      kind: 'KrBundle',
      schemaVersion: BUNDLE_SCHEMA_VERSION,
      createdAt: snapshot.createdAt,
      tool: {name: 'kubectl-kr', version: toolVersion},
      context: snapshot.context,
      mode: snapshot.mode,
      nodes: snapshot.nodes.map((n) => n.name),
    }),
  )

  if (snapshot.cluster !== null) {
    const clusterDir = join(dir, 'cluster')
    await mkdir(clusterDir)
    for (const key of ['nodes', 'services', 'endpointSlices'] as const) {
      const {file, kind, apiVersion} = CLUSTER_LISTS[key]
      await writeFile(join(clusterDir, file), json({apiVersion, kind, metadata: {}, items: snapshot.cluster[key]}))
    }
    if (snapshot.cluster.kubeRouter !== null) await writeFile(join(clusterDir, KUBE_ROUTER_FILE), json(snapshot.cluster.kubeRouter))
  }

  const nodesDir = join(dir, 'nodes')
  await mkdir(nodesDir)
  for (const capture of snapshot.nodes) {
    const nodeDir = join(nodesDir, capture.name)
    await mkdir(nodeDir)
    for (const [file, text] of Object.entries(capture.files)) {
      if (typeof text !== 'string') continue
      if (file === MISSING_FILE || checkNodeName(file) !== null) {
        throw new BundleError(`cannot write bundle ${displayPath}: node ${capture.name} has a source named ${JSON.stringify(file)}`, displayPath)
      }
      await writeFile(join(nodeDir, file), text)
    }
    const missing = Object.entries(capture.missing).filter(([, why]) => typeof why === 'string')
    if (missing.length > 0) await writeFile(join(nodeDir, MISSING_FILE), json(Object.fromEntries(missing)))
  }

  if (snapshot.failedNodes.length > 0) {
    await writeFile(join(dir, 'failed-nodes.json'), json(snapshot.failedNodes.map(({name, error}) => ({name, error}))))
  }
}

/** Refuse an existing file, or a non-empty directory; for an archive, anything at all. */
async function checkTarget(target: string, displayPath: string, archive: boolean): Promise<void> {
  const parent = dirname(target)
  const parentStat = await statOrNull(parent)
  if (parentStat === null || !parentStat.isDirectory()) {
    throw new BundleError(`cannot write bundle ${displayPath}: directory ${parent} does not exist (create it first)`, displayPath)
  }
  const existing = await lstatOrNull(target)
  if (existing === null) return
  if (existing.isDirectory() && !archive) {
    if ((await readdir(target)).length === 0) return
    throw new BundleError(`cannot write bundle ${displayPath}: directory already exists and is not empty (choose another path or remove it)`, displayPath)
  }
  throw new BundleError(`cannot write bundle ${displayPath}: ${existing.isDirectory() ? 'a directory' : 'a file'} with that name already exists (choose another path or remove it)`, displayPath)
}

/** Move a finished archive into place without ever replacing an existing file. */
async function placeFile(source: string, target: string, displayPath: string): Promise<void> {
  try {
    // link() fails with EEXIST instead of replacing: no race with a file created meanwhile
    await link(source, target)
    await unlink(source)
    return
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') throw new BundleError(`cannot write bundle ${displayPath}: a file with that name already exists (choose another path or remove it)`, displayPath)
    // file systems without hard links: check, then rename
  }
  if ((await lstatOrNull(target)) !== null) throw new BundleError(`cannot write bundle ${displayPath}: a file with that name already exists (choose another path or remove it)`, displayPath)
  await rename(source, target)
}

/** Move a finished directory into place; an empty directory at the target is replaced, anything else refused. */
async function placeDirectory(source: string, target: string, displayPath: string): Promise<void> {
  const existing = await lstatOrNull(target)
  if (existing?.isDirectory()) {
    try {
      await rmdir(target)
    } catch (err) {
      if (errnoCode(err) === 'ENOTEMPTY' || errnoCode(err) === 'EEXIST') {
        throw new BundleError(`cannot write bundle ${displayPath}: directory already exists and is not empty (choose another path or remove it)`, displayPath)
      }
      throw err
    }
  }
  try {
    await rename(source, target)
  } catch (err) {
    const code = errnoCode(err)
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') {
      throw new BundleError(`cannot write bundle ${displayPath}: something with that name was created meanwhile (choose another path or remove it)`, displayPath)
    }
    throw err
  }
}

/**
 * Preflight for --save-bundle: throws the same BundleError writeBundle would for an existing
 * target or a missing parent directory, so a command can refuse before a long collection.
 */
export async function checkBundleTarget(path: string): Promise<void> {
  try {
    await checkTarget(resolve(path), path, isArchivePath(path))
  } catch (err) {
    if (err instanceof BundleError) throw err
    throw new BundleError(`cannot write bundle ${path}: ${errorText(err)}`, path, {cause: err})
  }
}

/**
 * Save a snapshot as a bundle: a directory, or a gzipped tar when `path` ends in .tar.gz / .tgz.
 * Refuses an existing file or non-empty directory. Throws BundleError.
 */
export async function writeBundle(snapshot: Snapshot, path: string, toolVersion: string): Promise<void> {
  const target = resolve(path)
  const archive = isArchivePath(path)
  await checkBundleTarget(path)

  let tmp: string
  try {
    tmp = await mkdtemp(join(dirname(target), `.${basename(target)}.tmp-`))
  } catch (err) {
    throw new BundleError(`cannot write bundle ${path}: ${errorText(err)}`, path, {cause: err})
  }
  try {
    if (archive) {
      const top = archiveTopName(basename(target))
      const layoutRoot = join(tmp, 'layout')
      await mkdir(layoutRoot)
      await writeLayout(snapshot, join(layoutRoot, top), toolVersion, path)
      const file = join(tmp, `archive-${randomBytes(4).toString('hex')}.tar.gz`)
      await packDirectory(layoutRoot, top, file)
      await placeFile(file, target, path)
    } else {
      const layout = join(tmp, 'bundle')
      await writeLayout(snapshot, layout, toolVersion, path)
      await placeDirectory(layout, target, path)
    }
  } catch (err) {
    if (err instanceof BundleError) throw err
    throw new BundleError(`cannot write bundle ${path}: ${errorText(err)}`, path, {cause: err})
  } finally {
    await rm(tmp, {recursive: true, force: true})
  }
}

// ---------- read ----------

class Reader {
  constructor(
    readonly root: string,
    /** the path as the user gave it, for messages */
    readonly display: string,
  ) {}

  fail(file: string, what: string, cause?: unknown): never {
    throw new BundleError(`bundle ${this.display}: ${file}: ${what}`, this.display, {cause})
  }

  /** The file's text, or null when absent (or not a regular file). */
  async text(file: string): Promise<string | null> {
    try {
      return await readFile(join(this.root, file), 'utf8')
    } catch (err) {
      const code = errnoCode(err)
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null
      this.fail(file, `cannot read (${errorText(err)})`, err)
    }
  }

  /** Parsed JSON of a file, or null when absent; unparseable content throws naming the file. */
  async json(file: string): Promise<{value: unknown} | null> {
    const text = await this.text(file)
    if (text === null) return null
    try {
      return {value: JSON.parse(text.replace(/^\uFEFF/, ''))}
    } catch (err) {
      this.fail(file, `not valid JSON (${errorText(err)})`, err)
    }
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

async function isBundleRoot(dir: string): Promise<boolean> {
  const [manifest, nodes] = await Promise.all([statOrNull(join(dir, 'manifest.json')), statOrNull(join(dir, 'nodes'))])
  return Boolean(manifest?.isFile() || nodes?.isDirectory())
}

/** The bundle's root: `dir` itself, or its only (non-hidden) subdirectory when the content sits one level down. */
async function findRoot(dir: string, display: string): Promise<string> {
  if (await isBundleRoot(dir)) return dir
  const entries = (await readdir(dir, {withFileTypes: true})).filter((e) => !e.name.startsWith('.'))
  const dirs = entries.filter((e) => e.isDirectory())
  if (dirs.length === 1 && (await isBundleRoot(join(dir, dirs[0].name)))) return join(dir, dirs[0].name)
  throw new BundleError(`${display} is not a kubectl-kr bundle: no manifest.json and no nodes/ directory`, display)
}

function checkManifest(manifest: unknown, reader: Reader): Record<string, unknown> {
  if (!isObject(manifest)) reader.fail('manifest.json', 'not a JSON object')
  if (manifest.kind !== undefined && manifest.kind !== 'KrBundle') {
    reader.fail('manifest.json', `kind is ${JSON.stringify(manifest.kind)}, not "KrBundle" (not a kubectl-kr bundle)`)
  }
  const version = Number(manifest.schemaVersion ?? BUNDLE_SCHEMA_VERSION)
  if (Number.isFinite(version) && version > BUNDLE_SCHEMA_VERSION) {
    throw new BundleError(
      `bundle ${reader.display} has schemaVersion ${version}, newer than this kubectl-kr reads (${BUNDLE_SCHEMA_VERSION}); upgrade kubectl-kr to read it`,
      reader.display,
    )
  }
  return manifest
}

async function readList(reader: Reader, file: string): Promise<unknown[]> {
  const parsed = await reader.json(file)
  if (parsed === null) return []
  const {value} = parsed
  const items = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.items) ? value.items : null
  if (items === null) reader.fail(file, 'not a List (no "items" array)')
  return items
}

/** The cluster/ files, typed by the same total parser as the API's objects; what cannot be used is an issue. */
async function readCluster(reader: Reader): Promise<{cluster: ClusterObjects | null; issues: ParseIssue[]}> {
  const dir = await statOrNull(join(reader.root, 'cluster'))
  if (!dir?.isDirectory()) return {cluster: null, issues: []}
  const nodes = await readList(reader, `cluster/${CLUSTER_LISTS.nodes.file}`)
  const services = await readList(reader, `cluster/${CLUSTER_LISTS.services.file}`)
  const endpointSlices = await readList(reader, `cluster/${CLUSTER_LISTS.endpointSlices.file}`)
  // a DaemonSetList (kubectl get ds -o json) is accepted too: its first item
  const kubeRouter = (await reader.json(`cluster/${KUBE_ROUTER_FILE}`))?.value ?? null
  const parsed = parseClusterObjects({nodes, services, endpointSlices, kubeRouter}, 'cluster')
  return {cluster: parsed.value, issues: parsed.issues}
}

async function readNode(reader: Reader, name: string): Promise<NodeCapture> {
  const files: NodeCapture['files'] = {}
  for (const source of SOURCES) {
    const text = await reader.text(`nodes/${name}/${source}`)
    if (text !== null) files[source] = text
  }
  const missing: NodeCapture['missing'] = {}
  const parsed = await reader.json(`nodes/${name}/${MISSING_FILE}`)
  if (parsed !== null) {
    if (!isObject(parsed.value)) reader.fail(`nodes/${name}/${MISSING_FILE}`, 'not a JSON object')
    for (const [source, why] of Object.entries(parsed.value)) {
      if (isSource(source)) missing[source] = typeof why === 'string' ? why : JSON.stringify(why)
    }
  }
  return {name, files, missing}
}

async function readNodes(reader: Reader, order: unknown): Promise<NodeCapture[]> {
  let entries
  try {
    entries = await readdir(join(reader.root, 'nodes'), {withFileTypes: true})
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return []
    reader.fail('nodes/', `cannot read (${errorText(err)})`, err)
  }
  const names: string[] = []
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await statOrNull(join(reader.root, 'nodes', entry.name)))?.isDirectory())
    if (!isDir) continue
    const problem = checkNodeName(entry.name)
    if (problem !== null) reader.fail(`nodes/${entry.name}`, `not a valid node name (${problem})`)
    names.push(entry.name)
  }
  // the order the bundle was written in (manifest "nodes"), then any others by name
  const rank = new Map<string, number>()
  if (Array.isArray(order)) order.forEach((n, i) => typeof n === 'string' && !rank.has(n) && rank.set(n, i))
  names.sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0))
  const captures: NodeCapture[] = []
  for (const name of names) captures.push(await readNode(reader, name))
  return captures
}

async function readFailedNodes(reader: Reader): Promise<Snapshot['failedNodes']> {
  const parsed = await reader.json('failed-nodes.json')
  if (parsed === null) return []
  const {value} = parsed
  if (Array.isArray(value)) {
    return value
      .filter(isObject)
      .filter((n) => typeof n.name === 'string')
      .map((n) => ({name: n.name as string, error: typeof n.error === 'string' ? n.error : 'could not be probed'}))
  }
  // also accepted: {"<node>": "<error>"}
  if (isObject(value)) return Object.entries(value).map(([name, error]) => ({name, error: String(error)}))
  reader.fail('failed-nodes.json', 'not a list of {"name", "error"}')
}

async function readLayout(dir: string, display: string, fallbackTime: Date): Promise<LoadedBundle> {
  const reader = new Reader(await findRoot(dir, display), display)
  const parsed = await reader.json('manifest.json')
  const manifest = parsed === null ? {} : checkManifest(parsed.value, reader)
  const {cluster, issues} = await readCluster(reader)
  return {
    issues,
    snapshot: {
      mode: 'bundle',
      context: typeof manifest.context === 'string' ? manifest.context : null,
      bundle: display,
      createdAt: typeof manifest.createdAt === 'string' ? manifest.createdAt : fallbackTime.toISOString(),
      cluster,
      nodes: await readNodes(reader, manifest.nodes),
      failedNodes: await readFailedNodes(reader),
    },
  }
}

async function hasGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const {bytesRead, buffer} = await handle.read(Buffer.alloc(2), 0, 2, 0)
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b
  } finally {
    await handle.close()
  }
}

/**
 * Load a bundle (a directory or a .tar.gz/.tgz, content at its root or under one top directory)
 * as a snapshot with mode "bundle". Unknown files are ignored and any source may be missing;
 * node source files are returned as text. Throws BundleError.
 * A bundle without manifest.json gets createdAt = the modification time of `path`.
 */
export async function readBundle(path: string): Promise<Snapshot> {
  return (await loadBundle(path)).snapshot
}

export interface LoadedBundle {
  snapshot: Snapshot
  /** parts of the cluster objects that could not be used (dropped) */
  issues: ParseIssue[]
}

/** As readBundle, with what was dropped from the cluster objects. */
export async function loadBundle(path: string): Promise<LoadedBundle> {
  let info: Stats
  try {
    info = await stat(path)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') {
      throw new BundleError(`bundle ${path} does not exist (give a directory or .tar.gz written by --save-bundle)`, path, {cause: err})
    }
    throw new BundleError(`cannot read bundle ${path}: ${errorText(err)}`, path, {cause: err})
  }

  try {
    if (info.isDirectory()) return await readLayout(path, path, info.mtime)
    if (!info.isFile() || !(isArchivePath(path) || (await hasGzipMagic(path)))) {
      throw new BundleError(`bundle ${path} is neither a directory nor a .tar.gz archive`, path)
    }
    const tmp = await mkdtemp(join(tmpdir(), 'kubectl-kr-bundle-'))
    try {
      try {
        await unpackArchive(path, tmp)
      } catch (err) {
        if (err instanceof UnsafeArchiveEntry) {
          throw new BundleError(`bundle ${path} has an ${err.message}; refusing to extract it`, path, {cause: err})
        }
        throw new BundleError(`bundle ${path} is not a readable .tar.gz (${errorText(err)})`, path, {cause: err})
      }
      return await readLayout(tmp, path, info.mtime)
    } finally {
      await rm(tmp, {recursive: true, force: true})
    }
  } catch (err) {
    if (err instanceof BundleError) throw err
    throw new BundleError(`cannot read bundle ${path}: ${errorText(err)}`, path, {cause: err})
  }
}
