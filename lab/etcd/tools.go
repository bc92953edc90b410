//go:build tools

// Keeps the etcd server command in the module graph, so `go mod tidy` records its dependencies.
package tools

import _ "go.etcd.io/etcd/server/v3"
