#!/usr/bin/env bash
# Runs Conduit on the embedded default: a SQLite file in ./data, created and migrated on first
# start, served at http://127.0.0.1:3000 (override with CONDUIT_LISTEN_ADDR). Builds the release
# server and WASM first; installs the build tools on the first run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONDUIT_SETUP_E2E=0 . scripts/setup.sh
# --precompress: brotli (quality 11) and gzip files beside the bundle's, sent as they are.
exec cargo leptos serve --release --precompress "$@"
