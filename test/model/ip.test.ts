import {test} from 'node:test'
import assert from 'node:assert/strict'
import {canonicalIp, hostOf, isLinkLocal, networkOf, parseIp, parsePrefix, prefixContains} from '../../src/model/ip.js'

test('canonical IPv6 text is lower-case and compressed like Go prints it', () => {
  assert.equal(canonicalIp('FD00:0:0:0:0:0:0:1'), 'fd00::1')
  assert.equal(canonicalIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1')
  assert.equal(canonicalIp('fd00:10:96::a'), 'fd00:10:96::a')
  assert.equal(canonicalIp('10.096.0.1'), '10.96.0.1')
  assert.equal(canonicalIp('not-an-ip'), 'not-an-ip')
})

test('prefixes: membership, network and host forms', () => {
  assert.ok(prefixContains(parsePrefix('10.96.0.0/12')!, parseIp('10.100.1.1')!))
  assert.ok(!prefixContains(parsePrefix('10.96.0.0/12')!, parseIp('10.112.0.1')!))
  assert.equal(networkOf('10.244.1.1/24'), '10.244.1.0/24')
  assert.equal(networkOf('fd00:10:244:1::1/64'), 'fd00:10:244:1::/64')
  assert.equal(hostOf('fd00::1/128'), 'fd00::1')
  assert.equal(hostOf('10.0.0.0/8'), '10.0.0.0/8')
  assert.ok(isLinkLocal('fe80::1'))
  assert.equal(parseIp('1.2.3'), null)
  assert.equal(parseIp('1:2:3'), null)
})

test('junk text is not kept by the address memo: 200 distinct 1 MB strings leave the heap as it was', async () => {
  const v8 = await import('node:v8')
  const vm = await import('node:vm')
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as () => void
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < 200; i++) {
    const junk = `${i}:`.padEnd(1 << 20, 'x')
    assert.equal(parseIp(junk), null)
    assert.equal(canonicalIp(junk), junk)
  }
  gc()
  const grown = process.memoryUsage().heapUsed - before
  assert.ok(grown < 32 << 20, `heap grew by ${(grown / 2 ** 20).toFixed(0)} MiB`)
})
