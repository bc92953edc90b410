// Runs the selected checks over parsed node state and builds results and findings.
import {sourceProblem, type SourceProblem} from '../model/node-state.js'
import {inVersionWindow} from '../expected/version-matrix.js'
import type {Check, ClusterCheckContext, NodeCheckContext, Outcome} from './define.js'
import type {CheckResult, FindingBody} from '../model/report.js'
import type {Version} from '../model/types.js'

export interface CheckRun {
  results: CheckResult[]
  findings: FindingBody[]
}

function versionSkip(check: Check, version: Version | null): string | null {
  if (!check.versions || !version) return null
  if (!inVersionWindow(version, check.versions)) {
    return `does not apply to kube-router ${version.text}: ${check.versions.why}`
  }
  return null
}

function toRecord(check: Check, node: string | null, outcome: Outcome, run: CheckRun): void {
  if ('skip' in outcome) {
    run.results.push({check: check.id, node, status: 'skipped', reason: outcome.skip})
    return
  }
  const failing = outcome.findings.some((f) => f.severity !== 'info')
  run.results.push({check: check.id, node, status: failing ? 'fail' : 'pass', reason: outcome.note ?? null})
  for (const f of outcome.findings) run.findings.push({check: check.id, node, ...f})
}

function safely(check: Check, node: string | null, evaluate: () => Outcome, run: CheckRun): void {
  let outcome: Outcome
  try {
    outcome = evaluate()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    run.results.push({check: check.id, node, status: 'error', reason: `the check failed unexpectedly: ${message}`})
    return
  }
  toRecord(check, node, outcome, run)
}

export function runChecks(checks: readonly Check[], nodes: NodeCheckContext[], cluster: ClusterCheckContext): CheckRun {
  const run: CheckRun = {results: [], findings: []}
  for (const check of checks) {
    if (check.scope === 'cluster') {
      safely(check, null, () => check.evaluate(cluster), run)
      continue
    }
    for (const ctx of nodes) {
      const problems = check.needs.map((s) => sourceProblem(ctx.node, s)).filter((p): p is SourceProblem => p !== null)
      const unreadable = problems.find((p) => p.kind === 'unreadable')
      if (unreadable) {
        run.results.push({check: check.id, node: ctx.node.name, status: 'error', reason: unreadable.text})
        continue
      }
      if (problems.length) {
        run.results.push({check: check.id, node: ctx.node.name, status: 'skipped', reason: `needs ${problems.map((p) => p.text).join('; ')}`})
        continue
      }
      const vskip = versionSkip(check, ctx.facts.version)
      if (vskip) {
        run.results.push({check: check.id, node: ctx.node.name, status: 'skipped', reason: vskip})
        continue
      }
      safely(check, ctx.node.name, () => check.evaluate(ctx), run)
    }
  }
  return run
}
