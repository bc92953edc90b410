// Cluster objects from the API are checked like those of a bundle (parsers/cluster.ts): what cannot be used is
// dropped, and the user hears about it in a few warning lines, not one per field of a 10,000-Service cluster.
import type {ParseIssue, RawClusterObjects, ClusterObjects} from '../model/types.js'
import {parseClusterObjects} from '../parsers/cluster.js'

const SHOWN = 3

export function issueWarnings(issues: readonly ParseIssue[]): string[] {
  const lines = issues.slice(0, SHOWN).map((i) => `ignored in the cluster objects: ${i.source}: ${i.message}`)
  if (issues.length > SHOWN) lines.push(`ignored in the cluster objects: ${issues.length - SHOWN} more problems of the same kind`)
  return lines
}

export function typedClusterObjects(raw: RawClusterObjects, origin: 'api' | 'cluster', warn: (message: string) => void): ClusterObjects {
  const parsed = parseClusterObjects(raw, origin)
  for (const line of issueWarnings(parsed.issues)) warn(line)
  return parsed.value
}
