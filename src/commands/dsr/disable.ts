import {changeFlags, DEFAULT_WAIT, DsrChangeCommand, serviceArg, withDryRunValue} from './change.js'

export default class DsrDisable extends DsrChangeCommand {
  static summary = 'Turn off Direct Server Return for a Service, restoring what dsr enable replaced, and prove it on the nodes'
  static description = [
    'Removes kube-router.io/service.dsr and puts back the scheduler annotations `dsr enable` replaced (recorded in kr.kube-router.io/dsr-replaced; one changed by hand since is left as it is, and said so). Shows the change and the equivalent `kubectl annotate` command and asks (--yes without a terminal); the patch is guarded by the resourceVersion it read.',
    `Then it verifies with probe pods (one per node at a time) that the FWM service is gone and the IPs are served the normal way again, until --wait (default ${DEFAULT_WAIT}) runs out; kube-router never deletes its fwmark rules, so stale ones are not a failure. A failed or interrupted verification puts the annotations back, unless the Service changed meanwhile or --no-rollback is given.`,
    'Each change is recorded as an Event on the Service (DSRDisabled, DSRRolledBack) when allowed, and always printed.',
    'Exit 0: changed (or not DSR) and verified; 1: verification failed (rolled back unless --no-rollback), or could not run after the change while --no-rollback kept it; 2: refused or could not run, nothing changed; 130/143: interrupted (rolled back).',
  ].join('\n\n')

  static examples = ['kubectl kr dsr disable media/stream --dry-run', 'kubectl kr dsr disable stream -n media --yes']

  static args = serviceArg

  static flags = changeFlags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DsrDisable, withDryRunValue(this.argv))
    await this.runChange('disable', args.service, flags, {scheduler: null, mhFlags: null, force: false})
  }
}
