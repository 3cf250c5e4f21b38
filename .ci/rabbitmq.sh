#!/usr/bin/env bash
# Starts a private RabbitMQ node on 127.0.0.1 for the Webhooks.Sdk.RabbitMQ tests: its own node name, AMQP port,
# distribution port, epmd port, data and log directories, so it never meets a system RabbitMQ.
#
# Use:   bash .ci/rabbitmq.sh         starts it (idempotent) and prints the variables to export on stdout
#        bash .ci/rabbitmq.sh stop    stops it and removes its directory
# Inputs (optional): WEBHOOKS_RABBITMQ_PORT (default 55672), WEBHOOKS_RABBITMQ_DIR (default /tmp/webhooks-rabbitmq)
# Outputs: WEBHOOKS_TEST_RABBITMQ          amqp://127.0.0.1:PORT (user guest, password guest)
#          WEBHOOKS_TEST_RABBITMQ_STOP_APP  shell command that stops the broker application (the node keeps running)
#          WEBHOOKS_TEST_RABBITMQ_START_APP shell command that starts it again and waits for it
# Needs Debian's rabbitmq-server package.
set -u
port="${WEBHOOKS_RABBITMQ_PORT:-55672}"
dir="${WEBHOOKS_RABBITMQ_DIR:-/tmp/webhooks-rabbitmq}"
bin=/usr/lib/rabbitmq/bin
[ -x "$bin/rabbitmq-server" ] || bin="$(dirname "$(command -v rabbitmq-server 2>/dev/null || echo /usr/sbin/rabbitmq-server)")"

export HOME="$dir/home"
export RABBITMQ_NODENAME="webhooks-test@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$port"
export RABBITMQ_DIST_PORT=$((port + 1))
export ERL_EPMD_PORT=$((port + 2))
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_ENABLED_PLUGINS="[]"
export RABBITMQ_SERVER_START_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
ctl="$bin/rabbitmqctl"

if [ "${1:-}" = "stop" ]; then
  if [ -d "$dir" ]; then
    "$ctl" -q shutdown >/dev/null 2>&1 || true
    epmd -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
    rm -rf "$dir"
  fi
  exit 0
fi

[ -x "$bin/rabbitmq-server" ] || { echo "rabbitmq: rabbitmq-server is not installed (Debian package rabbitmq-server)" >&2; exit 1; }
mkdir -p "$HOME" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
[ -f "$HOME/.erlang.cookie" ] || { head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$HOME/.erlang.cookie"; chmod 400 "$HOME/.erlang.cookie"; }
echo "[]." >"$RABBITMQ_ENABLED_PLUGINS_FILE"
cat >"$RABBITMQ_CONFIG_FILE.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
loopback_users = none
log.console = false
log.file.level = warning
CONF

if ! "$ctl" -q await_startup --timeout 5 >/dev/null 2>&1; then
  "$bin/rabbitmq-server" -detached >"$dir/start.log" 2>&1 || { echo "rabbitmq: start failed, see $dir/start.log" >&2; cat "$dir/start.log" >&2; exit 1; }
  # await_startup fails at once while the node has not registered with epmd yet: retry until it has.
  started=0
  for _ in $(seq 1 120); do
    if "$ctl" -q await_startup --timeout 120 >"$dir/await.log" 2>&1; then started=1; break; fi
    sleep 0.5
  done
  [ "$started" = 1 ] || { echo "rabbitmq: the node did not start" >&2; cat "$dir/await.log" >&2; tail -n 30 "$RABBITMQ_LOG_BASE"/*.log >&2 2>/dev/null; exit 1; }
fi

env_prefix="HOME=$HOME RABBITMQ_NODENAME=$RABBITMQ_NODENAME ERL_EPMD_PORT=$ERL_EPMD_PORT"
echo "rabbitmq: running on 127.0.0.1:$port (node $RABBITMQ_NODENAME)" >&2
echo "export WEBHOOKS_TEST_RABBITMQ='amqp://127.0.0.1:$port'"
echo "export WEBHOOKS_TEST_RABBITMQ_STOP_APP='$env_prefix $ctl -q stop_app'"
echo "export WEBHOOKS_TEST_RABBITMQ_START_APP='$env_prefix $ctl -q start_app && $env_prefix $ctl -q await_startup --timeout 60'"
