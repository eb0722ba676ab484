//go:build tools

// Package tools pins the prometheus-adapter commands that tools/build.sh builds.
package tools

import (
	_ "sigs.k8s.io/prometheus-adapter/cmd/adapter"
)
