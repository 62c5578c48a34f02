#!/usr/bin/env bash
# Builds the widget loader that every embedding page downloads: widget/loader/widget.js (the
# source, commented) minified into public/widget.js (what the server serves; committed, so that
# building Parlor needs no JavaScript tooling). The loader's budget is 3 KB gzip (BENCHMARKS.md).
# With --check, builds into a temporary file and exits 1 if public/widget.js is not up to date.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TERSER="$ROOT/scripts/build-tools/node_modules/.bin/terser"
if [ ! -x "$TERSER" ]; then
  (cd "$ROOT/scripts/build-tools" && npm ci --no-audit --no-fund --loglevel=error)
fi
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# Two compression passes and mangled names; only the /*! banner comment is kept.
"$TERSER" "$ROOT/widget/loader/widget.js" --ecma 2020 --compress passes=2 --mangle --comments '/^!/' >"$out"
printf '\n' >>"$out"
if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$out" "$ROOT/public/widget.js"; then
    echo "public/widget.js is not built from widget/loader/widget.js: run scripts/build-loader.sh" >&2
    exit 1
  fi
  exit 0
fi
cp "$out" "$ROOT/public/widget.js"
echo "public/widget.js: $(wc -c <"$ROOT/public/widget.js" | tr -d ' ') B, $(gzip -9 -n -c "$ROOT/public/widget.js" | wc -c | tr -d ' ') B gzip"
