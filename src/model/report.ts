// The doctor report: CONTRACT.md §3. One model; every renderer reads it.

export type Severity = 'error' | 'warning' | 'info'
export type ResultStatus = 'pass' | 'fail' | 'skipped' | 'error'
export type NodeStatus = 'probed' | 'failed' | 'skipped'

export interface Finding {
  check: string
  severity: Severity
  node: string | null
  subject: string | null
  title: string
  detail: string
  evidence: string[]
  remediation: string[]
  fixedIn: string | null
  /** stable id of (check, severity, cause): equal across nodes with the same fault (report/fingerprint.ts) */
  fingerprint: string
}

/** A finding as a check makes it, before the report adds its fingerprint. */
export type FindingBody = Omit<Finding, 'fingerprint'>

export interface CheckResult {
  check: string
  node: string | null
  status: ResultStatus
  reason: string | null
}

export interface NodeReport {
  name: string
  status: NodeStatus
  error: string | null
  /** kube-router version seen on this node, when known (extension of the contract) */
  kubeRouterVersion?: string | null
  /** sources that could not be collected or read: file -> reason (extension of the contract) */
  sourceIssues?: Record<string, string>
}

/** A check that ran: its id and title, so renderers need no check registry. */
export interface CheckInfo {
  id: string
  title: string
}

export interface DoctorReport {
  apiVersion: 'kr.kube-router.io/v1'
  kind: 'DoctorReport'
  generatedAt: string
  source: {mode: 'cluster' | 'local' | 'bundle'; context: string | null; bundle: string | null}
  kubeRouter: {version: string | null; image: string | null; args: string[]}
  nodes: NodeReport[]
  results: CheckResult[]
  findings: Finding[]
  /** the checks that ran, in registry order */
  checks: CheckInfo[]
  summary: {errors: number; warnings: number; infos: number; nodesProbed: number; nodesFailed: number}
}

export type FailOn = 'error' | 'warning' | 'none'
