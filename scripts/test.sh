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
step "clippy: protocol" cargo clippy -p parlor-protocol --features openapi --all-targets --locked -- -D warnings
step "clippy: app (ssr)" cargo clippy -p parlor-app --features ssr --all-targets --locked -- -D warnings
step "clippy: app (hydrate, wasm32)" cargo clippy -p parlor-app --features hydrate --target wasm32-unknown-unknown --locked -- -D warnings
step "clippy: widget (csr, wasm32)" cargo clippy -p parlor-widget --features csr --target wasm32-unknown-unknown --locked -- -D warnings
step "release build (widget, portal, server)" build_release
# The weight budgets (BENCHMARKS.md, "Widget weight" and "Portal weight"): sizes, not times, so
# they are checked here on every run. The widget's also fails when its WASM exports anything but
# its own entry points (a portal island linked in by mistake).
step "widget weight budget and exports" "$ROOT/scripts/measure-widget.sh"
step "portal weight budget" "$ROOT/scripts/measure-portal.sh"
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

# Tests run in the release profile so they reuse the server's dependencies built just above.
cargo_tests() {
  PARLOR_REQUIRE_PG=1 cargo test --release --locked -p parlor-server -p parlor-app -p parlor-protocol --features parlor-app/ssr \
    2>&1 | tee -a "$LOGS/cargo.log"
  return "${PIPESTATUS[0]}"
}
step "unit and integration tests (SQLite and PostgreSQL)" cargo_tests

# The widget's pure parts (Markdown parser, options) are tested on the host, in their own
# cargo invocation so that the `csr` feature never meets the server's `ssr`.
widget_tests() {
  cargo test --locked -p parlor-widget --features csr 2>&1 | tee -a "$LOGS/cargo.log"
  return "${PIPESTATUS[0]}"
}
step "widget unit tests (host)" widget_tests

e2e() {
  rm -rf "$ROOT/target/e2e-data"
  (cd "$ROOT/end2end" && npx tsc -p . && npx playwright test) 2>&1 | tee "$LOGS/e2e.log"
  return "${PIPESTATUS[0]}"
}
if [ -x "$ROOT/target/release/parlor" ]; then
  step "end-to-end tests (Playwright, Chromium)" e2e
else
  failed=$((failed + 1))
  failures+=("end-to-end tests (no release build)")
fi

# One closing line that counts every test: cargo's and Playwright's, plus any failed check
# (formatting, clippy, build) as a failure of its own.
cargo_passed=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed/) s += $i } END { print s + 0 }' "$LOGS/cargo.log" 2>/dev/null || echo 0)
cargo_failed=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) s += $i } END { print s + 0 }' "$LOGS/cargo.log" 2>/dev/null || echo 0)
e2e_passed=$(awk '$2 == "passed" && $1 ~ /^[0-9]+$/ { s += $1 } END { print s + 0 }' "$LOGS/e2e.log" 2>/dev/null || echo 0)
e2e_failed=$(awk '($2 == "failed" || $2 == "flaky") && $1 ~ /^[0-9]+$/ { s += $1 } END { print s + 0 }' "$LOGS/e2e.log" 2>/dev/null || echo 0)

echo
echo "checks: $passed of $((passed + failed)) passed"
if [ "$failed" -gt 0 ]; then
  printf 'Failed: %s\n' "${failures[@]}"
fi
echo "$((cargo_passed + e2e_passed)) passed, $((cargo_failed + e2e_failed + failed)) failed"
[ "$failed" -eq 0 ]
