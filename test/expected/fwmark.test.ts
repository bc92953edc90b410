import {test} from 'node:test'
import assert from 'node:assert/strict'
import {dsrFwmark, fnv1a32, fwmarkHex} from '../../src/expected/fwmark.js'

test('fwmark of 199.27.151.9-tcp-8080 is 14146 (0x3742), as in kube-router issue #1836', () => {
  assert.equal(dsrFwmark('199.27.151.9', 'tcp', 8080), 14146)
  assert.equal(fwmarkHex(14146), '0x3742')
})

test('fwmark is FNV-1a 32 masked to 14 bits and uses the canonical IP text', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5)
  assert.equal(fnv1a32('a'), 0xe40c292c)
  const mark = dsrFwmark('2001:DB8:0:0::10', 'TCP', 443)
  assert.equal(mark, fnv1a32('2001:db8::10-tcp-443') & 0x3fff)
  assert.ok(mark >= 0 && mark <= 0x3fff)
})

test('collision rehash appends -<n> to the key', () => {
  assert.equal(dsrFwmark('10.0.0.1', 'udp', 53, 1), fnv1a32('10.0.0.1-udp-53-1') & 0x3fff)
})
