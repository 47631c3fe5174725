#!/usr/bin/env bash
# The reliability drills (soak, schemathesis, fuzzing, and the resource drills: tag flood,
# password hashing, slow headers, SIGTERM under load):
# installs what they need once per machine (wrk, schemathesis from PyPI, cargo-fuzz, the nightly
# toolchain's use), builds the release server, then runs bench/drills.py with the options given
# (--soak-minutes, --fuzz-seconds, --only).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source-path=SCRIPTDIR/.. source=scripts/setup.sh
CONDUIT_SETUP_E2E=0 . scripts/setup.sh
SCHEMATHESIS_VERSION="4.32.5"
CARGO_FUZZ_VERSION="0.13.2"
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [[ "$(schemathesis --version 2>/dev/null || true)" != *"$SCHEMATHESIS_VERSION"* ]]; then
  pip install -q --only-binary=:all: "schemathesis==$SCHEMATHESIS_VERSION"
fi
if [[ "$(cargo fuzz --version 2>/dev/null || true)" != *"$CARGO_FUZZ_VERSION"* ]]; then
  cargo +nightly install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
cargo leptos build --release --precompress
exec python3 bench/drills.py "$@"
