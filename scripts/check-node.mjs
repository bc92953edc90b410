// npm scripts must run on the project's pinned Node 24 (node_modules/.bin/node), not an older global node.
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  console.error(`expected Node 24.x from node_modules/.bin/node, got ${process.version} (${process.execPath}); run npm ci without --ignore-scripts`)
  process.exit(1)
}
