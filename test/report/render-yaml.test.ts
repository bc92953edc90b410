import assert from 'node:assert/strict'
import {test} from 'node:test'
import {parse} from 'yaml'
import {renderJson} from '../../src/report/render-json.js'
import {renderYaml} from '../../src/report/render-yaml.js'
import {bundleReport, cleanReport, problemReport} from './sample-reports.js'

const tricky = () => {
  const report = problemReport()
  report.findings[0] = {
    ...report.findings[0],
    subject: 'yes',
    title: 'on',
    detail: `${'a very long detail sentence that must never be folded by the YAML writer '.repeat(6)}  two spaces  inside `,
    evidence: [
      '  leading spaces kept',
      'trailing spaces kept   ',
      'multi\nline\n',
      '- looks: like yaml # not a comment',
      '2025-05-01T10:00:00Z',
      '0777',
      '1_000',
      'null',
      '~',
      '',
      'tab\there',
      "quote ' and \" and \\ backslash",
      'x'.repeat(300),
    ],
    fixedIn: '2.2',
  }
  return report
}

test('YAML parses back to exactly the JSON document', () => {
  for (const report of [problemReport(), cleanReport(), bundleReport(), tricky()]) {
    const yaml = renderYaml(report)
    assert.deepEqual(parse(yaml), JSON.parse(renderJson(report)))
    // also under YAML 1.1 rules, where yes/on/timestamps/1_000 would otherwise change type
    assert.deepEqual(parse(yaml, {version: '1.1'}), JSON.parse(renderJson(report)))
  }
})

test('key order matches the JSON document', () => {
  const yaml = renderYaml(problemReport())
  const topKeys = yaml.split('\n').filter((line) => /^[a-zA-Z]+:/.test(line)).map((line) => line.split(':')[0])
  assert.deepEqual(topKeys, ['apiVersion', 'kind', 'generatedAt', 'source', 'kubeRouter', 'nodes', 'results', 'findings', 'checks', 'summary'])
})

test('long strings stay on one line', () => {
  const report = tricky()
  const yaml = renderYaml(report)
  assert.ok(yaml.includes('x'.repeat(300)))
  assert.ok(yaml.includes(report.findings[0].detail.trim().slice(0, 200)))
})
