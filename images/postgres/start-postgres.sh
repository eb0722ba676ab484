#!/bin/bash
# First start: a cluster with the lab's user and database (trust auth, as natively); then the
# server with the flags the compose file passes.
set -euo pipefail
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  initdb -D "$PGDATA" -U faultline --auth=trust --encoding=UTF8 --locale=C --no-sync --no-instructions >/dev/null
  echo 'CREATE DATABASE faultline OWNER faultline' | postgres --single -D "$PGDATA" -c fsync=off postgres >/dev/null
fi
exec postgres -D "$PGDATA" "$@"
