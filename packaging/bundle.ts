// Bundles the compiled CLI (dist/, the same JavaScript the npm package runs) into ES module chunks plus the probe
// script: the directory a single executable carries (and on Linux unpacks before it starts).
// oclif finds the commands through an explicit list instead of globbing dist/commands; the list is built from
// the same glob patterns package.json gives oclif, so a new command is picked up without editing this file.
import {build, type Plugin} from 'esbuild'
import {access, copyFile, mkdir, readFile, readdir, rm} from 'node:fs/promises'
import {join, relative} from 'node:path'

export interface BundleResult {
  dir: string
  files: string[]
  /** the package version the bundle carries */
  version: string
}

interface PackageJson {
  name: string
  version: string
  oclif: {commands: {target: string; globPatterns: string[]}; [key: string]: unknown}
  [key: string]: unknown
}

/** oclif's pattern discovery, for the patterns package.json uses ("*.js", "dsr/*.js", "!base.js"). */
async function commandIds(dir: string, patterns: string[]): Promise<string[]> {
  const include = patterns.filter((p) => !p.startsWith('!')).map(globToRegExp)
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(p.slice(1)))
  const files = (await readdir(dir, {recursive: true})).map((f) => f.split('\\').join('/'))
  return files
    .filter((f) => include.some((r) => r.test(f)) && !exclude.some((r) => r.test(f)))
    .map((f) => f.replace(/\.js$/, ''))
    .sort()
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')
  return new RegExp(`^${body}$`)
}

/** The executable's entry: `version --client` answered at once (as bin/run.js does); `__complete WORDS…` (what the
 * archive's kubectl_complete-kr runs) handed to the completer; anything else to the command framework. The
 * completer and the framework are chunks of their own, loaded only when needed. */
function entrySource(versionLineModule: string, version: string): string {
  return [
    `import {versionLine} from ${JSON.stringify(versionLineModule)}`,
    `const args = process.argv.slice(2)`,
    `if (args.length === 2 && args[0] === 'version' && args[1] === '--client') process.stdout.write(versionLine(${JSON.stringify(version)}))`,
    `else if (args[0] === '__complete') void import('kr-complete').then((m) => m.complete(args.slice(1)))`,
    `else void import('kr-cli')`,
    '',
  ].join('\n')
}

/** The completer with the completion spec the build wrote (dist/completion-spec.json) built in: the executable
 * has no dist/ to read it from. */
function completeSource(entryModule: string, specFile: string): string {
  return [
    `import {main} from ${JSON.stringify(entryModule)}`,
    `import spec from ${JSON.stringify(specFile)}`,
    `export const complete = (words) => main(words, spec)`,
    '',
  ].join('\n')
}

/** The command framework's part: every command class by id, preloaded into the root plugin together with
 * package.json, so oclif reads nothing from disk to find them (inside a Bun executable there is no directory). */
function cliSource(commandsDir: string, ids: string[], pjson: object): string {
  const imports = ids.map((id, i) => `import C${i} from ${JSON.stringify(join(commandsDir, `${id}.js`))}`)
  const table = ids.map((id, i) => `  ${JSON.stringify(id.split('/').join(':'))}: C${i},`)
  return [
    ...imports,
    `const COMMANDS = {\n${table.join('\n')}\n}`,
    `const PJSON = ${JSON.stringify(pjson)}`,
    // as bin/run.js: a small young generation keeps peak memory low on large nodes (bench/RESULTS.md)
    `import {setFlagsFromString} from 'node:v8'`,
    `setFlagsFromString('--max-semi-space-size=4')`,
    `import {Plugin, execute} from '@oclif/core'`,
    `import {dirname} from 'node:path'`,
    `import {fileURLToPath} from 'node:url'`,
    `const root = dirname(fileURLToPath(import.meta.url))`,
    `const plugin = new Plugin({root, pjson: PJSON, isRoot: true, ignoreManifest: true})`,
    // a private field of @oclif/core's Plugin (pinned exactly in package.json): the commands, already loaded
    `plugin.commandCache = COMMANDS`,
    `void plugin.load().then(() => execute({loadOptions: {root, pjson: PJSON, plugins: new Map([[PJSON.name, plugin]])}}))`,
    '',
  ].join('\n')
}

/** The two generated modules above, as esbuild virtual modules. */
function generated(modules: Record<string, string>, resolveDir: string): Plugin {
  return {
    name: 'kr-generated',
    setup(b) {
      b.onResolve({filter: /^kr-(entry|cli|complete)$/}, (a) => ({path: a.path, namespace: 'kr-generated'}))
      b.onLoad({filter: /.*/, namespace: 'kr-generated'}, (a) => ({contents: modules[a.path], loader: 'js', resolveDir}))
    },
  }
}

/** ink imports react-devtools-core only when DEV=true; the executable ships without it. */
const noDevtools: Plugin = {
  name: 'no-react-devtools',
  setup(b) {
    b.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'kr-empty'}))
    b.onLoad({filter: /.*/, namespace: 'kr-empty'}, () => ({contents: 'export default {}', loader: 'js'}))
  },
}

export async function bundle(repo: string, outDir: string): Promise<BundleResult> {
  const pjson = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as PackageJson
  const commandsDir = join(repo, pjson.oclif.commands.target)
  const ids = await commandIds(commandsDir, pjson.oclif.commands.globPatterns)
  if (ids.length === 0) throw new Error(`no commands under ${commandsDir}: run npm run build first`)
  const completionSpec = join(repo, 'dist/completion-spec.json')
  await access(completionSpec).catch(() => {
    throw new Error(`no ${completionSpec}: run npm run build first`)
  })
  await rm(outDir, {recursive: true, force: true})
  await mkdir(outDir, {recursive: true})
  const {name, version, description, license, type} = pjson
  const oclif = {...pjson.oclif, commands: {strategy: 'explicit', target: './kr.mjs', identifier: 'COMMANDS'}}
  const appPjson = {name, version, description, license, type, oclif}
  const modules = {
    'kr-entry': entrySource(join(repo, 'dist/report/version-line.js'), version),
    'kr-cli': cliSource(commandsDir, ids, appPjson),
    'kr-complete': completeSource(join(repo, 'dist/commands/complete/entry.js'), completionSpec),
  }
  await build({
    entryPoints: {kr: 'kr-entry'},
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    outdir: outDir,
    chunkNames: 'chunk-[hash]',
    outExtension: {'.js': '.mjs'},
    // oclif's TypeScript path lookup only runs for plugins with a tsconfig in development; never here
    external: ['typescript'],
    plugins: [generated(modules, repo), noDevtools],
    banner: {js: "import {createRequire as __krRequire} from 'node:module';const require=__krRequire(import.meta.url);"},
    legalComments: 'none',
    logLevel: 'warning',
  })
  // probe.sh next to the chunks: src/probe/script-path.ts finds it beside the module that asks (import.meta.url)
  await copyFile(join(repo, 'src/probe/probe.sh'), join(outDir, 'probe.sh'))
  const files = (await readdir(outDir, {recursive: true})).map((f) => relative(outDir, join(outDir, f))).sort()
  return {dir: outDir, files, version}
}
