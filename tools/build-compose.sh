#!/usr/bin/env bash
# Builds the Docker Compose v2 CLI plugin (github.com/docker/compose/v5, Apache-2.0) from the Go
# module proxy into the tool cache and links it as the user's CLI plugin. Only the compose runtime
# needs it (LAB_RUNTIME=compose make setup).
#
# Why not `go install module@version`: compose's go.mod has exclude directives, which go install
# refuses; so the module is downloaded, copied out of the read-only module cache and built there.
#
# Cache: ${FAULTLINE_CACHE:-~/.cache/faultline}/tools/docker-compose/<version>/bin/docker-compose
# Plugin: ${DOCKER_CONFIG:-~/.docker}/cli-plugins/docker-compose (a link; an existing plugin that
# is not ours is left alone and named).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tools/versions.env
. "$ROOT/tools/versions.env"
CACHE=${FAULTLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/faultline}/tools/docker-compose
DIR=$CACHE/$COMPOSE_VERSION
PLUGIN_DIR=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins

say() { printf 'compose: %s\n' "$*"; }
die() { printf 'compose: %s\n' "$*" >&2; exit 1; }

link_plugin() {
  mkdir -p "$PLUGIN_DIR"
  local plugin=$PLUGIN_DIR/docker-compose
  if [[ -e $plugin && ! -L $plugin ]]; then
    say "keeping the docker compose plugin already installed at $plugin"
    return 0
  fi
  ln -sfn "$DIR/bin/docker-compose" "$plugin"
}

if [[ -x $DIR/bin/docker-compose ]]; then
  link_plugin
  exit 0
fi

command -v go >/dev/null 2>&1 || die "go not found: install Go >= $GO_MIN_VERSION and put it on PATH"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
mkdir -p "$CACHE"
exec {lock}>"$CACHE/.lock"
flock "$lock"
if [[ -x $DIR/bin/docker-compose ]]; then link_plugin; exit 0; fi

tmp=$(mktemp -d "$CACHE/.build-XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
log=$CACHE/build-$COMPOSE_VERSION.log
start=$SECONDS
say "building $COMPOSE_MODULE $COMPOSE_VERSION (log: $log)"
src=$(go mod download -json "$COMPOSE_MODULE@$COMPOSE_VERSION" 2>>"$log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -n $src && -d $src ]] || die "go mod download of $COMPOSE_MODULE@$COMPOSE_VERSION failed: see $log"
cp -r "$src" "$tmp/src"
chmod -R u+w "$tmp/src"
mkdir -p "$tmp/bin"
(cd "$tmp/src" && nice go build -trimpath \
  -ldflags="-s -w -X github.com/docker/compose/v5/internal.Version=$COMPOSE_VERSION" \
  -o "$tmp/bin/docker-compose" ./cmd) >>"$log" 2>&1 || die "go build failed after $((SECONDS - start))s: $(tail -n 1 "$log") [log: $log]"
"$tmp/bin/docker-compose" version >>"$log" 2>&1 || die "the built docker-compose does not run: see $log"
rm -rf "$tmp/src"
rm -rf "$DIR" && mkdir -p "$DIR" && mv "$tmp/bin" "$DIR/bin"
say "built in $((SECONDS - start))s -> $DIR"
link_plugin
