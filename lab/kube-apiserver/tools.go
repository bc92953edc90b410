//go:build tools

// Keeps the kube-apiserver command in the module graph, so `go mod tidy` records its dependencies.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
