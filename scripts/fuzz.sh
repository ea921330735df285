#!/usr/bin/env bash
# Run each cargo-fuzz target for SECONDS seconds, JOBS at a time, and print
# one line per target: executions, seconds, corpus size, findings.
# Usage: scripts/fuzz.sh SECONDS JOBS TARGET...
# The committed seeds (fuzz/corpus/T) are read, never written: new inputs
# go to target/fuzz/corpus/T, findings to fuzz/artifacts/T, logs to
# target/fuzz/logs/T.log.
set -u
seconds=$1 jobs=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/target/fuzz/logs"
# Scratch files of the bagit target go to memory.
export TMPDIR=/dev/shm
run_one() {
  t=$1
  mkdir -p "$root/target/fuzz/corpus/$t" "$root/fuzz/artifacts/$t"
  cd "$root" && cargo fuzz run -s none "$t" "target/fuzz/corpus/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" \
    > "target/fuzz/logs/$t.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "target/fuzz/logs/$t.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "target/fuzz/logs/$t.log" | tail -1 | cut -d' ' -f2)
  corpus=$(ls "target/fuzz/corpus/$t" | wc -l)
  found=$(ls "fuzz/artifacts/$t" | wc -l)
  printf '%-14s rc=%-3s execs=%-10s seconds=%-5s cov=%-6s corpus=%-6s findings=%s\n' \
    "$t" "$rc" "${execs:-?}" "$seconds" "${cov:-?}" "$corpus" "$found"
}
export -f run_one
export root seconds
printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'run_one {}' | tee "$root/target/fuzz/summary.txt"
! grep -qv 'rc=0 .*findings=0$' "$root/target/fuzz/summary.txt"
