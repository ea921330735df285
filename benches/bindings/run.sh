#!/usr/bin/env bash
# Time one cheap call (bump "1.2.3" minor) from Rust, Python, Node and C, all
# release builds; then the apm family's recording calls beside the client
# libraries. Run from the repository root: benches/bindings/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
REL=target/$(rustc -vV | sed -n 's/^host: //p')/release
cargo build -q --release -p opskit-c
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q "maturin>=1.9,<2"
(cd bindings-python && VIRTUAL_ENV=$PWD/../.venv PATH=$PWD/../.venv/bin:$PATH maturin develop -q --release)
(cd bindings-node && npm ci --no-audit --no-fund --loglevel=error && npx napi build --platform --release >/dev/null)
gcc -O2 -std=c11 -Iinclude benches/bindings/bump_c.c $REL/libopskit.a -lz -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o $REL/bump_c
cargo bench -q -p opskit-benches --bench bump -- --noplot 2>/dev/null | grep -E "^bump|time:" || true
cargo bench -q -p opskit-benches --bench health -- --noplot "health/snapshot" 2>/dev/null | grep -E "^health|time:" || true
.venv/bin/python benches/bindings/bump_python.py
node benches/bindings/bump_node.mjs
$REL/bump_c
# One recorded observation and one request, beside each language's usual
# client library (prometheus_client, prom-client, installed for this run).
cargo bench -q -p opskit-benches --bench apm -- --noplot 2>/dev/null | grep -E "^apm|time:" || true
.venv/bin/pip install -q prometheus_client
peers=$(mktemp -d)
(cd "$peers" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error prom-client@15)
.venv/bin/python benches/bindings/apm_python.py
NODE_PATH=$peers/node_modules node benches/bindings/apm_node.mjs
rm -rf "$peers"
# Leave debug builds in place for `make test`.
(cd bindings-python && VIRTUAL_ENV=$PWD/../.venv PATH=$PWD/../.venv/bin:$PATH maturin develop -q)
(cd bindings-node && npx napi build --platform >/dev/null)
