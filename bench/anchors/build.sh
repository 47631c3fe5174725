#!/usr/bin/env bash
# Builds the two benchmark anchors from fetched snapshots, outside this repository (nothing of
# theirs is ever committed here), into $BENCH_ANCHORS_DIR (default /work/ext/bench-anchors):
#
#   bench/anchors/build.sh <launchbadge/realworld-axum-sqlx snapshot> <Bechma/realworld-leptos snapshot>
#
# Each snapshot is a git directory or work tree. The only changes made to them are the ones this
# machine needs to build them at all, and they are printed as they are made:
#   - launchbadge: tokio, mio, socket2, sha2 and cpufeatures move to their newest semver-compatible
#     releases: the locked ones (2021) segfault when built with today's rustc (mio/socket2 assumed
#     std's SocketAddr layout; sha2 0.9.8's CPU feature detection crashes in its AVX2 path).
#   - Bechma: wasm-bindgen is moved to the version of the wasm-bindgen-cli installed here (the
#     same one Conduit pins), and its SCSS is compiled with npm's sass (cargo-leptos would
#     download dart-sass from GitHub, which this machine cannot reach).
# Their sqlx query macros check against a database at compile time: each gets one, migrated with
# its own migrations, on the local PostgreSQL.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ANCHORS="${BENCH_ANCHORS_DIR:-/work/ext/bench-anchors}"
PG_ADMIN="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
launchbadge_src="${1:?usage: build.sh <launchbadge snapshot> <bechma snapshot>}"
bechma_src="${2:?usage: build.sh <launchbadge snapshot> <bechma snapshot>}"

# shellcheck source-path=SCRIPTDIR/../.. source=scripts/setup.sh
CONDUIT_SETUP_E2E=0 . "$ROOT/scripts/setup.sh"
log() { printf '\033[1;35m[anchors]\033[0m %s\n' "$*" >&2; }

# True when <name> is already built from the snapshot's commit.
built() {
  local name="$1" src="$2"
  [[ -f "$ANCHORS/$name/READY" ]] \
    && [[ "$(git -C "$src" rev-parse HEAD)" == "$(cat "$ANCHORS/$name/COMMIT")" ]]
}

# A fresh copy of a snapshot at $ANCHORS/<name>, its commit recorded in COMMIT.
checkout() {
  local name="$1" src="$2"
  rm -rf "${ANCHORS:?}/$name"
  mkdir -p "$ANCHORS"
  git clone -q "$src" "$ANCHORS/$name"
  git -C "$ANCHORS/$name" rev-parse HEAD >"$ANCHORS/$name/COMMIT"
  log "$name at $(cat "$ANCHORS/$name/COMMIT")"
}

# A database migrated with the given SQL files, for the anchor's compile-time query checks.
build_database() {
  local name="$1"
  shift
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
  local url="${PG_ADMIN%/*}/$name"
  for file in "$@"; do
    psql "$url" -v ON_ERROR_STOP=1 -qf "$file" >/dev/null
  done
  printf '%s' "$url"
}

# launchbadge/realworld-axum-sqlx: a plain cargo release build.
if built launchbadge "$launchbadge_src"; then
  log "launchbadge already built from $(cat "$ANCHORS/launchbadge/COMMIT")"
else
  checkout launchbadge "$launchbadge_src"
  cd "$ANCHORS/launchbadge"
  DATABASE_URL="$(build_database anchor_launchbadge_build migrations/*.sql)"
  export DATABASE_URL
  log "change: cargo update -p tokio -p mio -p socket2 -p sha2 -p cpufeatures (the locked ones segfault)"
  cargo update -p tokio -p mio -p socket2 -p sha2 -p cpufeatures
  log "building launchbadge (cargo build --release)"
  cargo build --release
  unset DATABASE_URL
  touch READY
fi

# Bechma/realworld-leptos: cargo-leptos with its own release settings.
if built bechma "$bechma_src"; then
  log "Bechma already built from $(cat "$ANCHORS/bechma/COMMIT")"
  exit 0
fi
checkout bechma "$bechma_src"
cd "$ANCHORS/bechma"
bindgen="$(wasm-bindgen --version | awk '{print $2}')"
log "change: wasm-bindgen $(awk '/^name = "wasm-bindgen"$/ {getline; print $3; exit}' Cargo.lock) -> $bindgen (the installed wasm-bindgen-cli)"
sed -i "s/^wasm-bindgen = \".*\"/wasm-bindgen = \"=$bindgen\"/" Cargo.toml
cargo update wasm-bindgen js-sys web-sys wasm-bindgen-futures
log "change: style/main.scss compiled by npm's sass; style-file points at the CSS"
if [[ ! -x "$ANCHORS/sass/node_modules/.bin/sass" ]]; then
  mkdir -p "$ANCHORS/sass"
  (cd "$ANCHORS/sass" && npm install --no-audit --no-fund --loglevel=error sass@1 >/dev/null)
fi
"$ANCHORS/sass/node_modules/.bin/sass" --no-source-map style/main.scss style/main.css
sed -i 's#^style-file = "style/main.scss"#style-file = "style/main.css"#' Cargo.toml
DATABASE_URL="$(build_database anchor_bechma_build migrations/*.up.sql)"
export DATABASE_URL
log "building Bechma (cargo leptos build --release)"
cargo leptos build --release
unset DATABASE_URL
touch READY
log "anchors ready in $ANCHORS"
