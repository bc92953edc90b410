// `-o json`: the CONTRACT §3 document, keys in the contract's order.
import type {CheckResult, DoctorReport, Finding, NodeReport} from '../model/report.js'
import {escapeUnsafe, hex4} from './text.js'

/** `undefined` (a producer's slip) becomes null so every contract key is always present. */
function orNull<T>(value: T | null | undefined): T | null {
  return value === undefined ? null : value
}

function nodeDocument(node: NodeReport): Record<string, unknown> {
  const doc: Record<string, unknown> = {name: node.name, status: node.status, error: orNull(node.error)}
  // Extensions of the contract (optional in the model): after the contract keys, only when set.
  if (node.kubeRouterVersion !== undefined) doc.kubeRouterVersion = node.kubeRouterVersion
  if (node.sourceIssues !== undefined) doc.sourceIssues = {...node.sourceIssues}
  return doc
}

function resultDocument(result: CheckResult): Record<string, unknown> {
  return {check: result.check, node: orNull(result.node), status: result.status, reason: orNull(result.reason)}
}

function findingDocument(finding: Finding): Record<string, unknown> {
  return {
    check: finding.check,
    severity: finding.severity,
    node: orNull(finding.node),
    subject: orNull(finding.subject),
    title: finding.title,
    detail: finding.detail,
    evidence: [...(finding.evidence ?? [])],
    remediation: [...(finding.remediation ?? [])],
    fixedIn: orNull(finding.fixedIn),
    fingerprint: orNull(finding.fingerprint),
  }
}

/** The report as a plain object whose key order is the contract's; JSON and YAML both render this. */
export function reportDocument(report: DoctorReport): Record<string, unknown> {
  return {
    apiVersion: report.apiVersion,
    kind: report.kind,
    generatedAt: report.generatedAt,
    source: {
      mode: report.source.mode,
      context: orNull(report.source.context),
      bundle: orNull(report.source.bundle),
    },
    kubeRouter: {
      version: orNull(report.kubeRouter.version),
      image: orNull(report.kubeRouter.image),
      args: [...(report.kubeRouter.args ?? [])],
    },
    nodes: report.nodes.map(nodeDocument),
    results: report.results.map(resultDocument),
    findings: report.findings.map(findingDocument),
    checks: (report.checks ?? []).map(({id, title}) => ({id, title})),
    summary: {
      errors: report.summary.errors,
      warnings: report.summary.warnings,
      infos: report.summary.infos,
      nodesProbed: report.summary.nodesProbed,
      nodesFailed: report.summary.nodesFailed,
    },
  }
}

/** CONTRACT §3 as JSON: 2-space indent, trailing newline. */
/** JSON.stringify leaves C1 and bidi controls raw; they are escaped (\uNNNN, the same data) so a report printed on a
 * terminal cannot drive it. Raw, they can only occur inside strings. */
export function renderJson(report: DoctorReport): string {
  return `${escapeUnsafe(JSON.stringify(reportDocument(report), null, 2), (c) => `\\u${hex4(c)}`)}\n`
}

/** The same document on one line: `doctor --watch -o json` writes one per round (JSON Lines). */
export function renderJsonLine(report: DoctorReport): string {
  return `${escapeUnsafe(JSON.stringify(reportDocument(report)), (c) => `\\u${hex4(c)}`)}\n`
}
