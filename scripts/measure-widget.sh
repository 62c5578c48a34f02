#!/usr/bin/env bash
# Measures what the chat widget costs a visitor's browser: the loader every page downloads, and
# the JS glue, WASM and CSS fetched when the widget opens. Prints raw, gzip and brotli sizes and
# checks the budgets: the loader at most 3 KB gzip, the whole widget at most TOTAL_BUDGET bytes
# gzip (1 KB = 1,000 bytes, the stricter reading): issue 17's 120 KB (BENCHMARKS.md, "Widget
# weight"). The stretch goal, 100 KB, is printed, not enforced. It also checks that the WASM exports only the
# widget's own entry points: a WASM that links a crate with Leptos islands exports (and ships)
# every island, which once tripled the widget. Exits 1 when a budget is exceeded or a foreign
# export is found, 2 when a file is missing. `scripts/test.sh` runs it after the release build.
#
# It measures built files, so build first:
#   scripts/build-loader.sh   # only after changing widget/loader/widget.js
#   (source scripts/lib.sh && build_widget)   # or scripts/run.sh / scripts/test.sh
# The loader is measured where the server serves it from (target/site/widget.js, copied there
# from public/widget.js by the portal build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SITE_DIR="${PARLOR_SITE_DIR:-$ROOT/target/site}"
WIDGET_DIR="${PARLOR_WIDGET_DIR:-$ROOT/target/widget-site}/w"
LOADER_BUDGET=3000
TOTAL_BUDGET=120000
STRETCH=100000

parts=(
  "loader|$SITE_DIR/widget.js"
  "JS glue|$WIDGET_DIR/parlor-widget.js"
  "WASM|$WIDGET_DIR/parlor-widget.wasm"
  "CSS|$WIDGET_DIR/parlor-widget.css"
)

for part in "${parts[@]}"; do
  file="${part#*|}"
  if [ ! -f "$file" ]; then
    echo "missing $file: build the widget first (cargo leptos build --release --project widget --frontend-only)" >&2
    exit 2
  fi
done
if ! cmp -s "$ROOT/public/widget.js" "$SITE_DIR/widget.js"; then
  echo "warning: $SITE_DIR/widget.js differs from public/widget.js; the figures are for the built copy" >&2
fi
# public/widget.js is minified from widget/loader/widget.js; a stale copy would measure old code.
if [ -x "$ROOT/scripts/build-tools/node_modules/.bin/terser" ] && ! "$ROOT/scripts/build-loader.sh" --check; then
  echo "warning: the figures are for a loader that is not built from its source" >&2
fi

# gzip -9 without a name or time stamp in the header, so the same file always measures the same.
gzip_size() { gzip -9 -n -c "$1" | wc -c | tr -d ' '; }
# brotli at its highest quality, as the server's compression layer would send it at best
# (node's zlib, so no extra tool is needed).
brotli_size() {
  node -e 'const z=require("zlib");const b=require("fs").readFileSync(process.argv[1]);
    process.stdout.write(String(z.brotliCompressSync(b,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length))' "$1"
}

# The server serves the loader with the bundle's versioned path written in
# (server/src/portal/assets.rs: "/w/" becomes "/w/<12 hex digits>/"): measure what it sends.
SERVED_LOADER="$(mktemp)"
trap 'rm -f "$SERVED_LOADER"' EXIT
sed 's#/w/parlor-widget\.#/w/0123456789ab/parlor-widget.#g' "$SITE_DIR/widget.js" >"$SERVED_LOADER"
parts[0]="loader|$SERVED_LOADER"

printf '%-8s %-40s %10s %10s %10s\n' "part" "file" "raw B" "gzip B" "brotli B"
total_raw=0
total_gzip=0
total_br=0
loader_gzip=0
for part in "${parts[@]}"; do
  name="${part%%|*}"
  file="${part#*|}"
  raw=$(wc -c <"$file" | tr -d ' ')
  gz=$(gzip_size "$file")
  br=$(brotli_size "$file")
  total_raw=$((total_raw + raw))
  total_gzip=$((total_gzip + gz))
  total_br=$((total_br + br))
  [ "$name" = "loader" ] && loader_gzip=$gz
  shown="${file#"$ROOT"/}"
  [ "$name" = "loader" ] && shown="widget.js as served"
  printf '%-8s %-40s %10d %10d %10d\n' "$name" "$shown" "$raw" "$gz" "$br"
done
printf '%-8s %-40s %10d %10d %10d\n' "total" "" "$total_raw" "$total_gzip" "$total_br"
echo

status=0
check() {
  local what=$1 size=$2 budget=$3
  if [ "$size" -le "$budget" ]; then
    printf '%-40s %7d B gzip <= %7d B: ok\n' "$what" "$size" "$budget"
  else
    printf '%-40s %7d B gzip >  %7d B: OVER BUDGET by %d B\n' "$what" "$size" "$budget" $((size - budget))
    status=1
  fi
}
check "loader (every page)" "$loader_gzip" "$LOADER_BUDGET"
check "whole widget (loader, glue, WASM, CSS)" "$total_gzip" "$TOTAL_BUDGET"
if [ "$total_gzip" -gt "$STRETCH" ]; then
  printf '%-40s %7d B gzip >  %7d B: not yet\n' "whole widget, stretch goal" "$total_gzip" "$STRETCH"
fi

# The WASM exports only the widget's own entry points (scripts/widget-exports.mjs says what is
# allowed); its self-test first proves that the check flags a portal island.
node "$ROOT/scripts/widget-exports.mjs" --self-test
if foreign=$(node "$ROOT/scripts/widget-exports.mjs" "$WIDGET_DIR/parlor-widget.wasm"); then
  printf '%-40s only the widget'"'"'s own entry points: ok\n' "WASM exports"
else
  printf '%-40s FOREIGN EXPORTS (portal code linked into the widget?):\n' "WASM exports"
  printf '  %s\n' $foreign | head -n 20
  status=1
fi
exit "$status"
