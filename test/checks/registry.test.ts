// The ordered check registry (src/checks/index.ts) against CONTRACT §4.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {CHECKS, CHECK_IDS, NoCheckSelectedError, UnknownCheckError, selectChecks} from '../../src/checks/index.js'
import {SOURCE_NAMES} from '../../src/model/sources.js'
import {CONTRACT_IDS} from '../helpers/contract-check-ids.js'

test('ids are unique and are the CONTRACT §4 ids, in order', () => {
  assert.equal(new Set(CHECK_IDS).size, CHECK_IDS.length)
  assert.deepEqual([...CHECK_IDS], CONTRACT_IDS)
  assert.deepEqual(CHECKS.map((c) => c.id), CONTRACT_IDS)
})

test('every check has a title and declared needs made of bundle source names', () => {
  for (const check of CHECKS) {
    assert.equal(typeof check.title, 'string', check.id)
    assert.ok(check.title.trim().length > 0, `${check.id} has a title`)
    assert.ok(Array.isArray(check.needs), `${check.id} declares needs`)
    for (const source of [...check.needs, ...(check.uses ?? [])]) {
      assert.ok(SOURCE_NAMES.includes(source), `${check.id}: ${source} is a bundle source`)
    }
    if (check.scope === 'node') assert.ok(check.needs.length > 0, `node check ${check.id} needs at least one source`)
    assert.equal(typeof check.evaluate, 'function')
  }
})

test('selectChecks: --check keeps registry order, --skip removes', () => {
  assert.deepEqual(selectChecks([], []).map((c) => c.id), CONTRACT_IDS)
  assert.deepEqual(selectChecks(['dsr-sloppy-tcp', 'kube-router-version'], []).map((c) => c.id), ['kube-router-version', 'dsr-sloppy-tcp'])
  assert.deepEqual(selectChecks([], ['vip-reachability', 'apiserver-reachability']).map((c) => c.id),
    CONTRACT_IDS.filter((id) => id !== 'vip-reachability' && id !== 'apiserver-reachability'))
})

test('selectChecks rejects an unknown id with a message naming the valid ids', () => {
  for (const [only, skip] of [[['dsr-progamming'], []], [[], ['nope']]] as [string[], string[]][]) {
    const bad = only[0] ?? skip[0]
    assert.throws(() => selectChecks(only, skip), (err: unknown) => {
      assert.ok(err instanceof UnknownCheckError)
      assert.match(err.message, new RegExp(`"${bad}"`))
      for (const id of CONTRACT_IDS) assert.ok(err.message.includes(id), `names ${id}`)
      return true
    })
  }
})

test('selectChecks: --check and --skip that leave no check are an error, not an empty run', () => {
  assert.throws(() => selectChecks(['dsr-sloppy-tcp'], ['dsr-sloppy-tcp']), (err: unknown) => {
    assert.ok(err instanceof NoCheckSelectedError)
    assert.match((err as Error).message, /leave no check to run/)
    return true
  })
  assert.throws(() => selectChecks([], CONTRACT_IDS), NoCheckSelectedError)
})
