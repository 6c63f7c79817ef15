#!/usr/bin/env bash
# `fanout pull` against a real Arize Phoenix server: installs Phoenix and the OpenTelemetry
# Python SDK into a cached virtual environment (~/.cache/fanout-ci/phoenix-venv; about 3 minutes
# the first time), starts `phoenix serve` on free loopback ports with a temporary working
# folder, waits until it is healthy, then runs the ignored test in tests/pull_phoenix.rs, which
# sends an OpenInference agent run over OTLP/HTTP and pulls it back. Stops Phoenix on exit.
#
# Usage: tests/phoenix/run.sh            (from anywhere; extra arguments go to cargo test)
set -euo pipefail
cd "$(dirname "$0")/../.."

cache="${HOME:-/root}/.cache/fanout-ci"
venv="$cache/phoenix-venv"
mkdir -p "$cache"
if ! "$venv/bin/python" -c 'import phoenix, opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http' >/dev/null 2>&1; then
  echo "installing arize-phoenix and the OpenTelemetry SDK into $venv"
  start=$(date +%s)
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q arize-phoenix opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
  echo "installed in $(( $(date +%s) - start )) s"
fi

free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
work="$(mktemp -d)"
port="$(free_port)"
grpc_port="$(free_port)"
PHOENIX_WORKING_DIR="$work" PHOENIX_HOST=127.0.0.1 PHOENIX_PORT="$port" \
  PHOENIX_GRPC_PORT="$grpc_port" PHOENIX_TELEMETRY_ENABLED=false \
  "$venv/bin/phoenix" serve >"$work/phoenix.log" 2>&1 &
phoenix_pid=$!
cleanup() {
  kill "$phoenix_pid" 2>/dev/null || true
  wait "$phoenix_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start=$(date +%s)
until "$venv/bin/python" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=2)" >/dev/null 2>&1; do
  if ! kill -0 "$phoenix_pid" 2>/dev/null; then
    echo "phoenix serve exited:" >&2
    cat "$work/phoenix.log" >&2
    exit 1
  fi
  if [ $(( $(date +%s) - start )) -gt 180 ]; then
    echo "phoenix serve not healthy after 180 s:" >&2
    tail -20 "$work/phoenix.log" >&2
    exit 1
  fi
  sleep 1
done
echo "Phoenix $("$venv/bin/python" -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/arize_phoenix_version').read().decode())") up on 127.0.0.1:$port after $(( $(date +%s) - start )) s"

FANOUT_TEST_PHOENIX_URL="http://127.0.0.1:$port" FANOUT_TEST_PHOENIX_PYTHON="$venv/bin/python" \
  cargo test --locked --test pull_phoenix "$@" -- --ignored --nocapture
