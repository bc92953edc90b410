// Styled lines of the interactive UI, their truncation and wrapping. Pure; no Ink. Terminal-safe text, display
// width and plain truncation come from report/text.ts (tabs expanded: a screen is a grid of cells).
import {displayWidth, safe, truncate} from '../report/text.js'
import type {Tone} from './marks.js'

/** A run of text with one style. */
export interface Seg {
  text: string
  tone?: Tone
  bold?: boolean
  dim?: boolean
  inverse?: boolean
}

/** One screen line. */
export type Line = Seg[]

export const seg = (text: string, style: Omit<Seg, 'text'> = {}): Seg => ({text, ...style})

export function lineText(line: Line): string {
  return line.map((s) => s.text).join('')
}

/** Cut a styled line to `width` columns. */
export function truncateLine(line: Line, width: number, ellipsis = '…'): Line {
  const total = line.reduce((n, s) => n + displayWidth(s.text), 0)
  if (total <= width) return line
  const out: Line = []
  let left = Math.max(0, width - displayWidth(ellipsis))
  for (const s of line) {
    if (left <= 0) break
    const text = truncate(s.text, left, '')
    out.push({...s, text})
    left -= Math.min(left, displayWidth(s.text))
  }
  out.push({text: ellipsis, ...(out.length > 0 ? {tone: out[out.length - 1].tone, inverse: out[out.length - 1].inverse} : {})})
  return out
}

/** Pad a styled line with spaces (in the style of `fill`) to `width` columns. */
export function padLine(line: Line, width: number, fill: Omit<Seg, 'text'> = {}): Line {
  const total = line.reduce((n, s) => n + displayWidth(s.text), 0)
  return total >= width ? line : [...line, {text: ' '.repeat(width - total), ...fill}]
}

/** Split a verbatim line into pieces of at most `width` columns; nothing else changes. */
export function hardWrap(text: string, width: number): string[] {
  const w = Math.max(1, width)
  if (text.length <= w) return [text]
  const out: string[] = []
  for (let i = 0; i < text.length; i += w) out.push(text.slice(i, i + w))
  return out
}

/** Word-wrap prose to `width`; words longer than a line are split. Blank lines separate paragraphs. */
export function wrapProse(text: string, width: number): string[] {
  const w = Math.max(1, width)
  const out: string[] = []
  for (const raw of text.split('\n')) {
    const paragraph = safe(raw.endsWith('\r') ? raw.slice(0, -1) : raw, 'expand').trimEnd()
    if (paragraph === '') {
      out.push('')
      continue
    }
    let line = ''
    for (const word of paragraph.split(/ +/)) {
      if (word === '') continue
      const pieces = hardWrap(word, w)
      for (const piece of pieces) {
        if (line === '') line = piece
        else if (line.length + 1 + piece.length <= w) line += ` ${piece}`
        else {
          out.push(line)
          line = piece
        }
      }
    }
    if (line !== '') out.push(line)
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop()
  return out
}

/**
 * A verbatim line (evidence, a command) folded to `width`: breaks after a space when one is near the end,
 * otherwise mid-word (only the space at a fold is dropped); continuation pieces are meant to be indented 2 more.
 */
export function wrapVerbatim(text: string, width: number): string[] {
  const first = Math.max(8, width)
  const rest = Math.max(8, width - 2)
  const out: string[] = []
  let left = text
  while (left.length > (out.length === 0 ? first : rest)) {
    const w = out.length === 0 ? first : rest
    let cut = left.lastIndexOf(' ', w)
    if (cut < w / 2) cut = w
    else cut += 1
    out.push(left.slice(0, cut).trimEnd())
    left = left.slice(cut)
  }
  out.push(left)
  return out
}
