// What every lab test file shares: whether its tests can run here, and polling until the lab shows a state.
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'
import {CLI_TOOLS, inCI, LAB_TOOLS, NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'
import {labBinDir, missingBinaries} from './cluster.js'

/** Why this file's lab tests cannot run here (a need unmet, a lab binary not built), or false. Under CI a binary not
 * built is a failing test, as unmet() makes a missing tool one. `kubeRouter`: the file runs the real kube-router. */
export function labSkip(opts: {kubeRouter?: boolean; tools?: readonly string[]} = {}): string | false {
  const missing = [...missingBinaries(), ...(opts.kubeRouter && !existsSync(join(labBinDir(), 'kube-router')) ? ['kube-router'] : [])]
  const binaries = missing.length ? `the lab binaries ${missing.join(', ')} are not built in ${labBinDir()}: npm run lab:build` : false
  if (binaries && inCI()) test('the lab binaries are built', () => assert.fail(binaries))
  return unmet(NETNS, {tools: [...PROBE_TOOLS, ...CLI_TOOLS, ...LAB_TOOLS, ...(opts.tools ?? [])]}) || binaries
}

/** Polls `check` until it resolves to something truthy (a rejection counts as not yet); fails naming `what` once
 * `timeoutMs` has passed. */
export async function eventually(check: () => Promise<unknown>, o: {timeoutMs: number; what: string}): Promise<void> {
  const end = Date.now() + o.timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${o.what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}
