#!/usr/bin/env bash
# Runs the official RealWorld Hurl suite (specs/api/hurl/*.hurl of a snapshot of the spec
# repository, kept OUTSIDE this repository) against a freshly started Conduit server, on SQLite
# and on PostgreSQL, HURL_RUNS times each back to back against the same database (the later runs
# prove the suite passes on a non-empty database and within the development defaults' limits).
#
#   scripts/hurl-official.sh /path/to/realworld [sqlite|postgres|both]
#
# Needs: hurl 8.0.1 (cargo install hurl --version 8.0.1 --locked; Debian packages
# libcurl4-openssl-dev libxml2-dev pkg-config libclang-dev), curl, and for PostgreSQL psql and a
# server at CONDUIT_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test), where a
# fresh database is created for the run and dropped afterwards.
# Environment: CONDUIT_BIN (default: cargo build -p server, then target/debug/conduit),
# HURL_RUNS (default 3: the suite must pass back to back on the development defaults).
set -euo pipefail

usage() { echo "usage: $0 /path/to/realworld-snapshot [sqlite|postgres|both]" >&2; exit 2; }
[ $# -ge 1 ] || usage
SPEC="$(cd "$1" && pwd)"
WHICH="${2:-both}"
HURL_DIR="$SPEC/specs/api/hurl"
[ -d "$HURL_DIR" ] || { echo "no $HURL_DIR: is $SPEC a snapshot of the RealWorld spec repository?" >&2; exit 2; }
case "$WHICH" in sqlite|postgres|both) ;; *) usage ;; esac

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${HURL_RUNS:-3}"
ADMIN_URL="${CONDUIT_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

command -v hurl >/dev/null || { echo "hurl is not installed (cargo install hurl --version 8.0.1 --locked)" >&2; exit 2; }
hurl --version | head -1

if [ -z "${CONDUIT_BIN:-}" ]; then
  (cd "$ROOT" && cargo build -p server)
  CONDUIT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/conduit"
fi
[ -x "$CONDUIT_BIN" ] || { echo "no server binary at $CONDUIT_BIN" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

SERVER_PID=""
DATA_DIR=""
PG_DB=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; fi
  if [ -n "$PG_DB" ]; then psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; PG_DB=""; fi
  if [ -n "$DATA_DIR" ]; then rm -rf "$DATA_DIR"; DATA_DIR=""; fi
}
trap cleanup EXIT

FAILED=0
SUMMARY=""

run_backend() {
  local backend="$1" port url log
  port="$(free_port)"
  DATA_DIR="$(mktemp -d)"
  log="$DATA_DIR/server.log"
  local env=(CONDUIT_DATA_DIR="$DATA_DIR" CONDUIT_LISTEN_ADDR="127.0.0.1:$port" CONDUIT_METRICS_ADDR=off RUST_LOG="warn")
  if [ "$backend" = postgres ]; then
    PG_DB="conduit_hurl_$(date +%s)_$$"
    psql "$ADMIN_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
    url="${ADMIN_URL%%\?*}"
    url="${url%/*}/$PG_DB"
    env+=(DATABASE_URL="$url")
  fi
  (cd "$ROOT" && exec env "${env[@]}" "$CONDUIT_BIN" >"$log" 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/api/tags" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "the server did not start:" >&2; cat "$log" >&2; return 1; fi
    sleep 0.2
  done
  echo "== $backend: server on 127.0.0.1:$port"
  for run in $(seq 1 "$RUNS"); do
    local uid out status=0
    # The contract's uid is $(date +%s); each run gets a new second so names never repeat.
    uid="$(date +%s)"
    while [ "$uid" = "${LAST_UID:-}" ]; do sleep 0.2; uid="$(date +%s)"; done
    LAST_UID="$uid"
    out="$DATA_DIR/hurl-$run.txt"
    (cd "$SPEC" && hurl --test --jobs 1 --variable "host=http://127.0.0.1:$port" --variable "uid=$uid" specs/api/hurl/*.hurl) >"$out" 2>&1 || status=$?
    echo "-- $backend run $run (uid $uid): exit $status"
    # Per file: "Success specs/api/hurl/x.hurl (N request(s) in M ms)".
    grep -E '^(Success|Failure) .*\.hurl' "$out" | sed 's/^/   /' || true
    grep -E '^(Executed|Succeeded|Failed) (files|requests)' "$out" | sed 's/^/   /' || true
    SUMMARY+="$backend run $run: $(grep -E '^Succeeded files' "$out" | head -1 || echo '?'); $(grep -E '^Executed requests' "$out" | head -1 || echo '?')"$'\n'
    if [ "$status" -ne 0 ]; then
      FAILED=1
      echo "   failures:"; grep -vE '^Success .*\.hurl' "$out" | sed 's/^/   | /' | head -200
    fi
  done
  cleanup
}

if [ "$WHICH" = sqlite ] || [ "$WHICH" = both ]; then run_backend sqlite; fi
if [ "$WHICH" = postgres ] || [ "$WHICH" = both ]; then run_backend postgres; fi

echo "== summary"
printf '%s' "$SUMMARY"
if [ "$FAILED" -ne 0 ]; then echo "the official Hurl suite FAILED" >&2; exit 1; fi
echo "the official Hurl suite passed"
