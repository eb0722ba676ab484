#!/usr/bin/env bash
# Builds the pinned Go tools (toxiproxy, jaeger, victoria-logs) from the Go module proxy into a
# cache outside the checkout and links their binaries into .tools/bin/.
#
#   tools/build.sh [tool...]      tools: toxiproxy jaeger victoria-logs (default: all, in that order)
#   tools/build.sh --prune        deletes what older checkouts built and this one no longer does
#                                 (k6, xk6 and loki: AGPL, see tools/README.md)
#
# Cache: ${FAULTLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/faultline}/tools/<tool>/<version>/
#   bin/        the binaries (what .tools/bin/ links to)
#   .key        hash of everything that shaped the build (versions, wrapper module, recipe)
#   build-info  when, with which Go, how long
# A tool whose cache dir holds the current key is not rebuilt: a warm run only links.
# A build happens in <tool>/.build-XXXXXX and is renamed into place when complete, so an
# interrupted build never leaves a half tool that looks done. The log of the last build of each
# tool stays at <tool>/build-<version>.log.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_SRC=$ROOT/tools
# shellcheck source=tools/versions.env
. "$TOOLS_SRC/versions.env"

CACHE_ROOT=${FAULTLINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/faultline}
CACHE=$CACHE_ROOT/tools
LINK_DIR=$ROOT/.tools/bin
PROGRESS_EVERY=${FAULTLINE_BUILD_PROGRESS_EVERY:-15}
ALL_TOOLS=(toxiproxy jaeger victoria-logs)
# Built by older checkouts, never by this one. Left in a shared cache they still serve those
# checkouts, so they go only when asked (--prune).
RETIRED_TOOLS=(k6 xk6 loki)

say() { printf 'tools: %s\n' "$*"; }
die() { printf 'tools: %s\n' "$*" >&2; exit 1; }

# --- what each tool is --------------------------------------------------------------------------
# tool_version: the cache directory name; tool_bins: binaries linked into .tools/bin;
# tool_vars: the versions.env entries that shape the build (part of the cache key).
tool_version() {
  case $1 in
    toxiproxy) echo "$TOXIPROXY_VERSION" ;;
    jaeger) echo "$JAEGER_VERSION" ;;
    victoria-logs) echo "$VICTORIA_LOGS_VERSION" ;;
  esac
}
tool_bins() {
  case $1 in
    toxiproxy) echo "toxiproxy-server toxiproxy-cli" ;;
    jaeger) echo "jaeger" ;;
    victoria-logs) echo "victoria-logs" ;;
  esac
}
tool_vars() {
  case $1 in
    toxiproxy) echo "TOXIPROXY_VERSION" ;;
    jaeger) echo "JAEGER_VERSION JAEGER_MODULE_VERSION" ;;
    victoria-logs) echo "VICTORIA_LOGS_VERSION" ;;
  esac
}

# The cache key: the tool's versions, the files of its wrapper module dir and its build recipe.
tool_key() {
  local tool=$1 v
  {
    for v in $(tool_vars "$tool"); do printf '%s=%s\n' "$v" "${!v}"; done
    if [[ -d $TOOLS_SRC/$tool ]]; then
      (cd "$TOOLS_SRC/$tool" && find . -type f ! -name '*.log' | LC_ALL=C sort | while read -r f; do
        printf '== %s\n' "$f"; cat "$f"; done)
    fi
    declare -f "build_$tool"
  } | sha256sum | cut -c1-64
}

tool_dir() { echo "$CACHE/$1/$(tool_version "$1")"; }

tool_is_built() {
  local tool=$1 dir b
  dir=$(tool_dir "$tool")
  [[ -f $dir/.key && $(<"$dir/.key") == "$2" ]] || return 1
  for b in $(tool_bins "$tool"); do [[ -x $dir/bin/$b ]] || return 1; done
}

link_tool() {
  local tool=$1 dir b target
  dir=$(tool_dir "$tool")
  mkdir -p "$LINK_DIR"
  for b in $(tool_bins "$tool"); do
    target=$dir/bin/$b
    [[ -L $LINK_DIR/$b && $(readlink "$LINK_DIR/$b") == "$target" ]] || ln -sfn "$target" "$LINK_DIR/$b"
  done
}

# --- running one step with progress -------------------------------------------------------------
CUR_TOOL='' CUR_LOG='' CUR_TMP='' CUR_PID='' TOOL_START=0

cleanup() {
  if [[ -n $CUR_PID ]] && kill -0 "$CUR_PID" 2>/dev/null; then
    # the step runs in its own process group (setsid): end it with its compiler children
    kill -TERM -- "-$CUR_PID" 2>/dev/null || kill -TERM "$CUR_PID" 2>/dev/null || true
    wait "$CUR_PID" 2>/dev/null || true
  fi
  if [[ -n $CUR_TMP && -d $CUR_TMP ]]; then
    chmod -R u+w "$CUR_TMP" 2>/dev/null || true
    rm -rf "$CUR_TMP"
  fi
}
trap cleanup EXIT
trap 'echo; die "interrupted${CUR_TOOL:+ while building $CUR_TOOL}: nothing half-built was kept"' INT TERM

# The most telling line of a failed step's log: the last error-looking line, else the last line.
log_cause() {
  local line
  line=$(grep -E -i 'error|cannot|not available|forbidden|fatal|undefined|missing|no required module|invalid|failed|denied|no space' "$1" 2>/dev/null | grep -v -E '^\s*$' | tail -n 1 || true)
  [[ -n $line ]] || line=$(grep -v -E '^\s*$' "$1" 2>/dev/null | tail -n 1 || true)
  line=${line//$'\t'/ }
  printf '%s' "${line:0:400}"
}

# step NAME CMD...: runs CMD with its output in the tool's log, printing a line at the start, one
# every PROGRESS_EVERY seconds, and one at the end; on failure prints one line and exits.
step() {
  local name=$1; shift
  local start=$SECONDS next rc=0
  printf '== %s: %s\n' "$name" "$*" >>"$CUR_LOG"
  say "$CUR_TOOL: $name ..."
  if [[ $(type -t "$1") == file ]] && command -v setsid >/dev/null 2>&1; then
    setsid "$@" >>"$CUR_LOG" 2>&1 </dev/null &
  else
    "$@" >>"$CUR_LOG" 2>&1 </dev/null &
  fi
  CUR_PID=$!
  next=$((start + PROGRESS_EVERY))
  while kill -0 "$CUR_PID" 2>/dev/null; do
    sleep 0.2
    if ((SECONDS >= next)) && kill -0 "$CUR_PID" 2>/dev/null; then
      say "$CUR_TOOL: $name ... $((SECONDS - start))s (tool $((SECONDS - TOOL_START))s)"
      next=$((next + PROGRESS_EVERY))
    fi
  done
  wait "$CUR_PID" || rc=$?
  CUR_PID=''
  if ((rc != 0)); then
    die "$CUR_TOOL $(tool_version "$CUR_TOOL"): $name failed after $((SECONDS - start))s (exit $rc): $(log_cause "$CUR_LOG") [log: $CUR_LOG]"
  fi
  say "$CUR_TOOL: $name done in $((SECONDS - start))s"
}

# --- the Go toolchain ---------------------------------------------------------------------------
GO_CHECKED=''
check_go() {
  [[ -n $GO_CHECKED ]] && return 0
  command -v go >/dev/null 2>&1 ||
    die "go not found: install Go >= $GO_MIN_VERSION (https://go.dev/dl/ or your package manager) and put it on PATH"
  local have
  have=$(go env GOVERSION 2>/dev/null) || die "go does not run: check the Go installation (go env GOVERSION failed)"
  have=${have#go}
  if [[ $(printf '%s\n%s\n' "$GO_MIN_VERSION" "$have" | sort -V | head -n 1) != "$GO_MIN_VERSION" ]]; then
    die "go $have is too old: the pinned tools need Go >= $GO_MIN_VERSION"
  fi
  # Reproducible, self-contained builds: the local toolchain, static binaries, no VCS stamping.
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
  GO_CHECKED=$have
}

# check_pin FILE MODULE VERSION: the wrapper go.mod must require what versions.env says.
check_pin() {
  grep -q -E "^[[:space:]]*(require[[:space:]]+)?$2[[:space:]]+$3([[:space:]]|$)" "$1" ||
    die "$CUR_TOOL: $1 does not require $2 $3 as tools/versions.env says: update one to match the other"
}

# --- the recipes (their text is part of the cache key) ------------------------------------------
# Each runs in the wrapper module dir (when there is one) and writes into $OUT/bin.

build_toxiproxy() {
  check_pin go.mod github.com/Shopify/toxiproxy/v2 "$TOXIPROXY_VERSION"
  local ld="-s -w -X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION#v}"
  step "download modules" go mod download -x
  step "go build toxiproxy-server" go build -mod=readonly -trimpath -ldflags="$ld" -o "$OUT/bin/toxiproxy-server" github.com/Shopify/toxiproxy/v2/cmd/server
  step "go build toxiproxy-cli" go build -mod=readonly -trimpath -ldflags="$ld" -o "$OUT/bin/toxiproxy-cli" github.com/Shopify/toxiproxy/v2/cmd/cli
  step "check toxiproxy-server -version" "$OUT/bin/toxiproxy-server" -version
}

build_jaeger() {
  check_pin go.mod github.com/jaegertracing/jaeger "$JAEGER_MODULE_VERSION"
  local pkg=github.com/jaegertracing/jaeger/internal/version
  local ld="-s -w -X $pkg.latestVersion=$JAEGER_VERSION -X $pkg.commitSHA=module-$JAEGER_MODULE_VERSION -X $pkg.date=pinned"
  step "download modules" go mod download -x
  step "go build jaeger" go build -mod=readonly -trimpath -ldflags="$ld" -o "$OUT/bin/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger
  step "check jaeger version" "$OUT/bin/jaeger" version
}

build_victoria-logs() {
  check_pin go.mod github.com/VictoriaMetrics/VictoriaLogs "$VICTORIA_LOGS_VERSION"
  # the version string has the shape of upstream's own builds, so /metrics' short_version says it
  local ld="-s -w -X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-pinned-tags-$VICTORIA_LOGS_VERSION"
  step "download modules" go mod download -x
  step "go build victoria-logs" go build -mod=readonly -trimpath -ldflags="$ld" -o "$OUT/bin/victoria-logs" github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs
  step "check victoria-logs -version" "$OUT/bin/victoria-logs" -version
}

# --- one tool: skip, or build atomically --------------------------------------------------------
ensure_tool() {
  local tool=$1 link=${2:-link} key dir version lockfd tmp old
  key=$(tool_key "$tool")
  if tool_is_built "$tool" "$key"; then
    [[ $link == link ]] && link_tool "$tool"
    return 0
  fi
  check_go
  version=$(tool_version "$tool")
  dir=$(tool_dir "$tool")
  mkdir -p "$CACHE/$tool"
  exec {lockfd}>"$CACHE/$tool/.lock"
  if ! flock -n "$lockfd"; then
    say "$tool: another build of it is running, waiting for it"
    flock "$lockfd"
  fi
  if tool_is_built "$tool" "$key"; then # built meanwhile by the other run
    exec {lockfd}>&-
    [[ $link == link ]] && link_tool "$tool"
    return 0
  fi
  # leftovers of an interrupted build (we hold the lock, so none is running)
  find "$CACHE/$tool" -maxdepth 1 -name '.build-*' -exec chmod -R u+w {} + -exec rm -rf {} + 2>/dev/null || true

  tmp=$(mktemp -d "$CACHE/$tool/.build-XXXXXX")
  chmod 755 "$tmp"
  CUR_TOOL=$tool CUR_TMP=$tmp CUR_LOG=$CACHE/$tool/build-$version.log TOOL_START=$SECONDS
  OUT=$tmp
  mkdir -p "$OUT/bin"
  : >"$CUR_LOG"
  say "$tool $version: building (log: $CUR_LOG)"
  # in this shell, not a subshell, so a signal reaches the trap that ends the running step
  if [[ -d $TOOLS_SRC/$tool ]]; then cd "$TOOLS_SRC/$tool"; else cd "$tmp"; fi
  "build_$tool"
  cd "$ROOT"
  printf '%s\n' "$key" >"$tmp/.key"
  printf 'tool=%s\nversion=%s\ngo=%s\nbuilt=%s\nseconds=%s\n' "$tool" "$version" "$GO_CHECKED" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((SECONDS - TOOL_START))" >"$tmp/build-info"
  chmod -R u+w "$tmp" 2>/dev/null || true
  if [[ -e $dir ]]; then
    old=$(mktemp -d "$CACHE/$tool/.old-XXXXXX")
    mv "$dir" "$old/"
    mv "$tmp" "$dir"
    rm -rf "$old"
  else
    mv "$tmp" "$dir"
  fi
  CUR_TMP=''
  exec {lockfd}>&-
  say "$tool $version: built in $((SECONDS - TOOL_START))s -> $dir"
  [[ $link == link ]] && link_tool "$tool"
  CUR_TOOL=''
  return 0
}

retired_in_cache() {
  local t
  for t in "${RETIRED_TOOLS[@]}"; do [[ -e $CACHE/$t ]] && printf '%s ' "$t"; done
  return 0
}

prune_retired() {
  local t
  for t in $(retired_in_cache); do
    chmod -R u+w "${CACHE:?}/$t" 2>/dev/null || true
    rm -rf "${CACHE:?}/$t"
    say "removed $CACHE/$t (no longer built here)"
  done
  rm -f "$LINK_DIR/k6" "$LINK_DIR/xk6" "$LINK_DIR/loki"
}

main() {
  local tools=("$@") t left
  if [[ ${1:-} == --prune ]]; then
    prune_retired
    return 0
  fi
  ((${#tools[@]})) || tools=("${ALL_TOOLS[@]}")
  for t in "${tools[@]}"; do
    [[ " ${ALL_TOOLS[*]} " == *" $t "* ]] || die "unknown tool '$t': choose from ${ALL_TOOLS[*]}"
  done
  for t in "${tools[@]}"; do ensure_tool "$t"; done
  left=$(retired_in_cache)
  [[ -z $left ]] || say "the cache still holds ${left% } from an older checkout, no longer built here: tools/build.sh --prune deletes them"
}

main "$@"; exit $?
