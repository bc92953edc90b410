// The release build (packaging/), its tests and the start-up benchmark are run by tsx, which does not type-check:
// tsc does, here (packaging/tsconfig.check.json).
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {test} from 'node:test'
import {REPO} from '../cli/kr.js'

test('packaging/, test/release/ and bench/startup.ts type-check', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'packaging/tsconfig.check.json')], {encoding: 'utf8'})
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`)
})
