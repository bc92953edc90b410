// Build step: writes dist/completion-spec.json, what kubectl_complete-kr completes from (commands, their flags and
// arguments, topics, the check ids), so a <TAB> loads neither oclif nor the check registry.
import {writeFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const {commandSpecs} = await import(new URL('../dist/commands/complete/entry.js', import.meta.url).href)
const {checkCatalog} = await import(new URL('../dist/services/checks.js', import.meta.url).href)
const spec = {...(await commandSpecs(root)), checkIds: checkCatalog().items.filter((c) => c.selectable).map((c) => c.id)}
await writeFile(new URL('../dist/completion-spec.json', import.meta.url), `${JSON.stringify(spec)}\n`)
