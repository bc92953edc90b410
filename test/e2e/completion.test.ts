// Issue 14 item 3: `kubectl kr <TAB>` through kubectl's own plugin completion (`kubectl __complete kr …`, which is
// what kubectl's shell scripts call, and which runs kubectl_complete-kr from PATH), and the bash script of
// `kubectl kr completion bash` for `kubectl-kr <TAB>`. Names come from the test API server; an API server that
// never answers costs a short wait and no message.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {after, test} from 'node:test'
import {startBlackHole} from '../harness/black-hole.js'
import {kr, REPO} from '../cli/kr.js'
import {replayClusters, replayNode} from './replay.js'

const replay = replayClusters('completion')
after(() => replay.closeAll())

const PATH = [join(REPO, 'bin'), dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':')

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{code: number | null; stdout: string; stderr: string; ms: number}> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env: {...process.env, ...env, PATH}, cwd: REPO})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout, stderr, ms: Date.now() - started}))
  })
}

/** What kubectl offers for `kubectl kr WORDS…<TAB>`: the candidates (without descriptions) and the directive. */
async function kubectlComplete(words: string[], env: Record<string, string> = {}): Promise<{items: string[]; directive: number}> {
  const r = await run('kubectl', ['__complete', 'kr', ...words], env)
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  const directive = Number(lines.pop()!.slice(1))
  return {items: lines.map((l) => l.split('\t')[0]), directive}
}

const noCluster = {KUBECONFIG: '/nonexistent/kubeconfig'}

test('kubectl kr <TAB>: commands, subcommands, flags and flag values, check ids as a comma list', async () => {
  assert.deepEqual((await kubectlComplete([''], noCluster)).items, ['checks', 'cleanup', 'completion', 'doctor', 'dsr', 'help', 'version'])
  assert.deepEqual((await kubectlComplete(['d'], noCluster)).items, ['doctor', 'dsr'])
  assert.ok((await kubectlComplete(['dsr', ''], noCluster)).items.includes('status'))
  const flags = await kubectlComplete(['doctor', '--ch'], noCluster)
  assert.deepEqual(flags.items, ['--check'])
  assert.equal(flags.directive, 4, 'no file names')
  assert.ok((await kubectlComplete(['doctor', '--'], noCluster)).items.includes('--request-timeout'))
  assert.deepEqual((await kubectlComplete(['doctor', '-o', ''], noCluster)).items, ['tui', 'text', 'json', 'yaml', 'junit', 'markdown'])
  assert.deepEqual((await kubectlComplete(['doctor', '--fail-on=w'], noCluster)).items, ['--fail-on=warning'])
  const ids = await kubectlComplete(['doctor', '--check', ''], noCluster)
  assert.ok(ids.items.includes('ipv6-vip-routes') && ids.items.includes('local-ips-ipset') && !ids.items.includes('node-probe'), ids.items.join())
  assert.equal(ids.directive, 4 | 2, 'no space after an id: another may follow the comma')
  assert.deepEqual((await kubectlComplete(['doctor', '--skip', 'ipv6-vip-routes,local-'], noCluster)).items, ['ipv6-vip-routes,local-ips-ipset'])
  assert.equal((await kubectlComplete(['doctor', '--from-bundle', ''], noCluster)).directive, 0, 'a path: the shell completes file names')
  assert.deepEqual((await kubectlComplete(['completion', ''], noCluster)).items, ['bash', 'zsh', 'fish'])
  assert.deepEqual((await kubectlComplete(['help', 'ch'], noCluster)).items, ['checks'])
  // the release archives' completer, with no kubectl-kr beside it, runs `kubectl-kr __complete` from PATH: this checkout's
  const viaArchiveCompleter = await run(join(REPO, 'packaging/kubectl_complete-kr'), ['doctor', '--ch'], noCluster)
  assert.deepEqual([viaArchiveCompleter.code, viaArchiveCompleter.stderr], [0, ''])
  assert.equal(viaArchiveCompleter.stdout, (await run(join(REPO, 'bin/kubectl_complete-kr'), ['doctor', '--ch'], noCluster)).stdout)
  assert.match(viaArchiveCompleter.stdout, /^--check\t.*\n:4\n$/)
})

test('node names for --node, Service names for dsr status, namespaces for -n, contexts for --context: from the cluster', async () => {
  const {kubeconfig} = await replay.start({nodes: [replayNode('node-b'), replayNode('node-c')]})
  const env = {KUBECONFIG: kubeconfig}
  assert.deepEqual((await kubectlComplete(['doctor', '--node', ''], env)).items, ['node-b', 'node-c'])
  assert.deepEqual((await kubectlComplete(['doctor', '--node', 'node-b,'], env)).items, ['node-b,node-c'])
  assert.deepEqual((await kubectlComplete(['dsr', 'status', ''], env)).items, ['kubernetes', 'web'], 'the context namespace (default)')
  assert.deepEqual((await kubectlComplete(['dsr', 'status', '-n', 'media', ''], env)).items, ['stream'])
  assert.ok((await kubectlComplete(['dsr', 'status', '-A', 'me'], env)).items.includes('media/stream'))
  assert.ok((await kubectlComplete(['doctor', '-n', 'kube-'], env)).items.includes('kube-system'))
  assert.deepEqual((await kubectlComplete(['doctor', '--context', ''], env)).items, ['harness'])
  // --kubeconfig on the line wins over KUBECONFIG
  assert.deepEqual((await kubectlComplete(['doctor', '--kubeconfig', kubeconfig, '--node', 'node-c'], noCluster)).items, ['node-c'])
})

test('an unreachable or missing cluster: no names, no message, and no hang', async () => {
  const hole = await startBlackHole()
  try {
    const file = join(await replay.dir(), 'black-hole-kubeconfig')
    await hole.writeKubeconfig(file)
    const r = await run(join(REPO, 'bin/kubectl_complete-kr'), ['doctor', '--node', ''], {KUBECONFIG: file})
    assert.equal(r.code, 0)
    assert.equal(r.stderr, '')
    assert.equal(r.stdout, ':6\n', 'no names; still a comma list')
    // the black hole never answers: finishing at all proves the completer's own request timeout (1.5 s) applies;
    // how quick that is on a quiet machine is a benchmark's business, not a timed test's (a loaded CI machine is slow)
    assert.ok(r.ms < 30_000, `${r.ms} ms`)
    const missing = await run(join(REPO, 'bin/kubectl_complete-kr'), ['dsr', 'status', ''], noCluster)
    assert.equal(missing.stderr, '')
    assert.equal(missing.stdout, ':4\n')
  } finally {
    await hole.close()
  }
})

test('kubectl kr completion bash: the script completes kubectl-kr in bash; zsh and fish scripts; a bad shell is exit 2', async () => {
  const script = await kr(['completion', 'bash'])
  assert.equal(script.code, 0, script.stderr)
  const file = join(await replay.dir(), 'kr.bash')
  await writeFile(file, script.stdout)
  // what bash does on `kubectl-kr doctor --check ipv6-vip-routes,lo<TAB>`
  const bash = await run('bash', ['-c', `source ${file}; COMP_WORDS=(kubectl-kr doctor --check ipv6-vip-routes,lo); COMP_CWORD=3; _kubectl_kr; printf '%s\\n' "\${COMPREPLY[@]}"`], noCluster)
  assert.equal(bash.code, 0, bash.stderr)
  assert.equal(bash.stdout, 'ipv6-vip-routes,local-ips-ipset\n')
  const commands = await run('bash', ['-c', `source ${file}; COMP_WORDS=(kubectl-kr ''); COMP_CWORD=1; _kubectl_kr; printf '%s\\n' "\${COMPREPLY[@]}"`], noCluster)
  assert.equal(commands.stdout, 'checks\ncleanup\ncompletion\ndoctor\ndsr\nhelp\nversion\n')
  for (const shell of ['zsh', 'fish']) {
    const r = await kr(['completion', shell])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /kubectl_complete-kr/)
    assert.match(r.stdout, shell === 'zsh' ? /^compdef _kubectl_kr kubectl-kr$/m : /^complete -c kubectl-kr /m)
  }
  const bad = await kr(['completion', 'tcsh'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^error: .*bash, zsh, fish/)
})
