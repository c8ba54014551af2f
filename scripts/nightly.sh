#!/usr/bin/env bash
# A nightly regression job: prepare (skipped when already done), run the insert benchmark at a
# fixed arrival rate (open loop: stabler latency than a closed loop), gate it against the last
# NIGHTS nights, keep the history. Exit code: the gate's (0 pass, 1 regression, 2 invalid options or
# a malformed run.json, 3 nothing to judge: tonight's run incomplete, failed or without operations).
#
#   HISTORY=/var/lib/innobench/nightly RATE=3000/s NIGHTS=7 bash scripts/nightly.sh
#
# REMOTE_WRITE=http://prometheus:9090/api/v1/write pushes the run's series to Prometheus as it goes
# (`run --prometheus-remote-write`); LISTEN=9464 serves the live page and /metrics meanwhile.
#
# Connection as for every innobench command: MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_USER, MYSQL_PWD
# or an option file; never put the password on the command line.
set -euo pipefail
cd "$(dirname "$0")/.."

HISTORY=${HISTORY:-results/nightly}
NIGHTS=${NIGHTS:-7}
RATE=${RATE:-3000/s}
DURATION=${DURATION:-120s}
WORKERS=${WORKERS:-100}
FLAG=${FLAG:-nightly}
innobench() { node dist/src/cli/main.js "$@"; }

mkdir -p "$HISTORY/runs" "$HISTORY/reports"
npm run build --silent
innobench prepare insert-features --flag "$FLAG" --scale small

tonight=$(mktemp -d)
innobench run insert-features --flag "$FLAG" --fresh --workers "$WORKERS" --rate "$RATE" \
  --duration "$DURATION" --results "$tonight" \
  ${REMOTE_WRITE:+--prometheus-remote-write "$REMOTE_WRITE"} ${LISTEN:+--listen "$LISTEN"} >/dev/null
run_dir=$(find "$tonight" -mindepth 1 -maxdepth 1 -type d | head -n 1)
stamp=$(basename "$run_dir")

# The first night has no history: it is still held to the absolute thresholds (complete, no
# errors, rows accounted for), and says so instead of passing on an empty baseline unnoticed.
first_night=()
if ! compgen -G "$HISTORY/runs/*/run.json" >/dev/null; then
  echo "first night: no history to compare with; if it passes, this run becomes the baseline" >&2
  first_night=(--allow-no-baseline)
fi
status=0
innobench gate --baseline "$HISTORY/runs" --baseline-last "$NIGHTS" --current "$run_dir" "${first_night[@]}" \
  --threshold "opsPerSec >= -5%" --threshold "latency.p99 <= +20%" \
  --threshold "errors == 0" --threshold "accounting == ok" --threshold "verification == ok" \
  --threshold "exhausted == 0" --threshold "droppedPct <= 0.1" \
  --junit "$HISTORY/reports/$stamp.junit.xml" --markdown "$HISTORY/reports/$stamp.md" || status=$?

# Tonight joins the history only when it passed, so a regression never becomes the new normal.
if [ "$status" -eq 0 ]; then kept="$HISTORY/runs/$stamp"; else kept="$HISTORY/reports/$stamp.failed-run"; fi
mv "$run_dir" "$kept"
rmdir "$tonight" 2>/dev/null || true
innobench report "$kept" -o "$HISTORY/reports/$stamp.html" || echo "report not written" >&2
exit "$status"
