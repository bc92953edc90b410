// A large bundle made from the demo bundle: `faulty` copies of node-a (whose local-ips-ipset lacks the node's IPv6
// address, among other faults) and `healthy` copies of node-c, each with a name and addresses of its own in its
// files and in cluster/nodes.json, so identical faults differ in their text as they do on a real cluster.
import {cp, mkdir, readFile, readdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

const DEMO = new URL('../../examples/demo-bundle/', import.meta.url).pathname
const NODE_ADDRESSES: Record<string, [string, string]> = {'node-a': ['192.168.56.11', 'fd00:56::11'], 'node-c': ['192.168.56.13', 'fd00:56::13']}

function replaceAll(text: string, pairs: [string, string][]): string {
  // whole addresses only: 192.168.56.11 must not touch 192.168.56.110
  return pairs.reduce((t, [from, to]) => t.replace(new RegExp(`${from.replace(/[.]/g, '\\.')}(?![0-9a-f])`, 'g'), to), text)
}

export async function writeLargeBundle(dir: string, faulty: number, healthy: number): Promise<string[]> {
  await cp(join(DEMO, 'cluster'), join(dir, 'cluster'), {recursive: true})
  const nodeList = JSON.parse(await readFile(join(DEMO, 'cluster/nodes.json'), 'utf8')) as {items: {metadata: {name: string; labels: Record<string, string>}; status: {addresses: {type: string; address: string}[]}}[]}
  const items = []
  const names: string[] = []
  const addressOf = (i: number): [string, string] => [`10.20.${Math.floor(i / 250)}.${(i % 250) + 1}`, `fd00:20::${(i + 1).toString(16)}`]
  const all = Array.from({length: faulty + healthy}, (_, i) => addressOf(i))
  for (let i = 0; i < faulty + healthy; i++) {
    const source = i < faulty ? 'node-a' : 'node-c'
    const name = `node-${String(i + 1).padStart(3, '0')}`
    const [v4, v6] = addressOf(i)
    const pairs: [string, string][] = [[NODE_ADDRESSES[source][0], v4], [NODE_ADDRESSES[source][1], v6], [source, name]]
    const from = join(DEMO, 'nodes', source)
    await mkdir(join(dir, 'nodes', name), {recursive: true})
    for (const file of await readdir(from)) {
      let text = replaceAll(await readFile(join(from, file), 'utf8'), pairs)
      if (file === 'ipset.txt') text = withNodeIps(text, all)
      await writeFile(join(dir, 'nodes', name, file), text)
    }
    const item = JSON.parse(replaceAll(JSON.stringify(nodeList.items.find((n) => n.metadata.name === source)), pairs))
    items.push(item)
    names.push(name)
  }
  await writeFile(join(dir, 'cluster/nodes.json'), JSON.stringify({...nodeList, items}, null, 2))
  const manifest = JSON.parse(await readFile(join(DEMO, 'manifest.json'), 'utf8'))
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({...manifest, nodes: names}, null, 2))
  return names
}

/** kube-router-node-ips holds every node's address (as kube-router keeps it), here the large cluster's, not the demo's. */
function withNodeIps(ipsetSave: string, all: [string, string][]): string {
  const lines = ipsetSave.split('\n').filter((l) => !/^add (inet6:)?kube-router-node-ips /.test(l))
  const out: string[] = []
  for (const line of lines) {
    out.push(line)
    if (/^create kube-router-node-ips /.test(line)) out.push(...all.map(([v4]) => `add kube-router-node-ips ${v4} timeout 0`))
    if (/^create inet6:kube-router-node-ips /.test(line)) out.push(...all.map(([, v6]) => `add inet6:kube-router-node-ips ${v6} timeout 0`))
  }
  return out.join('\n')
}
