// `kubectl kr checks`: the registry (checks/index.ts) as data, in its order, with the node-probe row the engine adds.
import {CHECKS} from '../checks/index.js'
import type {CheckCatalog, CheckInfo} from '../model/check-catalog.js'
import {NODE_PROBE_CHECK} from './analyse.js'

const NODE_PROBE: CheckInfo = {
  id: NODE_PROBE_CHECK,
  title: 'a node that could not be probed, with the reason (not selectable: added for every node that failed)',
  scope: 'node',
  needs: [],
  uses: [],
  versions: null,
  selectable: false,
}

export function checkCatalog(): CheckCatalog {
  const items: CheckInfo[] = CHECKS.map((c) => ({
    id: c.id,
    title: c.title,
    scope: c.scope,
    needs: [...c.needs],
    uses: [...(c.uses ?? [])],
    versions: c.versions ? {from: c.versions.from ?? null, before: c.versions.before ?? null, why: c.versions.why} : null,
    selectable: true,
  }))
  return {apiVersion: 'kr.kube-router.io/v1', kind: 'CheckList', items: [...items, NODE_PROBE]}
}
