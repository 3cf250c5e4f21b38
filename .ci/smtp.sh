#!/usr/bin/env bash
# Starts two private SMTP servers (aiosmtpd) on 127.0.0.1 for the Webhooks.Sdk.Email tests, with a self-signed
# certificate made here: one that offers STARTTLS (plain text stays possible for the opt-in test) and one that speaks
# TLS from the first byte (smtps). Both store accepted messages in one Maildir (handler: .ci/smtp_handler.py).
#
# Use:   bash .ci/smtp.sh         starts them (idempotent) and prints the variables to export on stdout
#        bash .ci/smtp.sh stop    stops them and removes their directory
# Inputs (optional): WEBHOOKS_SMTP_PORT (default 54025; smtps uses PORT+1), WEBHOOKS_SMTP_DIR (default /tmp/webhooks-smtp)
# Outputs: WEBHOOKS_TEST_SMTP          smtp://127.0.0.1:PORT (STARTTLS)
#          WEBHOOKS_TEST_SMTPS         smtps://127.0.0.1:PORT+1
#          WEBHOOKS_TEST_SMTP_MAILDIR  the Maildir the servers write to
#          WEBHOOKS_TEST_SMTP_CA       the certificate (PEM) the servers present, to trust as a custom CA
# Needs Debian's python3-aiosmtpd and openssl packages.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
port="${WEBHOOKS_SMTP_PORT:-54025}"
tls_port=$((port + 1))
dir="${WEBHOOKS_SMTP_DIR:-/tmp/webhooks-smtp}"
py=/usr/bin/python3; [ -x "$py" ] || py=python3

stop_one() {
  local pidfile="$1"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 1 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
  fi
}

if [ "${1:-}" = "stop" ]; then
  stop_one "$dir/starttls.pid"; stop_one "$dir/smtps.pid"
  rm -rf "$dir"
  exit 0
fi

"$py" -c "import aiosmtpd" 2>/dev/null || { echo "smtp: python3-aiosmtpd is not installed" >&2; exit 1; }
mkdir -p "$dir/maildir/tmp" "$dir/maildir/new" "$dir/maildir/cur"
if [ ! -f "$dir/cert.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:smtp.example.test" -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1 || { echo "smtp: openssl failed" >&2; exit 1; }
fi

start_one() {
  local name="$1" listen_port="$2"; shift 2
  local pidfile="$dir/$name.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  PYTHONPATH="$here" nohup "$py" -m aiosmtpd -n -l "127.0.0.1:$listen_port" "$@" \
    -c smtp_handler.MaildirHandler "$dir/maildir" >"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$listen_port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "smtp: $name server did not start, see $dir/$name.log" >&2; tail -n 20 "$dir/$name.log" >&2
  return 1
}

start_one starttls "$port" --tlscert "$dir/cert.pem" --tlskey "$dir/key.pem" --no-requiretls || exit 1
start_one smtps "$tls_port" --smtpscert "$dir/cert.pem" --smtpskey "$dir/key.pem" || exit 1
echo "smtp: running on 127.0.0.1:$port (STARTTLS) and 127.0.0.1:$tls_port (smtps)" >&2
echo "export WEBHOOKS_TEST_SMTP='smtp://127.0.0.1:$port'"
echo "export WEBHOOKS_TEST_SMTPS='smtps://127.0.0.1:$tls_port'"
echo "export WEBHOOKS_TEST_SMTP_MAILDIR='$dir/maildir'"
echo "export WEBHOOKS_TEST_SMTP_CA='$dir/cert.pem'"
