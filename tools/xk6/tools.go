//go:build tools

// Package tools pins xk6, which tools/build.sh uses to build k6 with extensions.
package tools

import (
	_ "go.k6.io/xk6"
)
