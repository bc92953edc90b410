// Zero internal errors over mutated bundles (a small seeded run; `npm run fuzz` runs 3,000).
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {fuzzBundles} from './bundle-fuzz.js'

test('60 mutated demo bundles: each is read, analysed and rendered, or refused cleanly; no internal error', {timeout: 300_000}, async () => {
  const r = await fuzzBundles(1000, 60)
  assert.deepEqual(r.internalErrors, [])
  assert.ok(r.refused < r.runs, 'most mutated bundles are still analysed')
})
