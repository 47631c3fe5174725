#!/usr/bin/env python3
"""Conduit's reliability drills: a soak at 80% of peak throughput, schemathesis against the
OpenAPI document, coverage-guided fuzzing (cargo fuzz), slow request heads
(bench/drill_slow_headers.py), SIGTERM under load (bench/drill_restart.py), the tag flood,
password hashing, credential rotation and the abuse probes (bench/drill_*.py). Each drill fails loudly: the
script exits non-zero when any 5xx, schema violation or crash is found. Results go to
bench/results/drills.json and into BENCHMARKS.md.

Usage: bench/drills.sh [--soak-minutes 10] [--fuzz-seconds 120]
                       [--only soak,schemathesis,fuzz,slow-headers,restart,tags,hashing,db-rotation,abuse]
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the servers, seeding and wrk helpers)

ROOT = bench.ROOT
RESULTS = ROOT / "bench" / "results"
FUZZ_TARGETS = ["slug", "tag_text", "markdown", "api_json"]


def count_5xx(server):
    """Responses with a 5xx status so far, from the server's own /metrics."""
    with urllib.request.urlopen(server.metrics_base + "/metrics", timeout=10) as resp:
        text = resp.read().decode()
    return sum(float(m) for m in re.findall(r'^http_requests_total\{[^}]*status="5xx"[^}]*\} (\S+)', text, re.M))


# With 64 connections a connection's period at 80% of peak is tens of milliseconds, so wrk's
# whole-millisecond pauses can set the rate within a few percent (with 16 it was a few ms, and
# one millisecond more or less moved the rate by a fifth).
SOAK_CONNECTIONS = 64


def soak_run(server, params, seconds, pause_ms):
    auth = f"Token {params['token']}"
    return bench.wrk(server, "/", SOAK_CONNECTIONS, seconds, auth=auth, script="soak.lua",
                     args=(params["slug"], params["comment_slug"], str(pause_ms)))


def soak(minutes):
    backend = "postgres" if shutil.which("pg_isready") and subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode == 0 else "sqlite"
    bench.log(f"soak: {minutes} min on {backend}, small data set")
    url, data_dir, params, _ = bench.seeded_database(backend, "small")
    server = bench.conduit_server(url, data_dir)
    try:
        params["token"] = bench.sign_in(server.base, params["email"])
        # Comments pile up on an article nobody reads in the mix, so reads stay comparable.
        params["comment_slug"] = bench.http_json(server.base, "GET", "/api/articles?limit=1&offset=100")["articles"][0]["slug"]
        peak = soak_run(server, params, 10, 0)["rps"]
        target = 0.8 * peak
        # wrk pauses after each answer, so a connection's period is the pause plus the answer's
        # time, which itself shrinks as the load does. 1/rate is close to linear in the pause,
        # but 10-second rates are noisy: keep the closest pauses measured on each side of the
        # target and interpolate between them (a bare secant through two noisy neighbours can
        # jump to a pause of a second), until the rate is within 3% of the target.
        period = SOAK_CONNECTIONS * 1000
        too_fast, too_slow = (0.0, 1 / peak), None  # (pause, 1/rate) on each side of the target
        pause = max(0.0, period / target - period / peak)
        for _ in range(5):
            achieved = soak_run(server, params, 10, round(pause))["rps"]
            bench.log(f"soak calibration: pause {round(pause)} ms -> {achieved:.0f} req/s (target {target:.0f})")
            if abs(achieved / target - 1) <= 0.03:
                break
            measured = (pause, 1 / achieved)
            if achieved > target:
                too_fast = max(too_fast, measured)
            else:
                too_slow = min(too_slow, measured) if too_slow else measured
            if too_slow and too_fast[0] < too_slow[0]:
                (fast_pause, fast_inverse), (slow_pause, slow_inverse) = too_fast, too_slow
                pause = fast_pause + (1 / target - fast_inverse) * (slow_pause - fast_pause) / (slow_inverse - fast_inverse)
            else:
                pause = max(0.0, pause + period / target - period / achieved)
        bench.log(f"soak: peak {peak:.0f} req/s, target {target:.0f} req/s, pause {round(pause)} ms per request")
        before = count_5xx(server)
        minutes_out = []
        for minute in range(minutes):
            result = soak_run(server, params, 60, round(pause))
            result["rss_mib"] = round(server.status("VmRSS") / 1024, 1)
            minutes_out.append(result)
            bench.log(f"soak minute {minute + 1}: {result['rps']:.0f} req/s, p99 {result['p99_ms']} ms, {result['errors']} errors, RSS {result['rss_mib']} MiB")
        status_5xx = int(count_5xx(server) - before)
    finally:
        server.stop()
    rss = [m["rss_mib"] for m in minutes_out]
    return {
        "backend": backend, "minutes": minutes, "path": "soak mix (bench/wrk/soak.lua)", "peak_rps": peak,
        "rate": sum(m["requests"] for m in minutes_out) / (60 * minutes), "requests": sum(m["requests"] for m in minutes_out),
        "errors": sum(m["errors"] for m in minutes_out), "status_5xx": status_5xx,
        "p99_ms_per_minute": [m["p99_ms"] for m in minutes_out],
        "rss_per_minute_mib": rss, "rss_first_mib": rss[0], "rss_last_mib": rss[-1],
        "passed": status_5xx == 0 and sum(m["errors"] for m in minutes_out) == 0 and rss[-1] <= rss[0] * 1.2 + 2,
    }


def schemathesis():
    bench.log("schemathesis: against /api/openapi.json on a seeded SQLite database")
    url, data_dir, params, _ = bench.seeded_database("sqlite", "small")
    server = bench.conduit_server(url, data_dir)
    report = bench.WORK / "schemathesis.xml"
    try:
        token = bench.sign_in(server.base, params["email"])
        version = bench.run(["schemathesis", "--version"]).strip()
        proc = subprocess.run(
            ["schemathesis", "run", server.base + "/api/openapi.json",
             "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
             "--max-examples", "50", "--seed", "1", "--workers", "2",
             "--header", f"Authorization: Token {token}",
             "--report", "junit", "--report-junit-path", str(report)],
            text=True, capture_output=True)
    finally:
        server.stop()
    output = proc.stdout + proc.stderr
    (bench.WORK / "schemathesis.log").write_text(output)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    summary = next((line for line in reversed(lines) if re.search(r"\d+ (passed|failed)|No issues found|Test cases:", line)), lines[-1] if lines else "no output")
    test_cases = next((line for line in lines if line.startswith("Test cases:")), "")
    return {"version": version, "exit_code": proc.returncode, "passed": proc.returncode == 0,
            "summary": f"{test_cases} — {summary} (exit {proc.returncode}; full log target/bench/schemathesis.log)"}


def fuzz(seconds):
    results = {}
    for target in FUZZ_TARGETS:
        bench.log(f"fuzz: {target} for {seconds} s")
        corpus = ROOT / "target" / "fuzz-corpus" / target
        corpus.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            ["cargo", "+nightly", "fuzz", "run", "--fuzz-dir", "fuzz", "--sanitizer", "none", target, str(corpus),
             "--", f"-max_total_time={seconds}", "-rss_limit_mb=4096"],
            cwd=ROOT, text=True, capture_output=True)
        (bench.WORK / f"fuzz-{target}.log").write_text(proc.stdout + proc.stderr)
        done = re.search(r"Done (\d+) runs in (\d+) second", proc.stderr)
        crashed = proc.returncode != 0
        results[target] = {
            "runs": int(done.group(1)) if done else 0, "seconds": int(done.group(2)) if done else seconds,
            "crashes": 1 if crashed else 0,
            "note": f"see target/bench/fuzz-{target}.log and fuzz/artifacts/{target}" if crashed else "",
        }
    return results


# Drills that live in modules of their own (bench/drill_*.py), each with a run() -> result.
MODULE_DRILLS = {
    "slow-headers": "drill_slow_headers",
    "restart": "drill_restart",
    "tags": "drill_tags",
    "hashing": "drill_hashing",
    "db-rotation": "drill_db_rotation",
    "abuse": "drill_abuse",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--soak-minutes", type=int, default=10)
    parser.add_argument("--fuzz-seconds", type=int, default=120)
    parser.add_argument("--only", default=",".join(["soak", "schemathesis", "fuzz", *MODULE_DRILLS]))
    opts = parser.parse_args()
    only = opts.only.split(",")

    path = RESULTS / "drills.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    # Each drill keeps when and on which commit it ran: `--only` re-runs some and keeps the rest.
    commit = bench.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]).strip()
    ran = f"{results['date']}, `{commit}`"
    RESULTS.mkdir(parents=True, exist_ok=True)

    def save():  # after each drill, so a stopped run keeps the drills it finished
        path.write_text(json.dumps(results, indent=1) + "\n")

    if "schemathesis" in only:
        results["schemathesis"] = {**schemathesis(), "ran": ran}
        save()
    if "fuzz" in only:
        results["fuzz"] = fuzz(opts.fuzz_seconds)
        results["fuzz_ran"] = ran
        save()
    if "soak" in only:
        results["soak"] = {**soak(opts.soak_minutes), "ran": ran}
        save()
    for name, module in MODULE_DRILLS.items():
        if name in only:
            results[name] = {**__import__(module).run(), "ran": ran}
            save()
    subprocess.run([sys.executable, str(ROOT / "bench" / "report.py")], check=True)
    failed = [name for name in ("soak", "schemathesis", *MODULE_DRILLS) if name in results and not results[name]["passed"]]
    failed += [f"fuzz {t}" for t, r in results.get("fuzz", {}).items() if r["crashes"]]
    if failed:
        print(f"drills failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)
    print("drills passed")


if __name__ == "__main__":
    main()
