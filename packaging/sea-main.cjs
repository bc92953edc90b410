// The single executable's main (Node runs it as CommonJS). The CLI itself is the bundle of ES modules the
// executable carries as assets: they are written once per build to a private cache directory, then imported
// from there, so every later start reads plain files like the npm install does.
'use strict'
const sea = require('node:sea')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const {pathToFileURL} = require('node:url')

function start() {
  const dir = appDir()
  // V8's compiled code of the modules, kept in the same private directory: later starts skip most compiling
  // (Node checks each entry against the module's source)
  try {
    require('node:module').enableCompileCache(path.join(dir, '.compile-cache'))
  } catch {
    // an older Node or no room: start without it
  }
  import(pathToFileURL(path.join(dir, 'kr.mjs')).href).catch((e) => {
    process.stderr.write(`error: kubectl-kr could not start: ${e && e.message ? e.message : e}\n`)
    process.exit(2)
  })
}

function buildId() {
  return sea.getAsset('build-id', 'utf8').trim()
}
const uid = typeof process.geteuid === 'function' ? process.geteuid() : -1

/** A directory we may trust code in: ours, not writable by anyone else (root must not run code a user could
 * have put under a HOME that sudo kept). */
function ownedPrivateDir(dir) {
  try {
    fs.mkdirSync(dir, {recursive: true, mode: 0o700})
    const st = fs.lstatSync(dir)
    return st.isDirectory() && (uid === -1 || st.uid === uid) && (st.mode & 0o022) === 0
  } catch {
    return false
  }
}

function cacheRoots() {
  const roots = []
  const home = os.homedir()
  const base = process.env.XDG_CACHE_HOME || (home ? path.join(home, '.cache') : '')
  if (path.isAbsolute(base)) roots.push(path.join(base, 'kubectl-kr'))
  roots.push(path.join(os.tmpdir(), `kubectl-kr-${uid}`))
  return roots
}

function extractTo(dir) {
  const tmp = `${dir}.tmp-${process.pid}`
  fs.rmSync(tmp, {recursive: true, force: true})
  fs.mkdirSync(tmp, {mode: 0o700})
  for (const key of sea.getAssetKeys()) {
    if (key === 'build-id' || key === 'version-line') continue
    fs.writeFileSync(path.join(tmp, key), new Uint8Array(sea.getAsset(key)), {mode: key.endsWith('.sh') ? 0o755 : 0o644})
  }
  fs.writeFileSync(path.join(tmp, '.complete'), buildId())
  try {
    fs.renameSync(tmp, dir)
  } catch (e) {
    // another run got there first
    fs.rmSync(tmp, {recursive: true, force: true})
    if (!fs.existsSync(path.join(dir, '.complete'))) throw e
  }
}

function appDir() {
  for (const root of cacheRoots()) {
    if (!ownedPrivateDir(root)) continue
    const dir = path.join(root, buildId())
    try {
      if (!fs.existsSync(path.join(dir, '.complete'))) extractTo(dir)
      return dir
    } catch {
      // read-only or full: try the next place
    }
  }
  // nowhere to keep it: a fresh private directory for this run only
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-kr-'))
  const run = path.join(dir, 'app')
  extractTo(run)
  process.on('exit', () => fs.rmSync(dir, {recursive: true, force: true}))
  return run
}

// `kubectl kr version --client` (as bin/run.js; plain `version` asks the cluster too): the line versionLine() gave at
// build time, written before anything else loads
const args = process.argv.slice(2)
if (args.length === 2 && args[0] === 'version' && args[1] === '--client') writeOut(sea.getAsset('version-line', 'utf8'))
else start()

/** A write to fd 1 without process.stdout, whose set-up on a terminal or pipe (tty and net streams) costs more
 * than the rest of this answer (docs/release.md, start-up). */
function writeOut(text) {
  try {
    fs.writeSync(1, text)
  } catch {
    // a non-blocking stdout that is full (EAGAIN): the stream waits for it
    process.stdout.write(text)
  }
}
