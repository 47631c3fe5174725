#!/usr/bin/env bash
# Lighthouse 12 (mobile preset, simulated throttling) on the home page and an article page of
# the release build, served as `scripts/run.sh` serves it, on a fresh SQLite database with the
# small seeded set, in Debian's chromium. Prints the four category scores of each page and
# keeps the full reports in target/bench/lighthouse/ and the scores in bench/results/lighthouse.json
# (bench/report.py shows them in BENCHMARKS.md).
#
#   bench/lighthouse.sh
#   bench/lighthouse.sh <name> <base URL> <article slug>   # another app, already running
#
# CONDUIT_BIN and CONDUIT_SITE_ROOT name another build instead of `cargo leptos build --release`.
# Another app (bench/bench.py scores the Bechma anchor so, on the data it measures it with) is
# reported in bench/results/lighthouse-<name>.json and not judged.
# Lighthouse comes from bench/lighthouse/package-lock.json. Exit status 1 when accessibility,
# best practices or SEO is under 100 on either page (performance is reported, not judged: it
# depends on the machine).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# shellcheck source-path=SCRIPTDIR/.. source=scripts/setup.sh
. scripts/setup.sh
(cd bench/lighthouse && [ -x node_modules/.bin/lighthouse ] || npm ci --no-audit --no-fund)
NAME="${1:-conduit}"
BASE="${2:-}"
SLUG="${3:-}"
RESULTS="$ROOT/bench/results/lighthouse.json"
if [ "$NAME" != conduit ]; then RESULTS="$ROOT/bench/results/lighthouse-$NAME.json"; fi
if [ -z "$BASE" ] && [ -z "${CONDUIT_BIN:-}" ]; then
  cargo leptos build --release --precompress
  CONDUIT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/conduit"
fi
SITE_ROOT="${CONDUIT_SITE_ROOT:-${CARGO_TARGET_DIR:-$ROOT/target}/site}"
OUT="${CARGO_TARGET_DIR:-$ROOT/target}/bench/lighthouse/$NAME"
mkdir -p "$OUT"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/conduit-lighthouse.XXXXXX")"
SERVER_PID=""
# shellcheck disable=SC2329 # run by the EXIT trap
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "$BASE" ]; then
  PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # The release server as scripts/run.sh serves it, on its own data folder.
  env=(CONDUIT_DATA_DIR="$WORK" DATABASE_URL="sqlite://$WORK/conduit.db?mode=rwc" CONDUIT_LISTEN_ADDR="127.0.0.1:$PORT"
    CONDUIT_METRICS_ADDR=off LEPTOS_SITE_ROOT="$SITE_ROOT" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD RUST_LOG=warn)
  env "${env[@]}" "$CONDUIT_BIN" seed --size small >"$WORK/seed.log" 2>&1
  env "${env[@]}" "$CONDUIT_BIN" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  BASE="http://127.0.0.1:$PORT"
  for _ in $(seq 1 100); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
  curl -fs "$BASE/readyz" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  SLUG="$(curl -fs "$BASE/api/articles?limit=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["articles"][0]["slug"])')"
fi

for page in home article; do
  case "$page" in home) url="$BASE/" ;; article) url="$BASE/article/$SLUG" ;; esac
  CHROME_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" bench/lighthouse/node_modules/.bin/lighthouse "$url" \
    --quiet --output=json --output-path="$OUT/$page.json" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu"
done

# The scores, into bench/results/lighthouse.json for bench/report.py (BENCHMARKS.md).
status=0
python3 - "$OUT" "$RESULTS" "$(git rev-parse --short HEAD)" "$NAME" <<'EOF' || status=1
import json, sys, time
out, results, commit, name = sys.argv[1:]
pages, failed = {}, False
for page in ("home", "article"):
    report = json.load(open(f"{out}/{page}.json"))
    audits = report["audits"]
    scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    pages[page] = {
        "scores": scores,
        "lcp": audits["largest-contentful-paint"]["displayValue"],
        "tbt": audits["total-blocking-time"]["displayValue"],
        "cls": audits["cumulative-layout-shift"]["displayValue"],
    }
    print(f"{page}: " + ", ".join(f"{k} {v}" for k, v in scores.items())
          + f"; LCP {pages[page]['lcp']}, TBT {pages[page]['tbt']}, CLS {pages[page]['cls']}")
    for category in ("accessibility", "best-practices", "seo"):
        for ref in report["categories"][category]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                failed = True
                print(f"  {category}: {ref['id']}: {audit['title']}")
json.dump({
    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "app": name,
    "commit": commit,
    "lighthouse": report["lighthouseVersion"],
    "browser": report["environment"]["hostUserAgent"],
    "pages": pages,
}, open(results, "w"), indent=2)
# Only Conduit is held to 100.
sys.exit(1 if failed and name == "conduit" else 0)
EOF
echo "reports: $OUT"
exit "$status"
