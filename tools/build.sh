#!/usr/bin/env bash
# Builds the pinned Go tools (toxiproxy, jaeger, victoria-logs) from the Go module proxy into a
# cache outside the checkout and links their binaries into .tools/bin/.
#
#   tools/build.sh [tool...]      tools: toxiproxy jaeger victoria-logs kustomize kubeconform
#                                 (default: all of these, in that order)
#   tools/build.sh kubernetes     also the local Kubernetes control plane and its tools
#                                 (kube-control-plane kwok prometheus-adapter; minutes warm, ~40 cold)
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
# kustomize and kubeconform are small and every `make test` renders and validates the manifests.
ALL_TOOLS=(toxiproxy jaeger victoria-logs kustomize kubeconform)
# Only for LAB_RUNTIME=kubernetes and the tests against a real control plane: a long build.
KUBERNETES_TOOLS=(kube-control-plane kwok prometheus-adapter chaos-mesh-crds)
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
    kube-control-plane) echo "$KUBERNETES_VERSION" ;;
    kustomize) echo "$KUSTOMIZE_VERSION" ;;
    kubeconform) echo "$KUBECONFORM_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    prometheus-adapter) echo "$PROMETHEUS_ADAPTER_VERSION" ;;
    chaos-mesh-crds) echo "$CHAOS_MESH_API_VERSION" ;;
  esac
}
tool_bins() {
  case $1 in
    toxiproxy) echo "toxiproxy-server toxiproxy-cli" ;;
    jaeger) echo "jaeger" ;;
    victoria-logs) echo "victoria-logs" ;;
    kube-control-plane) echo "etcd kube-apiserver kube-controller-manager kube-scheduler kubectl" ;;
    kustomize) echo "kustomize" ;;
    kubeconform) echo "kubeconform" ;;
    kwok) echo "kwok kwokctl" ;;
    prometheus-adapter) echo "prometheus-adapter" ;;
    chaos-mesh-crds) echo "controller-gen" ;;
  esac
}
tool_vars() {
  case $1 in
    toxiproxy) echo "TOXIPROXY_VERSION" ;;
    jaeger) echo "JAEGER_VERSION JAEGER_MODULE_VERSION" ;;
    victoria-logs) echo "VICTORIA_LOGS_VERSION" ;;
    kube-control-plane) echo "KUBERNETES_VERSION KUBERNETES_STAGING_VERSION" ;;
    kustomize) echo "KUSTOMIZE_VERSION" ;;
    kubeconform) echo "KUBECONFORM_VERSION" ;;
    kwok) echo "KWOK_VERSION" ;;
    prometheus-adapter) echo "PROMETHEUS_ADAPTER_VERSION" ;;
    chaos-mesh-crds) echo "CONTROLLER_TOOLS_VERSION CHAOS_MESH_API_VERSION" ;;
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

build_kustomize() {
  check_pin go.mod sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
  local ld="-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION"
  step "download modules" go mod download -x
  step "go build kustomize" go build -mod=readonly -trimpath -ldflags="$ld" -o "$OUT/bin/kustomize" sigs.k8s.io/kustomize/kustomize/v5
  step "check kustomize version" "$OUT/bin/kustomize" version
}

build_kubeconform() {
  check_pin go.mod github.com/yannh/kubeconform "$KUBECONFORM_VERSION"
  step "download modules" go mod download -x
  step "go build kubeconform" go build -mod=readonly -trimpath -ldflags="-s -w -X main.version=$KUBECONFORM_VERSION" -o "$OUT/bin/kubeconform" github.com/yannh/kubeconform/cmd/kubeconform
  step "check kubeconform -v" "$OUT/bin/kubeconform" -v
}

build_kwok() {
  check_pin go.mod sigs.k8s.io/kwok "$KWOK_VERSION"
  local ld="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"
  step "download modules" go mod download -x
  step "go build kwok" go build -mod=readonly -trimpath -ldflags="$ld" -o "$OUT/bin/kwok" sigs.k8s.io/kwok/cmd/kwok
  step "go build kwokctl" go build -mod=readonly -trimpath -ldflags="$ld" -o "$OUT/bin/kwokctl" sigs.k8s.io/kwok/cmd/kwokctl
  step "check kwok --version" "$OUT/bin/kwok" --version
  step "copy kwok's stages" kwok_stages
}

# kwok does nothing without stages (what to do to a node or pod, and when): kwok's own "fast"
# ones, nodes ready at once and kept so by heartbeats, pods ready as soon as they are scheduled.
kwok_stages() {
  local src f
  src=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    printf -- '---\n'
    cat "$src/kustomize/stage/$f"
  done >"$OUT/kwok-stages.yaml"
}

build_prometheus-adapter() {
  check_pin go.mod sigs.k8s.io/prometheus-adapter "$PROMETHEUS_ADAPTER_VERSION"
  step "download modules" go mod download -x
  step "go build prometheus-adapter" go build -mod=readonly -trimpath -ldflags="-s -w" -o "$OUT/bin/prometheus-adapter" sigs.k8s.io/prometheus-adapter/cmd/adapter
  # it has no version flag, and --help exits 2: the module its binary records says what was built
  step "check the built module" go version -m "$OUT/bin/prometheus-adapter"
}

# controller-gen, then the CRDs it makes from the Chaos Mesh API types (crds/ beside bin/): the
# CRDs Chaos Mesh itself generates the same way, for the local control plane to install.
build_chaos-mesh-crds() {
  check_pin go.mod sigs.k8s.io/controller-tools "$CONTROLLER_TOOLS_VERSION"
  check_pin go.mod github.com/chaos-mesh/chaos-mesh/api "$CHAOS_MESH_API_VERSION"
  step "download modules" go mod download -x
  step "go build controller-gen" go build -mod=readonly -trimpath -ldflags="-s -w" -o "$OUT/bin/controller-gen" sigs.k8s.io/controller-tools/cmd/controller-gen
  step "controller-gen crd" "$OUT/bin/controller-gen" crd paths=github.com/chaos-mesh/chaos-mesh/api/v1alpha1 output:crd:dir="$OUT/crds"
  step "check the PodChaos and NetworkChaos CRDs" test -s "$OUT/crds/chaos-mesh.org_podchaos.yaml" -a -s "$OUT/crds/chaos-mesh.org_networkchaos.yaml"
}

# k8s.io/kubernetes is no library: its go.mod replaces every k8s.io/* staging module with
# ./staging/src/..., which the module zip lacks. So the module is copied out of the read-only
# module cache, each replace pointed at the published staging module of the same release, and the
# commands built inside the copy (as tools/build-compose.sh builds compose). etcd is built from the
# same tree, so it is the etcd this Kubernetes release pins.
kube_source_tree() {
  local src
  src=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $src && -d $src ]] || { echo "go mod download k8s.io/kubernetes@$KUBERNETES_VERSION gave no module dir"; return 1; }
  cp -r "$src" "$OUT/src"
  chmod -R u+w "$OUT/src"
  rm -f "$OUT/src/go.work" "$OUT/src/go.work.sum"
  sed -E -i "s#^([[:space:]]*)(k8s\.io/[A-Za-z0-9._-]+) => \./staging/src/k8s\.io/[A-Za-z0-9._-]+#\1\2 => \2 $KUBERNETES_STAGING_VERSION#" "$OUT/src/go.mod"
  ! grep -q '=> ./staging' "$OUT/src/go.mod" || { echo "go.mod still replaces a module with ./staging"; return 1; }
}

build_kube-control-plane() {
  local v=${KUBERNETES_VERSION#v} ld x
  x="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=${v%%.*}"
  x+=" -X k8s.io/component-base/version.gitMinor=$(cut -d. -f2 <<<"$v") -X k8s.io/component-base/version.gitTreeState=clean"
  x+=" -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
  ld="-s -w $x ${x//component-base\/version/client-go\/pkg\/version}"
  step "copy k8s.io/kubernetes $KUBERNETES_VERSION" kube_source_tree
  cd "$OUT/src"
  step "go build control plane and kubectl" env GOWORK=off go build -mod=mod -trimpath -ldflags="$ld" -o "$OUT/bin/" ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler ./cmd/kubectl
  step "go build etcd" env GOWORK=off go build -mod=mod -trimpath -ldflags="-s -w" -o "$OUT/bin/etcd" go.etcd.io/etcd/server/v3
  cd "$OUT"
  chmod -R u+w "$OUT/src" && rm -rf "$OUT/src"
  step "check kube-apiserver --version" "$OUT/bin/kube-apiserver" --version
  step "check etcd --version" "$OUT/bin/etcd" --version
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
  if [[ " ${tools[*]} " == *" kubernetes "* ]]; then
    tools=("${ALL_TOOLS[@]}" "${KUBERNETES_TOOLS[@]}")
  fi
  for t in "${tools[@]}"; do
    [[ " ${ALL_TOOLS[*]} ${KUBERNETES_TOOLS[*]} " == *" $t "* ]] ||
      die "unknown tool '$t': choose from ${ALL_TOOLS[*]} ${KUBERNETES_TOOLS[*]}, or kubernetes for all"
  done
  for t in "${tools[@]}"; do ensure_tool "$t"; done
  left=$(retired_in_cache)
  [[ -z $left ]] || say "the cache still holds ${left% } from an older checkout, no longer built here: tools/build.sh --prune deletes them"
}

main "$@"; exit $?
