# opskit — `make test` sets up and runs every test (see README.md).
CARGO ?= cargo

.PHONY: test lint fmt-check clippy rust-test bench compare fmt

test: fmt-check clippy rust-test

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

rust-test:
	$(CARGO) test --workspace --locked

fmt:
	$(CARGO) fmt --all

# Benchmarks are measurements, not tests: run them by hand.
bench:
	$(CARGO) bench -p opskit-benches

# Time opskit beside git-cliff on a generated (or given) repository.
compare:
	python3 benches/compare_git_cliff.py $(REPO)
