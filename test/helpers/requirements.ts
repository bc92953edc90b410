// What a test needs from the machine: root, commands on PATH, a terminal multiplexer. Outside CI a test whose
// needs are not met is skipped with the reason; under CI (CI=true) nothing is skipped: one extra test fails,
// naming what is missing and where to add it, and the tests themselves run (and fail on their own).
// `.ci/run` installs every command named here; test/ci-tools.test.ts keeps the two in step.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {whichCommandSync} from 'which-command'

export interface Needs {
  /** runs as root (network namespaces, ipset, iptables, setpriv) */
  root?: boolean
  /** commands that must be on PATH */
  tools?: readonly string[]
}

/** Network-namespace nodes: what test/helpers/netns.ts builds them with (both iptables backends). */
export const NETNS_TOOLS = [
  'ip', 'ipset', 'sysctl', 'iptables', 'ip6tables',
  'iptables-nft-restore', 'ip6tables-nft-restore', 'iptables-legacy-restore', 'ip6tables-legacy-restore',
] as const
/** What probe.sh runs inside a node besides those, and the shells it is tested under. */
export const PROBE_TOOLS = [
  'dash', 'busybox', 'timeout', 'curl', 'cat', 'tail', 'sleep',
  'iptables-save', 'ip6tables-save', 'iptables-nft-save', 'ip6tables-nft-save', 'iptables-legacy-save', 'ip6tables-legacy-save',
] as const
export const NETNS: Needs = {root: true, tools: NETNS_TOOLS}
/** The DSR endpoint-pod reads of probe.sh (dsr-endpoints.txt) and the kube-router emulator's endpoint pods. */
export const DSR_TOOLS = ['nsenter', 'ls', 'grep'] as const
export const TMUX: Needs = {tools: ['tmux']}
/** The CLI tests run `kubectl kr …` through kubectl's plugin dispatch, drop root with setpriv and fill a disk with a tiny
 * tmpfs (mount); the kubelet test counts children with pgrep. */
export const CLI_TOOLS = ['kubectl', 'setpriv', 'pgrep', 'mount', 'umount'] as const

/** Every command a test declares: .ci/run must install each (test/ci-tools.test.ts checks it). */
/** The bundle tests make hostile directory bundles: a FIFO, a device node. */
export const BUNDLE_TOOLS = ['mkfifo', 'mknod'] as const
/** The lab cluster (test/lab): certificates with openssl, containers with unshare and chroot. */
export const LAB_TOOLS = ['openssl', 'unshare', 'chroot'] as const
export const ALL_TOOLS: readonly string[] = [...new Set([...NETNS_TOOLS, ...PROBE_TOOLS, 'tmux', ...CLI_TOOLS, ...BUNDLE_TOOLS, ...DSR_TOOLS, ...LAB_TOOLS])]

export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

export function lacking(needs: Needs): string[] {
  const missing: string[] = []
  if (needs.root && !isRoot()) missing.push('root')
  for (const tool of needs.tools ?? []) if (!whichCommandSync(tool)) missing.push(`the command ${tool}`)
  return missing
}

const reported = new Set<string>()

/**
 * For `test(name, {skip: unmet(needs)}, fn)` and `if (unmet(needs)) return` in hooks: a reason to skip, or false.
 * Under CI it is always false; a missing need instead registers one failing test that names it.
 */
export function unmet(...all: Needs[]): string | false {
  const missing = [...new Set(all.flatMap(lacking))]
  if (missing.length === 0) return false
  const what = missing.join(', ')
  if (!inCI()) return `skipped: needs ${what} (CI runs it)`
  if (!reported.has(what)) {
    reported.add(what)
    test(`the machine has what these tests need: ${what}`, () => {
      assert.fail(`CI=true, and this machine lacks ${what}: .ci/run must install it (it installs the tools listed in its TOOLS table)`)
    })
  }
  return false
}
