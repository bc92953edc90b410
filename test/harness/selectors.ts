// Label and field selectors as the API server parses them (apimachinery labels.Parse /
// fields.ParseSelector), enough for every form kubectl and client libraries send.
//
//   label:  a=b  a==b  a!=b  a in (x,y)  a notin (x,y)  a  !a   (comma = AND)
//   field:  path=value  path==value  path!=value            (comma = AND)
import {ApiError} from './status.js'

export type LabelRequirement =
  | {key: string; op: 'eq' | 'neq'; values: [string]}
  | {key: string; op: 'in' | 'notin'; values: string[]}
  | {key: string; op: 'exists' | 'notexists'; values: []}

export type LabelSelector = LabelRequirement[]

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/

/** Split on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of text) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += ch
  }
  parts.push(cur)
  return parts.map((p) => p.trim())
}

function badLabel(_selector: string, why: string): ApiError {
  return ApiError.badRequest(`unable to parse requirement: ${why}`)
}

/** Parse a labelSelector query value; throws a 400 ApiError on bad syntax. */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  if (text === undefined || text.trim() === '') return []
  const reqs: LabelSelector = []
  for (const part of splitTopLevel(text)) {
    if (part === '') throw badLabel(text, 'found \'\', expected: identifier')
    let m: RegExpExecArray | null
    if ((m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part))) {
      const values = m[3].split(',').map((v) => v.trim())
      checkKey(text, m[1])
      for (const v of values) checkValue(text, v)
      reqs.push({key: m[1], op: m[2] as 'in' | 'notin', values})
    } else if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part))) {
      checkKey(text, m[1])
      checkValue(text, m[3])
      reqs.push({key: m[1], op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3]]})
    } else if ((m = /^!\s*(\S+)$/.exec(part))) {
      checkKey(text, m[1])
      reqs.push({key: m[1], op: 'notexists', values: []})
    } else if (/^\S+$/.test(part)) {
      checkKey(text, part)
      reqs.push({key: part, op: 'exists', values: []})
    } else {
      throw badLabel(text, `found '${part}', expected: in, notin, =, ==, !=, gt, lt`)
    }
  }
  return reqs
}

function checkKey(selector: string, key: string): void {
  if (key.length > 316 || !KEY.test(key)) {
    throw badLabel(selector, `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`)
  }
}

function checkValue(selector: string, value: string): void {
  if (value.length > 63 || !VALUE.test(value)) {
    throw badLabel(selector, `invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`)
  }
}

export function matchLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {}
  for (const r of selector) {
    const has = Object.hasOwn(l, r.key)
    const v = l[r.key]
    switch (r.op) {
      case 'eq':
        if (!has || v !== r.values[0]) return false
        break
      case 'neq':
        if (has && v === r.values[0]) return false
        break
      case 'in':
        if (!has || !r.values.includes(v)) return false
        break
      case 'notin':
        if (has && r.values.includes(v)) return false
        break
      case 'exists':
        if (!has) return false
        break
      case 'notexists':
        if (has) return false
        break
    }
  }
  return true
}

export interface FieldRequirement {
  field: string
  op: 'eq' | 'neq'
  value: string
}

/**
 * Parse a fieldSelector; `supported` lists the field labels the resource allows
 * (others: 400 "field label not supported", as the real server answers).
 */
export function parseFieldSelector(text: string | undefined, supported: readonly string[]): FieldRequirement[] {
  if (text === undefined || text.trim() === '') return []
  const reqs: FieldRequirement[] = []
  for (const part of splitTopLevel(text)) {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part)
    if (!m) throw ApiError.badRequest(`invalid selector: '${text}'; can't understand '${part}'`)
    const field = m[1].trim()
    if (!supported.includes(field)) {
      throw ApiError.badRequest(`field label not supported: ${field}`)
    }
    reqs.push({field, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3].trim()})
  }
  return reqs
}

/** The value of a dotted path as the field selector sees it (strings; booleans/numbers stringified; missing = ""). */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return ''
    cur = (cur as Record<string, unknown>)[key]
  }
  if (cur === undefined || cur === null) return ''
  return typeof cur === 'string' ? cur : String(cur)
}

export function matchFields(selector: FieldRequirement[], obj: unknown): boolean {
  for (const r of selector) {
    const v = fieldValue(obj, r.field)
    if (r.op === 'eq' ? v !== r.value : v === r.value) return false
  }
  return true
}
