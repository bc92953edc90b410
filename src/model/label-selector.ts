// Kubernetes label selectors (`kubectl get nodes -l …`), for filtering what is already at hand (a bundle's nodes):
// `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, comma-separated, all must hold.

type Requirement =
  | {key: string; op: 'in' | 'notin'; values: string[]}
  | {key: string; op: 'exists' | 'absent'}

const KEY = String.raw`[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?`
const VALUE = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)?`
const SET = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s+\(\s*(${VALUE}(?:\s*,\s*${VALUE})*)\s*\)$`)
const EQUALITY = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`)
const EXISTS = new RegExp(String.raw`^(!?)\s*(${KEY})$`)

/** The selector's requirements, or an error naming the part that is not a selector. */
export function parseLabelSelector(text: string): {requirements: Requirement[]} | {error: string} {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const c of text) {
    if (c === '(') depth++
    if (c === ')') depth--
    if (c === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += c
  }
  parts.push(current)
  const requirements: Requirement[] = []
  for (const raw of parts) {
    const part = raw.trim()
    if (part === '') {
      if (parts.length === 1) return {requirements}
      return {error: `invalid label selector "${text}": empty requirement`}
    }
    let m = SET.exec(part)
    if (m) {
      requirements.push({key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim())})
      continue
    }
    m = EQUALITY.exec(part)
    if (m) {
      requirements.push({key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]]})
      continue
    }
    m = EXISTS.exec(part)
    if (m) {
      requirements.push({key: m[2], op: m[1] ? 'absent' : 'exists'})
      continue
    }
    return {error: `invalid label selector "${text}": cannot read "${part}" (use k=v, k!=v, k in (a,b), k notin (a,b), k or !k)`}
  }
  return {requirements}
}

/** Whether labels satisfy every requirement (a `notin`/`!=` holds for a missing key, as in Kubernetes). */
export function matchesSelector(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key)
    switch (r.op) {
      case 'exists':
        return has
      case 'absent':
        return !has
      case 'in':
        return has && r.values.includes(labels[r.key])
      case 'notin':
        return !has || !r.values.includes(labels[r.key])
    }
  })
}
