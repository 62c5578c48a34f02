#!/usr/bin/env bash
# Installs what is missing, builds Parlor, and runs it on SQLite in ./data with a demo page.
#   PARLOR_ADDR       where Parlor listens (default 127.0.0.1:3000)
#   PARLOR_DEMO_ADDR  where the demo page listens (default 127.0.0.1:3001, another origin)
# Any other setting from .env.example can be exported before running this.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_build_tools
build_release

cd "$ROOT"
export PARLOR_ADDR="${PARLOR_ADDR:-127.0.0.1:3000}"
export PARLOR_DEMO_ADDR="${PARLOR_DEMO_ADDR:-127.0.0.1:3001}"
export PARLOR_DATA_DIR="${PARLOR_DATA_DIR:-./data}"
say "Starting Parlor (Ctrl-C stops it)"
exec "$ROOT/target/release/parlor" serve
