// Durations as kubectl takes them on the command line (--request-timeout 30s): Go's time.ParseDuration syntax
// (`30s`, `2m`, `1m30s`, `1.5h`, `500ms`), and a bare number is seconds. Pure; `ms` (a dependency of a dependency)
// knows neither compound durations nor bare seconds, so this is its own small parser.

const UNIT_MS: Record<string, number> = {ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/** Milliseconds, or an error naming what is wrong with the text. */
export function parseDuration(text: string): {ms: number} | {error: string} {
  const input = text.trim()
  if (input === '') return {error: 'empty duration: give e.g. 30s, 2m or a number of seconds'}
  if (/^\d+(\.\d+)?$/.test(input)) return {ms: Number(input) * 1000}
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y
  let total = 0
  let at = 0
  while (at < input.length) {
    part.lastIndex = at
    const m = part.exec(input)
    if (!m) return {error: `invalid duration "${text}": use a number with a unit (e.g. 30s, 2m, 1m30s) or a number of seconds`}
    total += Number(m[1]) * UNIT_MS[m[2]]
    at = part.lastIndex
  }
  return {ms: total}
}

/** 2000 -> "2s", 90000 -> "1m30s", 1500 -> "1.5s": how a duration reads in a message. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const totalSeconds = ms / 1000
  const minutes = Math.floor(totalSeconds / 60)
  const seconds = Math.round((totalSeconds - minutes * 60) * 1000) / 1000
  if (minutes === 0) return `${seconds}s`
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`
}
