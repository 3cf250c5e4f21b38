#!/usr/bin/env bash
# Starts a private NATS server with JetStream on 127.0.0.1 for the Webhooks.Sdk.Nats tests.
#
# Use:   bash .ci/nats.sh         starts it (idempotent) and prints the variables to export on stdout
#        bash .ci/nats.sh stop    stops it and removes its data directory
# Inputs (optional): WEBHOOKS_NATS_PORT (default 54222), WEBHOOKS_NATS_DATA (default /tmp/webhooks-nats)
# Outputs: WEBHOOKS_TEST_NATS   the server URL, nats://127.0.0.1:PORT
# Needs Debian's nats-server package.
set -u
port="${WEBHOOKS_NATS_PORT:-54222}"
data="${WEBHOOKS_NATS_DATA:-/tmp/webhooks-nats}"
pidfile="$data.pid"

if [ "${1:-}" = "stop" ]; then
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 1 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$data" "$pidfile" "$data.log"
  exit 0
fi

command -v nats-server >/dev/null || { echo "nats: nats-server is not installed (Debian package nats-server)" >&2; exit 1; }
if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
  mkdir -p "$data"
  nohup nats-server -a 127.0.0.1 -p "$port" -js -sd "$data" -P "$pidfile" >"$data.log" 2>&1 </dev/null &
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "nats: did not start, see $data.log" >&2; tail -n 20 "$data.log" >&2; exit 1; }
fi
echo "nats: running on 127.0.0.1:$port" >&2
echo "export WEBHOOKS_TEST_NATS='nats://127.0.0.1:$port'"
