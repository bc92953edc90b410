// expected/dsr-programming: the DSR programming kube-router should have put on a node, per Service and tuple,
// from the check cases' real cluster objects (test/fixtures/checks/).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {loadCaseNode} from './load-case.js'
import {dsrMssOverhead, expectedDsrProgramming, expectedDsrTuples, type ExpectedDsrTuple} from '../../src/expected/dsr-programming.js'
import {parseKubeRouterArgs} from '../../src/model/kube-router-config.js'
import {sourceValue} from '../../src/model/node-state.js'
import {parseVersionText} from '../../src/parsers/kube-router-version.js'

function programmed(t: ExpectedDsrTuple | undefined): Extract<ExpectedDsrTuple, {disposition: 'programmed'}> {
  assert.ok(t, 'tuple exists')
  assert.equal(t.disposition, 'programmed')
  return t as Extract<ExpectedDsrTuple, {disposition: 'programmed'}>
}

test('dsr-fwm-tunnel-programmed: web/frontend, one tuple per external and LB IP, with fwmark, mh and Tunnel destinations', async () => {
  const {cluster, config, facts} = await loadCaseNode('dsr-fwm-tunnel-programmed')
  const services = expectedDsrProgramming(cluster!, config, facts.version, facts, 1500)
  assert.deepEqual(services.map((s) => [s.service, s.scheduler, s.externalTrafficPolicyLocal, s.readyEndpointNodes]), [
    ['web/frontend', 'mh', false, ['node-a', 'node-b']],
  ])
  const [external, lb] = services[0].tuples
  assert.deepEqual(
    [external, lb].map((t) => [t.ip, t.family, t.protocol, t.port, t.fwmark, t.disposition, t.remapsPort]),
    [['199.27.151.9', 4, 'tcp', 8080, 14146, 'programmed', false], ['203.0.113.7', 4, 'tcp', 8080, 4949, 'programmed', false]],
  )
  assert.deepEqual(programmed(external).director, {
    mark: {table: 'mangle', chains: ['PREROUTING', 'OUTPUT'], fwmark: 14146},
    rule: {priority: 32764, fwmark: 14146, table: 78},
    localRoute: {table: 78, type: 'local', dst: 'default', dev: 'lo'},
    ipvs: {
      fwmark: 14146, scheduler: 'mh', forward: 'Tunnel',
      destinations: [{address: '10.244.1.9', port: 8080, nodeName: 'node-a'}, {address: '10.244.2.4', port: 8080, nodeName: 'node-b'}],
    },
    // MTU 1500 of eth0 - 60 (setupMangleTableRule@v2.11.1)
    tcpmss: {table: 'mangle', chain: 'PREROUTING', inInterface: 'kube-bridge', overhead: 60, mss: 1440},
  })
})

test('TCPMSS overhead: IPv4 60; IPv6 100 from v2.7.0, 60 before (the dsr-ipv6-mss-value bug)', () => {
  assert.equal(dsrMssOverhead(4, parseVersionText('v2.11.1')), 60)
  assert.equal(dsrMssOverhead(6, parseVersionText('v2.7.0')), 100)
  assert.equal(dsrMssOverhead(6, parseVersionText('v2.6.2')), 60)
})

test('the expected FWM services and destinations are what the recorded ipvsadm of the healthy case shows', async () => {
  const {node, cluster, config, facts} = await loadCaseNode('dsr-fwm-tunnel-programmed')
  const ipvs = sourceValue(node, 'ipvsadm.txt')!
  for (const t of expectedDsrTuples(expectedDsrProgramming(cluster!, config, facts.version, facts))) {
    const {ipvs: want} = programmed(t).director
    const svc = ipvs.services.find((s) => s.protocol === 'FWM' && s.fwmark === want.fwmark)
    assert.ok(svc, `FWM ${want.fwmark} in ipvsadm`)
    assert.equal(svc.scheduler, want.scheduler)
    assert.deepEqual(
      svc.destinations.map((d) => [d.address, d.port, d.forward]),
      want.destinations.map((d) => [d.address, d.port, want.forward]),
    )
  }
})

test('externalTrafficPolicy: Local: not on a node without a ready endpoint; on the endpoint\'s node, only local destinations', async () => {
  const {cluster, config, facts} = await loadCaseNode('dsr-etp-local-no-local-endpoint')
  const onA = expectedDsrProgramming(cluster!, config, facts.version, facts).find((s) => s.service === 'web/edge')!
  assert.equal(onA.externalTrafficPolicyLocal, true)
  assert.deepEqual(onA.tuples.map((t) => [t.ip, t.port, t.disposition, t.director]), [['198.51.100.20', 443, 'not-on-node', null]])

  const onB = expectedDsrProgramming(cluster!, config, facts.version, {name: 'node-b'}).find((s) => s.service === 'web/edge')!
  assert.deepEqual(programmed(onB.tuples[0]).director.ipvs.destinations, [{address: '10.244.2.15', port: 443, nodeName: 'node-b'}])
  // the Cluster-policy Service forwards to every ready endpoint
  const frontend = expectedDsrProgramming(cluster!, config, facts.version, {name: 'node-b'}).find((s) => s.service === 'web/frontend')!
  assert.equal(programmed(frontend.tuples[0]).director.ipvs.destinations.length, 2)
})

test('a headless Service is not proxied by kube-router: no expectation, DSR annotation and externalIPs notwithstanding', async () => {
  const {cluster, config, facts} = await loadCaseNode('dsr-headless-service-skipped')
  assert.deepEqual(expectedDsrProgramming(cluster!, config, facts.version, facts).map((s) => s.service), ['web/frontend'])
})

test('strict external-IP validation (v2.8.0+) rejects IPs outside the configured ranges; not before v2.8.0', async () => {
  const {cluster} = await loadCaseNode('dsr-fwm-tunnel-programmed')
  const noRanges = parseKubeRouterArgs(['--run-service-proxy=true'])
  const dispositions = (version: string) =>
    expectedDsrTuples(expectedDsrProgramming(cluster!, noRanges, parseVersionText(version), {name: 'node-a'})).map((t) => [t.ip, t.disposition, t.director])
  assert.deepEqual(dispositions('v2.8.0'), [['199.27.151.9', 'rejected', null], ['203.0.113.7', 'rejected', null]])
  assert.deepEqual(dispositions('v2.7.0').map(([ip, d]) => [ip, d]), [['199.27.151.9', 'programmed'], ['203.0.113.7', 'programmed']])
})

test('port remapped to another targetPort is flagged on the tuple (DSR cannot translate ports)', async () => {
  const {cluster, config, facts} = await loadCaseNode('dsr-fwm-tunnel-programmed')
  const remapped = structuredClone(cluster!)
  const svc = remapped.services.find((s) => s.metadata.name === 'frontend')!
  svc.spec!.ports![0].targetPort = 'http-alt'
  const tuples = expectedDsrTuples(expectedDsrProgramming(remapped, config, facts.version, facts))
  assert.deepEqual(tuples.map((t) => [t.targetPort, t.remapsPort]), [['http-alt', true], ['http-alt', true]])
})
