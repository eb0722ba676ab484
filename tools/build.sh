#!/usr/bin/env bash
# Builds the pinned Go tools (toxiproxy, k6 via xk6, jaeger, loki) from the Go module proxy into a
# cache outside the checkout and links their binaries into .tools/bin/.
#
#   tools/build.sh [tool...]      tools: toxiproxy k6 jaeger loki (default: all, in that order)
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
ALL_TOOLS=(toxiproxy k6 jaeger loki)

say() { printf 'tools: %s\n' "$*"; }
die() { printf 'tools: %s\n' "$*" >&2; exit 1; }

# --- what each tool is --------------------------------------------------------------------------
# tool_version: the cache directory name; tool_bins: binaries linked into .tools/bin;
# tool_vars: the versions.env entries that shape the build (part of the cache key).
tool_version() {
  case $1 in
    toxiproxy) echo "$TOXIPROXY_VERSION" ;;
    k6) echo "$K6_VERSION" ;;
    xk6) echo "$XK6_VERSION" ;;
    jaeger) echo "$JAEGER_VERSION" ;;
    loki) echo "$LOKI_VERSION" ;;
  esac
}
tool_bins() {
  case $1 in
    toxiproxy) echo "toxiproxy-server toxiproxy-cli" ;;
    k6) echo "k6" ;;
    xk6) echo "xk6" ;;
    jaeger) echo "jaeger" ;;
    loki) echo "loki" ;;
  esac
}
tool_vars() {
  case $1 in
    toxiproxy) echo "TOXIPROXY_VERSION" ;;
    k6) echo "K6_VERSION K6_MODULE XK6_VERSION" ;;
    xk6) echo "XK6_VERSION" ;;
    jaeger) echo "JAEGER_VERSION JAEGER_MODULE_VERSION" ;;
    loki) echo "LOKI_VERSION" ;;
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

build_xk6() {
  check_pin go.mod go.k6.io/xk6 "$XK6_VERSION"
  step "download modules" go mod download -x
  step "go build xk6" go build -mod=readonly -trimpath -ldflags="-s -w" -o "$OUT/bin/xk6" go.k6.io/xk6
}

build_k6() {
  local xk6 withs=() spec
  xk6=$(tool_dir xk6)/bin/xk6
  while read -r spec; do
    # a local extension dir (module=./dir) is made absolute: xk6 builds in a temp dir
    [[ $spec == *=./* ]] && spec="${spec%%=*}=$PWD/${spec#*=./}"
    withs+=(--with "$spec")
  done < <(grep -v -E '^[[:space:]]*(#|$)' extensions.txt)
  mkdir -p "$OUT/tmp"
  step "xk6 build $K6_VERSION ${withs[*]}" env -u XK6_K6_REPO TMPDIR="$OUT/tmp" K6_AUTO_EXTENSION_RESOLUTION=false \
    "$xk6" build "$K6_VERSION" --k6-repo "$K6_MODULE" "${withs[@]}" --output "$OUT/bin/k6"
  rm -rf "$OUT/tmp"
  step "check k6 version lists the extensions" k6_lists_extensions "$OUT/bin/k6"
}

# k6_lists_extensions K6: `k6 version` must name every module of extensions.txt.
k6_lists_extensions() {
  local out mod
  out=$(K6_AUTO_EXTENSION_RESOLUTION=false K6_NO_USAGE_REPORT=true "$1" version) || return 1
  printf '%s\n' "$out"
  while read -r mod; do
    mod=${mod%%=*}; mod=${mod%%@*}
    grep -q -F "$mod" <<<"$out" || { echo "error: k6 version does not list the extension $mod"; return 1; }
  done < <(grep -v -E '^[[:space:]]*(#|$)' extensions.txt)
}

build_jaeger() {
  check_pin go.mod github.com/jaegertracing/jaeger "$JAEGER_MODULE_VERSION"
  local pkg=github.com/jaegertracing/jaeger/internal/version
  local ld="-s -w -X $pkg.latestVersion=$JAEGER_VERSION -X $pkg.commitSHA=module-$JAEGER_MODULE_VERSION -X $pkg.date=pinned"
  step "download modules" go mod download -x
  step "go build jaeger" go build -mod=readonly -trimpath -ldflags="$ld" -o "$OUT/bin/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger
  step "check jaeger version" "$OUT/bin/jaeger" version
}

build_loki() {
  check_pin go.mod github.com/grafana/loki/v3 "$LOKI_VERSION"
  local pkg=github.com/grafana/loki/v3/pkg/util/build
  local ld="-s -w -X $pkg.Version=${LOKI_VERSION#v} -X $pkg.Branch=$LOKI_VERSION -X $pkg.Revision=pinned -X $pkg.BuildUser=faultline -X $pkg.BuildDate=pinned"
  step "download modules" go mod download -x
  step "go build loki" go build -mod=readonly -trimpath -ldflags="$ld" -o "$OUT/bin/loki" github.com/grafana/loki/v3/cmd/loki
  step "check loki -version" "$OUT/bin/loki" -version
}

# --- one tool: skip, or build atomically --------------------------------------------------------
ensure_tool() {
  local tool=$1 link=${2:-link} key dir version lockfd tmp old
  key=$(tool_key "$tool")
  if tool_is_built "$tool" "$key"; then
    [[ $link == link ]] && link_tool "$tool"
    return 0
  fi
  [[ $tool == k6 ]] && ensure_tool xk6 nolink
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

main() {
  local tools=("$@") t
  ((${#tools[@]})) || tools=("${ALL_TOOLS[@]}")
  for t in "${tools[@]}"; do
    [[ " ${ALL_TOOLS[*]} " == *" $t "* ]] || die "unknown tool '$t': choose from ${ALL_TOOLS[*]}"
  done
  for t in "${tools[@]}"; do ensure_tool "$t"; done
}

main "$@"; exit $?
