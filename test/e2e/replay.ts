// Probe output (the framed format of src/probe/probe.sh) rebuilt from a bundle node's files: what the test
// kubelet replays as a probe pod's log on nodes that have no network namespace behind them.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {REPO} from '../cli/kr.js'

export const DEMO_BUNDLE = join(REPO, 'examples/demo-bundle')

export function probeOutputFromBundle(bundleDir: string, node: string, opts: {skip?: string[]} = {}): string {
  const dir = join(bundleDir, 'nodes', node)
  const files = readdirSync(dir).filter((f) => f !== 'missing.json' && f !== 'kube-router.log' && !(opts.skip ?? []).includes(f))
  const out = ['KR-PROBE 1', `=== kr:plan ${files.join(' ')}`]
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8')
    out.push(`=== kr:begin ${f}`, `${text}${text.endsWith('\n') ? '' : '\n'}`, `=== kr:end ${f} rc=0`)
  }
  out.push('=== kr:done', '')
  return out.join('\n')
}
