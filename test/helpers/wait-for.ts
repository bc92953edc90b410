// Polling with a deadline, for tests that wait on another process or server to reach a state.
import assert from 'node:assert/strict'

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Calls `fn` until it returns something truthy (returned), failing with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 5000, everyMs = 10): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}
