#!/usr/bin/env bash
# Runs every fuzz target in turn for SECONDS (default 10) each, one at a time; fails on the first
# crash. Usage: fuzz/run-all.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
fuzz/seed.sh >/dev/null
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in $(cargo +nightly fuzz list); do
  status=0
  cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "$t: ${secs}s, $runs executions, exit $status"
  if [ "$status" -ne 0 ]; then
    grep -E "ERROR|panicked|SUMMARY|artifact" "$log" | head -20 >&2
    echo "fuzz target $t crashed: see fuzz/artifacts/$t" >&2
    exit 1
  fi
done
