#!/usr/bin/env bash
# Benchmarks what a visitor waits for when first opening the chat widget on a slow mobile
# network (BENCHMARKS.md): runs end2end/bench/widget-cold-open.mjs, which starts its own
# release server and measures N cold opens in Chromium. Not part of scripts/test.sh.
#   scripts/bench-widget-open.sh [--runs N] [--json FILE] [--port P] [--viewport WxH]
# It measures the release build, so build first (./scripts/run.sh does, or:
#   cargo leptos build --release --project widget --frontend-only
#   cargo leptos build --release --project portal)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=0
for file in target/release/parlor target/site/widget.js target/widget-site/w/parlor-widget.wasm; do
  if [ ! -e "$ROOT/$file" ]; then
    echo "missing $file" >&2
    missing=1
  fi
done
if [ "$missing" -ne 0 ]; then
  cat >&2 <<'EOF'
Build the release first: ./scripts/run.sh (builds, then serves; stop it with Ctrl-C), or
  cargo leptos build --release --project widget --frontend-only
  cargo leptos build --release --project portal
EOF
  exit 2
fi

ensure_test_tools
cd "$ROOT"
exec node end2end/bench/widget-cold-open.mjs "$@"
