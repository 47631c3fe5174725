#!/usr/bin/env bash
# One command for the load, size and client benchmarks: installs wrk and brotli when missing,
# builds the release server and bundle, then runs bench/bench.py (which also renders
# BENCHMARKS.md). Options go to bench.py (--duration, --sizes, --backends, --no-anchors, ...).
# The anchors are measured when bench/anchors/build.sh has built them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source-path=SCRIPTDIR/.. source=scripts/setup.sh
. scripts/setup.sh
if ! command -v wrk >/dev/null || ! command -v brotli >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk brotli >/dev/null
fi
cargo leptos build --release --precompress
exec python3 bench/bench.py "$@"
