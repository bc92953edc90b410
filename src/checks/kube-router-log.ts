// accuracy-audit §3 #9/#12 and §2: kube-router's own log names many faults the node state cannot show (a DSR
// receiver missing inside a pod, a FoU port, rt_tables). Each known error line (expected/log-patterns.ts) becomes
// one finding with its cause and fix; where a release fixed it the version matrix says which, and whether this
// node's version is affected. Lines another check diagnoses from node state are not repeated as findings: the
// result's note names them and that check. Other E/F lines are summarised as info, so nothing in the log is hidden.
import {defineNodeCheck, type FindingInput} from './define.js'
import {kubeRouterLogs, restartKubeRouter} from './util.js'
import {sourceValue} from '../model/node-state.js'
import {classify, type LogPattern} from '../expected/log-patterns.js'
import {knownBug, isAffectedBy, logFixFor} from '../expected/version-matrix.js'
import type {LogLine, Version} from '../model/types.js'

const SHOWN_LINES = 3

function fixOf(pattern: LogPattern, version: Version | null): {fixedIn: string | null; text: string} {
  if (!pattern.fixedBy) return {fixedIn: null, text: ''}
  if ('log' in pattern.fixedBy) {
    const {fix, standing, since} = logFixFor(version, pattern.fixedBy.log)
    const different = 'so the cause here is different: read the whole line.'
    if (standing === 'has-fix') return {fixedIn: null, text: ` kube-router ${version!.text} already has the fix from ${fix.fixedIn}, ${different}`}
    if (standing === 'before-bug') return {fixedIn: null, text: ` kube-router ${version!.text} predates this bug (it came with ${since}, ${fix.links[0]}), ${different}`}
    if (standing === 'unaffected') return {fixedIn: null, text: ` kube-router ${version!.text} is not among the releases with this bug (${fix.links[0]}), ${different}`}
    return {fixedIn: fix.fixedIn, text: standing === 'affected' ? ` kube-router ${version!.text} has this bug (${fix.links[0]}); fixed in ${fix.fixedIn}.` : ` Fixed in kube-router ${fix.fixedIn} (${fix.links[0]}).`}
  }
  const bug = knownBug(pattern.fixedBy.bug)
  const affected = version ? isAffectedBy(version, bug.id) : null
  if (affected === false) return {fixedIn: null, text: ''}
  return {fixedIn: bug.fixedIn, text: ` ${affected ? `kube-router ${version!.text} has this bug` : 'A known bug'} (${bug.links[0]}); fixed in ${bug.fixedIn}.`}
}

export const kubeRouterLog = defineNodeCheck({
  id: 'kube-router-log',
  title: "Known errors in kube-router's log, with cause and fix",
  needs: ['kube-router.log'],
  evaluate({node, facts}) {
    const log = sourceValue(node, 'kube-router.log')!
    const byPattern = new Map<LogPattern, LogLine[]>()
    const other: LogLine[] = []
    for (const line of log) {
      if (line.severity !== 'E' && line.severity !== 'F' && line.severity !== 'W') continue
      const pattern = classify(line.message)
      if (pattern) byPattern.set(pattern, [...(byPattern.get(pattern) ?? []), line])
      else if (line.severity !== 'W') other.push(line)
    }
    const findings: FindingInput[] = []
    const elsewhere: string[] = []
    for (const [pattern, lines] of byPattern) {
      if (pattern.seeCheck) {
        elsewhere.push(`${lines.length} ${pattern.id} line(s), see ${pattern.seeCheck}`)
        continue
      }
      const fix = fixOf(pattern, facts.version)
      findings.push({
        severity: pattern.severity,
        subject: pattern.id,
        title: `${pattern.title} (${lines.length} line${lines.length === 1 ? '' : 's'})`,
        detail: `${pattern.cause}${fix.text}`,
        evidence: lines.slice(-SHOWN_LINES).map((l) => l.text),
        remediation: [pattern.fix, `Full log: ${kubeRouterLogs(node.name)}`],
        fixedIn: fix.fixedIn,
      })
    }
    if (other.length > 0) {
      findings.push({
        severity: 'info',
        subject: 'other errors',
        title: `${other.length} other error line(s) in kube-router's log`,
        detail: 'Error lines this tool does not classify; they may still matter. The newest are shown.',
        evidence: other.slice(-SHOWN_LINES).map((l) => l.text),
        remediation: [`Read them in context: ${kubeRouterLogs(node.name)}`, `If they repeat on every sync, restarting kube-router can show whether they persist: ${restartKubeRouter(node.name)}`],
        fixedIn: null,
      })
    }
    return {findings, ...(elsewhere.length ? {note: `also in the log, diagnosed by other checks: ${elsewhere.join('; ')}`} : {})}
  },
})
