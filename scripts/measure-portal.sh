#!/usr/bin/env bash
# Measures what the developer portal costs a browser: the hydration WASM, its JS glue and the
# stylesheet under target/site/pkg/, raw and gzip -9, and checks the portal's budget
# (BENCHMARKS.md, "Portal weight"): at most PORTAL_BUDGET bytes gzip for the three together.
# Exits 1 over budget, 2 when a file is missing. Build first:
#   cargo leptos build --release --project portal
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG_DIR="${PARLOR_SITE_DIR:-$ROOT/target/site}/pkg"
BUDGET="${PORTAL_BUDGET:-760000}"

parts=("JS glue|$PKG_DIR/parlor.js" "WASM|$PKG_DIR/parlor.wasm" "CSS|$PKG_DIR/parlor.css")
for part in "${parts[@]}"; do
  file="${part#*|}"
  if [ ! -f "$file" ]; then
    echo "missing $file: build the portal first (cargo leptos build --release --project portal)" >&2
    exit 2
  fi
done

gzip_size() { gzip -9 -n -c "$1" | wc -c | tr -d ' '; }

printf '%-8s %-32s %10s %10s\n' "part" "file" "raw B" "gzip B"
total_raw=0
total_gzip=0
for part in "${parts[@]}"; do
  name="${part%%|*}"
  file="${part#*|}"
  raw=$(wc -c <"$file" | tr -d ' ')
  gz=$(gzip_size "$file")
  total_raw=$((total_raw + raw))
  total_gzip=$((total_gzip + gz))
  printf '%-8s %-32s %10d %10d\n' "$name" "${file#"$ROOT"/}" "$raw" "$gz"
done
printf '%-8s %-32s %10d %10d\n' "total" "" "$total_raw" "$total_gzip"
echo
if [ "$total_gzip" -gt "$BUDGET" ]; then
  echo "portal: $total_gzip B gzip, over the budget of $BUDGET B by $((total_gzip - BUDGET)) B"
  exit 1
fi
echo "portal: $total_gzip B gzip, within the budget of $BUDGET B"
