// Run by test/ci-tools.test.ts in a child `node --test`: one test that needs a command no machine has.
import {test} from 'node:test'
import {unmet} from './requirements.js'

test('a test that needs kr-no-such-tool', {skip: unmet({tools: ['kr-no-such-tool']})}, () => {
  throw new Error('kr-no-such-tool is not installed, and the test ran anyway')
})
