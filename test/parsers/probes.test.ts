import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parseProbes} from '../../src/parsers/probes.js'
import {fixture} from './fixture.js'

test('probes: IPv6 VIP unreachable', () => {
  const r = parseProbes(fixture('probes/ipv6-vip-unreachable.json'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.issues, [])
  assert.equal(r.value.length, 4)
  assert.deepEqual(r.value[1], {kind: 'service-vip', target: 'fd00:10:96::a', port: 53, family: 6, service: 'kube-system/kube-dns', ok: false, error: 'connect ETIMEDOUT [fd00:10:96::a]:53', ms: 3001})
  assert.deepEqual(r.value[3], {kind: 'apiserver', target: 'fd00:56::11', port: 6443, family: 6, service: null, ok: false, error: 'connection refused', ms: null})
})

test('probes: invalid entries become issues with their raw JSON', () => {
  const r = parseProbes(fixture('probes/invalid-entries.json'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.value.map((p) => [p.target, p.family, p.ok]), [['10.96.0.1', 4, true], ['192.168.56.11', 4, false]])
  assert.deepEqual(r.issues.map((i) => i.message), ['unknown probe kind "ping"', 'probe without a valid port', 'invalid probe family 5', 'probe without boolean ok', 'probe entry is not an object'])
  assert.equal(r.issues[0].raw, '{"kind":"ping","target":"10.96.0.1","port":443,"family":4,"ok":true}')
  assert.ok(r.issues.every((i) => i.source === 'probes.json' && i.line === null))
})

test('probes: truncated file keeps the complete entries', () => {
  const r = parseProbes(fixture('probes/truncated.json'))
  assert.equal(r.fatal, false)
  assert.equal(r.value.length, 1)
  assert.equal(r.value[0].target, '10.96.0.10')
  assert.ok(r.issues.some((i) => i.message === 'truncated JSON element' && i.raw.startsWith('{"kind": "service-vip", "target": "fd00:10:96:0:0:0:0:a"')))
  assert.equal(parseProbes('{"kind": "apiserver"}').fatal, true)
  assert.equal(parseProbes('[]').fatal, false)
})
