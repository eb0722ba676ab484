#!/usr/bin/env bash
# Builds every image of docker-compose.yml from this repository, in dependency order:
# base (Debian bookworm, images/base/build-base.sh) -> runtime -> one image per component.
# The Go tools' binaries come from the tool cache (tools/build.sh), staged into images/<tool>/bin/.
# Builds use Docker's classic builder on the host network (no buildx here, no bridge network),
# whose layer cache keeps a warm run to seconds.
#
#   images/build.sh [image...]   images: runtime postgres redis prometheus toxiproxy jaeger victoria-logs app (all by
#                                default, or `all` among others), load (only when named)
#   images/build.sh all load     the default images and the load engine's
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_BIN=${FAULTLINE_TOOLS_BIN:-$ROOT/.tools/bin}
export DOCKER_BUILDKIT=0
ALL=(runtime postgres redis prometheus toxiproxy jaeger victoria-logs app)
# built only when named: the engine image is for load from a cluster (deploy/kubernetes/load/)
EXTRA=(load)

say() { printf 'images: %s\n' "$*"; }
die() { printf 'images: %s\n' "$*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}): start one, or run \`LAB_RUNTIME=compose make images\` as root to let the lab start its own"

# tag (as docker-compose.yml names it) and context of each image
tag_of() {
  case $1 in
    runtime) echo faultline/runtime:bookworm ;;
    postgres) echo faultline/postgres:15 ;;
    redis) echo faultline/redis:7.0 ;;
    prometheus) echo faultline/prometheus:2.42 ;;
    toxiproxy) echo faultline/toxiproxy:v2.12.0 ;;
    jaeger) echo faultline/jaeger:v2.12.0 ;;
    victoria-logs) echo faultline/victoria-logs:v1.52.1 ;;
    app) echo faultline/app:local ;;
    load) echo faultline/load:local ;;
    *) die "unknown image '$1': choose from ${ALL[*]} ${EXTRA[*]}, or all" ;;
  esac
}
bins_of() {
  case $1 in
    toxiproxy) echo toxiproxy-server toxiproxy-cli ;;
    jaeger) echo jaeger ;;
    victoria-logs) echo victoria-logs ;;
  esac
}

# copies a tool's binaries into its context (only when they differ: the layer cache keys on content)
stage_bins() {
  local image=$1 b src
  mkdir -p "$ROOT/images/$image/bin"
  for b in $(bins_of "$image"); do
    src=$TOOLS_BIN/$b
    [[ -x $src ]] || die "$b is missing in $TOOLS_BIN: run \`tools/build.sh\` (it builds the pinned tools) first"
    cmp -s "$src" "$ROOT/images/$image/bin/$b" || cp -L "$src" "$ROOT/images/$image/bin/$b"
  done
}

# the host's extra CA certificates, for npm ci inside the app build (see images/app/Dockerfile)
stage_extra_ca() {
  local dir=$ROOT/images/app/extra-ca
  mkdir -p "$dir"
  if [[ -n ${NODE_EXTRA_CA_CERTS:-} && -r $NODE_EXTRA_CA_CERTS ]]; then
    cmp -s "$NODE_EXTRA_CA_CERTS" "$dir/extra.crt" || cp "$NODE_EXTRA_CA_CERTS" "$dir/extra.crt"
  else
    rm -f "$dir/extra.crt"
  fi
}

build_one() {
  local image=$1 tag context start=$SECONDS
  tag=$(tag_of "$image")
  if [[ $image == app || $image == load ]]; then context=$ROOT; else context=$ROOT/images/$image; fi
  [[ -n $(bins_of "$image") ]] && stage_bins "$image"
  [[ $image == app || $image == load ]] && stage_extra_ca
  local log
  log=$(mktemp /tmp/faultline-image-XXXXXX.log)
  if ! docker build --network host -t "$tag" -f "$ROOT/images/$image/Dockerfile" "$context" >"$log" 2>&1; then
    die "$tag failed to build: $(grep -i -E 'err|fail|returned a non-zero' "$log" | tail -n 2 | tr '\n' ' ') [log: $log]"
  fi
  rm -f "$log"
  say "$tag built in $((SECONDS - start)) s"
}

main() {
  local named=("$@") images=() start=$SECONDS i
  ((${#named[@]})) || named=(all)
  for i in "${named[@]}"; do
    if [[ $i == all ]]; then images+=("${ALL[@]}"); else images+=("$i"); fi
  done
  for i in "${images[@]}"; do tag_of "$i" >/dev/null; done
  "$ROOT/images/base/build-base.sh"
  [[ " ${images[*]} " == *" runtime "* ]] || docker image inspect "$(tag_of runtime)" >/dev/null 2>&1 || images=(runtime "${images[@]}")
  for i in "${images[@]}"; do build_one "$i"; done
  say "${#images[@]} images ready in $((SECONDS - start)) s"
}

main "$@"
