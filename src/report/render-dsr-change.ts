// The lines `dsr enable` / `dsr disable` print: the requirements that matter, the annotation change with its
// `kubectl annotate` equivalent, each node's verification verdict, and the live per-node view on a terminal.
import type {AnnotationChange} from '../model/dsr-change.js'
import type {DsrRequirement} from '../model/dsr-status.js'
import type {DsrNodeVerdict, DsrServiceVerification} from '../model/dsr-verification.js'
import type {NodePhase, ProgressSink} from '../model/progress.js'
import {oneLine, truncate} from './text.js'

/** Every requirement that did not pass, with its evidence and fix; the passing ones as a count. */
export function requirementLines(requirements: readonly DsrRequirement[]): string[] {
  const passed = requirements.filter((r) => r.status === 'pass').length
  const lines = [`requirements: ${passed} of ${requirements.length} pass`]
  for (const r of requirements) {
    if (r.status === 'pass') continue
    const tag = r.blocksEnable ? `${r.severity}, blocks enable` : r.severity
    lines.push(`  ${r.status === 'fail' ? 'FAIL' : 'unknown'}  ${r.title} [${tag}]`)
    for (const e of r.evidence) lines.push(`      ${oneLine(e)}`)
    for (const f of r.fix) for (const [i, l] of f.split('\n').entries()) lines.push(`      ${i === 0 ? 'fix: ' : '     '}${l}`)
  }
  return lines
}

function changeLine(c: AnnotationChange): string {
  if (c.from === null) return `  + ${c.key}: ${c.to}`
  if (c.to === null) return `  - ${c.key}: ${c.from}`
  return `  ~ ${c.key}: ${c.from} -> ${c.to}`
}

export function changeLines(changes: readonly AnnotationChange[], annotate: string): string[] {
  return [...changes.map(changeLine), `  the same by hand: ${annotate}`]
}

const SIDE: Record<string, 'director' | 'endpoint' | 'disable'> = {
  'mangle-mark': 'director',
  'fwmark-rule': 'director',
  'table-78': 'director',
  'ipvs-fwm-service': 'director',
  'tcpmss-clamp': 'director',
  'vip-off-dummy': 'director',
  'sloppy-tcp': 'director',
  'pod-tunnel-if': 'endpoint',
  'pod-rp-filter': 'endpoint',
  'fwm-service-gone': 'disable',
  'served-normally': 'disable',
}

/** One node: its verdict, what was verified (passing checks) or why not (failing checks with evidence and fix). */
export function nodeVerdictLines(v: DsrNodeVerdict): string[] {
  const passed = v.checks.filter((c) => c.status === 'pass')
  const sides = [...new Set(passed.map((c) => SIDE[c.id]).filter((s) => s !== 'disable'))]
  const head = `  ${v.node}: ${v.state}`
  if (v.state === 'programmed' || v.state === 'undone') {
    const where = sides.length ? ` (${sides.join(' and ')} side)` : ''
    return [`${head}${where}: ${passed.map((c) => c.title).join('; ') || 'nothing to check'}`]
  }
  if (v.state === 'not-expected') return [`${head}: ${oneLine(v.reason ?? 'kube-router does not program the Service here')}`]
  const lines = [`${head}: ${oneLine(v.reason ?? 'see the checks below')}`]
  for (const c of v.checks) {
    if (c.status === 'pass' || c.status === 'not-applicable') continue
    lines.push(`      ${c.status === 'fail' ? 'FAIL' : 'unknown'}  ${c.title}`)
    for (const e of c.evidence) lines.push(`          ${oneLine(e)}`)
    for (const f of c.fix) lines.push(`          fix: ${oneLine(f)}`)
  }
  return lines
}

export function verificationLines(v: DsrServiceVerification): string[] {
  return v.nodes.flatMap(nodeVerdictLines)
}

function pending(v: DsrServiceVerification) {
  return v.nodes.filter((n) => !['programmed', 'undone', 'not-expected'].includes(n.state))
}

/** The nodes not yet as expected, each with its reason: "node-b broken (no FWM service); node-c not-probed (…)". */
export function pendingSummary(v: DsrServiceVerification): string {
  return pending(v).map((n) => `${n.node} ${n.state}${n.reason ? ` (${oneLine(n.reason)})` : ''}`).join('; ') || 'nothing pending'
}

/** The same, short: "node-b broken, node-c not-probed". */
export function pendingNodes(v: DsrServiceVerification): string {
  return pending(v).map((n) => `${n.node} ${n.state}`).join(', ') || 'no node'
}

const PHASE_TEXT: Record<NodePhase, string> = {
  waiting: 'waiting',
  scheduled: 'probe pod scheduled',
  pulling: 'pulling the probe image',
  running: 'probing',
  collected: 'probed',
  failed: 'not probed',
}

/**
 * Live per-node lines on a terminal for one verification round: each node with its probe pod's phase, redrawn in
 * place; `finish` erases them so the verdict lines that follow start clean.
 */
export function liveNodeLines(stream: NodeJS.WriteStream, title: string): {sink: ProgressSink; finish(): void} {
  const nodes = new Map<string, {phase: NodePhase; detail: string | null}>()
  let drawn = 0
  let step: string | null = null
  const erase = () => {
    if (drawn > 0) stream.write(`\u001B[${drawn}A\r\u001B[J`)
    drawn = 0
  }
  const draw = () => {
    erase()
    const width = Math.max(20, (stream.columns || 80) - 1)
    const lines = [`${title}${step && nodes.size === 0 ? `: ${step}` : ''}`]
    for (const [node, {phase, detail}] of nodes) lines.push(`  ${node}: ${PHASE_TEXT[phase]}${detail ? ` (${oneLine(detail)})` : ''}`)
    stream.write(lines.map((l) => `${truncate(l, width, '…')}\n`).join(''))
    drawn = lines.length
  }
  return {
    sink: (event) => {
      if (event.kind === 'run-started') for (const n of event.nodes) nodes.set(n, {phase: 'waiting', detail: null})
      else if (event.kind === 'node') nodes.set(event.node, {phase: event.phase, detail: event.detail})
      else if (event.kind === 'step') step = event.message
      else return
      draw()
    },
    finish: erase,
  }
}
