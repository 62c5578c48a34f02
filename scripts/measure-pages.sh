#!/usr/bin/env bash
# Measures what a first visit to each portal page downloads (BENCHMARKS.md, "Portal weight"):
# the HTML as the server sends it to a browser that accepts brotli and gzip, whether the page
# loads the portal's WASM (it does when it has islands), and the total with the files it loads
# from /pkg/ (also compressed as served). Starts the release server on a free port with an
# empty data directory, signed out. Build first:
#   cargo leptos build --release --project portal
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${PARLOR_BIN:-$ROOT/target/release/parlor}"
PORT="${PARLOR_MEASURE_PORT:-3970}"
BASE="http://127.0.0.1:$PORT"
[ -x "$BIN" ] || { echo "missing $BIN: build the portal first" >&2; exit 2; }

DATA="$(mktemp -d)"
PARLOR_ADDR="127.0.0.1:$PORT" PARLOR_DEMO_ADDR="127.0.0.1:$((PORT + 1))" PARLOR_DATA_DIR="$DATA" \
  LEPTOS_SITE_ROOT="$ROOT/target/site" "$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done

# Bytes on the wire for a path, as a browser asking for brotli or gzip gets it.
wire() { curl -s -H 'accept-encoding: br, gzip' -o /dev/null -w '%{size_download}' "$BASE$1"; }

css=$(wire /pkg/parlor.css)
bundle=$(($(wire /pkg/parlor.wasm) + $(wire /pkg/parlor.js)))
printf '%-18s %10s %10s %6s %12s\n' "page" "HTML raw B" "HTML wire" "WASM" "first visit"
for path in / /docs /docs/reference /docs/webhooks /changelog /docs/widget /sign-in /sign-up; do
  raw=$(curl -s -o "$DATA/page.html" -w '%{size_download}' "$BASE$path")
  html=$(wire "$path")
  total=$((html + css))
  wasm=no
  if grep -q 'rel="modulepreload"' "$DATA/page.html"; then
    wasm=yes
    total=$((total + bundle))
  fi
  printf '%-18s %10d %10d %6s %12d\n' "$path" "$raw" "$html" "$wasm" "$total"
done
echo
echo "stylesheet $css B and, where loaded, WASM with its glue $bundle B, as served (brotli)"
