// A deliberately small XML 1.0 reader for tests: elements, attributes, text, the five
// predefined entities and numeric character references. Throws on anything malformed.
export interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlElement[]
  text: string
}

const NAME = /^[A-Za-z_][\w.-]*/

function decode(raw: string, where: number): string {
  if (/[<]/.test(raw)) throw new Error(`unescaped < at ${where}`)
  return raw.replace(/&([^;]*);|&/g, (match, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare & at ${where}`)
    const named: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}
    if (ref in named) return named[ref]
    const num = /^#x([0-9a-fA-F]+)$/.exec(ref) ?? /^#([0-9]+)$/.exec(ref)
    if (num) return String.fromCodePoint(parseInt(num[1], ref.startsWith('#x') ? 16 : 10))
    throw new Error(`unknown entity &${ref}; at ${where}`)
  })
}

export function parseXml(xml: string): XmlElement {
  if (/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(xml)) throw new Error('character not allowed in XML 1.0')
  let i = 0
  const skipWs = (): void => {
    while (i < xml.length && /\s/.test(xml[i])) i++
  }
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>')
    if (end < 0) throw new Error('unterminated declaration')
    i = end + 2
  }
  const stack: XmlElement[] = []
  let root: XmlElement | null = null
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const textEnd = lt < 0 ? xml.length : lt
    const text = decode(xml.slice(i, textEnd), i)
    if (stack.length > 0) stack[stack.length - 1].text += text
    else if (text.trim() !== '') throw new Error(`text outside the root element at ${i}`)
    if (lt < 0) break
    i = lt + 1
    if (xml[i] === '/') {
      i++
      const name = NAME.exec(xml.slice(i))?.[0]
      if (!name) throw new Error(`bad end tag at ${i}`)
      i += name.length
      skipWs()
      if (xml[i] !== '>') throw new Error(`bad end tag at ${i}`)
      i++
      const open = stack.pop()
      if (!open || open.name !== name) throw new Error(`</${name}> does not close <${open?.name}>`)
      continue
    }
    const name = NAME.exec(xml.slice(i))?.[0]
    if (!name) throw new Error(`bad start tag at ${i}`)
    i += name.length
    const el: XmlElement = {name, attrs: {}, children: [], text: ''}
    const parent = stack[stack.length - 1]
    if (parent) parent.children.push(el)
    else if (root) throw new Error('second root element')
    else root = el
    for (;;) {
      const before = i
      skipWs()
      if (xml.startsWith('/>', i)) {
        i += 2
        break
      }
      if (xml[i] === '>') {
        i++
        stack.push(el)
        break
      }
      if (i === before) throw new Error(`missing space before attribute at ${i}`)
      const attr = NAME.exec(xml.slice(i))?.[0]
      if (!attr) throw new Error(`bad attribute at ${i}`)
      i += attr.length
      if (xml[i] !== '=' || xml[i + 1] !== '"') throw new Error(`attribute ${attr} not ="..." at ${i}`)
      const close = xml.indexOf('"', i + 2)
      if (close < 0) throw new Error('unterminated attribute')
      if (attr in el.attrs) throw new Error(`duplicate attribute ${attr}`)
      el.attrs[attr] = decode(xml.slice(i + 2, close), i)
      i = close + 1
    }
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> not closed`)
  if (!root) throw new Error('no root element')
  return root
}
