// Every parser is total: any input returns a Parsed value (never throws), and issues keep raw text.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readdirSync, statSync} from 'node:fs'
import {parseIpAddr} from '../../src/parsers/ip-addr.js'
import {parseIpRoute} from '../../src/parsers/ip-route.js'
import {parseIpRule} from '../../src/parsers/ip-rule.js'
import {parseIpsetSave} from '../../src/parsers/ipset.js'
import {parseIpvsadm} from '../../src/parsers/ipvsadm.js'
import {parseIptablesSave} from '../../src/parsers/iptables-save.js'
import {parseSysctl} from '../../src/parsers/sysctl.js'
import {effectiveNetworkdSetting, parseNetworkd} from '../../src/parsers/networkd.js'
import {compareVersions, parseKubeRouterVersionOutput, parseVersionText, versionFromImage} from '../../src/parsers/kube-router-version.js'
import {parseKlog} from '../../src/parsers/kube-router-log.js'
import {parseProbes} from '../../src/parsers/probes.js'
import {parseIptablesBackends} from '../../src/parsers/iptables-backends.js'
import {parseGobgpNeighbors} from '../../src/parsers/gobgp-neighbors.js'
import {parseDaemonSet, parseEndpointSliceList, parseNodeList, parseServiceList} from '../../src/parsers/cluster.js'
import type {Parsed} from '../../src/model/types.js'
import {fixture} from './fixture.js'

const parsers: [string, (t: string) => Parsed<unknown>][] = [
  ['ip-addr', parseIpAddr],
  ['ip-route v4', (t) => parseIpRoute(t, 4)],
  ['ip-route v6', (t) => parseIpRoute(t, 6)],
  ['ip-rule v4', (t) => parseIpRule(t, 4)],
  ['ip-rule v6', (t) => parseIpRule(t, 6)],
  ['ipset', parseIpsetSave],
  ['ipvsadm', parseIpvsadm],
  ['iptables', parseIptablesSave],
  ['sysctl', parseSysctl],
  ['iptables-backends', parseIptablesBackends],
  ['gobgp-neighbors', parseGobgpNeighbors],
  ['networkd', (t) => {
    const r = parseNetworkd(t)
    effectiveNetworkdSetting(r.value, 'Network.ManageForeignRoutingPolicyRules')
    return r
  }],
  ['kube-router-version', (t) => {
    parseVersionText(t)
    const img = versionFromImage(t)
    if (img) compareVersions(img, img)
    return parseKubeRouterVersionOutput(t)
  }],
  ['kube-router-log', parseKlog],
  ['probes', parseProbes],
  ['nodes', parseNodeList],
  ['services', parseServiceList],
  ['endpointslices', parseEndpointSliceList],
  ['daemonset', parseDaemonSet],
]

const nasty: string[] = [
  '',
  ' \n\t\r\n',
  '\0\xff',
  '\uFEFF',
  '\ud800',
  '{"',
  '[1,2',
  '[',
  ']',
  '[]',
  '{}',
  'null',
  'true',
  '0',
  '"str"',
  '[null]',
  '[[]]',
  '[{}]',
  '[{"__proto__": {"polluted": 1}}]',
  '{"items": null}',
  '{"items": [null, 1, "x", {"metadata": null}, {"metadata": {"name": 5}}]}',
  '{"kind":"DaemonSetList","items":[]}',
  '[{"ifname": {}, "addr_info": [{"family": "inet", "local": 5}]}]',
  '[{"dst": {}, "nexthops": [null, {"gateway": 1}], "metrics": [null, {"mtu": {}}], "flags": "x"}]',
  '[{"priority": 1, "src": 5, "fwmark": "zz", "goto": null, "table": {}}]',
  '[{"kind": "apiserver", "target": {}, "port": 1e309}]',
  'random line\nanother one\n\n\n',
  'create\nadd\nadd x\ncreate x\n*\n:\n-A\nCOMMIT\n',
  '*filter\n-A X -m comment --comment "\\',
  '*filter\n-A X -m comment --comment "a\\"b',
  'TCP  [::1\nFWM\n  ->\n  -> [x]:y a b c d\n',
  '# active: maybe\n# file:\n[\n=\nkey=\n',
  'E0429 06:07:50.238512\nI\nW0101 00:00:00.0 1 ]\n',
  'v\nversion\nversion v\nRunning kube-router version vX.Y.Z\n',
  'a'.repeat(100_000),
  '\n'.repeat(10_000),
  '['.repeat(5_000),
  '{"a":'.repeat(5_000),
  '"'.repeat(3_001),
  String.fromCharCode(...Array.from({length: 512}, (_, i) => i)),
]

// deterministic pseudo-random junk and truncations of every fixture
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function fixtureFiles(dir = ''): string[] {
  const root = new URL('../fixtures/', import.meta.url)
  const out: string[] = []
  for (const name of readdirSync(new URL(dir, root))) {
    const rel = `${dir}${name}`
    if (statSync(new URL(rel, root)).isDirectory()) out.push(...fixtureFiles(`${rel}/`))
    else if (!rel.endsWith('.sh')) out.push(rel)
  }
  return out
}

function check(name: string, parse: (t: string) => Parsed<unknown>, input: string): void {
  let r: Parsed<unknown>
  try {
    r = parse(input)
  } catch (err) {
    assert.fail(`${name} threw on ${JSON.stringify(String(input).slice(0, 80))}: ${String(err)}`)
  }
  assert.ok(r && typeof r === 'object', name)
  assert.equal(typeof r.fatal, 'boolean', name)
  assert.ok(Array.isArray(r.issues), name)
  for (const i of r.issues) {
    assert.equal(typeof i.source, 'string')
    assert.equal(typeof i.raw, 'string')
    assert.ok(i.line === null || (Number.isInteger(i.line) && i.line >= 1))
    if (i.message.startsWith('internal parser error')) assert.fail(`${name}: ${i.message} on ${JSON.stringify(String(input).slice(0, 80))}`)
  }
  assert.ok(r.value !== undefined, name)
}

test('never throws: nasty inputs x every parser', () => {
  for (const [name, parse] of parsers) for (const input of nasty) check(name, parse, input)
})

test('never throws: non-string inputs from untyped callers', () => {
  for (const [name, parse] of parsers) {
    for (const input of [undefined, null, 42, {}, [], Buffer.from('x')]) check(name, parse as (t: unknown) => Parsed<unknown>, input as unknown as string)
  }
})

test('never throws: every fixture fed to every parser, whole, truncated and corrupted', () => {
  const next = rng(1836)
  for (const file of fixtureFiles()) {
    const text = fixture(file)
    for (const [name, parse] of parsers) {
      check(name, parse, text)
      for (let k = 0; k < 4; k++) {
        const cut = Math.floor(next() * text.length)
        check(name, parse, text.slice(0, cut))
        const pos = Math.floor(next() * text.length)
        check(name, parse, `${text.slice(0, pos)}${String.fromCharCode(Math.floor(next() * 65536))}${text.slice(pos + 1)}`)
      }
    }
  }
})

// Empty output is a valid empty state for tools that print nothing when there is nothing
// (ipset save, iptables-save, a quiet log, sysctl); for the rest it means nothing usable came out.
const EMPTY_IS_VALID = new Set(['ipset', 'iptables', 'sysctl', 'kube-router-log'])

test('empty input: fatal with an issue, except where empty output is a valid state', () => {
  for (const [name, parse] of parsers) {
    for (const empty of ['', ' \n']) {
      const r = parse(empty)
      if (EMPTY_IS_VALID.has(name)) assert.deepEqual([r.fatal, r.issues.length], [false, 0], name)
      else {
        assert.equal(r.fatal, true, name)
        assert.ok(r.issues.length > 0, name)
      }
    }
  }
})

test('issues keep the raw line of unreadable text input', () => {
  const junk = 'this is not it\n\u0000\u00ff binary\n'
  for (const [name, parse] of [['ipset', parseIpsetSave], ['iptables', parseIptablesSave], ['ipvsadm', parseIpvsadm], ['sysctl', parseSysctl], ['networkd', parseNetworkd]] as const) {
    const r = parse(junk)
    assert.equal(r.fatal, true, name)
    assert.deepEqual(r.issues.map((i) => [i.line, i.raw]), [[1, 'this is not it'], [2, '\u0000\u00ff binary']], name)
  }
  for (const [name, parse] of parsers.filter(([n]) => /^(ip-|probes|nodes|services|endpoint|daemonset|object)/.test(n))) {
    const r = parse(junk)
    assert.equal(r.fatal, true, name)
    assert.equal(r.issues[0].raw, junk, name)
  }
})
