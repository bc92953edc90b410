import {Flags} from '@oclif/core'
import {SCHEDULERS} from '../../model/dsr-change.js'
import {changeFlags, DEFAULT_WAIT, DsrChangeCommand, serviceArg, withDryRunValue} from './change.js'

export default class DsrEnable extends DsrChangeCommand {
  static summary = 'Turn on Direct Server Return for a Service, prove it on the nodes, roll back if it does not work'
  static description = [
    'Checks every DSR requirement first (a blocking failure refuses with exit 2 and changes nothing; --force proceeds and says what it overrides), shows the exact annotation change and the equivalent `kubectl annotate` command, and asks (--yes without a terminal).',
    'The change is a patch guarded by the resourceVersion it read: if someone changed the Service meanwhile, nothing is changed. What it replaces is recorded in the annotation kr.kube-router.io/dsr-replaced, so `dsr disable` restores it.',
    `Then it verifies with probe pods (one per node at a time) until every node that should program the Service does, or --wait (default ${DEFAULT_WAIT}) runs out. A failed or interrupted verification puts the previous annotations back, unless the Service changed meanwhile or --no-rollback is given.`,
    'Each change is recorded as an Event on the Service (DSREnabled, DSRRolledBack) when allowed, and always printed.',
    'Exit 0: changed (or already enabled) and verified; 1: verification failed (rolled back unless --no-rollback), or could not run after the change while --no-rollback kept it; 2: refused or could not run, nothing changed; 130/143: interrupted (rolled back).',
  ].join('\n\n')

  static examples = [
    'kubectl kr dsr enable media/stream --dry-run',
    'kubectl kr dsr enable stream -n media --scheduler mh --mh-flags flag-1,flag-2',
    'kubectl kr dsr enable media/stream --dry-run=server',
    'kubectl kr dsr enable media/stream --yes --wait 2m',
  ]

  static args = serviceArg

  static flags = {
    scheduler: Flags.option({summary: 'IPVS scheduler for the Service (kube-router.io/service.scheduler).', options: SCHEDULERS})(),
    'mh-flags': Flags.string({summary: 'Maglev flags, a comma list of flag-1 (fallback), flag-2 (port in the hash), flag-3 (kube-router.io/service.schedflags); with --scheduler mh.', helpValue: 'FLAGS'}),
    force: Flags.boolean({summary: 'Enable even when a blocking requirement fails (says which it overrides).'}),
    ...changeFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(DsrEnable, withDryRunValue(this.argv))
    await this.runChange('enable', args.service, flags, {scheduler: flags.scheduler ?? null, mhFlags: flags['mh-flags'] ?? null, force: flags.force})
  }
}
