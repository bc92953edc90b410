// `kubectl kr dsr status`: the DsrStatus document (model/dsr-status.ts) as a table (per Service: IPs, tuples with
// fwmarks, the requirements that did not pass, per node what the probe found with the checks that did not pass),
// wide (every requirement and every node check with its evidence), JSON or YAML (the document as is). Text from the
// API and the nodes is made terminal-safe here.
import {Document, visit} from 'yaml'
import {displayWidth, escapeUnsafe, hasUnsafe, hex4, oneLine, padTo, plural, safe} from './text.js'
import type {DsrRequirement, DsrServiceStatus, DsrStatusDocument} from '../model/dsr-status.js'
import type {DsrNodeCheck, DsrNodeVerdict} from '../model/dsr-verification.js'

export type DsrStatusFormat = 'table' | 'wide' | 'json' | 'yaml'

const MARK: Record<DsrRequirement['status'] | DsrNodeCheck['status'], string> = {pass: 'ok', fail: 'FAIL', unknown: '?', 'not-applicable': 'n/a'}

function table(rows: string[][], indent: string): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i]))))
  return rows.map((r) => `${indent}${r.map((c, i) => (i === r.length - 1 ? c : padTo(c, widths[i]))).join('  ')}`.trimEnd())
}

function verdict(s: DsrServiceStatus): string {
  if (s.ready) return 'ready for DSR'
  if (s.annotation === null) return 'not DSR (no kube-router.io/service.dsr annotation)'
  return 'NOT ready for DSR'
}

function requirementLines(r: DsrRequirement, wide: boolean): string[] {
  const severity = r.status === 'pass' ? '' : ` [${r.severity}${r.status === 'fail' && r.blocksEnable ? ', blocks enable' : ''}]`
  const out = [`    ${padTo(MARK[r.status], 4)}  ${oneLine(r.title)}${severity}`]
  if (wide || r.status !== 'pass') for (const e of r.evidence) out.push(`            ${oneLine(e)}`)
  out.push(...fixLines(r.fix, '            '))
  return out
}

function fixLines(fix: string[], indent: string): string[] {
  const out: string[] = []
  for (const f of fix) {
    const [first, ...rest] = safe(f).split('\n')
    out.push(`${indent}fix: ${first}`, ...rest.map((l) => `${indent}     ${l}`))
  }
  return out
}

function checkLines(c: DsrNodeCheck, wide: boolean): string[] {
  const out = [`      ${padTo(MARK[c.status], 4)}  ${oneLine(c.title)}`]
  if (wide || c.status === 'fail' || c.status === 'unknown') for (const e of c.evidence) out.push(`            ${oneLine(e)}`)
  out.push(...fixLines(c.fix, '            '))
  return out
}

function nodeCounts(nodes: DsrNodeVerdict[]): string {
  const order: DsrNodeVerdict['state'][] = ['programmed', 'broken', 'unknown', 'not-probed', 'not-expected', 'undone']
  return order.map((st) => [st, nodes.filter((n) => n.state === st).length] as const).filter(([, n]) => n > 0).map(([st, n]) => `${n} ${st}`).join(', ')
}

function nodeLines(s: DsrServiceStatus, wide: boolean): string[] {
  if (s.nodes === null) return []
  if (s.annotation !== 'tunnel') {
    return [`  nodes: not programmed: ${s.annotation === null ? 'no kube-router.io/service.dsr annotation' : `kube-router.io/service.dsr is "${oneLine(s.annotation)}", not "tunnel"`}: kube-router does not program DSR for it (not probed)`]
  }
  const out = [`  nodes: ${nodeCounts(s.nodes) || 'none'}`]
  if (s.nodes.length === 0) return out
  const rows = [['NODE', 'STATE', 'LOCAL ENDPOINT', 'REASON'], ...s.nodes.map((n) => [oneLine(n.node), n.state, n.hasLocalEndpoint ? 'yes' : '-', n.reason === null ? '' : oneLine(n.reason)])]
  out.push(...table(rows, '    '))
  for (const n of s.nodes) {
    const shown = wide ? n.checks : n.checks.filter((c) => c.status === 'fail' || c.status === 'unknown')
    if (shown.length === 0) continue
    out.push(`    ${oneLine(n.node)}:`)
    for (const c of shown) out.push(...checkLines(c, wide))
  }
  return out
}

function serviceBlock(s: DsrServiceStatus, wide: boolean): string[] {
  const out = [`${oneLine(`${s.namespace}/${s.name}`)}: ${verdict(s)} (nodes: ${s.nodeState})`]
  const flags = s.schedFlags.length ? ` (flags ${oneLine(s.schedFlags.join(','))})` : ''
  out.push(`  annotation: ${s.annotation === null ? 'none' : oneLine(s.annotation)}   scheduler: ${oneLine(s.scheduler)}${flags}   externalTrafficPolicy: ${s.externalTrafficPolicy}`)
  out.push(`  DSR IPs: ${s.dsrIps.length ? s.dsrIps.map((i) => i.ip).join(', ') : 'none'}`)
  for (const k of s.skippedIps) out.push(`  skipped: ${oneLine(k.ip)}: ${oneLine(k.reason)}`)
  if (s.tuples.length) {
    const rows = [['IP', 'PROTO/PORT', 'TARGET', 'FWMARK'], ...s.tuples.map((t) => [t.ip, `${t.protocol}/${t.port}`, oneLine(String(t.targetPort ?? t.port)), `${t.fwmarkHex} (${t.fwmark})`])]
    out.push(...table(rows, '  '))
  }
  const shown = wide ? s.requirements : s.requirements.filter((r) => r.status !== 'pass')
  const passed = s.requirements.filter((r) => r.status === 'pass').length
  out.push(`  requirements: ${passed}/${s.requirements.length} pass${wide || shown.length === 0 ? '' : ' (-o wide shows all)'}`)
  for (const r of shown) out.push(...requirementLines(r, wide))
  out.push(...nodeLines(s, wide))
  return out
}

/** -o table (wide = every requirement with its evidence). */
export function renderDsrStatusText(doc: DsrStatusDocument, wide: boolean): string {
  const where = doc.namespace === null ? 'all namespaces' : `namespace ${oneLine(doc.namespace)}`
  const version = doc.kubeRouter.version ?? 'unknown version'
  const lines = [`kube-router: ${doc.kubeRouter.image ? oneLine(doc.kubeRouter.image) : 'DaemonSet not found'} (${oneLine(version)}); ${doc.probed ? 'node state from probe pods' : 'node state not probed (--no-probe)'}`]
  if (doc.services.length === 0) {
    lines.push(`no Service with the kube-router.io/service.dsr annotation in ${where}`)
    return `${lines.join('\n')}\n`
  }
  if (doc.services.length > 1) {
    lines.push('', ...table([['SERVICE', 'DSR IPS', 'TUPLES', 'SCHEDULER', 'STATUS', ...(doc.probed ? ['NODES'] : [])], ...doc.services.map((s) => [
      oneLine(`${s.namespace}/${s.name}`), s.dsrIps.map((i) => i.ip).join(',') || '-', String(s.tuples.length), oneLine(s.scheduler), s.ready ? 'ready' : 'not ready',
      ...(doc.probed ? [s.nodeState] : []),
    ])], ''))
  }
  for (const s of doc.services) lines.push('', ...serviceBlock(s, wide))
  const states = (['programmed', 'not programmed', 'unknown'] as const).map((st) => [st, doc.services.filter((s) => s.nodeState === st).length] as const)
  const programmed = doc.probed ? `; on the nodes: ${states.filter(([, n]) => n > 0).map(([st, n]) => `${n} ${st}`).join(', ')}` : ''
  lines.push('', `${plural(doc.summary.services, 'Service')} in ${where}: ${doc.summary.ready} ready for DSR, ${doc.summary.notReady} not${programmed}`)
  return `${lines.join('\n')}\n`
}

export function renderDsrStatusJson(doc: DsrStatusDocument): string {
  return `${escapeUnsafe(JSON.stringify(doc, null, 2), (c) => `\\u${hex4(c)}`)}\n`
}

export function renderDsrStatusYaml(doc: DsrStatusDocument): string {
  const y = new Document(doc, {version: '1.1'})
  visit(y, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && hasUnsafe(node.value)) node.type = 'QUOTE_DOUBLE'
    },
  })
  return escapeUnsafe(y.toString({lineWidth: 0, minContentWidth: 0}), (c) => `\\u${hex4(c)}`)
}

export function renderDsrStatus(doc: DsrStatusDocument, format: DsrStatusFormat): string {
  switch (format) {
    case 'json':
      return renderDsrStatusJson(doc)
    case 'yaml':
      return renderDsrStatusYaml(doc)
    default:
      return renderDsrStatusText(doc, format === 'wide')
  }
}
