import assert from 'node:assert/strict'
import {test} from 'node:test'
import {TokenBucket} from '../../src/infra/token-bucket.js'

test('token bucket: a burst at once, then qps per second, in order', async () => {
  let now = 0
  const bucket = new TokenBucket(10, 3, () => now)
  const order: number[] = []
  const takes = Array.from({length: 5}, (_, i) => bucket.take().then(() => order.push(i)))
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(order, [0, 1, 2], 'the burst goes at once')
  now = 100 // one token per 100 ms at 10 qps
  await takes[3]
  assert.deepEqual(order, [0, 1, 2, 3])
  now = 200
  await Promise.all(takes)
  assert.deepEqual(order, [0, 1, 2, 3, 4])
})
