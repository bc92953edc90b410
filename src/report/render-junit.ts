// `-o junit`: one <testsuite> per check, one <testcase> per (check, node) result.
import {severityRank, sortFindings} from './summary.js'
import type {CheckResult, DoctorReport, FailOn, Finding} from '../model/report.js'
import {escapeUnsafe, hex4} from './text.js'

// Characters XML 1.0 allows: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// With the `u` flag a lone surrogate is one code point outside these ranges, so it is stripped too.
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** Text content: strip what XML 1.0 cannot carry, escape markup, and C1 / bidi controls as character references. */
export function escapeXmlText(text: string): string {
  const xml = text.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return escapeUnsafe(xml, (c) => `&#x${hex4(c)};`)
}

/** Attribute value (double-quoted): also escape quotes, and keep tabs/newlines from being normalised to spaces. */
export function escapeXmlAttr(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
}

const key = (check: string, node: string | null): string => `${check}\u0000${node ?? ''}`

/** Every finding of one (check, node) as readable text: what a CI job shows in the failure body. */
function findingsText(findings: readonly Finding[]): string {
  const blocks = findings.map((finding) => {
    const lines = [`[${finding.severity}] ${finding.title}`]
    if (finding.subject !== null) lines.push(`subject: ${finding.subject}`)
    if (finding.detail) lines.push('', finding.detail)
    if (finding.evidence.length > 0) lines.push('', 'evidence:', ...finding.evidence.map((line) => `  ${line}`))
    if (finding.remediation.length > 0) lines.push('', 'fix:', ...finding.remediation.map((line) => `  ${line}`))
    if (finding.fixedIn !== null) lines.push('', `fixed in: ${finding.fixedIn}`)
    return lines.join('\n')
  })
  return blocks.join('\n\n----\n\n')
}

interface Case {
  result: CheckResult
  findings: Finding[]
}

/** Whether a finding fails the run at this --fail-on, as the exit code decides (exit-code.ts). */
function failsAt(finding: Finding, failOn: FailOn): boolean {
  return failOn !== 'none' && severityRank(finding.severity) <= severityRank(failOn)
}

function renderCase({result, findings}: Case, failOn: FailOn): string {
  const name = `${result.check} on ${result.node ?? 'cluster'}`
  const open = `    <testcase name="${escapeXmlAttr(name)}" classname="${escapeXmlAttr(`kubectl-kr.${result.check}`)}" time="0"`
  // a failed check whose findings are all below --fail-on does not fail the run: not a JUnit failure either
  const status = caseStatus({result, findings}, failOn)
  switch (status) {
    case 'fail': {
      const first = findings[0]
      const message = first?.title ?? result.reason ?? 'check failed'
      const type = first?.severity ?? 'error'
      const body = findings.length > 0 ? findingsText(findings) : (result.reason ?? '')
      return `${open}>\n      <failure message="${escapeXmlAttr(message)}" type="${escapeXmlAttr(type)}">${escapeXmlText(body)}</failure>\n    </testcase>`
    }
    case 'skipped':
    case 'error': {
      const element = status === 'error' ? 'error' : 'skipped'
      const reason = result.reason ?? (result.status === 'error' ? 'check could not be evaluated' : 'skipped')
      const out = findings.length > 0 ? `\n      <system-out>${escapeXmlText(findingsText(findings))}</system-out>` : ''
      return `${open}>\n      <${element} message="${escapeXmlAttr(reason)}"/>${out}\n    </testcase>`
    }
    default: {
      // pass; informational findings of a passing check are kept as output, not failures
      if (findings.length === 0) return `${open}/>`
      return `${open}>\n      <system-out>${escapeXmlText(findingsText(findings))}</system-out>\n    </testcase>`
    }
  }
}

interface Totals {
  tests: number
  failures: number
  errors: number
  skipped: number
}

function caseStatus({result, findings}: Case, failOn: FailOn): CheckResult['status'] {
  if (result.status === 'fail' && findings.length > 0 && !findings.some((f) => failsAt(f, failOn))) return 'pass'
  if (result.status === 'error' && failOn === 'none') return 'skipped'
  return result.status
}

function totalsOf(cases: readonly Case[], failOn: FailOn): Totals {
  const totals = {tests: cases.length, failures: 0, errors: 0, skipped: 0}
  for (const item of cases) {
    const status = caseStatus(item, failOn)
    if (status === 'fail') totals.failures++
    else if (status === 'error') totals.errors++
    else if (status === 'skipped') totals.skipped++
  }
  return totals
}

const totalsAttrs = (t: Totals): string =>
  `tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}"`

/**
 * JUnit XML. Suites follow the order in which checks first appear in `results`; a finding
 * whose (check, node) has no result row still gets a test case, so nothing is lost. Failures follow
 * --fail-on as the exit code does: findings below it are output of a passing case, and with `none` a check
 * that could not run is skipped, not an error.
 */
export function renderJunit(report: DoctorReport, failOn: FailOn = 'error'): string {
  const findingsByCase = new Map<string, Finding[]>()
  for (const finding of sortFindings(report.findings)) {
    const k = key(finding.check, finding.node)
    const list = findingsByCase.get(k)
    if (list) list.push(finding)
    else findingsByCase.set(k, [finding])
  }

  const suites = new Map<string, Case[]>()
  const addCase = (item: Case): void => {
    const list = suites.get(item.result.check)
    if (list) list.push(item)
    else suites.set(item.result.check, [item])
  }
  const seen = new Set<string>()
  for (const result of report.results) {
    const k = key(result.check, result.node)
    // a duplicated result row would repeat the same findings; render each (check, node) once
    if (seen.has(k)) continue
    seen.add(k)
    addCase({result, findings: findingsByCase.get(k) ?? []})
  }
  for (const [k, findings] of findingsByCase) {
    if (seen.has(k)) continue
    const {check, node} = findings[0]
    const failing = findings.some((finding) => severityRank(finding.severity) < severityRank('info'))
    addCase({result: {check, node, status: failing ? 'fail' : 'pass', reason: null}, findings})
  }

  const all = [...suites.values()].flat()
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kubectl-kr doctor" ${totalsAttrs(totalsOf(all, failOn))} time="0">`,
  ]
  for (const [check, cases] of suites) {
    lines.push(
      `  <testsuite name="${escapeXmlAttr(check)}" ${totalsAttrs(totalsOf(cases, failOn))} time="0" timestamp="${escapeXmlAttr(report.generatedAt)}">`,
    )
    for (const item of cases) lines.push(renderCase(item, failOn))
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>')
  return `${lines.join('\n')}\n`
}
