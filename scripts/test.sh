#!/usr/bin/env bash
# Installs what is missing and runs every check: formatting, clippy for each crate with its own
# features and target, the unit and integration tests on SQLite and PostgreSQL, and the
# Playwright tests in Chromium. Exits non-zero if anything fails.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_build_tools
ensure_test_tools
ensure_postgres
cd "$ROOT"
unset DATABASE_URL

passed=0
failed=0
failures=()
step() {
  local name="$1"
  shift
  say "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
  fi
}

step "rustfmt" cargo fmt --all --check
step "clippy: server (ssr)" cargo clippy -p parlor-server --all-targets --locked -- -D warnings
step "clippy: app (ssr)" cargo clippy -p parlor-app --features ssr --all-targets --locked -- -D warnings
step "clippy: app (hydrate, wasm32)" cargo clippy -p parlor-app --features hydrate --target wasm32-unknown-unknown --locked -- -D warnings
step "clippy: widget (csr, wasm32)" cargo clippy -p parlor-widget --features csr --target wasm32-unknown-unknown --locked -- -D warnings
step "release build (widget, portal, server)" build_release
# Tests run in the release profile so they reuse the server's dependencies built just above.
step "unit and integration tests (SQLite and PostgreSQL)" \
  env PARLOR_REQUIRE_PG=1 cargo test --release --locked -p parlor-server -p parlor-app --features parlor-app/ssr

e2e() {
  rm -rf "$ROOT/target/e2e-data"
  (cd "$ROOT/end2end" && npx tsc -p . && npx playwright test)
}
if [ -x "$ROOT/target/release/parlor" ]; then
  step "end-to-end tests (Playwright, Chromium)" e2e
else
  failed=$((failed + 1))
  failures+=("end-to-end tests (no release build)")
fi

echo
if [ "$failed" -gt 0 ]; then
  printf 'Failed: %s\n' "${failures[@]}"
fi
echo "checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
