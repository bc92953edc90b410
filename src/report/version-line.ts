// `kubectl kr version` without -o: one line. Shared by the version command and the launchers' fast path, which
// print it without loading the command framework (bin/run.js, packaging/bundle.ts).
export function versionLine(version: string): string {
  return `kubectl-kr ${version}\n`
}
