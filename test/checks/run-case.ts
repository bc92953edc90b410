// Shared helper of the check table tests: a case is a bundle directory under test/fixtures/checks/<case>/
// (CONTRACT §5); it is read with readBundle and analysed with the selected checks, as `doctor --from-bundle` does.
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'
import {join} from 'node:path'
import {readBundle} from '../../src/infra/bundle.js'
import {analyse} from '../../src/services/analyse.js'
import {selectChecks} from '../../src/checks/index.js'
import type {CheckResult, DoctorReport, Finding} from '../../src/model/report.js'

export const CASES_DIR = fileURLToPath(new URL('../fixtures/checks/', import.meta.url))

const NOW = new Date('2026-11-01T10:00:00Z')

export interface CaseRun {
  report: DoctorReport
  /** sources the parsers could not fully read; the fixtures are real output, so this stays empty */
  sourceWarnings: string[]
}

/** Reads the case bundle and runs the given checks (all when `ids` is empty). */
export async function runCase(name: string, ids: string[] = []): Promise<CaseRun> {
  const snapshot = await readBundle(join(CASES_DIR, name))
  const {report, sourceWarnings} = analyse(snapshot, selectChecks(ids, []), NOW)
  return {report, sourceWarnings}
}

/** The report of one check on a case, after asserting that every node source of the case parsed cleanly. */
export async function checkCase(name: string, id: string): Promise<DoctorReport> {
  const {report, sourceWarnings} = await runCase(name, [id])
  assert.deepEqual(sourceWarnings, [], `${name}: every node file parses`)
  return report
}

/** The one result row of `check` for `node` (null = cluster-level). */
export function resultOf(report: DoctorReport, check: string, node: string | null = 'node-a'): CheckResult {
  const rows = report.results.filter((r) => r.check === check && r.node === node)
  assert.equal(rows.length, 1, `one result row for ${check} on ${node ?? 'the cluster'}: ${JSON.stringify(report.results)}`)
  return rows[0]
}

export function findingsOf(report: DoctorReport, check: string, node: string | null = 'node-a'): Finding[] {
  return report.findings.filter((f) => f.check === check && f.node === node)
}

/** Exactly one finding of `check` on `node`. */
export function onlyFinding(report: DoctorReport, check: string, node: string | null = 'node-a'): Finding {
  const found = findingsOf(report, check, node)
  assert.equal(found.length, 1, `one ${check} finding: ${JSON.stringify(found.map((f) => f.title))}`)
  return found[0]
}

/** A check that passes without any finding (the trap stays quiet). */
export function assertQuietPass(report: DoctorReport, check: string, node: string | null = 'node-a'): CheckResult {
  const result = resultOf(report, check, node)
  assert.equal(result.status, 'pass', `${check} passes: ${JSON.stringify(result)}`)
  assert.deepEqual(findingsOf(report, check, node), [], `${check} reports nothing`)
  return result
}

/** The check is skipped on the node, and the reason names the missing node file (and why it is missing, when given). */
export function assertSkippedFor(report: DoctorReport, check: string, file: string, why?: string, node = 'node-a'): CheckResult {
  const result = resultOf(report, check, node)
  assert.equal(result.status, 'skipped', `${check} is skipped: ${JSON.stringify(result)}`)
  assert.ok(result.reason?.includes(`nodes/${node}/${file}`), `the reason names nodes/${node}/${file}: ${result.reason}`)
  if (why !== undefined) assert.ok(result.reason!.includes(why), `the reason says why (${why}): ${result.reason}`)
  assert.deepEqual(findingsOf(report, check, node), [])
  return result
}

/** Some line of `lines` contains `text`. */
export function assertHasLine(lines: string[], text: string, what = 'lines'): void {
  assert.ok(lines.some((l) => l.includes(text)), `${what} contain ${JSON.stringify(text)}:\n${lines.join('\n')}`)
}

/** `text` is one of `lines` verbatim. */
export function assertHasExactLine(lines: string[], text: string, what = 'evidence'): void {
  assert.ok(lines.includes(text), `${what} holds the verbatim line ${JSON.stringify(text)}:\n${lines.join('\n')}`)
}
