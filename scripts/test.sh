#!/usr/bin/env bash
# Runs every test: formatting, clippy on the server and the WASM builds, the offline checks of
# the deploy tree, the Rust tests (the API
# suite runs on SQLite and, when one answers, on PostgreSQL), then the Playwright suite in
# Debian's chromium against a freshly built release server on an empty database.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The build tools install in the background, while the steps before the release build run.
CONDUIT_SETUP_DEFER_BUILD_TOOLS=1 . scripts/setup.sh

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

# app and server in one cargo invocation each time: their dependencies then build once, with one
# set of features, instead of twice.
step "clippy: server (ssr)"
cargo clippy -p app -p server --features app/ssr --all-targets -- -D warnings
step "clippy: browser (hydrate, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "deploy tree: Terraform, Kubernetes manifests, workflows (offline checks)"
bash deploy/validate.sh

step "Rust tests"
cargo test -p app -p server --features app/ssr

step "release build (server + WASM)"
conduit_wait_for_build_tools
cargo leptos build --release

step "Playwright end-to-end suite"
(cd end2end && npx playwright test)
