// `-o yaml`: the same document as `-o json` (CONTRACT §3), as YAML.
import {stringify} from 'yaml'
import {reportDocument} from './render-json.js'
import type {DoctorReport} from '../model/report.js'

/**
 * The report as YAML. Strings are never folded (`lineWidth: 0`), and scalars are written
 * with the YAML 1.1 rules, which quote everything a 1.1 reader would take for a bool,
 * timestamp or number ("yes", "on", "2024-05-01T10:00:00Z", "1_000"): the output parses
 * to the JSON document under both YAML 1.1 (PyYAML, go-yaml v2) and 1.2 readers.
 */
export function renderYaml(report: DoctorReport): string {
  return stringify(reportDocument(report), {version: '1.1', lineWidth: 0, minContentWidth: 0})
}
