// Shared helper of the expected/ tests: one node of a check case (test/fixtures/checks/<case>/) as the checks see
// it: parsed node state, derived facts, cluster objects and kube-router flags (as services/analyse.ts builds them).
import {join} from 'node:path'
import {CASES_DIR} from '../checks/run-case.js'
import {readBundle} from '../../src/infra/bundle.js'
import {parseNodeCapture} from '../../src/parsers/node-capture.js'
import {deriveNodeFacts} from '../../src/expected/node-facts.js'
import {kubeRouterDeployment, parseKubeRouterArgs} from '../../src/model/kube-router-config.js'
import type {NodeCheckContext} from '../../src/checks/define.js'

export async function loadCaseNode(name: string, node = 'node-a'): Promise<NodeCheckContext> {
  const snapshot = await readBundle(join(CASES_DIR, name))
  const capture = snapshot.nodes.find((n) => n.name === node)
  if (!capture) throw new Error(`case ${name} has no node ${node}`)
  const deployment = kubeRouterDeployment(snapshot.cluster?.kubeRouter ?? null)
  const config = snapshot.cluster?.kubeRouter ? parseKubeRouterArgs(deployment.args) : null
  const state = parseNodeCapture(capture)
  return {node: state, facts: deriveNodeFacts(state, snapshot.cluster, config, deployment.image), cluster: snapshot.cluster, config}
}
