import {Flags} from '@oclif/core'
import {oneLine, safe} from '../report/text.js'
import {clusterFlags, KrCommand, kubeAccess} from './base.js'

export default class Cleanup extends KrCommand {
  static summary = 'Delete the probe pods (and probe script ConfigMaps) kubectl-kr runs left behind'
  static description =
    'Probe pods end on their own (activeDeadlineSeconds) and doctor deletes its pods even when interrupted; pods of a run that was killed outright stay until this command deletes them. Looks in the probe namespace (--probe-namespace, default kube-system; -A: all namespaces) and deletes only pods and ConfigMaps that carry a run label of this tool and have the shape it creates; anything else labelled app.kubernetes.io/managed-by=kubectl-kr is listed as not deleted. Shows the list and asks first.'

  static examples = ['kubectl kr cleanup', 'kubectl kr cleanup --dry-run -A', 'kubectl kr cleanup --yes --context prod --request-timeout 10s']

  static flags = {
    yes: Flags.boolean({char: 'y', summary: 'Delete without asking.'}),
    'dry-run': Flags.boolean({summary: 'Only list what would be deleted.'}),
    'all-namespaces': Flags.boolean({char: 'A', summary: 'Look in every namespace, not only the probe namespace.', exclusive: ['namespace']}),
    namespace: Flags.string({char: 'n', summary: 'Look in this namespace instead of --probe-namespace.', exclusive: ['all-namespaces']}),
    'probe-namespace': Flags.string({summary: 'Namespace the probe pods run in (where cleanup looks; with -A, the fallback when pods cannot be listed cluster-wide).', default: 'kube-system'}),
    ...clusterFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Cleanup)
    const {openLeftovers} = await import('../services/cleanup.js')
    const leftovers = await openLeftovers(kubeAccess(flags), {namespace: flags.namespace ?? flags['probe-namespace'], allNamespaces: flags['all-namespaces']})
    const {pods, configMaps, notOurs, scope} = leftovers
    const out = (line: string) => process.stdout.write(`${safe(line)}\n`)
    const plural = pods.length === 1 ? '' : 's'
    if (pods.length === 0 && configMaps.length === 0) out(`no probe pods left behind in ${scope}`)
    else {
      out(`${flags['dry-run'] ? 'would delete' : 'will delete'} ${pods.length} probe pod${plural} (${scope}):`)
      for (const p of pods) out(`  ${p.namespace}/${p.name}  node=${p.node ?? '?'}  run=${p.run ?? '?'}  phase=${p.phase ?? '?'}`)
      for (const cm of configMaps) out(`  configmap ${cm.namespace}/${cm.name}  (probe script)`)
    }
    for (const o of notOurs) {
      const looks = o.kind === 'pod' ? 'does not look like a probe pod' : 'does not look like a probe script ConfigMap'
      out(`not deleted: ${o.kind} ${o.namespace}/${o.name}: ${looks} (${o.reason}), though labelled app.kubernetes.io/managed-by=kubectl-kr`)
    }
    if ((pods.length === 0 && configMaps.length === 0) || flags['dry-run']) return
    if (!flags.yes) {
      const question = `delete ${pods.length === 1 ? 'it' : `these ${pods.length} pods`}? [y/N] `
      if (!(await this.confirm(question, `not deleting ${pods.length} pod${plural} without confirmation: pass --yes (no terminal to ask on)`))) {
        out('nothing deleted')
        return
      }
    }
    const result = await leftovers.delete()
    const scripts = result.configMapsDeleted ? ` and ${result.configMapsDeleted} probe script ConfigMap${result.configMapsDeleted === 1 ? '' : 's'}` : ''
    out(`deleted ${result.deleted} probe pod${result.deleted === 1 ? '' : 's'}${scripts}${result.alreadyGone ? ` (${result.alreadyGone} pods already gone)` : ''}`)
    if (result.errors.length) {
      for (const e of result.errors) process.stderr.write(`error: ${oneLine(e)}\n`)
      if (result.unanswered) {
        process.stderr.write('probe pods left behind end by their activeDeadlineSeconds anyway; run `kubectl kr cleanup` again once the API server answers\n')
      }
      process.exitCode = result.unanswered ? 2 : 1
    }
  }
}
