# Shared set-up for scripts/run.sh and scripts/test.sh. Sourced, not executed.
# Every step installs only what is missing, so a second run skips straight to the work.
# Versions are pinned where the toolchain demands it (see docs/BUILD.md).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"
# The widget's WASM (and only it) is built with this pinned nightly, which rebuilds the standard
# library for size (BENCHMARKS.md, "Widget weight"). The portal and the server stay on stable.
WIDGET_NIGHTLY="${PARLOR_WIDGET_NIGHTLY:-nightly-2026-10-30}"
export PATH="$ROOT/scripts/build-tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Keep builds reproducible: never let a stray DATABASE_URL from the shell steer the build or tests.
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\n==> %s\n' "$*" >&2; }

apt_install() {
  # apt-get needs root; on a machine where we are not root, ask for the packages instead.
  if [ "$(id -u)" -ne 0 ]; then
    echo "Please install these Debian packages first: $*" >&2
    exit 1
  fi
  if [ -z "${PARLOR_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    PARLOR_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_build_tools() {
  if ! command -v cargo >/dev/null; then
    echo "Rust is not installed: install it with rustup (https://rustup.rs) and run this again." >&2
    exit 1
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "Installing Node.js and npm"
    apt_install nodejs npm
  fi
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes, once)"
    # Thin builds of the tool itself: the output is identical and the install twice as fast.
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  local wbg
  wbg="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$"; then
    say "Installing wasm-bindgen-cli $wbg (matches Cargo.lock)"
    # Not --locked: the CLI's own lock file pins a crate version that is no longer published.
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install wasm-bindgen-cli --version "$wbg" --force
  fi
  if [ ! -x "$ROOT/scripts/build-tools/node_modules/.bin/wasm-opt" ] ||
    [ "$ROOT/scripts/build-tools/package-lock.json" -nt "$ROOT/scripts/build-tools/node_modules/.package-lock.json" ]; then
    say "Installing wasm-opt (npm binaryen)"
    (cd "$ROOT/scripts/build-tools" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_test_tools() {
  if ! command -v chromium >/dev/null; then
    say "Installing Debian's Chromium for the browser tests"
    apt_install chromium
  fi
  # Installed again when the lock file changed since the last install (a new test dependency).
  if [ ! -x "$ROOT/end2end/node_modules/.bin/playwright" ] ||
    [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    say "Installing Playwright (no browser download: it drives Debian's Chromium)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  if ! command -v pg_isready >/dev/null; then
    say "Installing the PostgreSQL client tools"
    apt_install postgresql-client
  fi
}

# PostgreSQL must answer on 127.0.0.1:5432 for the PostgreSQL half of the suite.
ensure_postgres() {
  local url="${PARLOR_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  if pg_isready -q -d "$url" 2>/dev/null; then
    return
  fi
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    say "Starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do
      pg_isready -q -d "$url" 2>/dev/null && return
      sleep 1
    done
  fi
  echo "PostgreSQL is not reachable at $url. Start it, or point PARLOR_TEST_PG_URL at one." >&2
  exit 1
}

# Builds the widget (client-side WASM only) and then the portal with the server. The widget
# goes first and frontend-only: building the server under the widget project would compile it
# with the widget's output name, and the portal would not hydrate.
build_release() {
  build_widget
  say "Building the portal and the server (release)"
  (cd "$ROOT" && cargo leptos build --release --project portal)
}

# The pinned nightly with the WASM target and the standard library's source, installed once
# (about a minute). Returns non-zero when it cannot be installed.
ensure_widget_toolchain() {
  if rustup run "$WIDGET_NIGHTLY" rustc --version >/dev/null 2>&1 &&
    [ -d "$(rustup run "$WIDGET_NIGHTLY" rustc --print sysroot)/lib/rustlib/src/rust/library" ] &&
    rustup target list --toolchain "$WIDGET_NIGHTLY" --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    return 0
  fi
  say "Installing $WIDGET_NIGHTLY for the widget's WASM (about a minute, once)"
  rustup toolchain install "$WIDGET_NIGHTLY" --profile minimal \
    --target wasm32-unknown-unknown --component rust-src
}

# The flags of the widget's nightly build (BENCHMARKS.md, "Widget weight", measured them one by one):
# std and panic_abort rebuilt with the workspace's `wasm-release` profile and std's
# `optimize_for_size` feature; panics abort at once without formatting a message; `{:?}` prints
# nothing and panics carry no file and line (the widget never shows either to anyone).
widget_nightly_env() {
  export RUSTUP_TOOLCHAIN="$WIDGET_NIGHTLY"
  export CARGO_UNSTABLE_BUILD_STD="std,panic_abort"
  export CARGO_UNSTABLE_BUILD_STD_FEATURES="optimize_for_size"
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${PARLOR_WIDGET_RUSTFLAGS:--Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none}"
}

# The widget's release WASM (client-side only, so --frontend-only). With the pinned nightly
# when it can be installed; otherwise on stable, which works but is larger, and says so.
# PARLOR_WIDGET_STABLE=1 builds on stable on purpose (to compare).
build_widget() {
  if [ "${PARLOR_WIDGET_STABLE:-}" != 1 ] && ensure_widget_toolchain; then
    say "Building the widget (release WASM, $WIDGET_NIGHTLY with std rebuilt for size)"
    (cd "$ROOT" && widget_nightly_env && cargo leptos build --release --project widget --frontend-only)
  else
    [ "${PARLOR_WIDGET_STABLE:-}" = 1 ] ||
      say "warning: $WIDGET_NIGHTLY could not be installed; building the widget on stable, which makes it larger (BENCHMARKS.md)"
    say "Building the widget (release WASM, stable)"
    (cd "$ROOT" && cargo leptos build --release --project widget --frontend-only)
  fi
  # Short names for wasm-bindgen's imports, and no stream adapters (scripts/widget-slim.mjs).
  node "$ROOT/scripts/widget-slim.mjs" \
    "$ROOT/target/widget-site/w/parlor-widget.wasm" "$ROOT/target/widget-site/w/parlor-widget.js"
}
