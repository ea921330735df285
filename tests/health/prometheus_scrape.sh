#!/usr/bin/env bash
# A real Prometheus (Debian's package) scrapes `opskit health serve` on
# 127.0.0.1, and its query API returns opskit's series; the alerting rules
# `opskit health rules` writes load, and the one a policy breaches fires.
#
#   tests/health/prometheus_scrape.sh OPSKIT
set -euo pipefail
OPSKIT=$1
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A rule every host breaches at once (memory used above -1 %, no `for`),
# and pending upgrades checked in the background.
cat > "$work/policy.toml" <<'TOML'
[maintenance]
apt_upgrades = true

[[rule]]
name = "always_on"
metric = "memory.used_percent"
warn = -1.0
TOML
"$OPSKIT" health rules --policy "$work/policy.toml" > "$work/rules.yml"
"$OPSKIT" health serve --listen 127.0.0.1:0 --policy "$work/policy.toml" > "$work/serve.out" &
pids+=($!)
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
target=$(sed -n 's|.*http://\(127.0.0.1:[0-9]*\).*|\1|p' "$work/serve.out")
[ -n "$target" ] || { echo "FAIL: opskit health serve did not start" >&2; exit 1; }

pport=$(free_port)
cat > "$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["$work/rules.yml"]
scrape_configs:
  - job_name: opskit
    static_configs:
      - targets: ["$target"]
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$pport" > "$work/prometheus.log" 2>&1 &
pids+=($!)

query() { curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1"; }
for _ in $(seq 60); do
  if query 'opskit_load1' | grep -q '"result":\[{'; then break; fi
  sleep 0.5
done
for q in 'opskit_load1' 'opskit_filesystem_avail_bytes{mountpoint="/"}' 'opskit_cpu_seconds_total{mode="idle"}' \
         'process_open_fds{job="opskit"}' 'opskit_check_up{check="disk_full:/"}' 'up{job="opskit"} == 1' \
         'opskit_reboot_required' 'opskit_filesystem_device_error{mountpoint="/"} == 0'; do
  query "$q" | grep -q '"result":\[{' || { echo "FAIL: Prometheus has no $q" >&2; tail -5 "$work/prometheus.log" >&2; exit 1; }
  echo "ok: Prometheus scraped $q"
done
# apt-get runs in the background (seconds): its series appear on a later scrape.
for _ in $(seq 60); do
  query 'opskit_apt_upgrades_pending' | grep -q '"result":\[{' && break
  sleep 0.5
done
query 'opskit_apt_upgrades_pending' | grep -q '"result":\[{' || { echo "FAIL: Prometheus has no opskit_apt_upgrades_pending" >&2; exit 1; }
echo "ok: Prometheus scraped opskit_apt_upgrades_pending (apt-get in the background)"
alerts() { curl -s "http://127.0.0.1:$pport/api/v1/alerts"; }
for _ in $(seq 40); do
  alerts | grep -q '"alertname":"OpskitAlwaysOnWarning"' && break
  sleep 0.5
done
alerts | grep -q '"alertname":"OpskitAlwaysOnWarning"' || { echo "FAIL: OpskitAlwaysOnWarning never fired" >&2; alerts >&2; exit 1; }
echo "ok: Prometheus fired OpskitAlwaysOnWarning from opskit's rule file"
curl -s "http://127.0.0.1:$pport/api/v1/rules" | grep -q '"name":"OpskitDiskFullCritical"' \
  || { echo "FAIL: the default rules did not load" >&2; exit 1; }
echo "ok: Prometheus loaded the default rules"
# Every query of the Grafana dashboard in examples/ runs on the scraped
# series: success, and a non-empty answer (swap only where there is swap).
sleep 3  # rate() needs two scrapes in its window
dashboard=$(dirname "$0")/../../examples/grafana/opskit-host.json
python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["panels"]:
    for t in p["targets"]:
        print(t["expr"].replace("$__rate_interval", "1m").replace("$instance", ".*"))
' "$dashboard" > "$work/exprs"
while IFS= read -r q; do
  answer=$(query "$q")
  echo "$answer" | grep -q '"status":"success"' || { echo "FAIL: dashboard query failed: $q: $answer" >&2; exit 1; }
  if ! echo "$answer" | grep -q '"result":\[{'; then
    case "$q" in *swap*) ;; *) echo "FAIL: dashboard query is empty: $q" >&2; exit 1 ;; esac
  fi
done < "$work/exprs"
echo "ok: the Grafana dashboard's $(wc -l < "$work/exprs") queries answer"
echo "PASS prometheus scrape"
