// An "API server" that accepts TCP connections and never answers: what a cluster looks like during some
// outages (a load balancer that still accepts, an apiserver stuck on etcd). Nothing is ever written; every
// connection is counted and kept open until close().
//
//   const hole = await startBlackHole()
//   await hole.writeKubeconfig(file)          // context "black-hole", token user, server hole.url
//   ... run `kubectl kr doctor --kubeconfig file --request-timeout 2s` ...
//   hole.connections                          // connections accepted so far
//   await hole.close()
import net from 'node:net'
import type {AddressInfo} from 'node:net'
import {writeKubeconfig} from './kubeconfig.js'

export interface BlackHole {
  url: string
  /** connections accepted so far */
  readonly connections: number
  writeKubeconfig(path: string): Promise<void>
  close(): Promise<void>
}

export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<net.Socket>()
  let connections = 0
  const server = net.createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.resume() // read and drop whatever the client sends; never write
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    get connections() {
      return connections
    },
    writeKubeconfig: (path) => writeKubeconfig(path, {server: url, context: 'black-hole'}),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
