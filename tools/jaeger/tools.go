//go:build tools

// Package tools pins Jaeger v2's cmd/jaeger, which tools/build.sh builds.
package tools

import (
	_ "github.com/jaegertracing/jaeger/cmd/jaeger"
)
