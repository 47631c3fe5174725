#!/usr/bin/env python3
"""Drill: password hashing cannot exhaust memory (issue 18, item 2).

Each argon2 hash holds 19 MiB. 100 parallel wrong-password sign-ins hit a fresh server twice:

- from one client: the sign-in rate limit lets its burst through to hashing;
- from 100 clients (each its own `X-Forwarded-For` entry behind `CONDUIT_PROXY_HOPS=1`): no rate
  limit helps, only the cap on concurrent hashes.

It passes when every answer is 401, 429 or 503 and the server's peak resident memory (VmHWM in
/proc/<pid>/status, over its whole life) stays under 150 MiB in both runs.

Run by bench/drills.sh (`--only hashing`) on the release build; standalone, any build:
  bench/drill_hashing.py [--binary target/debug/conduit] [--record before|after]
`--record` stores the result in bench/results/drills.json under `hashing` (after) or
`hashing_before` (an older build, for the before/after in BENCHMARKS.md).
"""

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the server process and HTTP helpers)

REQUESTS = 100
PEAK_LIMIT_MIB = 150
ALLOWED = {401, 429, 503}
EMAIL = "drill-hashing@example.com"


def sign_in(base, forwarded_for, start, statuses, i):
    body = json.dumps({"user": {"email": EMAIL, "password": "not-the-password"}}).encode()
    request = urllib.request.Request(base + "/api/users/login", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if forwarded_for:
        request.add_header("X-Forwarded-For", forwarded_for)
    start.wait()
    try:
        with urllib.request.urlopen(request, timeout=120) as resp:
            statuses[i] = resp.status
    except urllib.error.HTTPError as err:
        statuses[i] = err.code
    except OSError as err:  # reset, refused, timed out: never acceptable
        statuses[i] = type(err).__name__


def one_run(binary, many_clients):
    bench.WORK.mkdir(parents=True, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="drill-hashing-", dir=bench.WORK)
    env = {
        "CONDUIT_DATA_DIR": data_dir,
        "CONDUIT_LISTEN_ADDR": f"127.0.0.1:{bench.PORT}",
        "RUST_LOG": "warn",
        # Production's sign-in limit (development has none): the one-client run checks it too.
        "CONDUIT_AUTH_RATE_PER_MINUTE": "60",
    }
    if many_clients:
        env["CONDUIT_PROXY_HOPS"] = "1"
    server = bench.Server("drill-hashing", [str(binary)], env, bench.PORT, "/readyz")
    try:
        bench.http_json(server.base, "POST", "/api/users",
                        {"user": {"username": "drillhashing", "email": EMAIL, "password": "the-password"}})
        idle_kib = server.status("VmRSS")
        statuses = [None] * REQUESTS
        start = threading.Barrier(REQUESTS)
        threads = [
            threading.Thread(target=sign_in, args=(
                server.base, f"198.51.{i // 250}.{i % 250 + 1}" if many_clients else None, start, statuses, i))
            for i in range(REQUESTS)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - began
        peak_kib = server.status("VmHWM")
    finally:
        server.stop()
    counts = Counter(str(s) for s in statuses)
    unexpected = sum(n for status, n in counts.items() if not status.isdigit() or int(status) not in ALLOWED)
    result = {
        "clients": REQUESTS if many_clients else 1,
        "statuses": dict(sorted(counts.items())),
        "unexpected": unexpected,
        "idle_rss_mib": round(idle_kib / 1024, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "seconds": round(seconds, 2),
    }
    result["passed"] = unexpected == 0 and result["peak_rss_mib"] < PEAK_LIMIT_MIB
    bench.log(f"hashing drill, {result['clients']} client(s): {result['statuses']}, "
              f"peak RSS {result['peak_rss_mib']} MiB (idle {result['idle_rss_mib']}), {result['seconds']} s")
    return result


def run(binary=None):
    binary = Path(binary or bench.BIN).absolute()  # not resolved: target/ may be a link
    commit = bench.run(["git", "-C", str(bench.ROOT), "rev-parse", "--short", "HEAD"]).strip()
    runs = {"one_client": one_run(binary, False), "many_clients": one_run(binary, True)}
    return {
        "requests": REQUESTS, "limit_mib": PEAK_LIMIT_MIB, **runs,
        "build": f"{binary.relative_to(bench.ROOT) if binary.is_relative_to(bench.ROOT) else binary.name}",
        "passed": all(r["passed"] for r in runs.values()),
        "commit": commit,
    }


def markdown(result, before=None):
    """The BENCHMARKS.md line: this run, and the run of an older build when recorded."""
    def runs(r):
        return "; ".join(
            f"{r[key]['clients']} client{'s' if r[key]['clients'] > 1 else ''}: peak RSS {r[key]['peak_rss_mib']} MiB, "
            + ", ".join(f"{n}x {s}" for s, n in r[key]["statuses"].items())
            for key in ("one_client", "many_clients"))
    line = (f"- **Password hashing** ({result['requests']} parallel wrong-password sign-ins, peak RSS limit "
            f"{result['limit_mib']} MiB, answers 401/429/503 only): {'passed' if result['passed'] else 'FAILED'}: "
            f"{runs(result)} (`{result['build']}` at `{result['commit']}`).")
    if before:
        line += f" Before the hashing cap (`{before['commit']}`, `{before['build']}`): {runs(before)}."
    return line + f" Run: {result.get('ran', '?')}."


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=None)
    parser.add_argument("--record", choices=["before", "after"])
    opts = parser.parse_args()
    result = run(opts.binary)
    print(json.dumps(result, indent=1))
    if opts.record:
        bench.record_drill("hashing" if opts.record == "after" else "hashing_before", result)
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
