// The doctor use case: collect a snapshot (through whichever collector the command chose), optionally save it
// as a bundle, analyse it, and hand back the report. The one place a run's progress events come from (the
// cluster collector adds the per-node ones as its pods go). Never sees flags; never renders.
import {analyse} from './analyse.js'
import type {Check} from '../checks/define.js'
import {UserError} from '../model/errors.js'
import {ignoreProgress, type ProgressSink} from '../model/progress.js'
import type {DoctorReport} from '../model/report.js'
import type {Snapshot} from '../model/types.js'
import type {Collector} from './collectors.js'

export interface DoctorRun {
  collector: Collector
  checks: readonly Check[]
  /** also save the snapshot as a bundle here (checked with checkSaveTarget before the run) */
  saveTo: string | null
  /** the plugin's version, recorded in a saved bundle's manifest */
  toolVersion: string
  warn(message: string): void
  /** a line for the user that is not a warning ("bundle saved to …") */
  note(message: string): void
  progress?: ProgressSink
  /** report only the probed VIPs of this namespace's Services (-n); null or absent: every namespace */
  serviceNamespace?: string | null
  now?(): number
}

/** The checks to run: all, or those of `only`, minus `skip`. Unknown ids are a UserError naming the valid ones. */
export async function selectDoctorChecks(only: string[], skip: string[]): Promise<readonly Check[]> {
  const {selectChecks, UnknownCheckError} = await import('../checks/index.js')
  try {
    return selectChecks(only, skip)
  } catch (error) {
    if (error instanceof UnknownCheckError) throw new UserError(error.message)
    throw error
  }
}

/** Refuses a --save-bundle target that exists (never overwritten), before anything is collected. */
export async function checkSaveTarget(path: string): Promise<void> {
  const {checkBundleTarget} = await import('../infra/bundle.js')
  await checkBundleTarget(path)
}

/** Writes the snapshot as a bundle, with the run's report as report.json; an existing target is never overwritten. */
export async function saveBundle(snapshot: Snapshot, path: string, toolVersion: string, report: DoctorReport | null = null): Promise<void> {
  const {checkBundleTarget, writeBundle} = await import('../infra/bundle.js')
  await checkBundleTarget(path)
  await writeBundle(snapshot, path, toolVersion, report ? await reportJson(report) : null)
}

async function reportJson(report: DoctorReport): Promise<string> {
  const {renderJson} = await import('../report/render-json.js')
  return renderJson(report)
}

/** Writes the JSON report; an existing file is never overwritten. */
export async function saveReport(report: DoctorReport, path: string): Promise<void> {
  const {writeFile} = await import('node:fs/promises')
  const {renderJson} = await import('../report/render-json.js')
  await writeFile(path, renderJson(report), {flag: 'wx'})
}

export async function runDoctor(run: DoctorRun): Promise<{report: DoctorReport; snapshot: Snapshot}> {
  const progress = run.progress ?? ignoreProgress
  const now = run.now ?? Date.now
  try {
    const {snapshot, issues} = await run.collector.collect(progress)
    if (snapshot.mode !== 'cluster') {
      const names = [...snapshot.nodes.map((n) => n.name), ...snapshot.failedNodes.map((n) => n.name)]
      progress({kind: 'run-started', mode: snapshot.mode, context: snapshot.context, nodes: names, at: now()})
      for (const n of snapshot.nodes) progress({kind: 'node', node: n.name, phase: 'collected', detail: null, at: now()})
      for (const n of snapshot.failedNodes) progress({kind: 'node', node: n.name, phase: 'failed', detail: n.error, at: now()})
    }
    for (const issue of issues) run.warn(issue)
    progress({kind: 'analysing', at: now()})
    const {report, sourceWarnings} = analyse(snapshot, run.checks, undefined, {serviceNamespace: run.serviceNamespace ?? null})
    for (const w of sourceWarnings) run.warn(`${w}; checks that need it report error`)
    if (run.saveTo) await saveWithoutLosingTheRun(snapshot, report, {...run, saveTo: run.saveTo})
    return {report, snapshot}
  } finally {
    progress({kind: 'run-finished', at: now()})
  }
}

/** A bundle that cannot be written (disk full, target gone) costs the bundle, never the report of the run. */
async function saveWithoutLosingTheRun(snapshot: Snapshot, report: DoctorReport, run: DoctorRun & {saveTo: string}): Promise<void> {
  const {writeBundle} = await import('../infra/bundle.js')
  try {
    await writeBundle(snapshot, run.saveTo, run.toolVersion, await reportJson(report))
    run.note(`bundle saved to ${run.saveTo}`)
  } catch (error) {
    if (!(error instanceof UserError)) throw error
    run.warn(`${error.message}; the capture was not saved, the report is complete`)
  }
}
