// -o json|yaml|text|junit never load Ink or React: the UI is reached only through the dynamic import in the
// tui branch of the doctor command. Shown twice: statically (the import graph of the command) and at run time
// (a module-resolution hook records every module a real `kubectl kr doctor` run loads).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, relative, resolve} from 'node:path'
import {spawnSync} from 'node:child_process'
import {pathToFileURL} from 'node:url'
import {kr, REPO} from './kr.js'

const SRC = join(REPO, 'src')
const HOOK = join(REPO, 'test/helpers/record-imports.mjs')
const DEMO = join(REPO, 'examples/demo-bundle')

interface Imports {
  /** value imports: static `import ... from`, `export ... from`, bare `import '...'` */
  staticImports: string[]
  /** `await import('...')` */
  dynamicImports: string[]
}

function importsOf(file: string): Imports {
  const text = readFileSync(file, 'utf8')
  const staticImports: string[] = []
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    if (m[2]) continue // import type / export type
    staticImports.push(m[4])
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) staticImports.push(m[1])
  const dynamicImports = [...text.matchAll(/(?<!typeof\s)\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1])
  return {staticImports, dynamicImports}
}

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null
  const base = resolve(dirname(from), spec).replace(/\.js$/, '')
  for (const ext of ['.ts', '.tsx']) if (existsSync(base + ext)) return base + ext
  throw new Error(`${relative(REPO, from)}: cannot resolve ${spec}`)
}

/** Every source file reachable from `entry`, with the packages each one imports. */
function reach(entry: string, follow: (file: string, spec: string, dynamic: boolean) => boolean): Map<string, string[]> {
  const seen = new Map<string, string[]>()
  const queue = [entry]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    const {staticImports, dynamicImports} = importsOf(file)
    const packages: string[] = []
    for (const [spec, dynamic] of [...staticImports.map((s) => [s, false] as const), ...dynamicImports.map((s) => [s, true] as const)]) {
      if (!follow(file, spec, dynamic)) continue
      const local = resolveLocal(file, spec)
      if (local) queue.push(local)
      else packages.push(spec)
    }
    seen.set(file, packages)
  }
  return seen
}

const isUiPackage = (spec: string) => /^(ink|react|ink-[\w-]+|react-[\w-]+)(\/|$)/.test(spec)

test('static: nothing the doctor command imports, except through the UI entry point, reaches ink or react', () => {
  const doctor = join(SRC, 'commands/doctor.ts')
  const uiEntries: string[] = []
  const graph = reach(doctor, (file, spec) => {
    if (spec.endsWith('/ui/start-tui.js')) {
      uiEntries.push(relative(SRC, file))
      return false
    }
    return true
  })
  assert.ok(graph.size > 20, `the walk found the command's modules (${graph.size})`)
  assert.deepEqual(uiEntries, ['commands/doctor.ts'], 'only the command loads the UI, through one dynamic import')
  for (const [file, packages] of graph) {
    const ui = packages.filter(isUiPackage)
    assert.deepEqual(ui, [], `${relative(REPO, file)} imports ${ui.join(', ')}`)
    assert.ok(!relative(SRC, file).startsWith('ui/'), `${relative(REPO, file)} is UI code reached without the tui branch`)
  }
  // and the one import of the UI is dynamic
  const {staticImports, dynamicImports} = importsOf(doctor)
  assert.ok(dynamicImports.includes('../ui/start-tui.js'))
  assert.ok(!staticImports.some((s) => s.includes('/ui/')), 'the command imports the UI module statically only as types')
})

test('static: only src/ui/ imports ink or react', () => {
  const offenders: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.tsx?$/.test(entry.name)) {
        const {staticImports, dynamicImports} = importsOf(path)
        if ([...staticImports, ...dynamicImports].some(isUiPackage) && !relative(SRC, path).startsWith('ui/')) offenders.push(relative(REPO, path))
      }
    }
  }
  walk(SRC)
  assert.deepEqual(offenders, [])
})

async function loadedModules(args: string[]): Promise<{urls: string[]; code: number | null; stdout: string; stderr: string}> {
  const dir = mkdtempSync(join(tmpdir(), 'kr-imports-'))
  const log = join(dir, 'imports.log')
  try {
    const res = await kr(args, {env: {NODE_OPTIONS: `--import ${pathToFileURL(HOOK).href}`, KR_IMPORT_LOG: log}})
    const urls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
    return {urls, ...res}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

const uiModule = (url: string) => /\/node_modules\/(ink|react|react-reconciler|yoga-layout)\//.test(url) || /\/dist\/ui\//.test(url)

for (const output of ['json', 'yaml', 'text', 'junit', 'markdown']) {
  test(`run time: doctor -o ${output} loads no Ink, React or UI module`, async () => {
    const {urls, code, stderr} = await loadedModules(['doctor', '--from-bundle', DEMO, '-o', output, '--fail-on', 'none'])
    assert.equal(code, 0, stderr)
    assert.ok(urls.some((u) => u.endsWith('/dist/commands/doctor.js')), 'the hook saw the command load')
    assert.ok(urls.some((u) => u.endsWith('/dist/services/analyse.js')), 'the hook saw the analysis load')
    assert.deepEqual(urls.filter(uiModule), [])
  })
}

test('run time: the same hook does see Ink when the UI module is loaded (control)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kr-imports-'))
  const log = join(dir, 'imports.log')
  try {
    const res = spawnSync(process.execPath, ['--import', pathToFileURL(HOOK).href, '-e', `await import(${JSON.stringify(pathToFileURL(join(REPO, 'dist/ui/start-tui.js')).href)})`, '--input-type=module'], {
      env: {...process.env, KR_IMPORT_LOG: log},
      encoding: 'utf8',
    })
    assert.equal(res.status, 0, res.stderr)
    const urls = readFileSync(log, 'utf8').split('\n')
    assert.ok(urls.some((u) => /\/node_modules\/ink\//.test(u)), 'ink was recorded')
    assert.ok(urls.some((u) => /\/node_modules\/react\//.test(u)), 'react was recorded')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
