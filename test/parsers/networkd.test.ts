import {test} from 'node:test'
import assert from 'node:assert/strict'
import {effectiveNetworkdSetting, networkdBoolean, parseNetworkd} from '../../src/parsers/networkd.js'
import type {NetworkdFile, NetworkdState} from '../../src/model/types.js'
import {fixture} from './fixture.js'

const RULES = 'Network.ManageForeignRoutingPolicyRules'
const ROUTES = 'Network.ManageForeignRoutes'

/**
 * The files in the order systemd applies them, as effectiveNetworkdSetting sees it: a file is applied when a
 * key only it sets is effective; of two applied files that set the same key, the one applied later wins.
 */
function filesInOrder(state: NetworkdState): string[] {
  const tag = (f: NetworkdFile): NetworkdFile => ({...f, settings: new Map([[`Probe.${f.path}`, {value: '1', line: ''}], ['Probe.Order', {value: '1', line: ''}]])})
  const tagged = {...state, files: state.files.map(tag)}
  const applied = state.files.filter((f) => effectiveNetworkdSetting(tagged, `Probe.${f.path}`)?.path === f.path)
  const later = (a: NetworkdFile, b: NetworkdFile) => effectiveNetworkdSetting({...state, files: [tag(a), tag(b)]}, 'Probe.Order')!.path === b.path
  return [...applied].sort((a, b) => (later(a, b) ? -1 : 1)).map((f) => f.path)
}

test('networkd: drop-in disables foreign rules and routes', () => {
  const r = parseNetworkd(fixture('networkd/dropin-disables-foreign-rules.txt'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.issues, [])
  assert.equal(r.value.active, true)
  assert.deepEqual(r.value.files.map((f) => f.path), ['/etc/systemd/networkd.conf', '/etc/systemd/networkd.conf.d/50-kube-router.conf'])
  // the Debian default networkd.conf only has commented-out defaults
  assert.equal(r.value.files[0].settings.size, 0)
  assert.deepEqual(effectiveNetworkdSetting(r.value, RULES), {value: 'no', path: '/etc/systemd/networkd.conf.d/50-kube-router.conf', line: 'ManageForeignRoutingPolicyRules=no'})
  assert.equal(networkdBoolean(effectiveNetworkdSetting(r.value, ROUTES)!.value), false)
})

test('networkd: defaults only', () => {
  const r = parseNetworkd(fixture('networkd/default-config-active.txt'))
  assert.equal(r.value.active, true)
  assert.equal(effectiveNetworkdSetting(r.value, RULES), null)
})

test('networkd: systemd precedence (main, masking, basename order)', () => {
  const r = parseNetworkd(fixture('networkd/dropin-precedence.txt'))
  assert.deepEqual(filesInOrder(r.value), [
    '/etc/systemd/networkd.conf',
    '/etc/systemd/networkd.conf.d/05-early.conf',
    '/etc/systemd/networkd.conf.d/50-vendor.conf',
    '/run/systemd/networkd.conf.d/60-runtime.conf',
    '/lib/systemd/networkd.conf.d/70-old.conf',
  ])
  assert.deepEqual(effectiveNetworkdSetting(r.value, RULES), {value: 'yes', path: '/run/systemd/networkd.conf.d/60-runtime.conf', line: 'ManageForeignRoutingPolicyRules=yes'})
  assert.deepEqual(effectiveNetworkdSetting(r.value, ROUTES), {value: 'true', path: '/lib/systemd/networkd.conf.d/70-old.conf', line: 'ManageForeignRoutes=true'})
  // "ManageForeignRoutes = no" (spaces) in the main file is read as well
  assert.equal(r.value.files[0].settings.get(ROUTES)!.value, 'no')
  // [DHCPv4] keys do not leak into [Network]
  assert.equal(r.value.files.find((f) => f.path.endsWith('05-early.conf'))!.settings.has('DHCPv4.ManageForeignRoutes'), true)

  // without the /run drop-in, /usr/lib's 50-vendor.conf stays masked by /etc's: the main file's "no" wins
  const noRun = {...r.value, files: r.value.files.filter((f) => !f.path.startsWith('/run/'))}
  assert.deepEqual(effectiveNetworkdSetting(noRun, RULES)?.path, '/etc/systemd/networkd.conf')
})

test('networkd: booleans', () => {
  for (const v of ['yes', 'YES', 'true', '1', 'on', ' y ', 't']) assert.equal(networkdBoolean(v), true, v)
  for (const v of ['no', 'false', '0', 'off', 'n', 'F']) assert.equal(networkdBoolean(v), false, v)
  for (const v of ['', 'maybe', '2']) assert.equal(networkdBoolean(v), null, v)
})

test('networkd: inactive, unknown, garbage', () => {
  const inactive = parseNetworkd(fixture('networkd/inactive.txt'))
  assert.deepEqual([inactive.fatal, inactive.value.active, inactive.value.files.length], [false, false, 0])
  assert.equal(parseNetworkd('# active: unknown\n').value.active, null)
  const g = parseNetworkd('hello\nManageForeignRoutes=no\n')
  assert.equal(g.fatal, true)
  assert.deepEqual(g.issues.map((i) => [i.line, i.raw]), [[1, 'hello'], [2, 'ManageForeignRoutes=no']])
  const noSection = parseNetworkd('# active: yes\n# file: /etc/systemd/networkd.conf\nManageForeignRoutes=no\n[Network\n')
  assert.equal(noSection.value.files[0].settings.get('ManageForeignRoutes')!.value, 'no')
  assert.deepEqual(noSection.issues.map((i) => i.line), [3, 4])
})

test('networkd: "# systemd-version: N" gives the host systemd version; "unknown" or absent gives null', () => {
  assert.equal(parseNetworkd('# active: yes\n# systemd-version: 245\n').value.systemdVersion, 245)
  assert.equal(parseNetworkd('# active: yes\n# systemd-version: unknown\n').value.systemdVersion, null)
  assert.equal(parseNetworkd('# active: yes\n').value.systemdVersion, null)
  const bad = parseNetworkd('# active: yes\n# systemd-version: 2x5\n')
  assert.equal(bad.value.systemdVersion, null)
  assert.equal(bad.issues.length, 1)
})
