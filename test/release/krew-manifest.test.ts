// The krew manifest: packaging/krew-manifest.ts for all four targets passes krew's rules (packaging/krew-validate.ts),
// the rules catch each kind of mistake, and .krew.yaml (the krew-release-bot template) renders to the same manifest.
// The built archive itself (sha256, bin, licence inside) and a krew-style install: test/release/executable.test.ts.
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'
import {parse, stringify} from 'yaml'
import {krewManifest, type BuiltArchive} from '../../packaging/krew-manifest.js'
import {validateKrewManifest} from '../../packaging/krew-validate.js'
import {TARGETS, archiveName} from '../../packaging/layout.js'
import {REPO} from '../cli/kr.js'

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}).version
const archives: BuiltArchive[] = TARGETS.map((target) => {
  const file = archiveName(VERSION, target)
  return {target, file, sha256: createHash('sha256').update(file).digest('hex')}
})

test('the manifest for linux and darwin, amd64 and arm64 passes krew\'s rules', () => {
  const text = krewManifest(VERSION, archives)
  assert.deepEqual(validateKrewManifest(text, {version: VERSION}), [])
  const doc = parse(text)
  assert.equal(doc.metadata.name, 'kr')
  assert.equal(doc.spec.version, `v${VERSION}`)
  assert.deepEqual(doc.spec.platforms.map((p: {selector: {matchLabels: object}}) => p.selector.matchLabels), [
    {os: 'linux', arch: 'amd64'}, {os: 'linux', arch: 'arm64'}, {os: 'darwin', arch: 'amd64'}, {os: 'darwin', arch: 'arm64'},
  ])
  for (const p of doc.spec.platforms) {
    assert.equal(p.bin, 'kubectl-kr')
    assert.deepEqual(p.files.map((f: {from: string}) => f.from), ['kubectl-kr', 'kubectl_complete-kr', 'LICENSE', 'README.md'])
  }
})

test('each of krew\'s rules is enforced', () => {
  const good = parse(krewManifest(VERSION, archives))
  const broken: [string, (d: any) => void, RegExp][] = [
    ['a bad name', (d) => (d.metadata.name = 'Kr_plugin'), /metadata.name/],
    ['a version that is not semver', (d) => (d.spec.version = 'v1.2'), /not a semantic version/],
    ['a version other than the package\'s', (d) => (d.spec.version = 'v9.9.9'), /not the package version/],
    ['a long short description', (d) => (d.spec.shortDescription = 'x'.repeat(51)), /shortDescription/],
    ['a two-line short description', (d) => (d.spec.shortDescription = 'a\nb'), /shortDescription/],
    ['no description', (d) => delete d.spec.description, /description is empty/],
    ['no caveats', (d) => delete d.spec.caveats, /caveats is empty/],
    ['a selector on another label', (d) => (d.spec.platforms[0].selector.matchLabels.distro = 'debian'), /label distro/],
    ['matchExpressions', (d) => (d.spec.platforms[0].selector.matchExpressions = [{key: 'os', operator: 'In', values: ['linux']}]), /matchExpressions/],
    ['overlapping selectors', (d) => delete d.spec.platforms[1].selector.matchLabels.arch, /overlap on linux\/amd64/],
    ['an unknown platform', (d) => (d.spec.platforms[0].selector.matchLabels.os = 'plan9'), /plan9/],
    ['a uri that is not a .tar.gz', (d) => (d.spec.platforms[0].uri = 'https://example.invalid/kr.zip'), /uri/],
    ['a bad sha256', (d) => (d.spec.platforms[0].sha256 = '0'.repeat(63)), /sha256/],
    ['no licence among the files', (d) => (d.spec.platforms[0].files = d.spec.platforms[0].files.filter((f: {from: string}) => f.from !== 'LICENSE')), /licence/],
    ['bin not extracted', (d) => d.spec.platforms[0].files.splice(0, 1), /bin kubectl-kr is not among/],
  ]
  for (const [what, mutate, expected] of broken) {
    const d = structuredClone(good)
    mutate(d)
    const problems = validateKrewManifest(stringify(d), {version: VERSION})
    assert.ok(problems.some((p) => expected.test(p)), `${what}: ${problems.join('; ') || 'no problem found'}`)
  }
})

/** What krew-release-bot does with .krew.yaml: Go template fields and addURIAndSha (uri, then the asset's sha256). */
function renderKrewTemplate(template: string, tag: string, shaOf: (url: string) => string): string {
  const version = tag.replace(/^v/, '')
  const fields = (s: string) => s.replace(/\{\{ \.TagName \}\}/g, tag).replace(/\{\{ \.Version \}\}/g, version)
  return template
    .replace(/\{\{addURIAndSha "([^"]+)" \.TagName \}\}/g, (_, url: string) => `uri: ${fields(url)}\n    sha256: ${shaOf(fields(url))}`)
    .replace(/\{\{[^}]*\}\}/g, (m) => {
      const out = fields(m)
      if (out === m) throw new Error(`unknown template action ${m}`)
      return out
    })
}

test('.krew.yaml, rendered as krew-release-bot does, is the manifest the release build writes', () => {
  const template = readFileSync(join(REPO, '.krew.yaml'), 'utf8')
  const shaByFile = new Map(archives.map((a) => [a.file, a.sha256]))
  const rendered = renderKrewTemplate(template, `v${VERSION}`, (url) => {
    const sha = shaByFile.get(url.split('/').pop()!)
    assert.ok(sha, `the template asks for ${url}, which the release build does not make`)
    return sha
  })
  assert.deepEqual(parse(rendered), parse(krewManifest(VERSION, archives)))
})
