//go:build tools

// Package tools pins Loki's cmd/loki, which tools/build.sh builds.
package tools

import (
	_ "github.com/grafana/loki/v3/cmd/loki"
)
