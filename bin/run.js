#!/usr/bin/env node
// package.json engines: the Kubernetes client's HTTP library (undici) needs 22.19
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(`kubectl-kr: Node >= 22.19 required, found ${process.version} (${process.execPath})`)
  process.exit(2)
}
// Large nodes (100k+ iptables rules) allocate many short-lived strings; a small young generation keeps the
// peak RSS well under what the default lets it grow to, and is no slower (bench/RESULTS.md).
const args = process.argv.slice(2)
if (args.length === 2 && args[0] === 'version' && args[1] === '--client') {
  // the client version needs no command framework: answer before loading it (bench/RESULTS.md, start-up); plain
  // `version` asks the cluster too, so it goes through the command
  const {readFileSync} = await import('node:fs')
  const {versionLine} = await import('../dist/report/version-line.js')
  process.stdout.write(versionLine(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version))
  process.exit(0)
}
if (args[0] === '__complete') {
  // what the release archives' kubectl_complete-kr runs (`kubectl-kr __complete WORDS…`): the same as bin/complete.js
  const {main} = await import('../dist/commands/complete/entry.js')
  await main(args.slice(1))
} else {
  const v8 = await import('node:v8')
  v8.setFlagsFromString('--max-semi-space-size=4')
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
