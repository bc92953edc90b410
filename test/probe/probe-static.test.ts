// Static guarantees of probe.sh: it cannot change a node, and it is plain POSIX sh.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'
import {probeScriptPath} from '../../src/probe/script-path.js'
import {unmet} from '../helpers/requirements.js'

const script = readFileSync(probeScriptPath(), 'utf8')
/** [line number, code] of every line that is not a full-line comment */
const code: [number, string][] = script
  .split('\n')
  .map((line, i) => [i + 1, line] as [number, string])
  .filter(([, line]) => !/^\s*#/.test(line) && line.trim() !== '')

function offending(re: RegExp): string[] {
  return code.filter(([, line]) => re.test(line)).map(([n, line]) => `${n}: ${line.trim()}`)
}

const MUTATIONS: [string, RegExp][] = [
  ['iproute2 changes', /\bip\b.*\b(add|del|delete|replace|flush|change|append|prepend|restore|set)\b/],
  ['ipset changes', /\bipset\b.*(\b(add|del|create|destroy|flush|restore|swap|rename)\b|\s-[ADNXFWE]\b)/],
  ['iptables changes', /\bip6?tables(-nft|-legacy)?\b.*\s-[ADIRFNXPZE]\b/],
  ['iptables-restore', /\bip6?tables(-nft|-legacy)?-restore\b/],
  ['ipvsadm changes', /\bipvsadm\b.*\s(-[AEDCaedRSZ]\b|--(add|edit|delete|clear|restore|zero|set|start-daemon))/],
  ['nft changes', /\bnft\b.*\b(add|delete|flush|create|insert|replace|destroy|-f)\b/],
  ['conntrack changes', /\bconntrack\b.*\s-[DFIU]\b/],
  ['sysctl writes', /(^|[\s;&|(])sysctl\s.*(-w\b|--write|-p\b|--load|--system|=)|>\s*\/proc\/sys/],
  ['module loading', /\b(modprobe|insmod|rmmod)\b/],
  ['file creation', /\b(mktemp|tee|touch|mkdir|mkfifo|truncate)\b|(^|[\s;&|(])(rm|mv|cp|ln|dd|chmod|chown)\s/],
  ['here-documents / here-strings (temp files in some shells)', /<<|<<</],
  ['evaluation of text', /\beval\b|\bsource\b|(^|[\s;&|])\.\s+\S|\b(ba|da|a)?sh\s+-c\b/],
  ['non-POSIX constructs', /\[\[\s|\blocal\s|\bfunction\s|\$\{\w+\/\/|\$\{\w+:\d|\bpipefail\b|\$'/],
]

for (const [what, re] of MUTATIONS) {
  test(`probe.sh has no ${what}`, () => {
    assert.deepEqual(offending(re), [])
  })
}

test('probe.sh redirects output only to /dev/null or file descriptors', () => {
  const bad = code.filter(([, line]) => {
    // drop quoted strings first: '...' and "..." (no nesting in this script)
    const bare = line.replace(/'[^']*'/g, "''").replace(/"(\\.|[^"\\])*"/g, '""')
    return /\d*>>?(?!\s*(\/dev\/null\b|&\d|&-))/.test(bare)
  })
  assert.deepEqual(
    bad.map(([n, l]) => `${n}: ${l.trim()}`),
    [],
  )
})

test('probe.sh reads its inputs only from the environment', () => {
  // no positional script arguments: $1.. appear only inside functions (their own arguments)
  const topLevelArgs: string[] = []
  let depth = 0
  for (const [n, line] of code) {
    if (/^\w+\(\)\s*\{/.test(line)) depth++
    else if (/^\}/.test(line)) depth--
    else if (depth === 0 && /\$[1-9@*]/.test(line)) topLevelArgs.push(`${n}: ${line.trim()}`)
  }
  assert.deepEqual(topLevelArgs, [])
  for (const name of ['KR_HOST_ROOT', 'KR_PROBE_SECTIONS', 'KR_PROBE_TARGETS', 'KR_PROBE_CMD_TIMEOUT', 'KR_PROBE_CONNECT_TIMEOUT']) {
    assert.ok(script.includes(name), `${name} is read`)
  }
})

test('every external command runs under the timeout helper', () => {
  // commands are started only through kr_cmd / kr_capture / kr_timeout(_s); list the direct calls
  const external = /(^|[\s;&|(]|\$\()(ip|ipset|ipvsadm|ip6?tables[\w-]*|curl|cat|kube-router)\s+-/
  const direct = code.filter(([, line]) => external.test(line) && !/\bkr_(cmd|capture|timeout_s?)\b|set --/.test(line))
  assert.deepEqual(
    direct.map(([n, l]) => `${n}: ${l.trim()}`),
    [],
  )
})

for (const shell of [['dash'], ['busybox', 'sh'], ['sh']]) {
  test(`probe.sh parses under ${shell.join(' ')} -n`, {skip: unmet({tools: [shell[0]]})}, () => {
    execFileSync(shell[0], [...shell.slice(1), '-n', probeScriptPath()])
  })
}

test('the compact script (what probe pods carry) keeps every command line and drops only comments and blank lines', async () => {
  const {readProbeScript, compactScript} = await import('../../src/probe/script-path.js')
  const full = await readProbeScript()
  const compact = compactScript(full)
  assert.ok(compact.length < full.length * 0.75, `${compact.length} vs ${full.length}`)
  assert.ok(compact.startsWith('#!/bin/sh\n'))
  const code = (t: string) => t.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
  assert.deepEqual(code(compact), code(full))
})
