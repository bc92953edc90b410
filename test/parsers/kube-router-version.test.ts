import {test} from 'node:test'
import assert from 'node:assert/strict'
import {compareVersions, parseKubeRouterVersionOutput, parseVersionText, versionFromImage} from '../../src/parsers/kube-router-version.js'
import {fixture} from './fixture.js'

const v = (s: string) => {
  const r = parseVersionText(s)
  assert.ok(r, s)
  return r
}

test('version text', () => {
  assert.deepEqual(parseVersionText('v2.1.2'), {major: 2, minor: 1, patch: 2, suffix: '', text: 'v2.1.2'})
  assert.deepEqual(parseVersionText('2.1.2'), {major: 2, minor: 1, patch: 2, suffix: '', text: 'v2.1.2'})
  assert.deepEqual(parseVersionText('v2.2.2-dirty'), {major: 2, minor: 2, patch: 2, suffix: '-dirty', text: 'v2.2.2-dirty'})
  assert.equal(parseVersionText('v2.6.0-rc1')!.suffix, '-rc1')
  for (const bad of ['', 'v', 'v2', 'v2.1', 'latest', 'PR-123', 'v2.1.x', 'v2.1.2 extra', 'v2.1.2-', 'v2.1.2_x', 'x2.1.2']) assert.equal(parseVersionText(bad), null, bad)
})

test('compareVersions: pre-releases before the release, -dirty equals it, git describe after it', () => {
  const order = ['v2.0.9', 'v2.1.0-alpha', 'v2.1.0-rc1', 'v2.1.0-rc2', 'v2.1.0-rc10', 'v2.1.0', 'v2.1.0-3-gabc1234', 'v2.1.0-12-gabc1234-dirty', 'v2.1.1', 'v2.10.0']
  for (let i = 0; i < order.length - 1; i++) {
    assert.ok(compareVersions(v(order[i]), v(order[i + 1])) < 0, `${order[i]} < ${order[i + 1]}`)
    assert.ok(compareVersions(v(order[i + 1]), v(order[i])) > 0, `${order[i + 1]} > ${order[i]}`)
  }
  assert.equal(compareVersions(v('v2.2.2-dirty'), v('v2.2.2')), 0)
  assert.equal(compareVersions(v('v2.4.1+build.5'), v('v2.4.1')), 0)
  assert.equal(compareVersions(v('v2.4.1-iptables1.8.9-0'), v('v2.4.1')), 0)
  assert.ok(compareVersions(v('v2.2.2-dirty'), v('v2.2.0')) > 0)
})

test('versionFromImage', () => {
  assert.equal(versionFromImage('docker.io/cloudnativelabs/kube-router:v2.1.2')!.text, 'v2.1.2')
  assert.equal(versionFromImage('reg:5000/x/kube-router:v2.4.1')!.text, 'v2.4.1')
  assert.equal(versionFromImage('cloudnativelabs/kube-router:v2.4.1@sha256:0123abcd')!.text, 'v2.4.1')
  assert.equal(versionFromImage('quay.io/k0sproject/kube-router:v2.4.1-iptables1.8.9-0')!.suffix, '-iptables1.8.9-0')
  for (const img of ['docker.io/cloudnativelabs/kube-router', 'cloudnativelabs/kube-router:latest', 'cloudnativelabs/kube-router@sha256:0123abcd', 'cloudnativelabs/kube-router-git:PR-123', 'reg:5000/x/kube-router', '']) {
    assert.equal(versionFromImage(img), null, img)
  }
})

test('kube-router --version output', () => {
  const plain = parseKubeRouterVersionOutput(fixture('kube-router-version/v2.1.0-stderr.txt'))
  assert.equal(plain.fatal, false)
  assert.equal(plain.value.version!.text, 'v2.1.0')
  assert.equal(plain.value.line, 'Running /usr/local/bin/kube-router version v2.1.0, built on 2024-03-02T21:50:00+0000, go1.21.7')

  const noisy = parseKubeRouterVersionOutput(fixture('kube-router-version/dirty-build-log-prefixed.txt'))
  assert.equal(noisy.value.version!.text, 'v2.2.2-dirty')
  assert.ok(noisy.value.line!.startsWith('I0429 06:01:12.018235 1165426 version.go:66] Running'))

  assert.equal(parseKubeRouterVersionOutput('v2.6.1\n').value.version!.text, 'v2.6.1')

  const missing = parseKubeRouterVersionOutput(fixture('kube-router-version/exec-not-found.txt'))
  assert.equal(missing.fatal, true)
  assert.deepEqual(missing.value, {version: null, line: null})
  assert.equal(missing.issues[0].raw, fixture('kube-router-version/exec-not-found.txt'))
})
