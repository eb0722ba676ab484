#!/usr/bin/env bash
# Installs the Debian packages the native stack needs, when missing:
#   postgresql (initdb, postgres, pg_ctl), redis-server, prometheus (with promtool), iproute2 (ss).
# A no-op when all are installed (one dpkg-query). When something is missing: as root on Debian,
# `apt-get update` then `apt-get install -y`; otherwise one line saying what to install, exit 1.
#
# The lab runs its own instances (PostgreSQL 15432, Redis 16379, Prometheus 9090), so the daemons
# these packages would start as system services are kept from starting (policy-rc.d during the
# install), then stopped and disabled; prometheus and prometheus-node-exporter are also masked
# (Debian's prometheus service would take 9090, the lab's port).
#
#   tools/install-system-packages.sh                 install what is missing
#   tools/install-system-packages.sh --stop-services stop and disable the packaged daemons now
set -euo pipefail

# FAULTLINE_SYSTEM_PACKAGES overrides the list (for tests of this script).
read -r -a PACKAGES <<<"${FAULTLINE_SYSTEM_PACKAGES:-postgresql redis-server prometheus iproute2 chromium}"
# Packaged services that must not run as system daemons.
SERVICES=(postgresql redis-server prometheus prometheus-node-exporter)
MASKED=(prometheus prometheus-node-exporter)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

missing_packages() {
  local out pkg status
  declare -A ok=()
  out=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
  while read -r pkg status; do
    [[ $status == ii* ]] && ok[$pkg]=1
  done <<<"$out"
  for pkg in "${PACKAGES[@]}"; do [[ -n ${ok[$pkg]:-} ]] || printf '%s ' "$pkg"; done
}

is_debian() { [[ -r /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; }

# Stop and disable the packaged daemons: systemd when it runs, else the init scripts, then any
# daemon of those packages still running (found by its service user and process name).
# packaged_pids SERVICE: pids of that service's daemon as the Debian package runs it (its user, its
# config), never the lab's own instances (other ports, configs under .lab/).
packaged_pids() {
  local pid cmd
  case $1 in
    postgresql) pgrep -u postgres -f 'config_file=/etc/postgresql/' || true ;;
    redis-server) pgrep -u redis -f '^/usr/bin/redis-server [^ ]*:6379( |$)' || true ;;
    prometheus-node-exporter) pgrep -u prometheus -f '^/usr/bin/prometheus-node-exporter( |$)' || true ;;
    prometheus)
      for pid in $(pgrep -u prometheus -x prometheus || true); do
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
        [[ $cmd == *--config.file=* && $cmd != *--config.file=/etc/prometheus/* ]] || echo "$pid"
      done ;;
  esac
}

stop_services() {
  local svc pids m
  for svc in "${SERVICES[@]}"; do
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
      systemctl disable --now "$svc" >/dev/null 2>&1 || true
    else
      if [[ -x /etc/init.d/$svc ]]; then
        service "$svc" stop >/dev/null 2>&1 || "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
        command -v update-rc.d >/dev/null 2>&1 && update-rc.d "$svc" disable >/dev/null 2>&1 || true
      fi
    fi
    pids=$(packaged_pids "$svc")
    if [[ -n $pids ]]; then
      # shellcheck disable=SC2086
      kill -TERM $pids 2>/dev/null || true
      say "stopped the packaged $svc daemon (pid $(echo $pids))"
    fi
  done
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    for m in "${MASKED[@]}"; do systemctl mask "$m" >/dev/null 2>&1 || true; done
  fi
}

POLICY=/usr/sbin/policy-rc.d
POLICY_OURS=''
remove_policy() { if [[ -n $POLICY_OURS ]]; then rm -f "$POLICY"; POLICY_OURS=''; fi; }

install_packages() {
  local missing=("$@")
  # Keep the packages' daemons from starting during the install (invoke-rc.d and
  # deb-systemd-invoke honour policy-rc.d), unless the machine already has a policy.
  if [[ ! -e $POLICY ]]; then
    trap remove_policy EXIT
    printf '#!/bin/sh\n# faultline setup: no daemon starts while packages install\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    POLICY_OURS=1
  fi
  say "installing Debian packages: ${missing[*]} (apt-get update, then apt-get install)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || die "apt-get update failed: check the network and the apt sources, then rerun make setup"
  apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    die "apt-get install ${missing[*]} failed: see the apt output above"
  remove_policy
  stop_services
  say "installed ${missing[*]}; their system daemons are stopped and disabled (the lab runs its own)"
}

main() {
  if [[ ${1:-} == --stop-services ]]; then
    [[ $(id -u) -eq 0 ]] || die "--stop-services needs root: sudo $0 --stop-services"
    stop_services
    return 0
  fi
  [[ $# -eq 0 ]] || die "unknown argument '$1': usage: $0 [--stop-services]"

  local missing_list
  if ! is_debian; then
    die "not a Debian system: install PostgreSQL 15 (initdb, postgres, pg_ctl), redis-server, prometheus 2.x with promtool and iproute2 (ss) with your package manager"
  fi
  missing_list=$(missing_packages)
  [[ -z $missing_list ]] && return 0

  local missing
  read -r -a missing <<<"$missing_list"
  if [[ $(id -u) -ne 0 ]]; then
    die "missing Debian packages: ${missing[*]}: run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]} (then make setup again)"
  fi
  install_packages "${missing[@]}"
}

main "$@"; exit $?
