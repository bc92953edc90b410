// Mutated-bundle fuzzing: the demo bundle, its files mutated with a seeded generator (JSON values swapped for
// other types, keys dropped, deep nesting, hostile strings; text truncated, lines inserted, bytes flipped), then
// read, analysed and rendered in every format as `doctor --from-bundle` does. A clean refusal (UserError, exit 2)
// is fine; anything else is an internal error, and there must be none. Used by the test (small, in CI) and by
// `npm run fuzz` (large).
import {mkdtemp, mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {loadBundle} from '../../src/infra/bundle.js'
import {analyse} from '../../src/services/analyse.js'
import {CHECKS} from '../../src/checks/index.js'
import {UserError} from '../../src/model/errors.js'
import {renderJson} from '../../src/report/render-json.js'
import {renderYaml} from '../../src/report/render-yaml.js'
import {renderJunit} from '../../src/report/render-junit.js'
import {renderText} from '../../src/report/render-text.js'
import {nothingDiagnosed} from '../../src/report/exit-code.js'

export const DEMO_BUNDLE = fileURLToPath(new URL('../../examples/demo-bundle/', import.meta.url))

/** mulberry32: small, fast, and the same sequence for the same seed everywhere */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Rand = () => number
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]

const HOSTILE_STRINGS = ['', ' ', '..', '../../etc/passwd', '\u001b]0;x\u0007', '\u202e', '10.96.0.10;touch /tmp/x', 'fe80::1%eth0', '::', '0.0.0.0/0', '999.1.1.1', 'v2.1.2', 'v99.99.99', 'x'.repeat(5000), '\u0000', 'null', '-1', 'NaN']

function randomValue(r: Rand, depth = 0): unknown {
  switch (Math.floor(r() * 9)) {
    case 0: return null
    case 1: return Math.floor(r() * 2 ** 32) - 2 ** 31
    case 2: return r() < 0.5
    case 3: return pick(r, HOSTILE_STRINGS)
    case 4: return depth > 3 ? [] : [randomValue(r, depth + 1), randomValue(r, depth + 1)]
    case 5: return depth > 3 ? {} : {[pick(r, ['name', 'metadata', 'spec', 'status', 'items', 'ip', 'x'])]: randomValue(r, depth + 1)}
    case 6: return 1.5e308 * (r() < 0.5 ? 1 : -1)
    case 7: {
      // deep nesting
      let v: unknown = 1
      for (let i = 0; i < 200; i++) v = [v]
      return v
    }
    default: return pick(r, HOSTILE_STRINGS) + String(Math.floor(r() * 1000))
  }
}

/** Every container (object or array) of a JSON value, with a way to replace or delete one of its entries. */
function containers(value: unknown, out: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (Array.isArray(value)) {
    out.push(value)
    for (const v of value) containers(v, out)
  } else if (value !== null && typeof value === 'object') {
    out.push(value as Record<string, unknown>)
    for (const v of Object.values(value)) containers(v, out)
  }
  return out
}

function mutateJson(r: Rand, text: string): string {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return mutateText(r, text)
  }
  const all = containers(doc)
  for (let n = 1 + Math.floor(r() * 4); n > 0 && all.length > 0; n--) {
    const c = pick(r, all)
    const keys = Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c)
    if (keys.length === 0) continue
    const k = pick(r, keys as (string | number)[])
    const action = r()
    if (action < 0.2) {
      if (Array.isArray(c)) c.splice(k as number, 1)
      else delete c[k as string]
    } else if (action < 0.3 && Array.isArray(c)) c.push(structuredClone(c[k as number]))
    else (c as Record<string | number, unknown>)[k] = randomValue(r)
  }
  return r() < 0.1 ? JSON.stringify(randomValue(r)) : JSON.stringify(doc)
}

function mutateText(r: Rand, text: string): string {
  const lines = text.split('\n')
  switch (Math.floor(r() * 5)) {
    case 0: return text.slice(0, Math.floor(r() * text.length))
    case 1: lines.splice(Math.floor(r() * lines.length), 0, String(pick(r, HOSTILE_STRINGS)))
      return lines.join('\n')
    case 2: {
      const chars = [...text]
      for (let i = 0; i < 8 && chars.length > 0; i++) chars[Math.floor(r() * chars.length)] = String.fromCharCode(Math.floor(r() * 0x3000))
      return chars.join('')
    }
    case 3: {
      const i = Math.floor(r() * lines.length)
      lines.splice(i, 0, ...lines.slice(i, i + 50))
      return lines.join('\n')
    }
    default: return lines.filter(() => r() > 0.3).join('\n')
  }
}

async function readTree(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, {withFileTypes: true})) {
      const p = join(dir, e.name)
      if (e.isDirectory()) await walk(p)
      else files.set(relative(root, p), await readFile(p, 'utf8'))
    }
  }
  await walk(root)
  return files
}

export interface FuzzResult {
  runs: number
  refused: number
  internalErrors: {seed: number; message: string}[]
}

/** `runs` mutated bundles from `seed` on; each one read, analysed and rendered. */
export async function fuzzBundles(seed: number, runs: number): Promise<FuzzResult> {
  const original = await readTree(DEMO_BUNDLE)
  const names = [...original.keys()]
  const work = await mkdtemp(join(tmpdir(), 'kr-fuzz-'))
  const result: FuzzResult = {runs, refused: 0, internalErrors: []}
  try {
    for (let i = 0; i < runs; i++) {
      const s = seed + i
      const r = rng(s)
      const files = new Map(original)
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
        const name = pick(r, names)
        const text = files.get(name) ?? ''
        files.set(name, name.endsWith('.json') ? mutateJson(r, text) : mutateText(r, text))
      }
      const dir = join(work, String(s))
      for (const [name, text] of files) {
        await mkdir(dirname(join(dir, name)), {recursive: true})
        await writeFile(join(dir, name), text)
      }
      try {
        const {snapshot} = await loadBundle(dir)
        const {report} = analyse(snapshot, CHECKS, new Date('2026-11-22T10:00:00Z'))
        renderJson(report)
        renderYaml(report)
        renderJunit(report)
        renderText(report, {color: false, unicode: true, width: 100})
        nothingDiagnosed(report)
      } catch (error) {
        if (error instanceof UserError) result.refused++
        else result.internalErrors.push({seed: s, message: error instanceof Error ? `${error.message}\n${error.stack?.split('\n').slice(1, 4).join('\n')}` : String(error)})
      }
      await rm(dir, {recursive: true, force: true})
    }
  } finally {
    await rm(work, {recursive: true, force: true})
  }
  return result
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 3000)
  const seed = Number(process.argv[3] ?? 1)
  const t0 = Date.now()
  const r = await fuzzBundles(seed, runs)
  console.log(`${r.runs} mutated bundles from seed ${seed}: ${r.refused} refused cleanly, ${r.internalErrors.length} internal errors (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  for (const e of r.internalErrors.slice(0, 20)) console.log(`seed ${e.seed}: ${e.message}`)
  process.exitCode = r.internalErrors.length === 0 ? 0 : 1
}
