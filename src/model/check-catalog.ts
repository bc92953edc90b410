// What `kubectl kr checks` lists: every check of the registry as declared (id, title, sources, versions), and the
// not-selectable node-probe row. Plain data; services build it, report/render-checks.ts renders it.

export interface CheckVersions {
  /** first kube-router version the check applies to, null: every earlier one */
  from: string | null
  /** first kube-router version it no longer applies to, null: every later one */
  before: string | null
  why: string
}

export interface CheckInfo {
  id: string
  title: string
  scope: 'node' | 'cluster'
  /** sources without which the check is skipped */
  needs: string[]
  /** sources it reads when present */
  uses: string[]
  /** null: every kube-router version */
  versions: CheckVersions | null
  /** false for rows --check / --skip do not take (node-probe) */
  selectable: boolean
}

export interface CheckCatalog {
  apiVersion: 'kr.kube-router.io/v1'
  kind: 'CheckList'
  items: CheckInfo[]
}
