#!/usr/bin/env bash
# Starts a private PostgreSQL server on 127.0.0.1 for the Webhooks.Sdk.PostgreSql tests.
#
# Use:   source .ci/postgres.sh        (from the repository root; .ci/run does this)
#        ... run the tests ...
#        postgres_stop                 (stops the server and removes its data directory)
# or:    bash .ci/postgres.sh          (starts it and prints the variables to export)
#        bash .ci/postgres.sh stop     (stops it and removes its data directory)
#
# Inputs (all optional):
#   WEBHOOKS_PG_PORT      port to listen on (default 55432)
#   WEBHOOKS_PG_DATA      data directory (default /tmp/webhooks-pg-data)
# Outputs (exported):
#   WEBHOOKS_TEST_POSTGRES          Npgsql connection string of database "webhooks_test"
#   WEBHOOKS_TEST_POSTGRES_RESTART  shell command that restarts the server (the restart test runs it)
# Defines postgres_stop. Installs Debian's "postgresql" package with apt-get when the server binaries are missing.
# Works as root (the server then runs as the "postgres" user) or as an ordinary user.

_webhooks_pg_main() {
  local port="${WEBHOOKS_PG_PORT:-55432}"
  local data="${WEBHOOKS_PG_DATA:-/tmp/webhooks-pg-data}"
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
    echo "postgres: installing Debian's postgresql package" >&2
    (apt-get update -qq || true) >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || { echo "postgres: apt-get install postgresql failed" >&2; return 1; }
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  fi

  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres || return 1
    run=(runuser -u postgres --)
  fi

  local log="$data.log"
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    mkdir -p "$data" || return 1
    [ "$(id -u)" -eq 0 ] && chown postgres "$data"
    "${run[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null || { echo "postgres: initdb failed" >&2; return 1; }
  fi
  touch "$log"; [ "$(id -u)" -eq 0 ] && chown postgres "$log"

  local opts="-c listen_addresses=127.0.0.1 -p $port -k /tmp -c fsync=on -c max_connections=200"
  if ! "${run[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    "${run[@]}" "$bin/pg_ctl" -D "$data" -l "$log" -o "$opts" -w -t 60 start >/dev/null || { echo "postgres: start failed, see $log" >&2; tail -n 20 "$log" >&2; return 1; }
  fi

  local exists
  exists="$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='webhooks_test'")" || return 1
  if [ "$exists" != "1" ]; then
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE webhooks_test" || return 1
  fi

  export WEBHOOKS_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=webhooks_test"
  local prefix=""
  [ "$(id -u)" -eq 0 ] && prefix="runuser -u postgres -- "
  export WEBHOOKS_TEST_POSTGRES_RESTART="${prefix}$bin/pg_ctl -D $data -l $log -o '$opts' -w -t 60 -m fast restart"
  _WEBHOOKS_PG_STOP="${prefix}$bin/pg_ctl -D $data -w -m fast stop; rm -rf $data $log"
  echo "postgres: running on 127.0.0.1:$port" >&2
}

postgres_stop() {
  [ -n "${_WEBHOOKS_PG_STOP:-}" ] && eval "$_WEBHOOKS_PG_STOP" >/dev/null 2>&1
  _WEBHOOKS_PG_STOP=""
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = "stop" ]; then
  _data="${WEBHOOKS_PG_DATA:-/tmp/webhooks-pg-data}"
  _bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  _run=(); [ "$(id -u)" -eq 0 ] && _run=(runuser -u postgres --)
  "${_run[@]}" "$_bin/pg_ctl" -D "$_data" -w -m fast stop >/dev/null 2>&1
  rm -rf "$_data" "$_data.log"
  exit 0
fi

if _webhooks_pg_main; then
  if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "export WEBHOOKS_TEST_POSTGRES='$WEBHOOKS_TEST_POSTGRES'"
    echo "export WEBHOOKS_TEST_POSTGRES_RESTART=\"$WEBHOOKS_TEST_POSTGRES_RESTART\""
  fi
else
  [ "${BASH_SOURCE[0]}" = "$0" ] && exit 1
  false
fi
