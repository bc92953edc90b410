import assert from 'node:assert/strict'
import {test} from 'node:test'
import type {NodeCapture} from '../../src/model/types.js'
import {fillMissing, mergeCaptures, parseProbeOutput, TRUNCATED_REASON} from '../../src/probe/framing.js'
import {formatProbeTargets, probeEnvironment} from '../../src/probe/inputs.js'
import {isSourceName, PROBE_SOURCES, probeSourceNames} from '../../src/model/sources.js'

const GOOD = [
  'KR-PROBE 1',
  '=== kr:plan ip-rule.json ipset.txt ipvsadm.txt networkd.txt probes.json',
  '=== kr:begin ip-rule.json',
  '[{"priority":0,"src":"all","table":"local"}]',
  '',
  '=== kr:end ip-rule.json rc=0',
  '=== kr:begin ipset.txt',
  '',
  '=== kr:end ipset.txt rc=0',
  '=== kr:missing ipvsadm.txt ipvsadm not found',
  '=== kr:begin networkd.txt',
  '# active: no',
  'no newline at the end',
  '=== kr:end networkd.txt rc=0',
  '=== kr:warning probes.json: target record 2 ignored: address is not an IPv4 address',
  '=== kr:begin probes.json',
  '[]',
  '',
  '=== kr:end probes.json rc=0',
  '=== kr:done',
  '',
].join('\n')

test('good output: content byte for byte, empty content, missing, warnings', () => {
  const {capture, issues, complete} = parseProbeOutput(GOOD, 'node-a')
  assert.equal(capture.name, 'node-a')
  assert.equal(complete, true)
  assert.equal(capture.files['ip-rule.json'], '[{"priority":0,"src":"all","table":"local"}]\n')
  assert.equal(capture.files['ipset.txt'], '')
  assert.equal(capture.files['networkd.txt'], '# active: no\nno newline at the end')
  assert.equal(capture.files['probes.json'], '[]\n')
  assert.deepEqual(capture.missing, {'ipvsadm.txt': 'ipvsadm not found'})
  assert.deepEqual(issues, ['probe warning: probes.json: target record 2 ignored: address is not an IPv4 address'])
})

test('content that merely looks like a marker stays content', () => {
  const text = [
    'KR-PROBE 1',
    '=== kr:begin iptables.txt',
    '# kr-backend: nft',
    '=== kr:begin ipset.txt',
    '=== kr:end ipset.txt rc=0',
    '-A INPUT -m comment --comment "=== kr:done" -j ACCEPT',
    '=== kr:end iptables.txt rc=0',
    '=== kr:done',
  ].join('\n')
  const {capture, issues} = parseProbeOutput(text, 'n')
  assert.equal(
    capture.files['iptables.txt'],
    '# kr-backend: nft\n=== kr:begin ipset.txt\n=== kr:end ipset.txt rc=0\n-A INPUT -m comment --comment "=== kr:done" -j ACCEPT',
  )
  assert.equal(capture.files['ipset.txt'], undefined)
  assert.deepEqual(issues, [])
})

test('a failed tool: the missing line wins over the streamed content', () => {
  const text = [
    'KR-PROBE 1',
    '=== kr:begin ipset.txt',
    'create half-written',
    '=== kr:end ipset.txt rc=1',
    '=== kr:missing ipset.txt ipset failed: rc=1: ipset v7.17: Kernel error received: Operation not permitted',
    '=== kr:begin ip-addr.json',
    'partial',
    '=== kr:end ip-addr.json rc=124',
    '=== kr:done',
  ].join('\n')
  const {capture} = parseProbeOutput(text, 'n')
  assert.deepEqual(capture.files, {})
  assert.equal(capture.missing['ipset.txt'], 'ipset failed: rc=1: ipset v7.17: Kernel error received: Operation not permitted')
  // an end with rc != 0 and no missing line still makes the source missing
  assert.equal(capture.missing['ip-addr.json'], 'exited with rc=124')
})

test('truncated output: complete sections kept, the open one and unseen planned ones missing', () => {
  const cut = GOOD.slice(0, GOOD.indexOf('no newline at the end') + 5)
  const {capture, issues, complete} = parseProbeOutput(cut, 'n')
  assert.equal(complete, false)
  assert.equal(capture.files['ip-rule.json'], '[{"priority":0,"src":"all","table":"local"}]\n')
  assert.equal(capture.files['ipset.txt'], '')
  assert.equal(capture.missing['ipvsadm.txt'], 'ipvsadm not found')
  assert.equal(capture.missing['networkd.txt'], TRUNCATED_REASON)
  assert.equal(capture.missing['probes.json'], TRUNCATED_REASON)
  assert.equal(capture.files['networkd.txt'], undefined)
  assert.ok(issues.some((i) => i.includes('cut short')))
  assert.ok(issues.some((i) => i.startsWith('networkd.txt:')))
})

test('cut in the middle of a begin line or right after it', () => {
  const a = parseProbeOutput('KR-PROBE 1\n=== kr:plan ipset.txt\n=== kr:begin ipset.txt', 'n')
  assert.equal(a.capture.missing['ipset.txt'], TRUNCATED_REASON)
  const b = parseProbeOutput('KR-PROBE 1\n=== kr:plan ipset.txt\n=== kr:begin ipset.txt\ncreate x hash:ip', 'n')
  assert.equal(b.capture.missing['ipset.txt'], TRUNCATED_REASON)
  assert.deepEqual(b.capture.files, {})
})

test('garbage and odd inputs never throw', () => {
  const inputs: unknown[] = [
    '',
    'hello\nworld',
    '\u0000\u0001\u0002',
    '=== kr:begin',
    '=== kr:begin \n=== kr:end  rc=0',
    '=== kr:end ipset.txt rc=0',
    '=== kr:missing',
    'KR-PROBE 2\n=== kr:begin ipset.txt\nx\n=== kr:end ipset.txt rc=zero\n',
    'KR-PROBE 1\n=== kr:begin secrets.txt\nx\n=== kr:end secrets.txt rc=0\n=== kr:missing other.txt why\n=== kr:done',
    'x'.repeat(100_000),
    undefined,
    null,
    42,
  ]
  for (const input of inputs) {
    const r = parseProbeOutput(input as string, 'n')
    assert.equal(r.capture.name, 'n')
    assert.ok(Array.isArray(r.issues))
  }
  const noHeader = parseProbeOutput('hello\nworld', 'n')
  assert.ok(noHeader.issues.some((i) => i.includes('KR-PROBE')))
  assert.deepEqual(noHeader.capture.files, {})
  const unknown = parseProbeOutput(inputs[8] as string, 'n')
  assert.deepEqual(unknown.capture.files, {})
  assert.deepEqual(unknown.capture.missing, {})
  assert.equal(unknown.issues.filter((i) => i.includes('unknown source')).length, 2)
  const badRc = parseProbeOutput(inputs[7] as string, 'n')
  assert.ok(badRc.issues.some((i) => i.includes('version')))
  assert.match(badRc.capture.missing['ipset.txt'] ?? '', /unreadable exit status/)
})

test('junk before the header (e.g. a kubectl warning in a pod log) is reported and skipped', () => {
  const {capture, issues} = parseProbeOutput(`Defaulted container "probe"\n${GOOD}`, 'n')
  assert.equal(capture.files['ipset.txt'], '')
  assert.ok(issues.some((i) => i.startsWith('ignored 28 characters before the KR-PROBE header')))
})

test('mergeCaptures: content beats a reason, later content wins', () => {
  const a: NodeCapture = {name: 'n', files: {'ipset.txt': 'a', 'ip-rule.json': '[]'}, missing: {'probes.json': 'not run', 'ipvsadm.txt': 'x'}}
  const b: NodeCapture = {name: 'n', files: {'probes.json': '[]', 'ip-rule.json': '[1]'}, missing: {'ipset.txt': 'timed out', 'ipvsadm.txt': 'y'}}
  const m = mergeCaptures(a, b)
  assert.deepEqual(m.files, {'ipset.txt': 'a', 'ip-rule.json': '[1]', 'probes.json': '[]'})
  assert.deepEqual(m.missing, {'ipvsadm.txt': 'y'})
})

test('fillMissing marks only sources with neither content nor reason', () => {
  const c: NodeCapture = {name: 'n', files: {'ipset.txt': ''}, missing: {'ipvsadm.txt': 'no ipvs'}}
  const f = fillMissing(c, ['ipset.txt', 'ipvsadm.txt', 'sysctl.txt'], 'probe timed out')
  assert.deepEqual(f.missing, {'ipvsadm.txt': 'no ipvs', 'sysctl.txt': 'probe timed out'})
  assert.deepEqual(c.missing, {'ipvsadm.txt': 'no ipvs'})
})

test('sources: ordered, typed, split by section', () => {
  assert.equal(PROBE_SOURCES.length, 18)
  assert.deepEqual(probeSourceNames('active'), ['probes.json'])
  assert.equal(probeSourceNames('passive').length, 16)
  assert.equal(probeSourceNames('all').length, 17)
  assert.ok(isSourceName('ipvsadm.txt'))
  assert.ok(!isSourceName('../etc/passwd'))
})

test('probe inputs travel as environment variables', () => {
  const text = formatProbeTargets([
    {kind: 'service-vip', family: 6, address: 'fd00:10:96::a', port: 80, service: 'default/web'},
    {kind: 'apiserver', family: 4, address: '192.168.56.11', port: 6443, service: null},
  ])
  assert.equal(text, 'service-vip 6 fd00:10:96::a 80 default/web\napiserver 4 192.168.56.11 6443 -')
  const env = probeEnvironment({hostRoot: '/host', sections: 'passive', cmdTimeoutSec: 5})
  assert.deepEqual(env, {KR_HOST_ROOT: '/host', KR_PROBE_SECTIONS: 'passive', KR_PROBE_TARGETS: '', KR_PROBE_CMD_TIMEOUT: '5'})
})
