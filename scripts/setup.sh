#!/usr/bin/env bash
# Installs what building and testing Conduit needs, once per machine: the WASM target,
# cargo-leptos and wasm-bindgen-cli at the pinned versions, wasm-opt from npm's binaryen, the
# end-to-end test packages, and Debian's chromium. Every step is skipped when already done.
# Source it (`. scripts/setup.sh`) to also get the tool PATH in the calling shell.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.11"
# wasm-bindgen-cli must match the wasm-bindgen library exactly; Cargo.lock is the truth.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$ROOT/Cargo.lock")"
TOOLS_DIR="${CONDUIT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/conduit-tools}"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"

# The toolchain and target named in rust-toolchain.toml.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  (cd "$ROOT" && rustup target add wasm32-unknown-unknown)
fi

# cargo-leptos and wasm-bindgen-cli: the slow part of a first run. Only the WASM build needs
# them, so the test command sets CONDUIT_SETUP_DEFER_BUILD_TOOLS=1: they install in the
# background while formatting, clippy and the Rust tests run, and conduit_wait_for_build_tools
# waits for them.
have_cargo_leptos() { [[ "$(cargo leptos --version 2>/dev/null || true)" == *"$CARGO_LEPTOS_VERSION"* ]]; }
have_wasm_bindgen() { [[ "$(wasm-bindgen --version 2>/dev/null || true)" == "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; }

# A subshell, so the profile settings below never reach Conduit's own builds.
install_build_tools() (
  # They are build tools, not shipped code: their own release profile (fat LTO, one codegen
  # unit, opt-level 3) kept cargo-leptos compiling for 41 minutes beside a cold test run on
  # 2 cores, for a speed-up nobody waits on.
  export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  if ! have_cargo_leptos; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (once per machine)"
    # Unoptimised: it only orchestrates (cargo, wasm-bindgen, a small stylesheet), and its ~500
    # crates (swc, lightningcss, a vendored OpenSSL) are the largest compile of a first run.
    # Its dependencies need a newer rustc than stable has; nightly builds it.
    local toolchain=()
    if rustup toolchain list | grep -q '^nightly'; then toolchain=(+nightly); fi
    (cd /tmp && CARGO_PROFILE_RELEASE_OPT_LEVEL=0 cargo "${toolchain[@]}" install cargo-leptos \
      --version "$CARGO_LEPTOS_VERSION" --locked)
  fi
  if ! have_wasm_bindgen; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # Lightly optimised: it rewrites every WASM build, debug builds of tens of megabytes included.
    # With its own lock file, as in the image; a registry mirror can lag behind that lock file
    # (one lacked the webpki-roots it names), and then the newest compatible dependencies do.
    install_wasm_bindgen() {
      (cd /tmp && CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install wasm-bindgen-cli \
        --version "$WASM_BINDGEN_VERSION" --force "$@")
    }
    if ! install_wasm_bindgen --locked; then
      log "WARNING: wasm-bindgen-cli's lock file names crates this registry lacks; resolving its dependencies afresh"
      install_wasm_bindgen
    fi
  fi
)

BUILD_TOOLS_PID=""
if have_cargo_leptos && have_wasm_bindgen; then
  :
elif [[ "${CONDUIT_SETUP_DEFER_BUILD_TOOLS:-0}" == 1 ]]; then
  mkdir -p "$TOOLS_DIR"
  log "installing cargo-leptos and wasm-bindgen-cli in the background (log: $TOOLS_DIR/build-tools.log)"
  install_build_tools >"$TOOLS_DIR/build-tools.log" 2>&1 &
  BUILD_TOOLS_PID=$!
else
  install_build_tools
fi

# Waits for the background install, if one runs; fails with its log when it failed.
conduit_wait_for_build_tools() {
  if [[ -n "$BUILD_TOOLS_PID" ]]; then
    log "waiting for the cargo-leptos and wasm-bindgen-cli install"
    if ! wait "$BUILD_TOOLS_PID"; then
      tail -n 40 "$TOOLS_DIR/build-tools.log" >&2
      log "installing the build tools failed (full log: $TOOLS_DIR/build-tools.log)"
      return 1
    fi
    BUILD_TOOLS_PID=""
  fi
}

# wasm-opt from npm's binaryen, pinned by tools/package-lock.json. It goes first on PATH:
# Debian's older binaryen silently breaks the WASM.
if ! cmp -s "$ROOT/tools/package-lock.json" "$TOOLS_DIR/package-lock.json" 2>/dev/null || [[ ! -x "$TOOLS_DIR/node_modules/.bin/wasm-opt" ]]; then
  log "installing wasm-opt (binaryen) from npm into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  cp "$ROOT/tools/package.json" "$ROOT/tools/package-lock.json" "$TOOLS_DIR/"
  (cd "$TOOLS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$TOOLS_DIR/node_modules/.bin:$PATH"

if [[ "${CONDUIT_SETUP_E2E:-1}" == 1 ]]; then
  if ! cmp -s "$ROOT/end2end/package-lock.json" "$ROOT/end2end/node_modules/.package-lock.json" 2>/dev/null; then
    log "installing the end-to-end test packages (npm ci)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [[ ! -x /usr/bin/chromium ]]; then
    log "installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
