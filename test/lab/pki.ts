// The lab cluster's certificates, made with the openssl command: one CA, the API server's serving certificate,
// client certificates for every user and component (the API server maps CN to the user name and O to groups),
// serving certificates for the kubelet stand-ins, and the service-account signing key. EC P-256 throughout:
// quick to generate, and every Kubernetes component accepts it.
import {execFile} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

const exec = promisify(execFile)

export interface CertFiles {
  cert: string
  key: string
}

export interface CertRequest {
  /** file stem in the PKI directory */
  name: string
  commonName: string
  organizations?: string[]
  /** subjectAltName entries: IPs and DNS names */
  ips?: string[]
  dns?: string[]
  usage: 'server' | 'client' | 'both'
}

async function openssl(args: string[]): Promise<void> {
  try {
    await exec('openssl', args)
  } catch (error) {
    const e = error as {stderr?: string; message: string}
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`)
  }
}

async function ecKey(file: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file])
}

export class Pki {
  readonly ca: CertFiles

  private constructor(readonly dir: string) {
    this.ca = {cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key')}
  }

  static async create(dir: string): Promise<Pki> {
    const pki = new Pki(dir)
    await ecKey(pki.ca.key)
    await openssl(['req', '-x509', '-new', '-key', pki.ca.key, '-sha256', '-days', '30', '-subj', '/CN=kr-lab-ca', '-out', pki.ca.cert,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'])
    return pki
  }

  async issue(req: CertRequest): Promise<CertFiles> {
    const files = {cert: path.join(this.dir, `${req.name}.crt`), key: path.join(this.dir, `${req.name}.key`)}
    const csr = path.join(this.dir, `${req.name}.csr`)
    const ext = path.join(this.dir, `${req.name}.ext`)
    await ecKey(files.key)
    const subject = [`/CN=${req.commonName}`, ...(req.organizations ?? []).map((o) => `/O=${o}`)].join('')
    await openssl(['req', '-new', '-key', files.key, '-subj', subject, '-out', csr])
    const eku = {server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth'}[req.usage]
    const san = [...(req.ips ?? []).map((ip) => `IP:${ip}`), ...(req.dns ?? []).map((d) => `DNS:${d}`)]
    const lines = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${eku}`]
    if (san.length) lines.push(`subjectAltName=${san.join(',')}`)
    await writeFile(ext, `${lines.join('\n')}\n`)
    await openssl(['x509', '-req', '-in', csr, '-CA', this.ca.cert, '-CAkey', this.ca.key, '-CAcreateserial', '-days', '30', '-sha256', '-extfile', ext, '-out', files.cert])
    return files
  }

  /** The service-account token signing key pair (the API server signs with the private key, verifies with the public). */
  async serviceAccountKeys(): Promise<{privateKey: string; publicKey: string}> {
    const privateKey = path.join(this.dir, 'sa.key')
    const publicKey = path.join(this.dir, 'sa.pub')
    await ecKey(privateKey)
    await openssl(['pkey', '-in', privateKey, '-pubout', '-out', publicKey])
    return {privateKey, publicKey}
  }
}

/** A kubeconfig with the CA and a client certificate embedded, so it works from any directory. */
export async function clientKubeconfig(o: {server: string; ca: string; client: CertFiles; user: string; context?: string; namespace?: string}): Promise<string> {
  const b64 = async (file: string) => (await readFile(file)).toString('base64')
  const context = o.context ?? 'kr-lab'
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${context}`,
    '  cluster:',
    `    server: ${o.server}`,
    `    certificate-authority-data: ${await b64(o.ca)}`,
    'users:',
    `- name: ${o.user}`,
    '  user:',
    `    client-certificate-data: ${await b64(o.client.cert)}`,
    `    client-key-data: ${await b64(o.client.key)}`,
    'contexts:',
    `- name: ${context}`,
    '  context:',
    `    cluster: ${context}`,
    `    user: ${o.user}`,
    `    namespace: ${o.namespace ?? 'default'}`,
    `current-context: ${context}`,
    '',
  ].join('\n')
}
