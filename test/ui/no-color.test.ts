// NO_COLOR / non-colour terminals: with color off the UI emits no colour codes at all (bold and inverse
// still mark the selection), even where the terminal could show colour; with color on it does colour.
import {test} from 'node:test'
import assert from 'node:assert/strict'

// colour support is decided when chalk loads: force it on before anything imports Ink
process.env.FORCE_COLOR = '1'

const COLOUR_SGR = /\u001b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/

async function frames(color: boolean, keys: string[]): Promise<string[]> {
  const {createElement} = await import('react')
  const {render, cleanup} = await import('ink-testing-library')
  const {ResultsApp} = await import('../../src/ui/results-app.js')
  const {marksFor} = await import('../../src/report/text.js')
  const {demoReport} = await import('./reports.js')
  const {waitFor, sleep} = await import('./harness.js')
  const r = render(
    createElement(ResultsApp, {
      report: await demoReport(),
      actions: {saveBundle: async () => '', writeReport: async () => ''},
      marks: marksFor(true),
      color,
      size: {columns: 100, rows: 30},
    }),
  )
  try {
    await waitFor('first frame', () => (r.lastFrame() ?? '').includes('Findings'))
    for (const k of keys) {
      r.stdin.write(k)
      await sleep(60)
    }
    return [...r.frames]
  } finally {
    cleanup()
  }
}

const KEYS = ['j', '\r', '\u001b', '\t', '?']

test('color on: findings and matrix marks are coloured', async () => {
  const all = (await frames(true, KEYS)).join('')
  assert.match(all, COLOUR_SGR)
})

test('color off (NO_COLOR, TERM=dumb): no colour codes in any view; the selection is still marked', async () => {
  const list = await frames(false, KEYS)
  for (const f of list) assert.doesNotMatch(f, COLOUR_SGR)
  assert.match(list[0], /\u001b\[7m/, 'inverse marks the selected row')
  assert.match(list.join(''), /✗ ERROR/)
})
