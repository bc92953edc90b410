// Keys of the results browser, through the pure reducer: k9s-like movement, views, filters, prompts, effects.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {follow, initialBrowseState, reduceKey, type BrowseState, type KeyContext, type KeyPress} from '../../src/ui/browse-state.js'
import type {Finding} from '../../src/model/report.js'

const finding: Finding = {
  check: 'ipv6-vip-routes',
  severity: 'error',
  node: 'node-a',
  subject: 'fd00:10:96::a',
  title: 't',
  detail: 'd',
  evidence: [],
  remediation: [],
  fixedIn: null,
}

const ctx: KeyContext = {
  findingCount: 30,
  rowCount: 4,
  colCount: 10,
  listHeight: 10,
  gridHeight: 3,
  detailHeight: 10,
  detailLines: 25,
  selectedFinding: finding,
  selectedCell: {node: 'node-a', check: 'ipv6-vip-routes'},
  defaultBundlePath: 'kr-bundle-20261122-090507.tar.gz',
  defaultReportPath: 'kr-report-20261122-090507.json',
}

/** Press keys in order: a string is typed character by character, an object is one special key. */
function press(keys: (string | KeyPress)[], from: BrowseState = initialBrowseState(), context: KeyContext = ctx) {
  let state = from
  const effects = []
  for (const k of keys) {
    const chars = typeof k === 'string' ? [...k] : ['']
    for (const c of chars) {
      const out = reduceKey(state, c, typeof k === 'string' ? {} : k, context)
      state = out.state
      if (out.effect) effects.push(out.effect)
    }
  }
  return {state, effects}
}

test('j/k and arrows move the findings cursor, clamped; the list scrolls to keep it visible', () => {
  assert.equal(press(['jjj']).state.findingIndex, 3)
  assert.equal(press(['jjj', {upArrow: true}]).state.findingIndex, 2)
  assert.equal(press(['k']).state.findingIndex, 0)
  const far = press(['j'.repeat(12)]).state
  assert.equal(far.findingIndex, 12)
  assert.equal(far.findingTop, 3)
  assert.equal(press(['G']).state.findingIndex, 29)
  assert.equal(press(['G', 'g']).state.findingIndex, 0)
  assert.equal(press([{pageDown: true}]).state.findingIndex, 9)
  assert.equal(press(['j'.repeat(40)]).state.findingIndex, 29)
})

test('tab switches between findings and the matrix; h/l and arrows move matrix columns', () => {
  const {state} = press([{tab: true}, 'jll', {rightArrow: true}, {leftArrow: true}])
  assert.equal(state.pane, 'matrix')
  assert.equal(state.row, 1)
  assert.equal(state.col, 2)
  assert.equal(press([{tab: true}, {tab: true}]).state.pane, 'findings')
  assert.equal(press([{tab: true}, 'l'.repeat(20)]).state.col, 9)
})

test('enter opens the selected finding, esc goes back; j/k scroll the detail', () => {
  const opened = press([{return: true}]).state
  assert.deepEqual(opened.screen, {kind: 'finding', finding})
  const scrolled = press([{return: true}, 'jjj', 'k']).state
  assert.equal(scrolled.detailTop, 2)
  assert.equal(press([{return: true}, 'G']).state.detailTop, 15)
  assert.deepEqual(press([{return: true}, {escape: true}]).state.screen, {kind: 'list'})
})

test('enter on a matrix cell opens the cell', () => {
  const {state} = press([{tab: true}, {return: true}])
  assert.deepEqual(state.screen, {kind: 'cell', node: 'node-a', check: 'ipv6-vip-routes'})
})

test('/ filters by text as it is typed; enter keeps the filter, esc clears it', () => {
  const typing = press(['/', 'ipv6']).state
  assert.deepEqual(typing.prompt, {kind: 'filter', text: 'ipv6'})
  assert.equal(typing.filter, 'ipv6')
  const kept = press(['/', 'ipv6', {return: true}]).state
  assert.equal(kept.prompt, null)
  assert.equal(kept.filter, 'ipv6')
  // q and j are text while the prompt is open
  assert.equal(press(['/', 'qj']).state.filter, 'qj')
  assert.equal(press(['/', 'ipv6', {backspace: true}]).state.filter, 'ipv')
  assert.equal(press(['/', 'ipv6', {escape: true}]).state.filter, '')
  // esc in the list clears a kept filter
  assert.equal(press(['/', 'ipv6', {return: true}, {escape: true}]).state.filter, '')
})

test('severity filter: e errors, w warnings+, a all, f cycles; the cursor goes back to the top', () => {
  assert.equal(press(['e']).state.severity, 'error')
  assert.equal(press(['w']).state.severity, 'warning')
  assert.equal(press(['e', 'a']).state.severity, 'all')
  assert.equal(press(['f']).state.severity, 'warning')
  assert.equal(press(['ff']).state.severity, 'error')
  assert.equal(press(['fff']).state.severity, 'all')
  assert.equal(press(['jjj', 'e']).state.findingIndex, 0)
})

test('s asks where to save the bundle (default offered), enter saves it', () => {
  const asked = press(['s']).state
  assert.deepEqual(asked.prompt, {kind: 'bundle', text: 'kr-bundle-20261122-090507.tar.gz'})
  const {state, effects} = press(['s', {return: true}])
  assert.deepEqual(effects, [{kind: 'save-bundle', path: 'kr-bundle-20261122-090507.tar.gz'}])
  assert.equal(state.status?.tone, 'busy')
  // edit the path: typing appends, backspace removes, ctrl-u erases
  assert.equal(press(['s', 'x']).state.prompt?.text, 'kr-bundle-20261122-090507.tar.gzx')
  assert.equal(press(['s', {backspace: true}]).state.prompt?.text, 'kr-bundle-20261122-090507.tar.g')
  const typed = reduceKey(press(['s']).state, 'u', {ctrl: true}, ctx).state
  assert.equal(typed.prompt?.text, '')
  const saved = press([{return: true}], typed)
  assert.deepEqual(saved.effects, [], 'an empty path saves nothing')
  assert.equal(saved.state.prompt, null)
  assert.deepEqual(press(['s', {escape: true}]).effects, [])
})

test('o asks where to write the JSON report, enter writes it', () => {
  assert.deepEqual(press(['o']).state.prompt, {kind: 'report', text: 'kr-report-20261122-090507.json'})
  assert.deepEqual(press(['o', {return: true}]).effects, [{kind: 'write-report', path: 'kr-report-20261122-090507.json'}])
})

test('a status message lasts until the next key', () => {
  const withStatus: BrowseState = {...initialBrowseState(), status: {text: 'bundle saved to x', tone: 'info'}}
  assert.equal(press(['j'], withStatus).state.status, null)
  const busy: BrowseState = {...initialBrowseState(), status: {text: 'saving', tone: 'busy'}}
  assert.equal(press(['j'], busy).state.status?.tone, 'busy')
})

test('? opens the help overlay; esc or ? closes it; other keys do nothing there', () => {
  assert.equal(press(['?']).state.help, true)
  assert.equal(press(['?', {escape: true}]).state.help, false)
  assert.equal(press(['??']).state.help, false)
  assert.equal(press(['?', 'jj']).state.findingIndex, 0)
})

test('q and ctrl-c quit, from the list, a detail view and the help', () => {
  assert.deepEqual(press(['q']).effects, [{kind: 'quit'}])
  assert.deepEqual(reduceKey(initialBrowseState(), 'c', {ctrl: true}, ctx).effect, {kind: 'quit'})
  assert.deepEqual(press([{return: true}, 'q']).effects, [{kind: 'quit'}])
  assert.deepEqual(press(['?', 'q']).effects, [{kind: 'quit'}])
})

test('follow keeps the cursor in the window, moving it as little as possible', () => {
  assert.equal(follow(0, 0, 5, 20), 0)
  assert.equal(follow(5, 0, 5, 20), 1)
  assert.equal(follow(3, 4, 5, 20), 3)
  assert.equal(follow(19, 0, 5, 20), 15)
  assert.equal(follow(2, 10, 5, 3), 0)
})
