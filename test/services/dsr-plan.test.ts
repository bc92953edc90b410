// The annotation change of dsr enable / disable, planned from a Service's annotations: what changes, the record
// of what enable replaced, the patches that apply and undo it, and the `kubectl annotate` equivalent.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {REPLACED_ANNOTATION} from '../../src/model/dsr-change.js'
import {annotateCommand, annotationsAfter, applyPatch, parseMhFlags, planDisable, planEnable, undoPatch} from '../../src/services/dsr-plan.js'

const ref = {namespace: 'media', name: 'stream', resourceVersion: '41'}
const DSR = 'kube-router.io/service.dsr'
const SCHED = 'kube-router.io/service.scheduler'
const FLAGS = 'kube-router.io/service.schedflags'

test('enable on a Service with scheduler sh, to mh with flags: three kube-router annotations and the record of what they were', () => {
  const before = {[SCHED]: 'sh', app: 'stream'}
  const plan = planEnable(ref, before, {scheduler: 'mh', mhFlags: ['flag-1', 'flag-2']})
  assert.deepEqual(plan.changes, [
    {key: DSR, from: null, to: 'tunnel'},
    {key: SCHED, from: 'sh', to: 'mh'},
    {key: FLAGS, from: null, to: 'flag-1,flag-2'},
    {key: REPLACED_ANNOTATION, from: null, to: JSON.stringify({before: {[DSR]: null, [SCHED]: 'sh', [FLAGS]: null}, after: {[DSR]: 'tunnel', [SCHED]: 'mh', [FLAGS]: 'flag-1,flag-2'}})},
  ])
  assert.deepEqual(applyPatch(plan), {metadata: {resourceVersion: '41', annotations: {[DSR]: 'tunnel', [SCHED]: 'mh', [FLAGS]: 'flag-1,flag-2', [REPLACED_ANNOTATION]: plan.changes[3].to}}})
  assert.deepEqual(undoPatch(plan, '42'), {metadata: {resourceVersion: '42', annotations: {[DSR]: null, [SCHED]: 'sh', [FLAGS]: null, [REPLACED_ANNOTATION]: null}}})
  assert.equal(
    annotateCommand('media', 'stream', plan.changes.slice(0, 3)),
    'kubectl annotate service -n media stream kube-router.io/service.dsr=tunnel kube-router.io/service.scheduler=mh kube-router.io/service.schedflags=flag-1,flag-2 --overwrite',
  )
  assert.match(annotateCommand('media', 'stream', plan.changes), / 'kr\.kube-router\.io\/dsr-replaced=\{"before":.*\}' --overwrite$/)

  // disable after it: everything back as before
  const after = annotationsAfter(before, plan.changes)
  const off = planDisable({...ref, resourceVersion: '42'}, after)
  assert.deepEqual(annotationsAfter(after, off.changes), before)
  assert.deepEqual(off.notes, [])
})

test('enable when already tunnel: nothing to change; a second enable keeps the value from before DSR', () => {
  assert.deepEqual(planEnable(ref, {[DSR]: 'tunnel'}, {scheduler: null, mhFlags: null}).changes, [])
  const first = planEnable(ref, {[SCHED]: 'lc'}, {scheduler: 'sh', mhFlags: null})
  const once = annotationsAfter({[SCHED]: 'lc'}, first.changes)
  const second = planEnable(ref, once, {scheduler: 'mh', mhFlags: null})
  assert.deepEqual(second.changes.map((c) => c.key), [SCHED, REPLACED_ANNOTATION])
  const twice = annotationsAfter(once, second.changes)
  assert.deepEqual(JSON.parse(twice[REPLACED_ANNOTATION]), {before: {[DSR]: null, [SCHED]: 'lc'}, after: {[DSR]: 'tunnel', [SCHED]: 'mh'}})
  assert.deepEqual(annotationsAfter(twice, planDisable(ref, twice).changes), {[SCHED]: 'lc'})
})

test('disable leaves a scheduler changed by hand since enable, and says so; without a record it only removes the DSR annotation', () => {
  const enabled = annotationsAfter({[SCHED]: 'sh'}, planEnable(ref, {[SCHED]: 'sh'}, {scheduler: 'mh', mhFlags: null}).changes)
  const handChanged = {...enabled, [SCHED]: 'rr'}
  const plan = planDisable(ref, handChanged)
  assert.deepEqual(plan.changes.map((c) => `${c.key}:${c.to}`), [`${DSR}:null`, `${REPLACED_ANNOTATION}:null`])
  assert.deepEqual(plan.notes, [`${SCHED} is "rr" now, not the "mh" dsr enable set: left as it is (it was "sh" before DSR)`])

  assert.deepEqual(planDisable(ref, {[DSR]: 'tunnel', [SCHED]: 'mh'}).changes, [{key: DSR, from: 'tunnel', to: null}])
  const none = planDisable(ref, {})
  assert.deepEqual(none.changes, [])
  assert.match(none.notes[0], /DSR is not enabled, nothing to change/)
})

test('bad input: --mh-flags without mh, unknown flags, a record that is not ours', () => {
  assert.throws(() => planEnable(ref, {}, {scheduler: 'rr', mhFlags: ['flag-1']}), /--mh-flags applies to the Maglev scheduler only: add --scheduler mh/)
  assert.deepEqual(planEnable(ref, {[SCHED]: 'mh'}, {scheduler: null, mhFlags: ['flag-2']}).changes.map((c) => c.key), [DSR, FLAGS, REPLACED_ANNOTATION])
  assert.throws(() => parseMhFlags('flag-1,flag-9'), /--mh-flags takes a comma list of flag-1, flag-2, flag-3/)
  assert.deepEqual(parseMhFlags(' flag-2 ,flag-1,flag-2'), ['flag-2', 'flag-1'])
  assert.throws(() => planDisable(ref, {[DSR]: 'tunnel', [REPLACED_ANNOTATION]: 'hello'}), /is not the record dsr enable writes/)
})
