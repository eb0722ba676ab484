//go:build tools

// Package tools pins the kustomize commands that tools/build.sh builds.
package tools

import (
	_ "sigs.k8s.io/kustomize/kustomize/v5"
)
