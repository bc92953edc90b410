// kube-router-process.txt: one "<pid> <command line>" line per running kube-router process (probe.sh reads
// /proc/<pid>/comm); no line = none runs, which is a valid, empty result.
//   2817 /usr/local/bin/kube-router --run-router=true --run-firewall=true --run-service-proxy=true
import type {KubeRouterProcess, Parsed, ParseIssue} from '../model/types.js'
import {asText, guard, isBlank, issue, splitLines} from './common.js'

const SOURCE = 'kube-router-process.txt'

export function parseKubeRouterProcesses(text: string): Parsed<KubeRouterProcess[]> {
  return guard(SOURCE, () => [], () => {
    const input = asText(text)
    const out: KubeRouterProcess[] = []
    const issues: ParseIssue[] = []
    if (isBlank(input)) return {value: out, issues, fatal: false}
    for (const [i, line] of splitLines(input).entries()) {
      if (isBlank(line)) continue
      const m = /^(\d{1,10}) (.*)$/.exec(line.trim())
      if (!m) {
        issues.push(issue(SOURCE, i + 1, 'not "<pid> <command line>"', line))
        continue
      }
      out.push({pid: Number(m[1]), commandLine: m[2]})
    }
    return {value: out, issues, fatal: out.length === 0 && issues.length > 0}
  })
}
