// The contract between the doctor command and the interactive UI. Types only: importing this file loads no Ink.
import type {ProgressSink} from '../model/progress.js'
import type {DoctorReport} from '../model/report.js'

export interface TuiActions {
  /** write a bundle of this run (directory, or .tar.gz by name); resolves to a one-line message for the status bar */
  saveBundle(path: string): Promise<string>
  /** write the JSON report; resolves to a one-line message for the status bar */
  writeReport(path: string): Promise<string>
}

export interface TuiOptions {
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
  /** Ctrl-C (raw mode swallows SIGINT): the command aborts the run and cleans up exactly as on SIGINT */
  onInterrupt(): void
  color: boolean
  unicode: boolean
}

export interface TuiSession {
  /** live phase: feed every progress event of the run, through the service's run-finished (the UI makes up none) */
  progress: ProgressSink
  /** results phase: browse the report until the user quits (q); resolves then, terminal restored */
  showReport(report: DoctorReport, actions: TuiActions): Promise<void>
  /** doctor --watch: the browser on the first round's report, then each later round's with a banner saying what
   * changed; `closed` resolves when the user quits (q), terminal restored */
  watchReports(report: DoctorReport, actions: TuiActions): {update(report: DoctorReport, banner: string): void; closed: Promise<void>}
  /** the run could not produce a report (exit 2 path): restore the terminal, leave the message to the caller */
  close(): Promise<void>
}

export type StartTui = (opts: TuiOptions) => TuiSession
