// sourceProblem: a typed reason (missing / unreadable) whose text is what reports show.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {loadCaseNode} from '../expected/load-case.js'
import {sourceProblem} from '../../src/model/node-state.js'

test('a source the node did not deliver is `missing`, with the collector\'s reason in the text', async () => {
  const {node} = await loadCaseNode('ipv6-sources-not-collected')
  assert.deepEqual(sourceProblem(node, 'ip6-rule.json'), {
    kind: 'missing',
    source: 'ip6-rule.json',
    text: 'nodes/node-a/ip6-rule.json, which is missing: ip -j -6 rule show: timed out after 10s',
  })
  assert.equal(sourceProblem(node, 'ip-rule.json'), null)
})

test('a source that holds only a tool error is `unreadable`, the text naming the file and the first issue', async () => {
  const {node} = await loadCaseNode('ipset-save-failed')
  const problem = sourceProblem(node, 'ipset.txt')
  assert.equal(problem?.kind, 'unreadable')
  assert.equal(problem?.source, 'ipset.txt')
  assert.match(problem?.text ?? '', /^nodes\/node-a\/ipset\.txt could not be read \(.+\)$/)
})
