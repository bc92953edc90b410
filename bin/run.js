#!/usr/bin/env node
if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(`kubectl-kr: Node >= 22 required, found ${process.version} (${process.execPath})`)
  process.exit(2)
}
// Large nodes (100k+ iptables rules) allocate many short-lived strings; a small young generation keeps the
// peak RSS well under what the default lets it grow to, and is no slower (bench/RESULTS.md).
const v8 = await import('node:v8')
v8.setFlagsFromString('--max-semi-space-size=4')
const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
