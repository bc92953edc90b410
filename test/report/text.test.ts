import assert from 'node:assert/strict'
import {test} from 'node:test'
import {ASCII_MARKS, displayWidth, marksFor, nodeLabel, oneLine, padTo, plural, safe, truncate, UNICODE_MARKS} from '../../src/report/text.js'
import {truncateLine} from '../../src/ui/text.js'

test('safe: control characters are shown, not sent; tabs and newlines stay unless tabs are expanded', () => {
  assert.equal(safe('a\u001b[2Jb\u0007'), 'a\\x1b[2Jb\\x07')
  assert.equal(safe('a\u009bb'), 'a\\x9bb')
  assert.equal(safe('a\tb\nc'), 'a\tb\nc')
  assert.equal(safe('a\tb', 'expand'), 'a  b')
})

test('oneLine: newlines (LF and CRLF) become spaces, a lone CR is shown', () => {
  assert.equal(oneLine('a\nb\r\nc\rd'), 'a b c\\x0dd')
  assert.equal(oneLine('a\tb\nc', 'expand'), 'a  b c')
})

test('truncate and padTo count display columns, not UTF-16 units', () => {
  assert.equal(truncate('abcdefgh', 5), 'abcd…')
  assert.equal(truncate('abcdefgh', 5, '...'), 'ab...')
  assert.equal(truncate('abc', 3), 'abc')
  assert.equal(truncate('abcdef', 2, '...'), 'ab', 'no room for the ellipsis: a plain cut')
  assert.equal(truncate('abc', 0), '')
  // CJK is two columns wide: 4 columns hold "节点" and nothing more
  assert.equal(displayWidth('节点一号'), 8)
  assert.equal(truncate('节点一号', 5), '节点…')
  assert.equal(truncate('节点一号', 4, ''), '节点')
  // a wide character is never split into a half
  assert.equal(truncate('a节点', 4), 'a节…')
  // an emoji with a skin-tone modifier is one grapheme, two columns
  assert.equal(truncate('👍🏽👍🏽', 3, ''), '👍🏽')
  assert.equal(padTo('节点', 6), '节点  ')
  assert.equal(padTo('abcdef', 3), 'abcdef', 'never cuts')
})

test('truncateLine counts display columns across styled segments', () => {
  const line = truncateLine([{text: '节点'}, {text: 'abc', bold: true}], 6)
  assert.deepEqual(line.map((s) => s.text), ['节点', 'a', '…'])
  assert.equal(line.reduce((n, s) => n + displayWidth(s.text), 0), 6)
})

test('plural and nodeLabel', () => {
  assert.equal(plural(1, 'node'), '1 node')
  assert.equal(plural(0, 'node'), '0 nodes')
  assert.equal(plural(2, 'entry', 'entries'), '2 entries')
  assert.equal(nodeLabel(null), 'cluster')
  assert.equal(nodeLabel('node-a'), 'node-a')
})

test('marks: one table per charset, each mark one column wide in the Unicode set', () => {
  assert.equal(marksFor(true), UNICODE_MARKS)
  assert.equal(marksFor(false), ASCII_MARKS)
  assert.deepEqual(UNICODE_MARKS.result, {pass: '✓', fail: '✗', skipped: '–', error: '!'})
  assert.deepEqual(ASCII_MARKS.result, {pass: 'ok', fail: 'FAIL', skipped: '-', error: 'ERR'})
  for (const mark of [...Object.values(UNICODE_MARKS.result), ...Object.values(UNICODE_MARKS.finding), UNICODE_MARKS.nodeDone, UNICODE_MARKS.nodeFailed, UNICODE_MARKS.nodeSkipped]) {
    assert.equal(displayWidth(mark), 1, mark)
  }
  assert.ok(/^[\x20-\x7e]+$/.test(Object.values(ASCII_MARKS.finding).join('')), 'the ASCII set is ASCII')
})
