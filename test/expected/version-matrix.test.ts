// The version matrix is the one place that holds the kube-router versions checks decide on.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {
  BEHAVIOUR_CHANGES, KNOWN_BUGS, LOG_FIXES, bugsAffecting, hasBehaviour, hasFix, inVersionWindow, isAffectedBy, knownBug, logFixFor,
  type KnownBugId,
} from '../../src/expected/version-matrix.js'
import {parseVersionText} from '../../src/parsers/kube-router-version.js'

const v = (text: string) => parseVersionText(text)!

test('every bug id names one entry, and each range and fixedIn parses', () => {
  const ids = KNOWN_BUGS.map((b) => b.id)
  assert.equal(new Set(ids).size, ids.length)
  for (const id of ids) assert.equal(knownBug(id).id, id)
  for (const bug of KNOWN_BUGS) {
    assert.ok(parseVersionText(bug.fixedIn), `${bug.id} fixedIn`)
    for (const r of bug.ranges) assert.ok(parseVersionText(r.from) && parseVersionText(r.to), `${bug.id} range`)
  }
})

test('isAffectedBy: [from, to) of the bug\'s ranges (FM3: IPv6 local-ips v2.0.0-v2.1.x, v2.6.1 both families)', () => {
  const ipv6: KnownBugId = 'ipv6-local-ips-missing'
  assert.equal(isAffectedBy(v('v1.6.0'), ipv6), false)
  assert.equal(isAffectedBy(v('v2.0.0'), ipv6), true)
  assert.equal(isAffectedBy(v('v2.1.3'), ipv6), true)
  assert.equal(isAffectedBy(v('v2.2.0'), ipv6), false)
  assert.equal(isAffectedBy(v('v2.6.1'), 'local-ips-not-restored'), true)
  assert.equal(isAffectedBy(v('v2.6.2'), 'local-ips-not-restored'), false)
  assert.equal(isAffectedBy(v('v2.2.0'), 'ip6tables-icmpv6-crashloop'), true, 'second range')
})

test('hasFix: at least fixedIn; a release from before the bug is not "fixed"', () => {
  assert.equal(hasFix(v('v2.2.0'), 'ipv6-vip-kernel-routes'), true)
  assert.equal(hasFix(v('v2.1.2'), 'ipv6-vip-kernel-routes'), false)
  assert.equal(hasFix(v('v1.6.0'), 'ipv6-vip-kernel-routes'), false)
  assert.equal(hasFix(v('v2.6.0-rc1'), 'dsr-maglev-sloppy-tcp'), false, 'a pre-release sorts before the release')
})

test('hasBehaviour: strict external-IP validation from v2.8.0', () => {
  assert.equal(BEHAVIOUR_CHANGES['strict-external-ip-validation'].since, 'v2.8.0')
  assert.equal(hasBehaviour(v('v2.7.0'), 'strict-external-ip-validation'), false)
  assert.equal(hasBehaviour(v('v2.8.0'), 'strict-external-ip-validation'), true)
  assert.equal(hasBehaviour(v('v2.11.1'), 'strict-external-ip-validation'), true)
})

test('inVersionWindow: absent bounds do not limit; `before` is exclusive', () => {
  assert.equal(inVersionWindow(v('v2.5.9'), {before: 'v2.6.0'}), true)
  assert.equal(inVersionWindow(v('v2.6.0'), {before: 'v2.6.0'}), false)
  assert.equal(inVersionWindow(v('v1.0.0'), {from: 'v2.0.0'}), false)
  assert.equal(inVersionWindow(v('v9.0.0'), {}), true)
})

test('bugsAffecting v2.1.2 lists the v2.0-v2.1 IPv6 bugs and not the v2.6.1 regression', () => {
  const ids = bugsAffecting(v('v2.1.2')).map((b) => b.id)
  assert.ok(ids.includes('ipv6-vip-kernel-routes') && ids.includes('ipv6-local-ips-missing'))
  assert.ok(!ids.includes('local-ips-not-restored'))
})

test('log fixes come from KNOWN_BUGS; a version is placed before the bug, in it, or at its fix', () => {
  for (const fix of Object.values(LOG_FIXES)) {
    const bug = knownBug(fix.id)
    assert.deepEqual({ranges: fix.ranges, fixedIn: fix.fixedIn, links: fix.links}, {ranges: bug.ranges, fixedIn: bug.fixedIn, links: bug.links})
  }
  const standing = (v: string | null) => logFixFor(v === null ? null : parseVersionText(v), 'netlink-dump-interrupted').standing
  assert.deepEqual(['v2.2.1', 'v2.6.0', 'v2.6.2', 'v2.7.0', 'v2.11.1', null].map(standing), ['before-bug', 'affected', 'affected', 'has-fix', 'has-fix', null])
  assert.equal(logFixFor(null, 'netlink-dump-interrupted').since, 'v2.6.0')
})
