// A real terminal for a test: one tmux server of its own (its own socket, no user config) with one session running a
// command, read back with capture-pane.
import {execFileSync, spawnSync} from 'node:child_process'

export interface TmuxSession {
  /** tmux with this server's socket, e.g. send('send-keys', '-t', 'kr', 'q') */
  tmux(...args: string[]): string
  /** the screen once ok(screen) holds; throws with the screen after timeoutMs */
  screen(what: string, ok: (screen: string) => boolean, timeoutMs?: number): Promise<string>
  /** stops the server and everything in it */
  kill(): void
}

export function startTmux(socket: string, command: string, size = {x: 100, y: 30}): TmuxSession {
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'})
  tmux('new-session', '-d', '-s', 'kr', '-x', String(size.x), '-y', String(size.y), command)
  return {
    tmux,
    async screen(what, ok, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const s = tmux('capture-pane', '-p', '-t', 'kr')
        if (ok(s)) return s
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${s}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    kill: () => void spawnSync('tmux', ['-L', socket, 'kill-server']),
  }
}
