// Reads a fixture under test/fixtures/ (paths relative to that directory).
import {readFileSync} from 'node:fs'

export function fixture(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')
}

/** `ip route` / `ip rule` text output as one line per entry (multipath continuation lines joined, trailing blanks cut). */
export function iprouteTextLines(text: string): string[] {
  return text
    .replace(/ ?\n\t/g, ' ')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.trimEnd().replace(/^(\d+):\t/, '$1: '))
}
