// `kubectl kr dsr status`: the DsrStatus document (model/dsr-status.ts) as a table (per Service: IPs, tuples with
// fwmarks, the requirements that did not pass), wide (every requirement with its evidence), JSON or YAML (the
// document as is). Text from the API is made terminal-safe here.
import {Document, visit} from 'yaml'
import {displayWidth, escapeUnsafe, hasUnsafe, hex4, oneLine, padTo, plural, safe} from './text.js'
import type {DsrRequirement, DsrServiceStatus, DsrStatusDocument} from '../model/dsr-status.js'

export type DsrStatusFormat = 'table' | 'wide' | 'json' | 'yaml'

const MARK: Record<DsrRequirement['status'], string> = {pass: 'ok', fail: 'FAIL', unknown: '?'}

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
  for (const f of r.fix) {
    const [first, ...rest] = safe(f).split('\n')
    out.push(`            fix: ${first}`, ...rest.map((l) => `                 ${l}`))
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
  return out
}

/** -o table (wide = every requirement with its evidence). */
export function renderDsrStatusText(doc: DsrStatusDocument, wide: boolean): string {
  const where = doc.namespace === null ? 'all namespaces' : `namespace ${oneLine(doc.namespace)}`
  const version = doc.kubeRouter.version ?? 'unknown version'
  const lines = [`kube-router: ${doc.kubeRouter.image ? oneLine(doc.kubeRouter.image) : 'DaemonSet not found'} (${oneLine(version)}); node state not probed (--no-probe)`]
  if (doc.services.length === 0) {
    lines.push(`no Service with the kube-router.io/service.dsr annotation in ${where}`)
    return `${lines.join('\n')}\n`
  }
  if (doc.services.length > 1) {
    lines.push('', ...table([['SERVICE', 'DSR IPS', 'TUPLES', 'SCHEDULER', 'STATUS'], ...doc.services.map((s) => [
      oneLine(`${s.namespace}/${s.name}`), s.dsrIps.map((i) => i.ip).join(',') || '-', String(s.tuples.length), oneLine(s.scheduler), s.ready ? 'ready' : 'not ready',
    ])], ''))
  }
  for (const s of doc.services) lines.push('', ...serviceBlock(s, wide))
  lines.push('', `${plural(doc.summary.services, 'Service')} in ${where}: ${doc.summary.ready} ready for DSR, ${doc.summary.notReady} not`)
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
