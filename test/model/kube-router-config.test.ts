import {test} from 'node:test'
import assert from 'node:assert/strict'
import {kubeRouterDeployment, parseKubeRouterArgs} from '../../src/model/kube-router-config.js'

test('defaults match kube-router v2.11.1 options', () => {
  const c = parseKubeRouterArgs([])
  assert.equal(c.enableIpv4, true)
  assert.equal(c.enableIpv6, false)
  assert.equal(c.enableOverlay, true)
  assert.equal(c.ipvsPermitAll, true)
  assert.deepEqual(c.serviceClusterIpRanges, ['10.96.0.0/12'])
})

test('pflag forms: --f=v, --f v, bare booleans, comma lists and repetition', () => {
  const c = parseKubeRouterArgs([
    '--run-router=true', '--enable-ipv6', '--enable-overlay=false', '--ipvs-permit-all=false',
    '--service-cluster-ip-range', '10.96.0.0/16,fd00:10:96::/112', '--loadbalancer-ip-range=198.51.100.0/24',
    '--loadbalancer-ip-range=2001:db8:100::/64', '--overlay-type', 'full', '--runtime-endpoint=unix:///run/containerd/containerd.sock',
  ])
  assert.equal(c.enableIpv6, true)
  assert.equal(c.enableOverlay, false)
  assert.equal(c.ipvsPermitAll, false)
  assert.deepEqual(c.serviceClusterIpRanges, ['10.96.0.0/16', 'fd00:10:96::/112'])
  assert.deepEqual(c.loadBalancerIpRanges, ['198.51.100.0/24', '2001:db8:100::/64'])
  assert.equal(c.overlayType, 'full')
  assert.equal(c.runtimeEndpoint, 'unix:///run/containerd/containerd.sock')
  assert.ok(c.explicit.has('enable-ipv6'))
})

test('the kube-router container is found by name, then by image; command flags count', () => {
  const d = kubeRouterDeployment({
    metadata: {name: 'kube-router', namespace: 'kube-system'},
    spec: {template: {spec: {containers: [
      {name: 'sidecar', image: 'busybox'},
      {name: 'kr', image: 'docker.io/cloudnativelabs/kube-router:v2.1.2', command: ['/usr/local/bin/kube-router', '--run-router=true'], args: ['--enable-ipv6=true']},
    ]}}},
  })
  assert.equal(d.image, 'docker.io/cloudnativelabs/kube-router:v2.1.2')
  assert.deepEqual(d.args, ['--run-router=true', '--enable-ipv6=true'])
  assert.equal(d.namespace, 'kube-system')
})
