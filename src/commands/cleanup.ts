import {Command, Flags} from '@oclif/core'

export default class Cleanup extends Command {
  static summary = 'Delete every probe pod kubectl-kr left behind (label app.kubernetes.io/managed-by=kubectl-kr)'
  static description =
    'Probe pods end on their own (activeDeadlineSeconds) and doctor deletes its pods even when interrupted; pods of a run that was killed outright stay until this command deletes them. Shows the pods and asks first.'

  static examples = ['kubectl kr cleanup', 'kubectl kr cleanup --dry-run', 'kubectl kr cleanup --yes --context prod']

  static flags = {
    yes: Flags.boolean({char: 'y', summary: 'Delete without asking.'}),
    'dry-run': Flags.boolean({summary: 'Only list the pods that would be deleted.'}),
    namespace: Flags.string({char: 'n', summary: 'Only this namespace (default: all namespaces).'}),
    'probe-namespace': Flags.string({summary: 'Namespace to fall back to when pods cannot be listed cluster-wide.', default: 'kube-system'}),
    kubeconfig: Flags.string({summary: 'Path to the kubeconfig file.'}),
    context: Flags.string({summary: 'Kubeconfig context to use.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Cleanup)
    const {UserError} = await import('../model/errors.js')
    const {KubeRequestError} = await import('../model/kube-port.js')
    try {
      const {openKube} = await import('../infra/kube-api.js')
      const {findLeftovers, deleteLeftovers} = await import('../services/cleanup.js')
      const kube = openKube({kubeconfig: flags.kubeconfig ?? null, context: flags.context ?? null})
      const {pods, configMaps, scope} = await findLeftovers(kube, flags.namespace ?? null, flags['probe-namespace'])
      if (pods.length === 0 && configMaps.length === 0) {
        process.stdout.write(`no probe pods left behind in ${scope}\n`)
        return
      }
      const plural = pods.length === 1 ? '' : 's'
      process.stdout.write(`${flags['dry-run'] ? 'would delete' : 'will delete'} ${pods.length} probe pod${plural} (${scope}):\n`)
      for (const p of pods) process.stdout.write(`  ${p.namespace}/${p.name}  node=${p.node ?? '?'}  run=${p.run ?? '?'}  phase=${p.phase ?? '?'}\n`)
      for (const cm of configMaps) process.stdout.write(`  configmap ${cm.namespace}/${cm.name}  (probe script)\n`)
      if (flags['dry-run']) return
      if (!flags.yes) {
        if (!process.stdin.isTTY) throw new UserError(`not deleting ${pods.length} pod${plural} without confirmation: pass --yes (no terminal to ask on)`)
        if (!(await confirm(`delete ${pods.length === 1 ? 'it' : `these ${pods.length} pods`}? [y/N] `))) {
          process.stdout.write('nothing deleted\n')
          return
        }
      }
      const result = await deleteLeftovers(kube, pods, configMaps)
      const scripts = result.configMapsDeleted ? ` and ${result.configMapsDeleted} probe script ConfigMap${result.configMapsDeleted === 1 ? '' : 's'}` : ''
      process.stdout.write(`deleted ${result.deleted} probe pod${result.deleted === 1 ? '' : 's'}${scripts}${result.alreadyGone ? ` (${result.alreadyGone} pods already gone)` : ''}\n`)
      if (result.errors.length) {
        for (const e of result.errors) process.stderr.write(`error: ${e}\n`)
        process.exitCode = 1
      }
    } catch (error) {
      // an API refusal or an unreachable server is the user's to fix: one line, exit 2, as a UserError
      if (error instanceof UserError || error instanceof KubeRequestError) {
        process.stderr.write(`error: ${error.message}\n`)
        process.exitCode = error instanceof UserError ? error.exitCode : 2
        return
      }
      process.stderr.write(`error: internal error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`)
      process.exitCode = 2
    }
  }
}

async function confirm(question: string): Promise<boolean> {
  const {createInterface} = await import('node:readline/promises')
  const rl = createInterface({input: process.stdin, output: process.stdout})
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}
