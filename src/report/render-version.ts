// `kubectl kr version -o json|yaml`: kubectl's shape ({"clientVersion": {...}}), for this plugin's client side.
import {stringify} from 'yaml'

export interface VersionDocument {
  clientVersion: {kubectlKr: string; node: string}
}

export function renderVersion(doc: VersionDocument, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc, {version: '1.1', lineWidth: 0})
}
