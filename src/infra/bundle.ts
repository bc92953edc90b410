// Bundle files (CONTRACT §5): the only module that reads or writes them.
//
//   manifest.json                {"kind": "KrBundle", "schemaVersion": 1, "createdAt", "tool": {"version"}, "context", "mode", "nodes"}
//   cluster/nodes.json           v1 NodeList                         (cluster/ absent when there were no cluster objects)
//   cluster/services.json        v1 ServiceList
//   cluster/endpointslices.json  discovery.k8s.io/v1 EndpointSliceList
//   cluster/kube-router.json     the kube-router DaemonSet (optional)
//   cluster/kube-router-pods.json {"kind": "KubeRouterPodList", "items"}: kube-router's pods (cluster mode only)
//   nodes/<node>/<source>        raw capture, one file per source
//   nodes/<node>/missing.json    {"<source>": "<why it is absent>"}  (only when something is missing)
//   failed-nodes.json            [{"name", "error", "kind", "evidence", "pod"}]  (only when some node could not be probed)
//   report.json                  the report of the run that saved the bundle (written, never read back)
//
// A directory, or a .tar.gz/.tgz of one (entries under a top directory named after the file).
// Writes go to a temporary sibling first and are renamed into place, so a failure never leaves
// a half-written bundle. Node source files are carried as text, never parsed here.
// Reads are bounded and never leave the bundle: see bundle-limits.ts (the limits), bundle-tree.ts (regular
// files only, no link followed, no FIFO or device opened) and bundle-archive.ts (one streaming pass, in memory).
import {KUBE_ROUTER_PODS_KIND} from '../model/kube-router-pods.js'
import {randomBytes} from 'node:crypto'
import {link, lstat, mkdir, mkdtemp, open, readdir, rename, rm, rmdir, stat, unlink, writeFile} from 'node:fs/promises'
import {isSourceName, SOURCE_NAMES} from '../model/sources.js'
import {isNodeFailureKind} from '../model/node-failure.js'
import {parseClusterObjects} from '../parsers/cluster.js'
import {constants, type Stats} from 'node:fs'
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
import {archiveTopName, isArchivePath, packDirectory, readArchive, UnsafeArchiveEntry} from './bundle-archive.js'
import {BundleError} from './bundle-error.js'
import {resolveBundleLimits, type BundleLimits} from './bundle-limits.js'
import {Budget, DirectoryTree, SYMLINK, type BundleTree, type MemoryTree, type TreeEntry} from './bundle-tree.js'

export {BundleError} from './bundle-error.js'
export {
  BUNDLE_LIMIT_FLAGS,
  BUNDLE_LIMIT_SUMMARIES,
  BundleLimitError,
  BundleLimitFlagError,
  DEFAULT_BUNDLE_LIMITS,
  formatLimit,
  parseBundleLimit,
  type BundleLimitName,
  type BundleLimits,
} from './bundle-limits.js'

export const BUNDLE_SCHEMA_VERSION = 1

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
/** kube-router's pods with their restarts and previous logs (cluster mode only; model/kube-router-pods.ts) */
const KUBE_ROUTER_PODS_FILE = 'kube-router-pods.json'

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

async function writeLayout(snapshot: Snapshot, dir: string, toolVersion: string, displayPath: string, reportJson: string | null): Promise<void> {
  await mkdir(dir)
  // the report of the run that saved the bundle, for whoever reads the bundle without this tool (README "Bundle")
  if (reportJson !== null) await writeFile(join(dir, REPORT_FILE), reportJson)
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
    if (snapshot.cluster.kubeRouterPods !== undefined) {
      await writeFile(join(clusterDir, KUBE_ROUTER_PODS_FILE), json({kind: KUBE_ROUTER_PODS_KIND, items: snapshot.cluster.kubeRouterPods}))
    }
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
    await writeFile(
      join(dir, 'failed-nodes.json'),
      json(snapshot.failedNodes.map(({name, error, kind, evidence, pod}) => ({name, error, ...(kind ? {kind} : {}), ...(evidence?.length ? {evidence} : {}), ...(pod ? {pod} : {})}))),
    )
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
/** The saving run's report at the bundle's top (CONTRACT §5); reading a bundle ignores it: the checks run again. */
export const REPORT_FILE = 'report.json'

export async function writeBundle(snapshot: Snapshot, path: string, toolVersion: string, reportJson: string | null = null): Promise<void> {
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
      await writeLayout(snapshot, join(layoutRoot, top), toolVersion, path, reportJson)
      const file = join(tmp, `archive-${randomBytes(4).toString('hex')}.tar.gz`)
      await packDirectory(layoutRoot, top, file)
      await placeFile(file, target, path)
    } else {
      const layout = join(tmp, 'bundle')
      await writeLayout(snapshot, layout, toolVersion, path, reportJson)
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
//
// Everything is read through a BundleTree (bundle-tree.ts): only regular files are opened, a symbolic link is
// never followed, a FIFO, socket or device never opened; every byte is charged to the Budget of the limits.
// A node source that is a link (or not a regular file) becomes a missing source saying so; a structural file
// (manifest.json, cluster/…, missing.json, failed-nodes.json) that is one refuses the bundle.

/** Files whose content the reader asks for (an archive keeps only these, up to nodes/<node>/<file>). */
const READ_NAMES = new Set<string>([
  'manifest.json',
  'failed-nodes.json',
  MISSING_FILE,
  KUBE_ROUTER_FILE,
  KUBE_ROUTER_PODS_FILE,
  ...Object.values(CLUSTER_LISTS).map((c) => c.file),
  ...SOURCES,
])

function keepArchiveFile(rel: string): boolean {
  const parts = rel.split('/')
  return parts.length <= 4 && READ_NAMES.has(parts[parts.length - 1])
}

class Reader {
  constructor(
    readonly tree: BundleTree,
    /** where the bundle's content starts in the tree: '' or one directory */
    readonly root: string,
    /** the path as the user gave it, for messages */
    readonly display: string,
    readonly budget: Budget,
  ) {}

  path(file: string): string {
    return this.root === '' ? file : `${this.root}/${file}`
  }

  fail(file: string, what: string, cause?: unknown): never {
    throw new BundleError(`bundle ${this.display}: ${file}: ${what}`, this.display, {cause})
  }

  async lookup(file: string): Promise<TreeEntry> {
    try {
      return await this.tree.lookup(this.path(file))
    } catch (err) {
      this.fail(file, `cannot read (${errorText(err)})`, err)
    }
  }

  async list(dir: string): Promise<{name: string; entry: TreeEntry}[]> {
    try {
      return await this.tree.list(this.path(dir), this.budget)
    } catch (err) {
      if (err instanceof BundleError) throw err
      this.fail(`${dir}/`, `cannot read (${errorText(err)})`, err)
    }
  }

  /** The file's text; null when absent (or a directory); {why} when it is not a regular file and was not read. */
  async text(file: string, json = false): Promise<string | null | {why: string}> {
    let got
    try {
      got = await this.tree.read(this.path(file), this.budget, json)
    } catch (err) {
      if (err instanceof BundleError) throw err
      this.fail(file, `cannot read (${errorText(err)})`, err)
    }
    if (got === null || typeof got === 'string' || !Buffer.isBuffer(got)) return got
    return got.toString('utf8')
  }

  /** Parsed JSON of a file, or null when absent; unparseable content, a link or a non-regular file throws naming the file. */
  async json(file: string): Promise<{value: unknown} | null> {
    const text = await this.text(file, true)
    if (text === null) return null
    if (typeof text !== 'string') this.fail(file, `${text.why} (put the file itself in the bundle)`)
    this.budget.jsonDepth(this.path(file), text)
    try {
      return {value: JSON.parse(text.replace(/^\uFEFF/, ''))}
    } catch (err) {
      this.fail(file, `not valid JSON (${errorText(err)})`, err)
    }
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const join2 = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`)

async function isBundleRoot(tree: BundleTree, dir: string): Promise<boolean> {
  const [manifest, nodes] = await Promise.all([tree.lookup(join2(dir, 'manifest.json')), tree.lookup(join2(dir, 'nodes'))])
  // a link in place of either still marks the root: reading it then says why it is refused
  return manifest.kind === 'file' || manifest.kind === 'special' || nodes.kind === 'dir' || nodes.kind === 'special'
}

/** The bundle's root in the tree: '' itself, or its only (non-hidden) subdirectory when the content sits one level down. */
async function findRoot(tree: BundleTree, display: string, budget: Budget): Promise<string> {
  if (await isBundleRoot(tree, '')) return ''
  const dirs = (await tree.list('', budget)).filter((e) => !e.name.startsWith('.') && e.entry.kind === 'dir')
  if (dirs.length === 1 && (await isBundleRoot(tree, dirs[0].name))) return dirs[0].name
  throw new BundleError(`${display} is not a kubectl-kr bundle: no manifest.json and no nodes/ directory`, display)
}

/** A value for a message: JSON, cut short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

function checkManifest(manifest: unknown, reader: Reader): Record<string, unknown> {
  if (!isObject(manifest)) reader.fail('manifest.json', 'not a JSON object')
  if (manifest.kind !== undefined && manifest.kind !== 'KrBundle') {
    reader.fail('manifest.json', `kind is ${JSON.stringify(manifest.kind)}, not "KrBundle" (not a kubectl-kr bundle)`)
  }
  // absent = a hand-made manifest, read as the current version
  const version = 'schemaVersion' in manifest ? manifest.schemaVersion : BUNDLE_SCHEMA_VERSION
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    reader.fail('manifest.json', `schemaVersion ${shown(version)} is not a positive integer (this kubectl-kr reads schemaVersion ${BUNDLE_SCHEMA_VERSION})`)
  }
  if (version > BUNDLE_SCHEMA_VERSION) {
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
  const dir = await reader.lookup('cluster')
  if (dir.kind === 'special') reader.fail('cluster', `${dir.why} (put the directory itself in the bundle)`)
  if (dir.kind !== 'dir') return {cluster: null, issues: []}
  const nodes = await readList(reader, `cluster/${CLUSTER_LISTS.nodes.file}`)
  const services = await readList(reader, `cluster/${CLUSTER_LISTS.services.file}`)
  const endpointSlices = await readList(reader, `cluster/${CLUSTER_LISTS.endpointSlices.file}`)
  // a DaemonSetList (kubectl get ds -o json) is accepted too: its first item
  const kubeRouter = (await reader.json(`cluster/${KUBE_ROUTER_FILE}`))?.value ?? null
  const pods = await reader.json(`cluster/${KUBE_ROUTER_PODS_FILE}`)
  const parsed = parseClusterObjects({nodes, services, endpointSlices, kubeRouter, ...(pods ? {kubeRouterPods: pods.value} : {})}, 'cluster')
  return {cluster: parsed.value, issues: parsed.issues}
}

async function readNode(reader: Reader, name: string, entry: TreeEntry): Promise<NodeCapture> {
  const files: NodeCapture['files'] = {}
  const missing: NodeCapture['missing'] = {}
  if (entry.kind === 'special') {
    // a link in place of the node's directory: nothing of it is read, every source says why
    for (const source of SOURCES) missing[source] = `nodes/${name} ${entry.why}`
    return {name, files, missing}
  }
  const unread: NodeCapture['missing'] = {}
  for (const source of SOURCES) {
    const text = await reader.text(`nodes/${name}/${source}`)
    if (typeof text === 'string') files[source] = text
    else if (text !== null) unread[source] = `nodes/${name}/${source} ${text.why}`
  }
  const parsed = await reader.json(`nodes/${name}/${MISSING_FILE}`)
  if (parsed !== null) {
    if (!isObject(parsed.value)) reader.fail(`nodes/${name}/${MISSING_FILE}`, 'not a JSON object')
    for (const [source, why] of Object.entries(parsed.value)) {
      if (isSource(source)) missing[source] = typeof why === 'string' ? why : JSON.stringify(why)
    }
  }
  return {name, files, missing: {...missing, ...unread}}
}

async function readNodes(reader: Reader, order: unknown): Promise<NodeCapture[]> {
  const dir = await reader.lookup('nodes')
  if (dir.kind === 'special') reader.fail('nodes', `${dir.why} (put the directory itself in the bundle)`)
  if (dir.kind !== 'dir') return []
  const nodes = new Map<string, TreeEntry>()
  for (const {name, entry} of await reader.list('nodes')) {
    if (name.startsWith('.')) continue
    // directories are nodes; so are links, which are reported and not followed; stray files are ignored
    if (entry.kind !== 'dir' && !(entry.kind === 'special' && entry.why === SYMLINK)) continue
    const problem = checkNodeName(name)
    if (problem !== null) reader.fail(`nodes/${name}`, `not a valid node name (${problem})`)
    nodes.set(name, entry)
  }
  const names = [...nodes.keys()]
  // the order the bundle was written in (manifest "nodes"), then any others by name
  const rank = new Map<string, number>()
  if (Array.isArray(order)) order.forEach((n, i) => typeof n === 'string' && !rank.has(n) && rank.set(n, i))
  names.sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0))
  const captures: NodeCapture[] = []
  for (const name of names) captures.push(await readNode(reader, name, nodes.get(name)!))
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
      .map((n) => ({
        name: n.name as string,
        error: typeof n.error === 'string' ? n.error : 'could not be probed',
        ...(isNodeFailureKind(n.kind) ? {kind: n.kind} : {}),
        ...(Array.isArray(n.evidence) && n.evidence.every((l) => typeof l === 'string') ? {evidence: n.evidence as string[]} : {}),
        ...(isObject(n.pod) && typeof n.pod.namespace === 'string' && typeof n.pod.name === 'string' ? {pod: {namespace: n.pod.namespace, name: n.pod.name}} : {}),
      }))
  }
  // also accepted: {"<node>": "<error>"}
  if (isObject(value)) return Object.entries(value).map(([name, error]) => ({name, error: String(error)}))
  reader.fail('failed-nodes.json', 'not a list of {"name", "error"}')
}

async function readLayout(tree: BundleTree, display: string, fallbackTime: Date, budget: Budget): Promise<LoadedBundle> {
  const reader = new Reader(tree, await findRoot(tree, display, budget), display, budget)
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
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
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
 * node source files are returned as text. Throws BundleError (BundleLimitError past a limit).
 * A bundle without manifest.json gets createdAt = the modification time of `path`.
 * `limits` overrides DEFAULT_BUNDLE_LIMITS (bundle-limits.ts) one by one.
 */
export async function readBundle(path: string, limits: Partial<BundleLimits> = {}): Promise<Snapshot> {
  return (await loadBundle(path, limits)).snapshot
}

export interface LoadedBundle {
  snapshot: Snapshot
  /** parts of the cluster objects that could not be used (dropped) */
  issues: ParseIssue[]
}

/** As readBundle, with what was dropped from the cluster objects. */
export async function loadBundle(path: string, limits: Partial<BundleLimits> = {}): Promise<LoadedBundle> {
  const budget = new Budget(resolveBundleLimits(limits), path)
  let info: Stats
  try {
    // the path the user gave may itself be a link (e.g. "latest"): that one is followed, nothing inside it
    info = await stat(path)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') {
      throw new BundleError(`bundle ${path} does not exist (give a directory or .tar.gz written by --save-bundle)`, path, {cause: err})
    }
    throw new BundleError(`cannot read bundle ${path}: ${errorText(err)}`, path, {cause: err})
  }

  try {
    if (info.isDirectory()) return await readLayout(new DirectoryTree(path), path, info.mtime, budget)
    if (!info.isFile() || !(isArchivePath(path) || (await hasGzipMagic(path)))) {
      throw new BundleError(`bundle ${path} is neither a directory nor a .tar.gz archive`, path)
    }
    let tree: MemoryTree
    try {
      tree = await readArchive(path, budget, keepArchiveFile)
    } catch (err) {
      if (err instanceof BundleError) throw err
      if (err instanceof UnsafeArchiveEntry) {
        throw new BundleError(`bundle ${path} has an ${err.message}; refusing to extract it`, path, {cause: err})
      }
      throw new BundleError(`bundle ${path} is not a readable .tar.gz (${errorText(err)})`, path, {cause: err})
    }
    return await readLayout(tree, path, info.mtime, budget)
  } catch (err) {
    if (err instanceof BundleError) throw err
    throw new BundleError(`cannot read bundle ${path}: ${errorText(err)}`, path, {cause: err})
  }
}
