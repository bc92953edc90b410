import {test} from 'node:test'
import assert from 'node:assert/strict'
import {parseKlog} from '../../src/parsers/kube-router-log.js'
import {fixture} from './fixture.js'

test('klog: kube-router log with the FM1 route noise', () => {
  const r = parseKlog(fixture('kube-router-log/dsr-route-noise-v2.2.2.log'))
  assert.equal(r.fatal, false)
  assert.deepEqual(r.issues, [])
  assert.equal(r.value.length, 12)
  const err = r.value.find((l) => l.file === 'linux_networking.go:534')!
  assert.equal(err.severity, 'E')
  assert.equal(err.message, "Failed to add route for 199.27.151.9 in custom route table for external IP's due to: exit status 1")
  assert.equal(err.text, "E0429 06:07:50.238512 1165426 linux_networking.go:534] Failed to add route for 199.27.151.9 in custom route table for external IP's due to: exit status 1")
  assert.deepEqual(r.value.map((l) => l.severity), ['I', 'I', 'I', 'W', 'W', 'I', 'E', 'E', null, null, 'W', 'F'])
  const cont = r.value[8]
  assert.deepEqual(cont, {severity: null, file: null, message: 'goroutine 1 [running]:', text: 'goroutine 1 [running]:'})
  // kubectl logs --timestamps prefix and a right-aligned thread id
  const ts = r.value[10]
  assert.deepEqual([ts.severity, ts.file, ts.message], ['W', 'health_controller.go:171', 'Heartbeat missed for NSC'])
  assert.equal(r.value[11].file, 'network_services_controller.go:338')
})

test('klog: near misses stay plain lines', () => {
  const lines = ['E0429 06:07:50.238512 1165426 no-bracket message', 'X0429 06:07:50.238512 1 a.go:1] msg', 'E042 06:07:50 1 a.go:1] msg', 'I0101 00:00:00.000000 1 a.go:1]', 'E0429 06:07:50.238512 1 file with space.go:1] m']
  const r = parseKlog(lines.join('\n'))
  assert.deepEqual(r.value.map((l) => l.severity), [null, null, null, 'I', null])
  assert.equal(r.value[3].message, '')
  assert.equal(r.value[3].file, 'a.go:1')
})

test('klog inside CRI log file lines (the kubelet\'s /var/log/pods format)', () => {
  const text = [
    "2026-11-20T06:07:50.238512345Z stderr F E1120 06:07:50.238512       1 linux_networking.go:534] Failed to add route for 199.27.151.9 in custom route table for external IP's due to: exit status 1",
    '2026-11-20T06:07:51.000000000Z stdout F I1120 06:07:51.000000       1 network_services_controller.go:338] Syncing ipvs services',
    '2026-11-20T06:07:52.000000000Z stderr P a partial line',
  ].join('\n')
  const r = parseKlog(text)
  assert.deepEqual(r.value.map((l) => [l.severity, l.file]), [['E', 'linux_networking.go:534'], ['I', 'network_services_controller.go:338'], [null, null]])
  assert.match(r.value[0].message, /^Failed to add route for 199\.27\.151\.9 in custom route table/)
})
