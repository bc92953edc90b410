// kube-router.log: klog text lines
//   E0429 06:07:50.238512 1165426 linux_networking.go:534] Failed to add route ...
// (optionally prefixed by the RFC 3339 timestamp of `kubectl logs --timestamps`). Other lines
// (multi-line continuations, logrus output, the version banner) are kept with severity null.
import type {LogLine, Parsed} from '../model/types.js'
import {asText, guard, isBlank, splitLines} from './common.js'

const SOURCE = 'kube-router.log'

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

/** Index just after an RFC 3339 timestamp + space at the start of the line ("2024-04-29T06:07:50.2Z "), and after
 * the CRI log file's stream and tag ("stderr F ", as the kubelet writes /var/log/pods), else 0. */
function skipTimestamp(line: string): number {
  if (line.length < 21 || !isDigit(line.charCodeAt(0)) || line.charCodeAt(4) !== 45 /* - */ || line.charCodeAt(10) !== 84 /* T */) return 0
  const sp = line.indexOf(' ')
  if (sp <= 0 || sp >= 40) return 0
  const cri = /^(?:stdout|stderr) [FP] /.exec(line.slice(sp + 1, sp + 10))
  return cri ? sp + 1 + cri[0].length : sp + 1
}

/** A klog header at `at`; returns the parsed line or null when it is not klog. */
function parseKlogAt(line: string, at: number): LogLine | null {
  const sev = line[at]
  if (sev !== 'I' && sev !== 'W' && sev !== 'E' && sev !== 'F') return null
  // Lmmdd hh:mm:ss.uuuuuu
  let i = at + 1
  for (let k = 0; k < 4; k++, i++) if (!isDigit(line.charCodeAt(i))) return null
  if (line.charCodeAt(i) !== 32) return null
  i++
  if (!(isDigit(line.charCodeAt(i)) && isDigit(line.charCodeAt(i + 1)) && line[i + 2] === ':' && isDigit(line.charCodeAt(i + 3)) && isDigit(line.charCodeAt(i + 4)) && line[i + 5] === ':' && isDigit(line.charCodeAt(i + 6)) && isDigit(line.charCodeAt(i + 7)))) return null
  i += 8
  if (line[i] === '.') {
    i++
    while (i < line.length && isDigit(line.charCodeAt(i))) i++
  }
  // thread id, right-aligned with spaces
  while (line.charCodeAt(i) === 32) i++
  const tid = i
  while (i < line.length && isDigit(line.charCodeAt(i))) i++
  if (i === tid || line.charCodeAt(i) !== 32) return null
  i++
  const close = line.indexOf('] ', i)
  const closeEnd = close < 0 && line.endsWith(']') ? line.length - 1 : close
  if (closeEnd < 0) return null
  const file = line.slice(i, closeEnd)
  if (file === '' || file.indexOf(' ') >= 0) return null
  return {severity: sev, file, message: line.slice(Math.min(closeEnd + 2, line.length)), text: line}
}

export function parseKlog(text: string): Parsed<LogLine[]> {
  return guard(SOURCE, () => [], () => {
    const input = asText(text)
    // empty output is a valid, empty state (no sets / no tables / no lines)
    if (isBlank(input)) return {value: [] as LogLine[], issues: [], fatal: false}
    const out: LogLine[] = []
    const lines = splitLines(input)
    for (const line of lines) {
      if (isBlank(line)) continue
      const parsed = parseKlogAt(line, skipTimestamp(line))
      out.push(parsed ?? {severity: null, file: null, message: line, text: line})
    }
    return {value: out, issues: [], fatal: false}
  })
}
