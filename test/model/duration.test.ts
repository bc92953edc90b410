import assert from 'node:assert/strict'
import {test} from 'node:test'
import {formatDuration, parseDuration} from '../../src/model/duration.js'

test('durations as kubectl takes them: Go units, compound, a bare number is seconds', () => {
  const ms = (text: string) => {
    const r = parseDuration(text)
    assert.ok('ms' in r, `${text}: ${'error' in r ? r.error : ''}`)
    return r.ms
  }
  assert.equal(ms('30s'), 30_000)
  assert.equal(ms('2m'), 120_000)
  assert.equal(ms('1m30s'), 90_000)
  assert.equal(ms('1.5h'), 5_400_000)
  assert.equal(ms('500ms'), 500)
  assert.equal(ms('10'), 10_000)
  assert.equal(ms('2.5'), 2_500)
  assert.equal(ms(' 5s '), 5_000)
  assert.equal(ms('0'), 0)
})

test('anything else is an error naming the input', () => {
  for (const bad of ['', 'abc', '1m30', '5 s', '-5s', '5d', 's', '1e3', '5sx']) {
    const r = parseDuration(bad)
    assert.ok('error' in r, `${JSON.stringify(bad)} should not parse`)
    if (bad.trim()) assert.ok(r.error.includes(bad), r.error)
  }
})

test('durations read back the way they are written', () => {
  assert.equal(formatDuration(2000), '2s')
  assert.equal(formatDuration(30_000), '30s')
  assert.equal(formatDuration(90_000), '1m30s')
  assert.equal(formatDuration(120_000), '2m')
  assert.equal(formatDuration(1500), '1.5s')
  assert.equal(formatDuration(250), '250ms')
})
