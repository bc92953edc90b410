// Where probe.sh lives: next to this module, both in src/probe/ (tsx) and in
// dist/probe/ (the build copies it there).
import {readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

export function probeScriptPath(): string {
  return fileURLToPath(new URL('./probe.sh', import.meta.url))
}

/** The script text, e.g. for a pod's `sh -c` command. */
export async function readProbeScript(): Promise<string> {
  return readFile(probeScriptPath(), 'utf8')
}

/** The script without its comment-only and blank lines: what goes into every probe pod's spec (it is stored
 * in etcd and sent in every watch event, once per node). The script has no here-documents and no multi-line
 * strings whose lines start with "#", so this changes nothing it does. */
export function compactScript(text: string): string {
  return text
    .split('\n')
    .filter((line, i) => (i === 0 && line.startsWith('#!')) || !/^\s*(#.*)?$/.test(line))
    .join('\n')
    .concat('\n')
}
