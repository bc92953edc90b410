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
