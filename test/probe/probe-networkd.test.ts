// networkd.txt from probe.sh (accuracy-audit.md §1.8): "active" only from what a running systemd-networkd leaves
// (its state file, or its unit's cgroup), never from run/systemd/netif/links, which tmpfiles creates at boot
// wherever networkd is installed; and the host's systemd version from its shared library's file name.
import assert from 'node:assert/strict'
import {mkdir, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {test} from 'node:test'
import {runLocalProbe} from '../../src/infra/local-probe.js'
import {buildHealthyNode, type NodeScenario} from '../helpers/netns.js'
import {NETNS, PROBE_TOOLS, unmet} from '../helpers/requirements.js'

const skip = unmet(NETNS, {tools: [...PROBE_TOOLS]})

async function header(s: NodeScenario): Promise<string[]> {
  const r = await runLocalProbe({nodeName: s.nodeName, wrapper: ['ip', 'netns', 'exec', s.ns], hostRoot: s.hostRoot, sections: 'passive', env: s.probeEnv})
  const text = r.capture.files['networkd.txt']
  assert.ok(text !== undefined, 'networkd.txt captured')
  return text.split('\n').slice(0, 2)
}

test('networkd installed but not running (only the tmpfiles directory run/systemd/netif/links): active no', {skip}, async () => {
  const s = await buildHealthyNode({})
  try {
    await rm(path.join(s.hostRoot, 'run'), {recursive: true, force: true})
    await mkdir(path.join(s.hostRoot, 'run/systemd/netif/links'), {recursive: true})
    assert.deepEqual(await header(s), ['# active: no', '# systemd-version: unknown'])
    await writeFile(path.join(s.hostRoot, 'run/systemd/netif/state'), 'OPER_STATE=routable\n')
    assert.equal((await header(s))[0], '# active: yes')
  } finally {
    await s.cleanup()
  }
})

test('the systemd version from libsystemd-shared-<version>*.so under usr/lib/systemd, usr/lib64/systemd or usr/lib/<triplet>/systemd', {skip}, async () => {
  const s = await buildHealthyNode({})
  try {
    const cases: [string, string][] = [
      ['usr/lib/systemd/libsystemd-shared-245.so', '245'],
      ['usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-255.4-1ubuntu8.so', '255'],
      ['usr/lib64/systemd/libsystemd-shared-254.10-1.fc39.so', '254'],
    ]
    for (const [rel, version] of cases) {
      await mkdir(path.dirname(path.join(s.hostRoot, rel)), {recursive: true})
      await writeFile(path.join(s.hostRoot, rel), '')
      assert.equal((await header(s))[1], `# systemd-version: ${version}`, rel)
      await rm(path.join(s.hostRoot, 'usr'), {recursive: true, force: true})
    }
    await mkdir(path.join(s.hostRoot, 'usr/lib/systemd'), {recursive: true})
    await writeFile(path.join(s.hostRoot, 'usr/lib/systemd/libsystemd-shared-.so'), '')
    assert.equal((await header(s))[1], '# systemd-version: unknown', 'no digits: unknown')
  } finally {
    await s.cleanup()
  }
})
