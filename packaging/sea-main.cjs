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

/** A directory nobody but root and us can change: ours or root's, writable by others only when sticky (as /tmp). */
function safeAncestor(dir) {
  const st = fs.lstatSync(dir)
  return st.isDirectory() && (st.uid === 0 || st.uid === uid) && ((st.mode & 0o022) === 0 || (st.mode & 0o1000) !== 0)
}

/** The cache directory, links resolved, when we may trust code in it: ours and nobody else's to write, and so is every
 * directory above it (root's or ours, others only when sticky), so no other user can swap what we import, also when
 * root runs with a user's HOME (sudo -E), whose home then does not qualify. Missing directories are made only below a
 * trusted one. The launcher applies the same rule (packaging/launcher/main.go, trustedDir). */
function trustedDir(dir) {
  try {
    let existing = path.resolve(dir)
    const missing = []
    for (;;) {
      try {
        fs.lstatSync(existing)
        break
      } catch (e) {
        if (e.code !== 'ENOENT' || path.dirname(existing) === existing) return null
        missing.unshift(path.basename(existing))
        existing = path.dirname(existing)
      }
    }
    let real = fs.realpathSync(existing)
    for (let p = real; ; p = path.dirname(p)) {
      if (!safeAncestor(p)) return null
      if (path.dirname(p) === p) break
    }
    for (const name of missing) {
      real = path.join(real, name)
      try {
        fs.mkdirSync(real, {mode: 0o700})
      } catch (e) {
        if (e.code !== 'EEXIST') return null
      }
      if (!safeAncestor(real)) return null
    }
    const st = fs.lstatSync(real)
    return st.isDirectory() && (uid === -1 || st.uid === uid) && (st.mode & 0o022) === 0 ? real : null
  } catch {
    return null
  }
}

/** $XDG_CACHE_HOME (only when absolute, as the XDG spec says), else ~/.cache, then the temporary directory. */
function cacheRoots() {
  const roots = []
  const xdg = process.env.XDG_CACHE_HOME
  const home = process.env.HOME
  const base = xdg && path.isAbsolute(xdg) ? xdg : home && path.isAbsolute(home) ? path.join(home, '.cache') : ''
  if (base) roots.push(path.join(base, 'kubectl-kr'))
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
  for (const candidate of cacheRoots()) {
    const root = trustedDir(candidate)
    if (!root) continue
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
