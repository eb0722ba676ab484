//go:build tools

// Package tools pins the toxiproxy commands that tools/build.sh builds.
package tools

import (
	_ "github.com/Shopify/toxiproxy/v2/cmd/cli"
	_ "github.com/Shopify/toxiproxy/v2/cmd/server"
)
