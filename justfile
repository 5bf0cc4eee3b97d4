# Everyday recipes. Convenience only: the README's commands and CI do not need `just`.

# Serve the demo (SQLite file, fictional data) on http://127.0.0.1:8080
run:
    cargo run --release -p parcours -- demo

# The test suite on SQLite
test:
    cargo test --workspace

# The test suite on a throwaway PostgreSQL cluster (installs PostgreSQL if missing)
test-pg:
    bash .ci/with-postgres cargo test --workspace

# Formatting and lints, as CI runs them
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Benchmarks at national scale (1 000 000 holders) on SQLite, and on PostgreSQL when
# PARCOURS_BENCH_POSTGRES_URL is set; writes docs/benchmarks.md. Not part of the tests.
bench holders="1000000":
    cargo build --release -p parcours -p parcours-bench
    target/release/parcours-bench --holders {{holders}}

# The same with a throwaway PostgreSQL cluster
bench-pg holders="1000000":
    cargo build --release -p parcours -p parcours-bench
    bash .ci/with-postgres bash -c 'target/release/parcours-bench --holders {{holders}} --postgres "$PARCOURS_TEST_DATABASE_URL"'

# Fuzz the API against its OpenAPI document (Schemathesis, pinned in
# fuzz/requirements.txt), every role and anonymously, on the demo data
fuzz examples="50":
    cargo build -p parcours
    python3 fuzz/run.py --examples {{examples}}

# Everything CI runs
ci:
    bash .ci/run
