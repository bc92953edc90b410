// `kubectl kr checks`: the CheckCatalog (model/check-catalog.ts) as a table (default), JSON or YAML (the document
// as is). Titles are made terminal-safe here like every other text we print.
import {Document, visit} from 'yaml'
import {displayWidth, escapeUnsafe, hasUnsafe, hex4, oneLine, padTo} from './text.js'
import type {CheckCatalog, CheckInfo} from '../model/check-catalog.js'

export type ChecksFormat = 'table' | 'json' | 'yaml'

/** The kube-router versions a check applies to, in one cell: "all", ">= v2.0.0", "< v2.2.0", ">= v2.0.0, < v2.2.0". */
export function versionRange(check: CheckInfo): string {
  const v = check.versions
  if (!v || (v.from === null && v.before === null)) return 'all'
  return [v.from === null ? null : `>= ${v.from}`, v.before === null ? null : `< ${v.before}`].filter((p) => p !== null).join(', ')
}

function needsCell(check: CheckInfo): string {
  if (!check.selectable) return '-'
  return check.needs.length ? check.needs.join(',') : 'none'
}

export function renderChecksTable(catalog: CheckCatalog): string {
  const rows = [
    ['ID', 'SCOPE', 'NEEDS', 'VERSIONS', 'TITLE'],
    ...catalog.items.map((c) => [oneLine(c.id), c.scope, oneLine(needsCell(c)), oneLine(versionRange(c)), oneLine(c.title)]),
  ]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i]))))
  const lines = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : padTo(cell, widths[i]))).join('  ').trimEnd())
  const notes = catalog.items.filter((c) => c.versions).map((c) => `${oneLine(c.id)}: ${oneLine(versionRange(c))}: ${oneLine(c.versions!.why)}`)
  if (notes.length) lines.push('', 'Version limits:', ...notes.map((n) => `  ${n}`))
  return `${lines.join('\n')}\n`
}

export function renderChecksJson(catalog: CheckCatalog): string {
  return `${escapeUnsafe(JSON.stringify(catalog, null, 2), (c) => `\\u${hex4(c)}`)}\n`
}

export function renderChecksYaml(catalog: CheckCatalog): string {
  const doc = new Document(catalog, {version: '1.1'})
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && hasUnsafe(node.value)) node.type = 'QUOTE_DOUBLE'
    },
  })
  return escapeUnsafe(doc.toString({lineWidth: 0, minContentWidth: 0}), (c) => `\\u${hex4(c)}`)
}

export function renderChecks(catalog: CheckCatalog, format: ChecksFormat): string {
  switch (format) {
    case 'json':
      return renderChecksJson(catalog)
    case 'yaml':
      return renderChecksYaml(catalog)
    default:
      return renderChecksTable(catalog)
  }
}
