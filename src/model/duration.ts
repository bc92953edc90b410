// Durations as kubectl takes them on the command line (--request-timeout 30s): `30s`, `2m`, `1m30s`, `1.5h`,
// `500ms`; a bare number is seconds (kubectl's --request-timeout and our --timeout / --pod-timeout alike).
// The unit arithmetic is parse-duration's; this module adds the bare-seconds rule and the error text.
import parseUnits from 'parse-duration'

const GO_DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/

/** Milliseconds, or an error naming what is wrong with the text. */
export function parseDuration(text: string): {ms: number} | {error: string} {
  const input = text.trim()
  if (input === '') return {error: 'empty duration: give e.g. 30s, 2m or a number of seconds'}
  if (/^\d+(\.\d+)?$/.test(input)) return {ms: Number(input) * 1000}
  // kubectl's (Go's) shape only: parse-duration alone would also take "2 min", "5d" or a unit-less tail ("1m30")
  const ms = GO_DURATION.test(input) ? parseUnits(input, 'ms') : null
  if (ms === null || ms === undefined || !Number.isFinite(ms)) {
    return {error: `invalid duration "${text}": use a number with a unit (e.g. 30s, 2m, 1m30s) or a number of seconds`}
  }
  return {ms}
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
