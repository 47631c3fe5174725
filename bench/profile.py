#!/usr/bin/env python3
"""Counts the instructions the release server spends on one benchmarked request, with valgrind's
callgrind, and prints the functions that cost the most (inclusive).

Instruction counts do not depend on what else the machine is doing, so a change's effect on a
request's server-side cost shows even on a busy machine where wrk's numbers drift. The database
work of a PostgreSQL run happens in PostgreSQL's processes and is not counted here; on SQLite it
is part of the server's count.

Usage: bench/profile.py REQUEST [--backend sqlite|postgres] [--size small|large] [--requests N]
                               [--top N] [--keep FILE]
REQUEST is a name from bench.py's targets (home_ssr, article_ssr, list, by_tag, by_author,
by_favorited, feed, tags, article_api). Needs the release build (bench/run.sh builds it) and
valgrind.
"""

import argparse
import http.client
import shutil
import subprocess
import sys
import time

import bench


def send(base_port, path, auth, count):
    """`count` sequential GETs on one kept-alive connection, as wrk sends them; all must be 200."""
    connection = http.client.HTTPConnection("127.0.0.1", base_port, timeout=120)
    headers = {"Authorization": auth} if auth else {}
    for _ in range(count):
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
    connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("request")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--size", default="small", choices=("small", "large"))
    parser.add_argument("--requests", type=int, default=200, help="measured requests (default 200)")
    parser.add_argument("--top", type=int, default=30, help="functions to print (default 30)")
    parser.add_argument("--keep", help="copy the callgrind output to FILE (for callgrind_annotate)")
    opts = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("valgrind is needed: apt-get install -y valgrind")

    url, data_dir, params, _ = bench.seeded_database(opts.backend, opts.size)
    out_file = bench.WORK / "callgrind.out"
    # The targets' paths and headers need a token (the feed's); it comes from the profiled server
    # itself, before counting starts.
    reads = {n for n, t in bench.targets(dict(params, token="")).items() if t[2] == "report.lua"}
    if opts.request not in reads:
        sys.exit(f"unknown read request {opts.request!r}; one of: {', '.join(sorted(reads))}")

    server = bench.conduit_server(url, data_dir, wrapper=[
        "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}",
    ])
    try:
        params["token"] = bench.sign_in(server.base, params["email"])
        path, auth = bench.targets(params)[opts.request][:2]
        # Warm up (connections, prepared statements, caches), then count only the measured ones.
        send(server.port, path, auth, 20)
        subprocess.run(["callgrind_control", "--instr=on", str(server.proc.pid)], check=True, capture_output=True)
        started = time.monotonic()
        send(server.port, path, auth, opts.requests)
        seconds = time.monotonic() - started
        subprocess.run(["callgrind_control", "--instr=off", str(server.proc.pid)], check=True, capture_output=True)
    finally:
        server.stop()

    total = None
    for line in out_file.read_text(errors="replace").splitlines():
        if line.startswith("summary:") or line.startswith("totals:"):
            total = int(line.split()[1])
    annotate = bench.run(["callgrind_annotate", "--inclusive=yes", f"--threshold=100", str(out_file)])
    print(f"{opts.request} on {opts.backend} {opts.size}: {opts.requests} requests in {seconds:.1f} s under callgrind")
    print(f"server instructions per request: {total / opts.requests:,.0f}\n")
    lines = [l for l in annotate.splitlines() if "(" in l and l.strip()[:1].isdigit()]
    for line in lines[: opts.top]:
        print(line[:200])
    if opts.keep:
        shutil.copy(out_file, opts.keep)


if __name__ == "__main__":
    main()
