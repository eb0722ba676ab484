#!/usr/bin/env bash
# The Debian bookworm base every image here starts FROM, tagged $BASE_IMAGE.
# Where a registry serves debian:bookworm-slim it is pulled and tagged; where none is reachable
# (the lab's own machine) it is made from Debian's archive with `debootstrap --variant=minbase`
# and `docker import`, which needs root and the debootstrap package.
set -euo pipefail
BASE_IMAGE=${BASE_IMAGE:-faultline/base:bookworm}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

say() { printf 'images: %s\n' "$*"; }
die() { printf 'images: %s\n' "$*" >&2; exit 1; }

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then exit 0; fi

# a registry answers quickly or not at all here: a short bound keeps a cold build from hanging
if timeout "${FAULTLINE_PULL_TIMEOUT:-15}" docker pull -q "debian:$SUITE-slim" >/dev/null 2>&1; then
  docker tag "debian:$SUITE-slim" "$BASE_IMAGE"
  say "$BASE_IMAGE: pulled debian:$SUITE-slim"
  exit 0
fi

command -v debootstrap >/dev/null 2>&1 || die "no registry serves debian:$SUITE-slim and debootstrap is missing: run \`LAB_RUNTIME=compose make setup\`"
[[ $(id -u) == 0 ]] || die "no registry serves debian:$SUITE-slim and debootstrap needs root: run \`make images\` as root"
root=$(mktemp -d /var/tmp/faultline-base-XXXXXX)
trap 'rm -rf "$root"' EXIT
start=$SECONDS
say "$BASE_IMAGE: debootstrap --variant=minbase $SUITE (no registry serves debian:$SUITE-slim)"
debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$root.log" 2>&1 || die "debootstrap failed: $(tail -n 1 "$root.log") [log: $root.log]"
rm -f "$root.log"
# apt inside the images needs no recommends and keeps no lists: smaller layers
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90faultline"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
say "$BASE_IMAGE: made from Debian's archive in $((SECONDS - start)) s"
