// A small client for the lab's real API server over mutual TLS: JSON requests and watch streams. The kubelet
// stand-in uses it with its node's client certificate, so everything it does passes the Node authorizer and the
// NodeRestriction admission plugin like a real kubelet's requests.
import {Agent, request} from 'node:https'
import {readFileSync} from 'node:fs'

type Obj = Record<string, any>

export class KubeError extends Error {
  constructor(readonly status: number, readonly body: Obj | string, what: string) {
    super(`${what}: HTTP ${status}: ${typeof body === 'string' ? body : (body.message ?? JSON.stringify(body))}`)
  }
}

export interface TlsFiles {
  ca: string
  cert: string
  key: string
}

export class KubeClient {
  private readonly agent: Agent
  private readonly base: URL

  constructor(server: string, tls: TlsFiles) {
    this.base = new URL(server)
    this.agent = new Agent({ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), keepAlive: true})
  }

  async req(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Obj> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    return new Promise((resolve, reject) => {
      const r = request(
        new URL(path, this.base),
        {method, agent: this.agent, headers: {accept: 'application/json', ...(payload ? {'content-type': contentType, 'content-length': payload.length} : {})}},
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let parsed: Obj | string = text
            try {
              parsed = JSON.parse(text) as Obj
            } catch {
              // not JSON: keep the text for the error
            }
            if ((res.statusCode ?? 0) >= 300) reject(new KubeError(res.statusCode ?? 0, parsed, `${method} ${path}`))
            else resolve(typeof parsed === 'string' ? {} : parsed)
          })
          res.on('error', reject)
        },
      )
      r.on('error', reject)
      if (payload) r.write(payload)
      r.end()
    })
  }

  /**
   * Watch from resourceVersion: onEvent per event; resolves when the server ends the stream (timeout, 410 as an
   * ERROR event is passed on). Returns a stop function through `started`.
   */
  watch(path: string, onEvent: (type: string, object: Obj) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const r = request(new URL(path, this.base), {method: 'GET', agent: this.agent, signal, headers: {accept: 'application/json'}}, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          let text = ''
          res.on('data', (c: Buffer) => (text += c.toString('utf8')))
          res.on('end', () => reject(new KubeError(res.statusCode ?? 0, text, `watch ${path}`)))
          return
        }
        let buffered = ''
        res.on('data', (c: Buffer) => {
          buffered += c.toString('utf8')
          let nl: number
          while ((nl = buffered.indexOf('\n')) !== -1) {
            const line = buffered.slice(0, nl).trim()
            buffered = buffered.slice(nl + 1)
            if (!line) continue
            const ev = JSON.parse(line) as {type: string; object: Obj}
            onEvent(ev.type, ev.object)
          }
        })
        res.on('end', () => resolve())
        res.on('error', (e) => (signal.aborted ? resolve() : reject(e)))
      })
      r.on('error', (e) => (signal.aborted ? resolve() : reject(e)))
      r.end()
    })
  }

  close(): void {
    this.agent.destroy()
  }
}
