#!/bin/bash
# First start: a cluster whose every connection needs a password (scram-sha-256), with the
# superuser `postgres` (POSTGRES_PASSWORD) and the services' role `faultline`
# (FAULTLINE_DB_PASSWORD): no superuser, owner of its schema `faultline` in a database it does
# not own, as lab/stack/components/postgres-roles.ts makes it natively (the lab runs that too, so
# a password changed since is set again). Both come from the lab's 0600 env file. Then the server
# with the flags the compose file passes.
set -euo pipefail
for name in POSTGRES_PASSWORD FAULTLINE_DB_PASSWORD; do
  if [[ ! ${!name:-} =~ ^[A-Za-z0-9_-]{32,}$ ]]; then
    echo "start-postgres: $name is not set (or not a generated secret): write the lab's inputs with \`node lab/stack/compose/write-defaults.ts --lab\` (or run \`LAB_RUNTIME=compose make up\`)" >&2
    exit 2
  fi
done
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  initdb -D "$PGDATA" -U postgres --auth=scram-sha-256 --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --encoding=UTF8 --locale=C --no-sync --no-instructions >/dev/null
  single() { postgres --single -D "$PGDATA" -c fsync=off -c password_encryption=scram-sha-256 "$1" >/dev/null; }
  single postgres <<SQL
CREATE ROLE faultline LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$FAULTLINE_DB_PASSWORD'
CREATE DATABASE faultline OWNER postgres
REVOKE ALL ON DATABASE faultline FROM PUBLIC
GRANT CONNECT, TEMPORARY ON DATABASE faultline TO faultline
SQL
  single faultline <<SQL
CREATE SCHEMA faultline AUTHORIZATION faultline
REVOKE CREATE ON SCHEMA public FROM PUBLIC
SQL
fi
unset POSTGRES_PASSWORD FAULTLINE_DB_PASSWORD
exec postgres -D "$PGDATA" -c password_encryption=scram-sha-256 "$@"
