// The accuracy corpus (issue 12 item 5): every fixture bundle (test/fixtures/checks/*) and the demo bundle analysed
// with every check, reduced to one verdict per (bundle, check, node). test/accuracy-corpus.test.ts compares it with
// the committed table test/fixtures/accuracy-corpus.json; `npm run corpus:update` rewrites that table, so a change
// that flips a verdict anywhere shows in the diff a reviewer reads.
import {readdir, stat} from 'node:fs/promises'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import {readBundle} from '../../src/infra/bundle.js'
import {analyse} from '../../src/services/analyse.js'
import {CHECKS} from '../../src/checks/index.js'
import type {DoctorReport} from '../../src/model/report.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
export const CORPUS_TABLE = join(REPO, 'test/fixtures/accuracy-corpus.json')
const NOW = new Date('2026-11-01T10:00:00Z')

/** bundle path (relative to the repo) -> "check@node" (node "-" for cluster checks) -> verdict */
export type CorpusTable = Record<string, Record<string, string>>

/** The bundle directories of the corpus: every directory with a manifest.json under the checks fixtures, and the demo. */
export async function corpusBundles(): Promise<string[]> {
  const base = join(REPO, 'test/fixtures/checks')
  const out: string[] = []
  for (const name of (await readdir(base)).sort()) {
    const dir = join(base, name)
    if ((await stat(dir)).isDirectory() && (await stat(join(dir, 'manifest.json')).catch(() => null))) out.push(dir)
  }
  out.push(join(REPO, 'examples/demo-bundle'))
  return out.map((d) => relative(REPO, d))
}

/**
 * One verdict: the result status, then the findings' severities with counts, e.g. "fail: error x2, warning",
 * "pass: info", "pass", "skipped", "error". Severities are what a reader acts on; titles would make the table noisy.
 */
export function verdicts(report: DoctorReport): Record<string, string> {
  const out: Record<string, string> = {}
  for (const r of report.results) {
    const findings = report.findings.filter((f) => f.check === r.check && f.node === r.node)
    const counts = new Map<string, number>()
    for (const sev of ['error', 'warning', 'info']) {
      const n = findings.filter((f) => f.severity === sev).length
      if (n) counts.set(sev, n)
    }
    const parts = [...counts].map(([sev, n]) => (n === 1 ? sev : `${sev} x${n}`))
    out[`${r.check}@${r.node ?? '-'}`] = parts.length ? `${r.status}: ${parts.join(', ')}` : r.status
  }
  return out
}

export async function computeCorpus(): Promise<CorpusTable> {
  const table: CorpusTable = {}
  for (const bundle of await corpusBundles()) {
    const snapshot = await readBundle(join(REPO, bundle))
    table[bundle] = verdicts(analyse(snapshot, CHECKS, NOW).report)
  }
  return table
}

export function formatCorpus(table: CorpusTable): string {
  return JSON.stringify(table, null, 2) + '\n'
}
