// `npm run corpus:update`: rewrites test/fixtures/accuracy-corpus.json from the current checks (see
// test/helpers/accuracy-corpus.ts) and lists the verdicts that changed.
import {readFile, writeFile} from 'node:fs/promises'
import {CORPUS_TABLE, computeCorpus, formatCorpus, type CorpusTable} from '../test/helpers/accuracy-corpus.js'

const before: CorpusTable = JSON.parse(await readFile(CORPUS_TABLE, 'utf8').catch(() => '{}'))
const after = await computeCorpus()
await writeFile(CORPUS_TABLE, formatCorpus(after))
let changed = 0
for (const [bundle, rows] of Object.entries(after)) {
  for (const [key, verdict] of Object.entries(rows)) {
    const old = before[bundle]?.[key]
    if (old !== verdict) {
      changed++
      console.log(`${bundle} ${key}: ${old ?? '(new)'} -> ${verdict}`)
    }
  }
}
for (const [bundle, rows] of Object.entries(before)) {
  for (const key of Object.keys(rows)) if (after[bundle]?.[key] === undefined) { changed++; console.log(`${bundle} ${key}: ${rows[key]} -> (gone)`) }
}
console.log(`${changed} verdict(s) changed; wrote ${CORPUS_TABLE}`)
