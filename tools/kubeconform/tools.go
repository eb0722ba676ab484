//go:build tools

// Package tools pins the kubeconform commands that tools/build.sh builds.
package tools

import (
	_ "github.com/yannh/kubeconform/cmd/kubeconform"
)
