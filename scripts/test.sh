#!/usr/bin/env bash
# Runs every test: formatting, the offline checks of the deploy tree, clippy (-D warnings) on the
# server and the WASM builds, the Rust tests (the API suite runs on SQLite and, when one answers,
# on PostgreSQL), then the Playwright suite in Debian's chromium against a freshly built server on
# an empty database.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The build tools install in the background, while the steps before the WASM build run.
CONDUIT_SETUP_DEFER_BUILD_TOOLS=1 . scripts/setup.sh

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

# `cargo clippy` is `cargo check` with clippy-driver compiling the workspace's own crates. Handing
# the same driver and lint flags to the builds the tests need anyway lints exactly those crates,
# and saves a second, check-only compile of every dependency: on a cold 2-core machine that
# compile was a sixth of the whole run. The lints still fail the build on the first warning.
CLIPPY_DRIVER="$(rustup which clippy-driver)"
with_clippy() {
  RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" "$@"
}

step "cargo fmt --check"
cargo fmt --all --check

step "deploy tree: Terraform, Kubernetes manifests, workflows (offline checks)"
bash deploy/validate.sh

# app and server in one cargo invocation: their dependencies build once, with one set of
# features. The build also produces target/debug/conduit, the server the browser suite runs.
step "clippy -D warnings and Rust tests: server (ssr)"
with_clippy cargo test -p app -p server --features app/ssr

# A debug WASM build (no LTO, no wasm-opt): the browser suite checks behaviour, and the release
# bundle's size and speed are measured by bench/ instead.
step "clippy -D warnings and build: browser (hydrate, wasm32)"
conduit_wait_for_build_tools
with_clippy cargo leptos build --frontend-only

step "Playwright end-to-end suite"
(cd end2end && npx playwright test)
