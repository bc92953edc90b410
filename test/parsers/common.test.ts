import {test} from 'node:test'
import assert from 'node:assert/strict'
import {canonicalIp} from '../../src/model/ip.js'
import {fastCanonicalIp, forEachLine, parseHex, parseJsonArray, parseUint, splitLines, tableIdOf, words} from '../../src/parsers/common.js'
import {parseIptablesSave} from '../../src/parsers/iptables-save.js'

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function randomStrings(seed: number, alphabet: string[], count: number, maxParts: number): string[] {
  const next = rng(seed)
  const out: string[] = []
  for (let k = 0; k < count; k++) {
    let t = ''
    const len = Math.floor(next() * maxParts) + 1
    for (let i = 0; i < len; i++) t += alphabet[Math.floor(next() * alphabet.length)]
    out.push(t)
  }
  return out
}

test('fastCanonicalIp agrees with canonicalIp', () => {
  const fixed = ['::', '::1', '1::', 'fd00::', 'fd00:0:0:0:0:0:0:a', 'FD00:0056::0011', '1:0:0:1:0:0:0:1', '1:0:0:1:0:0:1:1', '0:0:0:0:0:0:0:0', '10.0.0.1', '010.0.0.1', '1.2.3', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '::ffff:1.2.3.4', 'fe80::1%eth0', '[fd00::1]', '1.2.3.4.5', '255.255.255.255', '256.1.1.1', 'tcp:443', 'aa:bb:cc:dd:ee:ff', '']
  for (const t of fixed) assert.equal(fastCanonicalIp(t), canonicalIp(t), t)
  for (const t of randomStrings(5, ['0', '1', 'a', 'F', ':', ':', '::', '.', '00', 'ffff', '12', '255', '256', '0000', 'g'], 200_000, 12)) {
    assert.equal(fastCanonicalIp(t), canonicalIp(t), t)
  }
})

/** The argv of the rule "-A X <args>", and whether the parser saw an unterminated quote. */
function ruleArgs(args: string): {args: string[]; unterminated: boolean} {
  const r = parseIptablesSave(`*filter\n-A X ${args}\nCOMMIT\n`)
  return {args: r.value.rules[0].args, unterminated: r.issues.some((i) => i.message === 'unterminated quote (truncated rule?)')}
}

test('iptables-save tokenizer: the fast paths agree with the character loop', () => {
  // A trailing tab sends any rule to the character loop and changes nothing, except that an unterminated
  // quote takes the tab into its last argument.
  for (const t of randomStrings(9, ['a', 'b', ' ', ' ', '"', '-j', '  ', 'x y', '\\', '\t'], 200_000, 10)) {
    const fast = ruleArgs(t)
    const slow = ruleArgs(`${t}\t`)
    if (slow.unterminated) slow.args[slow.args.length - 1] = slow.args[slow.args.length - 1].slice(0, -1)
    assert.deepEqual(fast, slow, JSON.stringify(t))
  }
})

test('small helpers', () => {
  assert.deepEqual(splitLines('a\r\nb\n\nc\n'), ['a', 'b', '', 'c'])
  assert.deepEqual(splitLines(''), [])
  assert.deepEqual(words('  a \t b  '), ['a', 'b'])
  assert.equal(parseUint('0042'), 42)
  assert.equal(parseUint('-1'), null)
  assert.equal(parseUint(''), null)
  assert.equal(parseHex('0x3742'), 14146)
  assert.equal(parseHex('0xZZ'), null)
  assert.deepEqual(['main', 'local', 'default', 'unspec', '77', 'kube-router', 'kube-router-dsr', 'external_ip', 'custom', '99999999999', null].map(tableIdOf), [254, 255, 253, 0, 77, 77, 78, 79, null, null, null])
})

test('parseJsonArray salvage', () => {
  const r = parseJsonArray('[{"a":1},{"b":[1,2,"]"]},{"c":"x\\"}', 's')
  assert.deepEqual(r.items.map((i) => i.value), [{a: 1}, {b: [1, 2, ']']}])
  assert.equal(r.issues[0].message, 'truncated JSON element')
  assert.equal(r.issues[0].raw, '{"c":"x\\"}')
  const junk = parseJsonArray('[1] trailing', 's')
  assert.deepEqual(junk.items.map((i) => i.value), [1])
  assert.deepEqual(junk.issues.map((i) => i.raw), [' trailing'])
  assert.deepEqual(parseJsonArray('[}', 's').items, [])
})

test('forEachLine visits the lines of splitLines with their numbers', () => {
  for (const text of ['', 'a', 'a\n', 'a\n\n', 'a\r\nb\n\nc\n', '\r', 'x\r\r\ny', '\n\n']) {
    const seen: [string, number][] = []
    forEachLine(text, (line, lineNo) => seen.push([line, lineNo]))
    assert.deepEqual(seen, splitLines(text).map((line, i) => [line, i + 1]), JSON.stringify(text))
  }
})
