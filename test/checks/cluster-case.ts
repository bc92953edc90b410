// Shared helper of the cluster-level check tests: a case is a bundle under test/fixtures/cluster-checks/<case>/
// (written by write.mjs there), read with readBundle and analysed with one check, as `doctor --from-bundle` does.
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'
import {join} from 'node:path'
import {readBundle} from '../../src/infra/bundle.js'
import {analyse} from '../../src/services/analyse.js'
import {selectChecks} from '../../src/checks/index.js'
import type {DoctorReport} from '../../src/model/report.js'

export const CLUSTER_CASES_DIR = fileURLToPath(new URL('../fixtures/cluster-checks/', import.meta.url))

export async function clusterCase(name: string, id: string): Promise<DoctorReport> {
  const snapshot = await readBundle(join(CLUSTER_CASES_DIR, name))
  const {report, sourceWarnings} = analyse(snapshot, selectChecks([id], []), new Date('2026-11-01T10:00:00Z'))
  assert.deepEqual(sourceWarnings, [], `${name}: every node file parses`)
  return report
}
