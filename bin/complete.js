#!/usr/bin/env node
// kubectl_complete-kr: shell completion for `kubectl kr …` (kubectl runs it with the words after `kr`).
const {main} = await import('../dist/commands/complete/entry.js')
await main(process.argv.slice(2))
