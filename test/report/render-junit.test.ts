import assert from 'node:assert/strict'
import {test} from 'node:test'
import {escapeXmlAttr, escapeXmlText, renderJunit} from '../../src/report/render-junit.js'
import {bundleReport, cleanReport, IPV6_ROUTE_EVIDENCE, problemReport} from './sample-reports.js'
import {parseXml, type XmlElement} from './mini-xml.js'

const all = (el: XmlElement, name: string): XmlElement[] => [
  ...el.children.filter((c) => c.name === name),
  ...el.children.flatMap((c) => all(c, name)),
]

test('well-formed, one suite per check, totals match', () => {
  const root = parseXml(renderJunit(problemReport(), 'warning'))
  assert.equal(root.name, 'testsuites')
  assert.deepEqual(
    root.children.map((s) => s.attrs.name),
    ['kube-router-version', 'ipv6-vip-routes', 'local-ips-ipset', 'vip-reachability', 'dsr-sloppy-tcp', 'networkd-foreign-rules'],
  )
  assert.deepEqual(
    {tests: root.attrs.tests, failures: root.attrs.failures, errors: root.attrs.errors, skipped: root.attrs.skipped},
    {tests: '11', failures: '4', errors: '1', skipped: '4'},
  )
  for (const suite of root.children) {
    const cases = suite.children
    assert.equal(suite.attrs.tests, String(cases.length))
    assert.equal(suite.attrs.failures, String(cases.filter((c) => c.children.some((x) => x.name === 'failure')).length))
    assert.equal(suite.attrs.errors, String(cases.filter((c) => c.children.some((x) => x.name === 'error')).length))
    assert.equal(suite.attrs.skipped, String(cases.filter((c) => c.children.some((x) => x.name === 'skipped')).length))
  }
})

test('test case names, classnames, failure / skipped / error bodies', () => {
  const root = parseXml(renderJunit(problemReport(), 'warning'))
  const cases = all(root, 'testcase')
  const byName = new Map(cases.map((c) => [c.attrs.name, c]))
  assert.equal(byName.get('kube-router-version on cluster')?.attrs.classname, 'kubectl-kr.kube-router-version')

  const ipv6 = byName.get('ipv6-vip-routes on node-a')!
  const failure = ipv6.children.find((c) => c.name === 'failure')!
  assert.equal(failure.attrs.type, 'error')
  assert.match(failure.attrs.message, /^Service VIP fd00:10:96::a is unreachable/)
  assert.ok(failure.text.includes(IPV6_ROUTE_EVIDENCE), 'evidence verbatim in the failure body')
  assert.ok(failure.text.includes('ip -6 route del local fd00:10:96::a dev kube-dummy-if table local'))
  assert.ok(failure.text.includes('fixed in: v2.2.0'))

  const skipped = byName.get('vip-reachability on node-b')!.children[0]
  assert.deepEqual([skipped.name, skipped.attrs.message], ['skipped', 'probes.json missing: curl not found in image'])
  const error = byName.get('local-ips-ipset on node-b')!.children[0]
  assert.deepEqual([error.name, error.attrs.message], ['error', 'ipset.txt: line 12: cannot read member "fd00::1 timeout x"'])
  assert.equal(byName.get('local-ips-ipset on node-a')!.children.length, 0, 'a pass is an empty test case')
})

test(`escapes <&"'> and strips characters XML 1.0 cannot carry`, () => {
  const report = problemReport()
  report.findings = report.findings.map((f) =>
    f.check === 'networkd-foreign-rules' ? {...f, evidence: [...f.evidence, 'bell\u0007 esc\u001b[31m nul\u0000 lone\ud800 ok\u{1F600}']} : f,
  )
  const xml = renderJunit(report, 'warning')
  assert.ok(!xml.includes('\u0007') && !xml.includes('\u001b') && !xml.includes('\u0000') && !xml.includes('\ud800'))
  const root = parseXml(xml)
  const failure = all(root, 'failure').find((f) => f.attrs.type === 'warning' && f.attrs.message.startsWith('systemd'))!
  assert.equal(failure.attrs.message, `systemd-networkd may delete kube-router's rules <ManageForeignRoutingPolicyRules> & "routes"`)
  assert.ok(failure.text.includes('bell esc[31m nul lone ok\u{1F600}'))
  assert.equal(escapeXmlAttr(`<&"'>`), '&lt;&amp;&quot;&apos;&gt;')
  assert.equal(escapeXmlText(`<&"'>`), `&lt;&amp;"'&gt;`)
  assert.equal(escapeXmlAttr('a\nb'), 'a&#10;b')
})

test('findings without a result row still appear; info on a pass goes to system-out', () => {
  const report = bundleReport(3)
  report.findings.push({...report.findings[1], check: 'orphan-check', node: null})
  const root = parseXml(renderJunit(report, 'warning'))
  const orphan = root.children.find((s) => s.attrs.name === 'orphan-check')!
  assert.equal(orphan.attrs.failures, '1')
  const info = all(root, 'testcase').find((c) => c.attrs.name === `dsr-route-noise on ${report.nodes[0].name}`)!
  assert.equal(info.children[0].name, 'system-out')
  assert.ok(info.children[0].text.includes("Failed to add route to custom route table for external IP's"))
})

test('clean report: all passes', () => {
  const root = parseXml(renderJunit(cleanReport()))
  assert.deepEqual([root.attrs.tests, root.attrs.failures, root.attrs.errors, root.attrs.skipped], ['3', '0', '0', '0'])
})

test('the test XML reader rejects what it should (so the tests above mean something)', () => {
  assert.throws(() => parseXml('<a>&</a>'))
  assert.throws(() => parseXml('<a b="<"/>'))
  assert.throws(() => parseXml('<a><b></a>'))
  assert.throws(() => parseXml('<a>\u0007</a>'))
  assert.throws(() => parseXml('<a/><b/>'))
  assert.equal(parseXml('<a x="&quot;&#10;"><b>t&amp;</b></a>').children[0].text, 't&')
})

test('failures follow --fail-on: warnings fail only at warning, nothing fails at none', () => {
  const totals = (failOn: 'error' | 'warning' | 'none') => {
    const root = parseXml(renderJunit(problemReport(), failOn))
    return {failures: Number(root.attrs.failures), errors: Number(root.attrs.errors)}
  }
  assert.deepEqual(totals('warning'), {failures: 4, errors: 1})
  assert.deepEqual(totals('error'), {failures: 2, errors: 1})
  assert.deepEqual(totals('none'), {failures: 0, errors: 0})
  assert.equal(renderJunit(problemReport()), renderJunit(problemReport(), 'error'), 'error is the default, as for the exit code')
})
