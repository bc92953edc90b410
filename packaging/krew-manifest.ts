// The krew plugin manifest (plugin.yaml), written by the release build from the package version and the
// archives' checksums; .krew.yaml is the same manifest as a krew-release-bot template (test/release checks
// that both agree).
import {stringify} from 'yaml'
import {ARCHIVE_MEMBERS, EXECUTABLE, REPOSITORY, type Target, archiveName, releaseUrl} from './layout.js'

export const SHORT_DESCRIPTION = 'Diagnose and fix kube-router networking'

export const DESCRIPTION = `kubectl kr doctor reads each node's kernel state (routes, ip rules, ipsets,
IPVS, iptables, sysctls) with a read-only probe, compares it with what
kube-router should have programmed, and reports findings with the evidence
and the exact remediation. It knows kube-router's real production failures
by version: IPv6 VIPs unreachable from their node, LoadBalancer Services
cutting off the API server, systemd-networkd wiping policy rules, DSR route
noise and DSR + Maglev failover without sloppy_tcp.
`

export const CAVEATS = `doctor --local needs root on the node. Cluster mode starts short-lived
hostNetwork pods in kube-system (not privileged: NET_ADMIN and NET_RAW only,
a few host directories read-only; the namespace's Pod Security level must
be privileged) and needs RBAC to create them.
For kubectl kr <TAB> (kubectl 1.26+), copy the completer next to krew's
link once (it runs the kubectl-kr beside it, so it survives upgrades):
  cp "\${KREW_ROOT:-$HOME/.krew}"/store/kr/v*/kubectl_complete-kr "\${KREW_ROOT:-$HOME/.krew}/bin/"
`

export interface BuiltArchive {
  target: Target
  file: string
  sha256: string
}

export interface PlatformEntry {
  selector: {matchLabels: {os: string; arch: string}}
  uri: string
  sha256: string
  bin: string
  files: {from: string; to: string}[]
}

export function platformEntry(version: string, a: BuiltArchive, uri = releaseUrl(version, archiveName(version, a.target))): PlatformEntry {
  return {
    selector: {matchLabels: {os: a.target.os, arch: a.target.arch}},
    uri,
    sha256: a.sha256,
    bin: EXECUTABLE,
    files: ARCHIVE_MEMBERS.map((m) => ({from: m.name, to: '.'})),
  }
}

export function krewManifest(version: string, archives: BuiltArchive[]): string {
  const doc = {
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: {name: 'kr'},
    spec: {
      version: `v${version}`,
      homepage: `https://github.com/${REPOSITORY}`,
      shortDescription: SHORT_DESCRIPTION,
      description: DESCRIPTION,
      caveats: CAVEATS,
      platforms: archives.map((a) => platformEntry(version, a)),
    },
  }
  return stringify(doc, {lineWidth: 0})
}
