// Preloaded with `node --import` (NODE_OPTIONS): appends the URL of every module the process resolves to the
// file named by KR_IMPORT_LOG, so a test can tell which modules a real CLI run loaded.
import {registerHooks} from 'node:module'
import {appendFileSync} from 'node:fs'

const log = process.env.KR_IMPORT_LOG
if (log) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const result = nextResolve(specifier, context)
      appendFileSync(log, `${result.url}\n`)
      return result
    },
  })
}
