import {Flags} from '@oclif/core'
import {oneLine, safe} from '../report/text.js'
import {clusterFlags, KrCommand} from './base.js'

export default class Cleanup extends KrCommand {
  static summary = 'Delete every probe pod kubectl-kr left behind (label app.kubernetes.io/managed-by=kubectl-kr)'
  static description =
    'Probe pods end on their own (activeDeadlineSeconds) and doctor deletes its pods even when interrupted; pods of a run that was killed outright stay until this command deletes them. Shows the pods and asks first.'

  static examples = ['kubectl kr cleanup', 'kubectl kr cleanup --dry-run', 'kubectl kr cleanup --yes --context prod']

  static flags = {
    yes: Flags.boolean({char: 'y', summary: 'Delete without asking.'}),
    'dry-run': Flags.boolean({summary: 'Only list the pods that would be deleted.'}),
    namespace: Flags.string({char: 'n', summary: 'Only this namespace (default: all namespaces).'}),
    'probe-namespace': Flags.string({summary: 'Namespace to fall back to when pods cannot be listed cluster-wide.', default: 'kube-system'}),
    ...clusterFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Cleanup)
    const {openLeftovers} = await import('../services/cleanup.js')
    const leftovers = await openLeftovers({kubeconfig: flags.kubeconfig ?? null, context: flags.context ?? null}, flags.namespace ?? null, flags['probe-namespace'])
    const {pods, configMaps, scope} = leftovers
    if (pods.length === 0 && configMaps.length === 0) {
      process.stdout.write(`no probe pods left behind in ${scope}\n`)
      return
    }
    const plural = pods.length === 1 ? '' : 's'
    process.stdout.write(`${flags['dry-run'] ? 'would delete' : 'will delete'} ${pods.length} probe pod${plural} (${scope}):\n`)
    for (const p of pods) process.stdout.write(safe(`  ${p.namespace}/${p.name}  node=${p.node ?? '?'}  run=${p.run ?? '?'}  phase=${p.phase ?? '?'}\n`))
    for (const cm of configMaps) process.stdout.write(`  configmap ${cm.namespace}/${cm.name}  (probe script)\n`)
    if (flags['dry-run']) return
    if (!flags.yes) {
      const question = `delete ${pods.length === 1 ? 'it' : `these ${pods.length} pods`}? [y/N] `
      if (!(await this.confirm(question, `not deleting ${pods.length} pod${plural} without confirmation: pass --yes (no terminal to ask on)`))) {
        process.stdout.write('nothing deleted\n')
        return
      }
    }
    const result = await leftovers.delete()
    const scripts = result.configMapsDeleted ? ` and ${result.configMapsDeleted} probe script ConfigMap${result.configMapsDeleted === 1 ? '' : 's'}` : ''
    process.stdout.write(`deleted ${result.deleted} probe pod${result.deleted === 1 ? '' : 's'}${scripts}${result.alreadyGone ? ` (${result.alreadyGone} pods already gone)` : ''}\n`)
    if (result.errors.length) {
      for (const e of result.errors) process.stderr.write(`error: ${oneLine(e)}\n`)
      process.exitCode = 1
    }
  }
}
