// `-o yaml`: the same document as `-o json` (CONTRACT §3), as YAML.
import {Document, visit} from 'yaml'
import {escapeUnsafe, hasUnsafe, hex4} from './text.js'
import {reportDocument} from './render-json.js'
import type {DoctorReport} from '../model/report.js'

/**
 * The report as YAML. Strings are never folded (`lineWidth: 0`), and scalars are written
 * with the YAML 1.1 rules, which quote everything a 1.1 reader would take for a bool,
 * timestamp or number ("yes", "on", "2024-05-01T10:00:00Z", "1_000"): the output parses
 * to the JSON document under both YAML 1.1 (PyYAML, go-yaml v2) and 1.2 readers.
 */
export function renderYaml(report: DoctorReport): string {
  const doc = new Document(reportDocument(report), {version: '1.1'})
  // strings holding terminal controls are double-quoted, where \uNNNN escapes them (the same data)
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && hasUnsafe(node.value)) node.type = 'QUOTE_DOUBLE'
    },
  })
  return escapeUnsafe(doc.toString({lineWidth: 0, minContentWidth: 0}), (c) => `\\u${hex4(c)}`)
}
