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

# Everything CI runs
ci:
    bash .ci/run
