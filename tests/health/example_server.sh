#!/usr/bin/env bash
# Start one of the example health servers (the command given, which prints
# "listening on URL"), scrape /metrics as Prometheus would and /health as a
# load balancer would, check both, and stop it.
#
#   tests/health/example_server.sh CMD [ARGS…]
set -euo pipefail
work=$(mktemp -d)
"$@" > "$work/out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/out")
[ -n "$url" ] || { echo "FAIL: $* did not start" >&2; cat "$work/out" >&2; exit 1; }
curl -sf -H 'Accept: text/plain;version=0.0.4' -D "$work/headers" "$url/metrics" > "$work/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$work/headers" || { echo "FAIL: content type" >&2; cat "$work/headers" >&2; exit 1; }
grep -q '^opskit_memory_total_bytes [0-9]' "$work/metrics" || { echo "FAIL: no opskit_memory_total_bytes" >&2; exit 1; }
promtool check metrics < "$work/metrics" > "$work/promtool" 2>&1 || true
[ ! -s "$work/promtool" ] || { echo "FAIL: promtool:" >&2; cat "$work/promtool" >&2; exit 1; }
curl -s -H 'Accept: application/openmetrics-text;version=1.0.0' "$url/metrics" | tail -1 | grep -qx '# EOF' \
  || { echo "FAIL: no OpenMetrics on request" >&2; exit 1; }
code=$(curl -s -o "$work/health" -w '%{http_code}' "$url/health")
status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$work/health")
case "$code/$status" in
  200/pass|200/warn|503/fail) ;;
  *) echo "FAIL: /health answered $code with status $status" >&2; exit 1 ;;
esac
echo "PASS $*: /metrics and /health ($code $status)"
