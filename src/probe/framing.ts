// The framing between src/probe/probe.sh and the TypeScript side.
//
//   KR-PROBE 1
//   === kr:plan <file> <file> ...            sources this run will report (optional)
//   === kr:begin <file>
//   <content: the command's stdout, byte for byte>
//   === kr:end <file> rc=<n>                 preceded by exactly one "\n" that is not content
//   === kr:missing <file> <reason>           the source is unavailable; overrides a begin/end pair
//   === kr:warning <text>                    becomes an issue
//   === kr:done                              the script finished
//
// A section's content is everything between the begin line's "\n" and the first
// "\n=== kr:end <file> rc=" after it. An end with rc != 0 and no missing line still
// makes the source missing. A begin without its end means the output was cut:
// that source is missing with "truncated probe output", as is every planned source
// that never appeared. The parser is total: any input gives a capture and issues.
import type {NodeCapture, SourceName} from '../model/types.js'
import {isSourceName} from '../model/sources.js'

export const PROBE_HEADER = 'KR-PROBE'
export const PROBE_FORMAT_VERSION = '1'
export const TRUNCATED_REASON = 'truncated probe output'

export interface ParsedProbeOutput {
  capture: NodeCapture
  /** Everything odd about the output, in plain words (warnings of the script included). */
  issues: string[]
  /** true when the output ended with "=== kr:done". */
  complete: boolean
  /** true when the output has the KR-PROBE header line: the probe started (what follows may still be cut) */
  started: boolean
}

const HEADER_LINE = new RegExp(`(?:^|\\n)${PROBE_HEADER} ([^\\n]*)(?:\\n|$)`)

/** Whether a text holds the probe's header line, i.e. the probe script got as far as starting. */
export function hasProbeHeader(text: string): boolean {
  return HEADER_LINE.test(text)
}

const BEGIN = '=== kr:begin '
const MISSING = '=== kr:missing '
const WARNING = '=== kr:warning '
const PLAN = '=== kr:plan'
const DONE = '=== kr:done'
const MAX_UNEXPECTED = 5

function shorten(text: string, max = 160): string {
  const oneLine = text.replace(/[\u0000-\u001f\u007f]/g, ' ')
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine
}

export function parseProbeOutput(text: string, nodeName: string): ParsedProbeOutput {
  const files: Partial<Record<SourceName, string>> = {}
  const missing: Partial<Record<SourceName, string>> = {}
  const issues: string[] = []
  const result = (complete: boolean): ParsedProbeOutput => ({capture: {name: nodeName, files, missing}, issues, complete, started: hasProbeHeader(text)})
  try {
    return parse(typeof text === 'string' ? text : '', files, missing, issues, result)
  } catch (err) {
    issues.push(`probe output could not be parsed completely: ${err instanceof Error ? err.message : String(err)}`)
    return result(false)
  }
}

function parse(
  text: string,
  files: Partial<Record<SourceName, string>>,
  missing: Partial<Record<SourceName, string>>,
  issues: string[],
  result: (complete: boolean) => ParsedProbeOutput,
): ParsedProbeOutput {
  if (text.length === 0) {
    issues.push('the probe produced no output')
    return result(false)
  }
  let pos = 0
  const header = HEADER_LINE.exec(text)
  if (!header) {
    issues.push('no "KR-PROBE" header: this does not look like probe output')
  } else {
    const start = header.index + (text[header.index] === '\n' ? 1 : 0)
    if (start > 0) issues.push(`ignored ${start} characters before the KR-PROBE header: ${shorten(text.slice(0, start))}`)
    const version = header[1].trim()
    if (version !== PROBE_FORMAT_VERSION) issues.push(`unknown probe format version "${shorten(version)}"; read as version 1`)
    pos = header.index + header[0].length
  }

  let plan: SourceName[] = []
  let done = false
  let unexpected = 0
  const unknownSource = (name: string) => issues.push(`probe reported an unknown source "${shorten(name)}"; ignored`)

  while (pos < text.length) {
    const nl = text.indexOf('\n', pos)
    const lineEnd = nl < 0 ? text.length : nl
    const line = text.slice(pos, lineEnd)
    const next = nl < 0 ? text.length : nl + 1

    if (line.startsWith(BEGIN)) {
      const name = line.slice(BEGIN.length).trim()
      if (nl < 0) {
        // the begin line itself was cut
        if (isSourceName(name)) markTruncated(name, files, missing, issues)
        pos = text.length
        break
      }
      const marker = `\n=== kr:end ${name} rc=`
      const endAt = text.indexOf(marker, next)
      if (endAt < 0) {
        if (isSourceName(name)) markTruncated(name, files, missing, issues)
        else unknownSource(name)
        pos = text.length
        break
      }
      const content = text.slice(next, endAt)
      const endLineStart = endAt + 1
      const endNl = text.indexOf('\n', endLineStart)
      const endLine = text.slice(endLineStart, endNl < 0 ? text.length : endNl)
      const rcText = endLine.slice(marker.length - 1).trim()
      const rc = /^-?\d+$/.test(rcText) ? Number(rcText) : null
      if (!isSourceName(name)) {
        unknownSource(name)
      } else if (rc === 0) {
        files[name] = content
        delete missing[name]
      } else {
        delete files[name]
        missing[name] = rc === null ? `unreadable exit status "${shorten(rcText)}"` : `exited with rc=${rc}`
        if (rc === null) issues.push(`${name}: unreadable end marker: ${shorten(endLine)}`)
      }
      pos = endNl < 0 ? text.length : endNl + 1
      continue
    }

    if (line.startsWith(MISSING)) {
      const rest = line.slice(MISSING.length)
      const space = rest.indexOf(' ')
      const name = (space < 0 ? rest : rest.slice(0, space)).trim()
      const reason = (space < 0 ? '' : rest.slice(space + 1)).trim() || 'unavailable'
      if (isSourceName(name)) {
        delete files[name]
        missing[name] = reason
      } else {
        unknownSource(name)
      }
    } else if (line.startsWith(WARNING)) {
      issues.push(`probe warning: ${line.slice(WARNING.length).trim()}`)
    } else if (line === PLAN || line.startsWith(`${PLAN} `)) {
      plan = line
        .slice(PLAN.length)
        .trim()
        .split(/\s+/)
        .filter((n): n is SourceName => n !== '' && isSourceName(n))
    } else if (line.trim() === DONE) {
      done = true
    } else if (line.startsWith(`${PROBE_HEADER} `)) {
      // a second run appended to the first: fine, same format
    } else if (line.trim() !== '') {
      unexpected++
      if (unexpected <= MAX_UNEXPECTED) issues.push(`unexpected line in probe output: ${shorten(line)}`)
    }
    pos = next
  }

  if (unexpected > MAX_UNEXPECTED) issues.push(`… and ${unexpected - MAX_UNEXPECTED} more unexpected lines`)
  if (!done) {
    issues.push('probe output ended before "=== kr:done": the probe was cut short')
  }
  for (const name of plan) {
    if (files[name] === undefined && missing[name] === undefined) {
      missing[name] = done ? 'not reported by the probe' : TRUNCATED_REASON
    }
  }
  return result(done)
}

function markTruncated(
  name: SourceName,
  files: Partial<Record<SourceName, string>>,
  missing: Partial<Record<SourceName, string>>,
  issues: string[],
): void {
  delete files[name]
  missing[name] = TRUNCATED_REASON
  issues.push(`${name}: output was cut before its end marker (${TRUNCATED_REASON})`)
}

/**
 * Combine two captures of the same node (e.g. a passive and an active run).
 * Content beats a missing reason; when both have content (or both a reason), `b` wins.
 */
export function mergeCaptures(a: NodeCapture, b: NodeCapture): NodeCapture {
  const files: Partial<Record<SourceName, string>> = {...a.files, ...b.files}
  const missing: Partial<Record<SourceName, string>> = {}
  for (const m of [a.missing, b.missing]) {
    for (const [name, reason] of Object.entries(m) as [SourceName, string | undefined][]) {
      if (reason !== undefined && files[name] === undefined) missing[name] = reason
    }
  }
  return {name: a.name || b.name, files, missing}
}

/** Mark every listed source that has neither content nor a reason as missing with `reason`. */
export function fillMissing(capture: NodeCapture, names: readonly SourceName[], reason: string): NodeCapture {
  const missing = {...capture.missing}
  for (const name of names) {
    if (capture.files[name] === undefined && missing[name] === undefined) missing[name] = reason
  }
  return {name: capture.name, files: {...capture.files}, missing}
}
