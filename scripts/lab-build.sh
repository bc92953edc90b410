#!/bin/sh
# Builds the lab's binaries from the Go module proxy into a cache, once per version (docs/lab.md):
#   kube-apiserver, kube-controller-manager, kube-scheduler  k8s.io/kubernetes (lab/kubernetes/go.mod pins it and its staging modules)
#   etcd                                     go.etcd.io/etcd/server/v3 (lab/etcd/go.mod)
#   kube-router                              github.com/cloudnativelabs/kube-router/v2, with its own go.mod (go install @version)
# A binary is rebuilt only when its version stamp differs. The Go module and build caches (GOMODCACHE, GOCACHE)
# are reused when present. KR_LAB_CACHE (default ~/.cache/kubectl-kr-lab) holds bin/ and the stamps.
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)
cache=${KR_LAB_CACHE:-$HOME/.cache/kubectl-kr-lab}
bin=$cache/bin
mkdir -p "$bin"
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "error: go is not on PATH (/usr/local/go/bin): the lab binaries are built with it" >&2; exit 1; }
KUBE_ROUTER_VERSION=v2.1.0


# stamp = the manifest's content (or the version): a changed pin rebuilds
build() { # name stamp command...
  name=$1 stamp=$2
  shift 2
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "lab-build: $name is cached ($bin/$name)"
    return
  fi
  echo "lab-build: building $name ..."
  started=$(date +%s)
  "$@"
  echo "$stamp" >"$bin/$name.stamp"
  echo "lab-build: $name built in $(( $(date +%s) - started )) s ($(du -h "$bin/$name" | cut -f1))"
}

k8s_stamp=$(cat lab/kubernetes/go.mod lab/kubernetes/go.sum | sha256sum | cut -c1-16)
etcd_stamp=$(cat lab/etcd/go.mod lab/etcd/go.sum | sha256sum | cut -c1-16)

build_k8s() {
  cd "$repo/lab/kubernetes"
  go build -trimpath -ldflags="-s -w" -o "$bin/$1" "k8s.io/kubernetes/cmd/$1"
  cd "$repo"
}
build kube-apiserver "$k8s_stamp" build_k8s kube-apiserver
build kube-controller-manager "$k8s_stamp" build_k8s kube-controller-manager
build kube-scheduler "$k8s_stamp" build_k8s kube-scheduler
build_etcd() {
  cd "$repo/lab/etcd"
  go build -trimpath -ldflags="-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
  cd "$repo"
}
build etcd "$etcd_stamp" build_etcd
build_kube_router() {
  # its own go.mod and go.sum, exactly as released (it has no replace directives, so go install @version works)
  (cd / && GOBIN="$bin" go install -trimpath -ldflags="-s -w" "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION")
}
build kube-router "$KUBE_ROUTER_VERSION" build_kube_router
ls -l "$bin"
