import assert from 'node:assert/strict'
import {test} from 'node:test'
import {renderText, shouldUseColor, supportsUnicode} from '../../src/report/render-text.js'
import {bundleReport, cleanReport, IPV6_ROUTE_EVIDENCE, problemReport} from './sample-reports.js'

const ANSI = /\u001b\[/
const plain = {color: false, unicode: true}

test('header: the summary line first, then source, kube-router version and image, node counts with the failed node reason', () => {
  const lines = renderText(problemReport(), plain).split('\n').slice(1)
  assert.equal(renderText(problemReport(), plain).split('\n')[0], '2 errors (1 problem), 2 warnings, 0 info on 3 nodes: 2 affected, 1 failed')
  assert.match(lines[0], /^source +cluster, context prod-eu, generated 2025-05-01T10:00:00Z$/)
  assert.match(lines[1], /^kube-router +v2\.1\.2, image docker\.io\/cloudnativelabs\/kube-router:v2\.1\.2$/)
  assert.match(lines[2], /^nodes +2 probed, 1 failed$/)
  assert.match(lines[3], /^ +✗ node-c: probe pod kr-probe-node-c did not start: ImagePullBackOff$/)
  const bundle = renderText(bundleReport(), plain)
  assert.match(bundle, /^.*\nsource +bundle \.\/support\/staging\.tar\.gz \(context staging\)/)
  assert.match(bundle, /\nkube-router +version unknown\n/)
  assert.match(renderText(cleanReport(), plain), /^.*\nsource +local host/)
})

test('evidence lines appear verbatim on their own line, never wrapped, even when narrow', () => {
  for (const width of [100, 40]) {
    const text = renderText(problemReport(), {...plain, width})
    const line = text.split('\n').find((l) => l.includes(IPV6_ROUTE_EVIDENCE))
    assert.equal(line, `      ${IPV6_ROUTE_EVIDENCE}`)
  }
  // tabs in evidence survive
  assert.ok(renderText(bundleReport(), plain).includes('\n      0:\tfrom all lookup local\n'))
})

test('findings grouped by severity, errors first, with check id, node, detail, fix and fixed in', () => {
  const text = renderText(problemReport(), plain)
  const errors = text.indexOf('Errors (2, 1 problem)')
  const warnings = text.indexOf('Warnings (2)')
  assert.ok(errors > 0 && warnings > errors)
  assert.ok(!text.includes('Info ('))
  // identical findings on two nodes are shown once, naming both
  assert.match(text, /\n✗ \[ipv6-vip-routes\] node-a, node-b: Service VIP fd00:10:96::a is unreachable/)
  assert.equal(text.split(IPV6_ROUTE_EVIDENCE).length, 2)
  assert.match(text, /\n▲ \[kube-router-version\] cluster: kube-router v2\.1\.2 has known bugs/)
  assert.ok(text.includes('\n    fix:\n      ip -6 route del local fd00:10:96::a dev kube-dummy-if table local\n'))
  assert.ok(text.includes('\n    fixed in: v2.2.0\n'))
  // detail is wrapped to the width, indented
  for (const line of text.split('\n').filter((l) => l.startsWith('    kube-router assigns'))) assert.ok(line.length <= 100)
})

test('matrix of results with unicode and ascii marks', () => {
  const text = renderText(problemReport(), plain)
  assert.match(text, /\nResults +node-a +node-b +cluster\n/)
  assert.match(text, /\n  kube-router-version +✗\n/)
  assert.match(text, /\n  local-ips-ipset +✓ +!\n/)
  assert.match(text, /\n  vip-reachability +– +–\n/)
  const ascii = renderText(problemReport(), {color: false, unicode: false})
  assert.match(ascii, /\n  local-ips-ipset +ok +ERR\n/)
  assert.match(ascii, /\n  ipv6-vip-routes +FAIL +FAIL\n/)
  assert.match(ascii, /\n  vip-reachability +- +-\n/)
  // ascii mode adds no non-ASCII characters of its own (the sample data is ASCII)
  assert.ok(/^[\x00-\x7f]*$/.test(ascii), 'ascii output is pure ASCII')
})

test('many long node names: one row per node, identical rows merged, numbered checks', () => {
  const text = renderText(bundleReport(12), plain)
  assert.match(text, /\nResults +1 +2 +3\n/)
  assert.match(text, /\n  ip-10-0-0-17\.eu-west-1\.compute\.internal \+10 alike +✓ +✓ +–\n/)
  assert.match(text, /\n  ip-10-0-3-17\.eu-west-1\.compute\.internal +✓ +✗ +–\n/)
  assert.match(text, /1 dsr-route-noise {2}2 policy-routing-rules {2}3 dsr-programming/)
})

test('skipped and error reasons, deduplicated across nodes', () => {
  const text = renderText(problemReport(), plain)
  const section = text.slice(text.indexOf('Not evaluated'))
  assert.ok(section.includes('\n  ! [local-ips-ipset] node-b: ipset.txt: line 12: cannot read member "fd00::1 timeout x"\n'))
  assert.ok(section.includes('\n  – [vip-reachability] node-a, node-b: probes.json missing: curl not found in image\n'))
  assert.equal(section.split('curl not found in image').length, 2, 'listed once')
  assert.ok(renderText(bundleReport(12), plain).includes('– [dsr-programming] all 12 nodes: no Service has'))
})

test('final summary line', () => {
  const lines = (r: string) => r.trimEnd().split('\n')
  assert.equal(lines(renderText(problemReport(), plain)).at(-1), '2 errors, 2 warnings, 0 info on 3 nodes (1 failed); 1 check could not run')
  assert.equal(lines(renderText(cleanReport(), plain)).at(-1), '0 errors, 0 warnings, 0 info on 1 node (0 failed)')
  assert.equal(lines(renderText(bundleReport(), plain)).at(-1), '1 error, 0 warnings, 1 info on 13 nodes (0 failed, 1 skipped)')
  assert.ok(renderText(cleanReport(), plain).includes('✓ no problems found'))
})

test('no ANSI codes without color; red/yellow/cyan/dim with it', () => {
  for (const report of [problemReport(), cleanReport(), bundleReport()]) {
    assert.ok(!ANSI.test(renderText(report, plain)))
    assert.ok(!ANSI.test(renderText(report, {color: false, unicode: false, width: 50})))
  }
  const colored = renderText(problemReport(), {color: true, unicode: true})
  assert.ok(colored.includes('\u001b[31m✗\u001b[39m'), 'red error mark')
  assert.ok(colored.includes('\u001b[33m▲\u001b[39m'), 'yellow warning mark')
  assert.ok(colored.includes('\u001b[2m–\u001b[22m'), 'dim skipped mark')
  assert.ok(colored.includes(`\n      ${IPV6_ROUTE_EVIDENCE}\n`), 'evidence uncoloured and verbatim')
  assert.ok(renderText(bundleReport(), {color: true, unicode: true}).includes('\u001b[36m•\u001b[39m'), 'cyan info mark')
  // stripping the codes gives the plain rendering
  assert.equal(colored.replace(/\u001b\[\d+m/g, ''), renderText(problemReport(), plain))
})

test('control characters from nodes cannot drive the terminal', () => {
  const report = problemReport()
  report.findings[0] = {...report.findings[0], title: 'evil\u001b]0;pwned\u0007', evidence: ['a\u001b[2Jb']}
  const text = renderText(report, plain)
  assert.ok(!ANSI.test(text) && !text.includes('\u0007'))
  assert.ok(text.includes('evil\\x1b]0;pwned\\x07'))
  assert.ok(text.includes('a\\x1b[2Jb'))
})

test('shouldUseColor', () => {
  assert.equal(shouldUseColor({}, true), true)
  assert.equal(shouldUseColor({}, false), false)
  assert.equal(shouldUseColor({NO_COLOR: '1'}, true), false)
  assert.equal(shouldUseColor({NO_COLOR: ''}, true), true, 'empty NO_COLOR is ignored')
  assert.equal(shouldUseColor({NO_COLOR: '1', FORCE_COLOR: '1'}, true), false, 'NO_COLOR wins')
  assert.equal(shouldUseColor({FORCE_COLOR: '1'}, false), true)
  assert.equal(shouldUseColor({FORCE_COLOR: ''}, false), true)
  assert.equal(shouldUseColor({FORCE_COLOR: '0'}, true), false)
  assert.equal(shouldUseColor({FORCE_COLOR: 'false'}, true), false)
  assert.equal(shouldUseColor({TERM: 'dumb'}, true), false)
  assert.equal(shouldUseColor({TERM: 'dumb', FORCE_COLOR: '1'}, true), true)
  assert.equal(shouldUseColor({TERM: 'xterm-256color'}, true), true)
})

test('supportsUnicode', () => {
  assert.equal(supportsUnicode({LANG: 'en_US.UTF-8'}, 'linux'), true)
  assert.equal(supportsUnicode({LANG: 'C.utf8'}, 'linux'), true)
  assert.equal(supportsUnicode({LANG: 'C'}, 'linux'), false)
  assert.equal(supportsUnicode({LANG: 'en_US.UTF-8', LC_ALL: 'POSIX'}, 'linux'), false, 'LC_ALL overrides')
  assert.equal(supportsUnicode({LANG: 'C', LC_CTYPE: 'en_US.UTF-8'}, 'linux'), true, 'LC_CTYPE overrides LANG')
  assert.equal(supportsUnicode({LC_ALL: '', LANG: 'de_DE.UTF-8'}, 'linux'), true, 'empty LC_ALL is unset')
  assert.equal(supportsUnicode({LANG: 'en_US.ISO-8859-1'}, 'darwin'), false)
  assert.equal(supportsUnicode({TERM: 'xterm-256color'}, 'linux'), true)
  assert.equal(supportsUnicode({TERM: 'linux'}, 'linux'), false)
  assert.equal(supportsUnicode({TERM: 'dumb'}, 'linux'), false)
  assert.equal(supportsUnicode({}, 'linux'), false)
  assert.equal(supportsUnicode({TERM: 'xterm'}, 'win32'), false)
  assert.equal(supportsUnicode({WT_SESSION: 'abc'}, 'win32'), true)
  assert.equal(supportsUnicode({WT_SESSION: 'abc', LANG: 'C'}, 'linux'), true, 'Windows Terminal (WSL)')
})

test('kube-router version from the nodes when the DaemonSet is unknown, and version skew', () => {
  const report = bundleReport(3)
  report.nodes = report.nodes.map((n) => ({...n, kubeRouterVersion: 'v2.1.2'}))
  assert.match(renderText(report, plain), /\nkube-router +v2\.1\.2 \(as the nodes report it\)\n/)
  const skew = problemReport()
  skew.nodes[1] = {...skew.nodes[1], kubeRouterVersion: 'v2.0.1'}
  assert.match(renderText(skew, plain), /\nkube-router +v2\.1\.2, image \S+ \(node-b runs v2\.0\.1\)\n/)
})
