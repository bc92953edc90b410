// `npm run lab -- [--nodes N] [--kubeconfig PATH] [--port PORT]`: starts the lab cluster (test/lab/cluster.ts) and
// keeps it up until Ctrl-C, then tears everything down. Needs root (network namespaces) and the binaries that
// `npm run lab:build` builds (docs/lab.md).
import {existsSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {parseArgs} from 'node:util'
import {missingBinaries, labBinDir, startLab} from '../test/lab/cluster.js'
import {deployKubeRouter} from '../test/lab/kube-router.js'

function fail(message: string, code = 2): never {
  process.stderr.write(`error: ${message}\n`)
  process.exit(code)
}

let values: {nodes?: string; kubeconfig?: string; port?: string; help?: boolean}
try {
  ;({values} = parseArgs({
    options: {nodes: {type: 'string'}, kubeconfig: {type: 'string'}, port: {type: 'string'}, help: {type: 'boolean', short: 'h'}},
    strict: true,
  }))
} catch (error) {
  fail(`${(error as Error).message}: usage: npm run lab -- [--nodes N] [--kubeconfig PATH] [--port PORT]`)
}
if (values.help) {
  process.stdout.write('usage: npm run lab -- [--nodes N (default 3)] [--kubeconfig PATH (default ./kr-lab.kubeconfig)] [--port PORT]\n')
  process.exit(0)
}
const nodes = Number(values.nodes ?? '3')
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 50) fail(`--nodes ${values.nodes}: give a whole number from 1 to 50`)
const port = values.port === undefined ? undefined : Number(values.port)
if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) fail(`--port ${values.port}: give a TCP port (1-65535)`)
const kubeconfigPath = path.resolve(values.kubeconfig ?? 'kr-lab.kubeconfig')
if (process.getuid?.() !== 0) fail('the lab needs root: it creates network namespaces and a bridge (run it as root)')
const missing = missingBinaries()
if (missing.length) fail(`${missing.join(', ')} not built yet in ${labBinDir()}: run \`npm run lab:build\` first (docs/lab.md)`)

const started = Date.now()
process.stdout.write(`starting the lab: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, ${nodes} node(s) ...\n`)
let stopping = false
const lab = await startLab({nodes, port}).catch((error: Error) => fail(error.message, 1))
// the real kube-router DaemonSet (routing + network policy controllers: docs/lab.md), when it is built
const withKubeRouter = existsSync(path.join(lab.binDir, 'kube-router'))
if (withKubeRouter) await deployKubeRouter(lab).catch(async (error: Error) => {
  await lab.close()
  fail(`deploying kube-router: ${error.message}`, 1)
})
await writeFile(kubeconfigPath, lab.kubeconfig, {mode: 0o600})
process.stdout.write(
  [
    `lab up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${lab.server}`,
    `  nodes: ${lab.nodes.map((n) => `${n.name} (${n.ip4}, netns ${n.ns})`).join(', ')}`,
    `  kube-router: ${withKubeRouter ? 'DaemonSet kube-system/kube-router (v2.1.0, routing + network policy), starting on every node' : 'not built (npm run lab:build), so not deployed'}`,
    `  kubeconfig: ${kubeconfigPath}  (contexts kr-lab = admin, kr-lab-restricted = read-only)`,
    `  try: kubectl --kubeconfig ${kubeconfigPath} get nodes -o wide`,
    `       kubectl kr doctor --kubeconfig ${kubeconfigPath}`,
    `  component logs: ${lab.dir}`,
    'Ctrl-C stops the lab and removes everything it made.',
    '',
  ].join('\n'),
)

const stop = async (signal: string) => {
  if (stopping) return
  stopping = true
  process.stdout.write(`\n${signal}: stopping the lab ...\n`)
  await lab.close()
  process.stdout.write('lab stopped; namespaces, bridge and files removed\n')
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))
setInterval(() => {}, 1 << 30)
