// CI on a fresh machine: .ci/run installs every command the tests ask for, and under CI=true a missing one
// fails the run by name instead of skipping.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'
import {ALL_TOOLS, inCI} from './helpers/requirements.js'

const REPO = fileURLToPath(new URL('../', import.meta.url))
const ciRun = readFileSync(`${REPO}.ci/run`, 'utf8')

/** The TOOLS table of .ci/run: command → Debian package. */
function ciToolTable(): Map<string, string> {
  const m = /^TOOLS='\n([\s\S]*?)^'$/m.exec(ciRun)
  assert.ok(m, ".ci/run has a TOOLS='…' table")
  const rows = m[1].split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s+/))
  for (const row of rows) assert.equal(row.length, 2, `"${row.join(' ')}": a command and its package`)
  return new Map(rows.map(([tool, pkg]) => [tool, pkg]))
}

test('.ci/run installs every command a test declares it needs', () => {
  const table = ciToolTable()
  assert.deepEqual(ALL_TOOLS.filter((t) => !table.has(t)), [])
})

test('.ci/run ends with the README\'s test command, after npm ci and the lab build', () => {
  const commands = ciRun.trim().split('\n').filter((l) => l.trim() && !l.startsWith('#'))
  assert.deepEqual(commands.slice(-3), ['npm ci --no-audit --no-fund', 'npm run lab:build', 'npm test'])
  assert.match(readFileSync(`${REPO}README.md`, 'utf8'), /^npm test\b/m)
})

test('npm test runs the lab files too', () => {
  const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8'))
  assert.match(pkg.scripts.test, /'test\/lab\/\*\*\/\*\.e2e-lab\.ts'/)
})

function runFixture(env: Record<string, string | undefined>) {
  // NODE_TEST_CONTEXT would make the child report to this runner instead of running on its own
  const childEnv: Record<string, string | undefined> = {...process.env, NODE_TEST_CONTEXT: undefined, ...env}
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k]
  return spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', 'test/helpers/needs-fixture.ts'], {
    cwd: REPO,
    env: childEnv,
    encoding: 'utf8',
    timeout: 60_000,
  })
}

test('outside CI a test whose command is missing is skipped, with the reason', () => {
  const r = runFixture({CI: undefined})
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /# SKIP skipped: needs the command kr-no-such-tool/)
  assert.match(r.stdout, /^# skipped 1$/m)
})

test('under CI=true nothing is skipped: the run fails, naming the missing command', () => {
  const r = runFixture({CI: 'true'})
  assert.equal(r.status, 1, r.stdout + r.stderr)
  assert.match(r.stdout, /CI=true, and this machine lacks the command kr-no-such-tool: \.ci\/run must install it/)
  assert.match(r.stdout, /^# skipped 0$/m)
  assert.match(r.stdout, /^# fail 2$/m, 'the requirement test and the test itself')
})

test('CI means CI set to anything but empty, 0 or false', () => {
  assert.equal(inCI({CI: 'true'}), true)
  assert.equal(inCI({CI: '1'}), true)
  assert.equal(inCI({}), false)
  assert.equal(inCI({CI: ''}), false)
  assert.equal(inCI({CI: 'false'}), false)
  assert.equal(inCI({CI: '0'}), false)
})
