// The layers of src/ (README "Architecture", .dependency-cruiser.cjs): arrows point down only, no cycles,
// client-node and execa only in infra. A wrong-way import fails here, so it fails CI.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'

const REPO = fileURLToPath(new URL('../', import.meta.url))

interface CruiseResult {
  modules: {source: string}[]
  summary: {violations: {rule: {name: string}; from: string; to: string}[]; error: number}
}

function cruise(): CruiseResult {
  const bin = join(REPO, 'node_modules', '.bin', 'depcruise')
  const r = spawnSync(process.execPath, [bin, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
  assert.ok(r.stdout, `depcruise printed nothing: ${r.stderr}`)
  return JSON.parse(r.stdout) as CruiseResult
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO, dir), {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  )
}

test('src/ imports point down the layers only: zero violations', () => {
  const result = cruise()
  const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)
  assert.deepEqual(violations, [])
  // TypeScript 7 has no JS compiler API; swc parses. Every source file must have been read.
  const cruised = new Set(result.modules.map((m) => m.source))
  assert.deepEqual(sourceFiles('src').filter((f) => !cruised.has(f)), [])
})
