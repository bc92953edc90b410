// Issue 14 item 6 through real `kubectl kr …` dispatch: -o markdown to paste into a GitHub issue, the saved bundle
// holding report.json, and JUnit failures that follow --fail-on as the exit code does.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, test} from 'node:test'
import {kr, REPO} from './kr.js'

const DEMO = join(REPO, 'examples/demo-bundle')
const dir = mkdtempSync(join(tmpdir(), 'kr-share-'))
after(() => rmSync(dir, {recursive: true, force: true}))

test('-o markdown: versions, cluster and nodes, each problem once with evidence in collapsed code blocks and the fix', async () => {
  const r = await kr(['doctor', '--from-bundle', DEMO, '-o', 'markdown'])
  assert.equal(r.code, 1, r.stderr)
  const md = r.stdout
  const lines = md.split('\n')
  assert.equal(lines[0], '## kubectl kr doctor report')
  assert.equal(lines[2], '**11 errors, 3 warnings, 4 info on 3 nodes: 2 affected, 0 failed**')
  assert.match(md, /^\| kube-router \| `v2\.1\.2`, image `docker\.io\/cloudnativelabs\/kube-router:v2\.1\.2` \|$/m)
  assert.match(md, /^\| kubectl-kr \| `\d+\.\d+\.\d+` \|$/m)
  assert.match(md, /^\| source \| bundle `.*demo-bundle`, context `demo-dualstack` \|$/m)
  assert.match(md, /^\| nodes \| 3 probed, 0 failed \|$/m)
  const problems = lines.filter((l) => l.startsWith('### ') && !l.startsWith('### Results'))
  assert.equal(problems.length, 18)
  assert.match(md, /^### 🔴 error · `ipv6-vip-routes` · IPv6 VIP fd00:10:96::a is unreachable from this node/m)
  assert.match(md, /<details>\n<summary>Evidence<\/summary>\n\n```\nfd00:10:96::a dev kube-dummy-if proto kernel metric 256 pref medium\n/)
  assert.match(md, /\*\*Fix\*\*:\n\n```\nUpgrade kube-router to v2\.2\.0 or later\.\n/)
  assert.match(md, /^Fixed in kube-router `v2\.2\.0`\.$/m)
  assert.equal(lines.filter((l) => /^```/.test(l)).length % 2, 0, 'every code block is closed')
  assert.equal(md.split('<details>').length, md.split('</details>').length, 'every collapsed part is closed')
  assert.match(md, /### Results per check\n\n<details>\n<summary>23 checks<\/summary>/)
})

test('-o markdown of 150 nodes with the same fault: one section each, the node list cut and the whole list collapsed', async () => {
  const {writeLargeBundle} = await import('../helpers/large-bundle.js')
  const bundle = join(dir, 'large')
  await writeLargeBundle(bundle, 150, 50)
  const r = await kr(['doctor', '--from-bundle', bundle, '-o', 'markdown', '--fail-on', 'none', '--check', 'local-ips-ipset'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('### 🔴')).length, 1)
  assert.match(r.stdout, /^On 150 nodes: node-001, node-002, node-003, … \+147\.$/m)
  assert.match(r.stdout, /<summary>all 150 nodes<\/summary>\n\n`node-001`, `node-002`, /)
  assert.match(r.stdout, /<summary>Evidence \(as seen on node-001\)<\/summary>/)
})

test('--save-bundle writes report.json, the report of the run, next to the capture', async () => {
  const saved = join(dir, 'saved')
  const r = await kr(['doctor', '--from-bundle', DEMO, '-o', 'json', '--save-bundle', saved])
  assert.equal(r.code, 1, r.stderr)
  const inBundle = JSON.parse(readFileSync(join(saved, 'report.json'), 'utf8'))
  const printed = JSON.parse(r.stdout)
  assert.deepEqual(inBundle, printed)
  assert.ok(existsSync(join(saved, 'manifest.json')))
  // the bundle still reads back (report.json is not a capture), with the same findings
  const again = await kr(['doctor', '--from-bundle', saved, '-o', 'json'])
  assert.equal(again.code, 1, again.stderr)
  assert.deepEqual(JSON.parse(again.stdout).findings, printed.findings)
  // a .tar.gz holds it too
  const archive = join(dir, 'saved.tar.gz')
  assert.equal((await kr(['doctor', '--from-bundle', DEMO, '-o', 'json', '--save-bundle', archive, '--fail-on', 'none'])).code, 0)
  const {execFileSync} = await import('node:child_process')
  assert.match(execFileSync('tar', ['-tzf', archive], {encoding: 'utf8'}), /(^|\/)report\.json$/m)
})

test('JUnit failures follow --fail-on as the exit code does', async () => {
  const junit = async (failOn: string) => {
    const r = await kr(['doctor', '--from-bundle', DEMO, '-o', 'junit', '--fail-on', failOn])
    const totals = /<testsuites [^>]*failures="(\d+)" errors="(\d+)"/.exec(r.stdout)!
    return {code: r.code, failures: Number(totals[1]), errors: Number(totals[2]), xml: r.stdout}
  }
  const none = await junit('none')
  assert.equal(none.code, 0)
  assert.equal(none.failures + none.errors, 0, 'nothing fails the run, nothing fails in JUnit')
  assert.ok(!none.xml.includes('<failure'))
  const onError = await junit('error')
  const onWarning = await junit('warning')
  assert.equal(onError.code, 1)
  assert.equal(onWarning.code, 1)
  assert.ok(onError.failures > 0)
  assert.ok(onWarning.failures > onError.failures, `warnings add failures: ${onWarning.failures} > ${onError.failures}`)
  // at --fail-on error, a check with warnings only passes, its findings kept as output
  assert.match(onError.xml, /<testcase name="kube-router-version on cluster"[^>]*>\n\s*<system-out>\[warning\]/)
  assert.match(onWarning.xml, /<testcase name="kube-router-version on cluster"[^>]*>\n\s*<failure [^>]*type="warning"/)
})
