#!/usr/bin/env node
if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(`kubectl-kr: Node >= 22 required, found ${process.version} (${process.execPath})`)
  process.exit(2)
}
const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
