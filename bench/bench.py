#!/usr/bin/env python3
"""Conduit's load, size and client benchmarks, side by side with the anchors.

Runs the release server on seeded databases (SQLite and PostgreSQL, small and large), drives
every benchmarked request with wrk at concurrency 1, 16 and 64, measures the server's memory,
the client bundle sizes and the time to hydrated in headless chromium, runs the anchors
(Bechma/realworld-leptos, launchbadge/realworld-axum-sqlx) on the same PostgreSQL and data when
they are built (bench/anchors/build.sh), and writes bench/results/latest.json and BENCHMARKS.md.

Usage: bench/run.sh [--duration SECONDS] [--sizes small,large] [--backends sqlite,postgres] [--targets a,b]
                    [--no-anchors] [--no-client]
"""

import argparse
import gzip
import json
import os
import platform
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = ROOT / "target" / "bench"
# The server every benchmark and drill runs: the release build, or the one BENCH_BIN names.
BIN = Path(os.environ.get("BENCH_BIN") or ROOT / "target" / "release" / "conduit")
SITE = ROOT / "target" / "site"
ANCHORS = Path(os.environ.get("BENCH_ANCHORS_DIR", "/work/ext/bench-anchors"))
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
SEED = 1
PASSWORD = "conduit-bench"  # server/src/seed.rs PASSWORD
CONCURRENCY = (1, 16, 64)
# BENCH_PORT moves the servers, so a profile can run beside a benchmark or drill.
PORT = int(os.environ.get("BENCH_PORT", "3400"))
# The server's /metrics listener (CONDUIT_METRICS_ADDR), moved along with BENCH_PORT.
METRICS_PORT = int(os.environ.get("BENCH_METRICS_PORT", str(PORT + 6000)))


def shown(path):
    """A path as the reports show it: relative to the repository when inside it."""
    path = Path(path)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs).stdout


def pg_url(database):
    base, _, _ = PG_ADMIN.rpartition("/")
    return f"{base}/{database}"


def psql(url, sql):
    return run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]).strip()


def recreate_pg(database):
    psql(PG_ADMIN, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    psql(PG_ADMIN, f"CREATE DATABASE {database}")
    return pg_url(database)


# --------------------------------------------------------------------------------------------
# Servers


class Server:
    """A server process: started, waited on until `ready_path` answers 200, sampled, stopped."""

    def __init__(self, name, cmd, env, port, ready_path, cwd=ROOT):
        self.name, self.port, self.ready_path = name, port, ready_path
        self.base = f"http://127.0.0.1:{port}"
        WORK.mkdir(parents=True, exist_ok=True)
        self.log = open(WORK / f"{name}.log", "w")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = started + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.base + ready_path, timeout=2) as resp:
                    if resp.status == 200:
                        self.start_ms = (time.monotonic() - started) * 1000
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{name} was not ready within 120 s; see {self.log.name}")

    def status(self, field):
        """A field of /proc/<pid>/status in KiB (VmRSS, VmHWM)."""
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))

    def cpu_seconds(self):
        """CPU time (user + system, all threads) the server process has used so far."""
        return process_cpu_seconds(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def conduit_server(database_url, data_dir, wrapper=(), extra_env=None, binary=None):
    """The release server (or `binary`) on the given database; `wrapper` runs it under another
    command (bench/profile.py: valgrind); `extra_env` adds settings."""
    env = {
        "DATABASE_URL": database_url,
        "CONDUIT_DATA_DIR": str(data_dir),
        "CONDUIT_LISTEN_ADDR": f"127.0.0.1:{PORT}",
        "CONDUIT_METRICS_ADDR": f"127.0.0.1:{METRICS_PORT}",
        "LEPTOS_SITE_ROOT": str(SITE),
        "LEPTOS_SITE_PKG_DIR": "pkg",
        "LEPTOS_ENV": "PROD",
        # The write mixes post from one user at full speed: measured, not rate-limited.
        "CONDUIT_WRITE_RATE_PER_MINUTE": "0",
        **(extra_env or {}),
    }
    server = Server("conduit", [*wrapper, str(binary or BIN)], env, PORT, "/readyz")
    server.metrics_base = f"http://127.0.0.1:{METRICS_PORT}"
    return server


def record_drill(key, result):
    """Keeps `result` in bench/results/drills.json under `key`, stamped with when it ran (the
    drills that take `--record` for a before/after pair)."""
    path = ROOT / "bench" / "results" / "drills.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    result["ran"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results[key] = result
    path.write_text(json.dumps(results, indent=1) + "\n")


def http_json(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.load(resp)


def sign_in(base, email):
    user = http_json(base, "POST", "/api/users/login", {"user": {"email": email, "password": PASSWORD}})
    return user["user"]["token"]


# --------------------------------------------------------------------------------------------
# Load

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def stat_cpu_seconds(stat_text):
    """utime + stime from the text of /proc/<pid>/stat (fields 14 and 15, after the command)."""
    fields = stat_text.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_cpu_seconds(pid):
    return stat_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())


def postgres_cpu_seconds():
    """CPU time used so far by each PostgreSQL process, by pid (its backends serve both servers'
    pools, which stay connected through a run)."""
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended since the listing
            continue
        if text.partition(" (")[2].startswith("postgres)"):
            used[stat.parent.name] = stat_cpu_seconds(text)
    return used


def postgres_cpu_since(before):
    """PostgreSQL's CPU time since the `before` snapshot: what each process used since (all of it
    for processes started since). A process that ended meanwhile (an autovacuum worker) is left
    out: subtracting its earlier total would make the difference meaningless."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in postgres_cpu_seconds().items())


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class RssSampler(threading.Thread):
    """Samples a server's resident memory every 100 ms while a load runs."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.peak_kib, self.running = server, 0, True

    def run(self):
        while self.running:
            try:
                self.peak_kib = max(self.peak_kib, self.server.status("VmRSS"))
            except (OSError, AttributeError):
                pass
            time.sleep(0.1)

    def finish(self):
        self.running = False
        self.join()
        return self.peak_kib


def wrk(server, path, concurrency, duration, auth=None, script="report.lua", args=()):
    cmd = [
        "wrk", f"-t{min(concurrency, 2)}", f"-c{concurrency}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(BENCH / "wrk" / script), server.base + path, "--", auth or "", *args,
    ]
    env = {**os.environ, "BENCH_WRK_DIR": str(BENCH / "wrk")}
    proc = subprocess.run(cmd, text=True, capture_output=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed on {path}: {proc.stderr.strip()}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    seconds = report["duration_us"] / 1e6
    errors = sum(v for k, v in report.items() if k.startswith("errors_"))
    return {
        "rps": round(report["requests"] / seconds, 1),
        "p50_ms": round(report["p50_us"] / 1000, 2),
        "p99_ms": round(report["p99_us"] / 1000, 2),
        "requests": report["requests"],
        "errors": errors,
    }


def measure(server, path, duration, **kwargs):
    """wrk at each concurrency after a one-second warm-up, with the peak RSS of each run and the
    CPU time per request of the server, of PostgreSQL and of wrk itself: with all three on the
    same 2 cores, throughput at c=64 is bound by their sum, so these say where a request's cost
    goes and why one server outruns another."""
    rows = {}
    for concurrency in CONCURRENCY:
        wrk(server, path, concurrency, 1, **kwargs)
        sampler = RssSampler(server)
        sampler.start()
        server_before, postgres_before, load_before = (
            server.cpu_seconds(), postgres_cpu_seconds(), children_cpu_seconds())
        result = wrk(server, path, concurrency, duration, **kwargs)
        used = (server.cpu_seconds() - server_before, postgres_cpu_since(postgres_before),
                children_cpu_seconds() - load_before)
        result["rss_mib"] = round(sampler.finish() / 1024, 1)
        per_request = [round(seconds * 1e6 / result["requests"]) if result["requests"] else None for seconds in used]
        result["cpu_us"] = dict(zip(("server", "postgres", "load"), per_request))
        rows[str(concurrency)] = result
    return rows


def targets(params):
    """The requests benchmarked, as (name, path, auth, script, args)."""
    auth = f"Token {params['token']}"
    return {
        "home_ssr": ("/", None, "report.lua", ()),
        "article_ssr": (f"/article/{params['slug']}", None, "report.lua", ()),
        "list": ("/api/articles?limit=20", None, "report.lua", ()),
        "by_tag": (f"/api/articles?tag={params['tag']}&limit=20", None, "report.lua", ()),
        "by_author": (f"/api/articles?author={params['author']}&limit=20", None, "report.lua", ()),
        "by_favorited": (f"/api/articles?favorited={params['fan']}&limit=20", None, "report.lua", ()),
        "feed": ("/api/articles/feed?limit=20", auth, "report.lua", ()),
        "tags": ("/api/tags", None, "report.lua", ()),
        "article_api": (f"/api/articles/{params['slug']}", None, "report.lua", ()),
        "writes": ("/", auth, "writes.lua", (params["slug"],)),
    }


def run_targets(server, params, names, duration):
    results = {}
    for name, (path, auth, script, args) in targets(params).items():
        if name in names:
            log(f"  {server.name}: {name}")
            results[name] = measure(server, path, duration, auth=auth, script=script, args=args)
    return results


# The parameters each run reads from the seeded data: the newest article (the top of the home
# page), the most used tag, the most prolific author, the user with most favorites, and the
# first user (who follows the most popular authors) as the signed-in reader.
PARAM_QUERIES = {
    "slug": "SELECT slug FROM articles ORDER BY created_at DESC, id DESC LIMIT 1",
    "tag": "SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id GROUP BY t.name ORDER BY COUNT(*) DESC, t.name LIMIT 1",
    "author": "SELECT u.username FROM users u JOIN articles a ON a.author_id = u.id GROUP BY u.username ORDER BY COUNT(*) DESC, u.username LIMIT 1",
    "fan": "SELECT u.username FROM users u JOIN favorites f ON f.user_id = u.id GROUP BY u.username ORDER BY COUNT(*) DESC, u.username LIMIT 1",
    "email": "SELECT email FROM users ORDER BY id LIMIT 1",
}


def seeded_database(backend, size):
    """A freshly seeded database of `backend` and `size`: its URL and the benchmark parameters."""
    data_dir = WORK / f"data-{backend}-{size}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if backend == "sqlite":
        path = data_dir / "conduit.db"
        url = f"sqlite://{path}?mode=rwc"
    else:
        url = recreate_pg(f"conduit_bench_{size}")
    started = time.monotonic()
    env = {**os.environ, "DATABASE_URL": url, "CONDUIT_DATA_DIR": str(data_dir)}
    out = run([str(BIN), "seed", "--size", size, "--seed", str(SEED)], env=env)
    seconds = time.monotonic() - started
    log(f"  {out.strip()}")
    if backend == "sqlite":
        with sqlite3.connect(path) as db:
            params = {k: db.execute(q).fetchone()[0] for k, q in PARAM_QUERIES.items()}
        db_bytes = sum(f.stat().st_size for f in data_dir.glob("conduit.db*"))
    else:
        params = {k: psql(url, q) for k, q in PARAM_QUERIES.items()}
        db_bytes = int(psql(url, "SELECT pg_database_size(current_database())"))
    return url, data_dir, params, {"seed_s": round(seconds, 1), "db_mib": round(db_bytes / 2**20, 1)}


# --------------------------------------------------------------------------------------------
# Anchors


def anchor_built(name):
    return (ANCHORS / name / "READY").exists()


def copy_rows(source_url, select, target_url, table):
    """Streams a SELECT from one database into a table of another (psql \\copy both ends)."""
    out = subprocess.Popen(["psql", source_url, "-qc", f"\\copy ({select}) TO STDOUT"], stdout=subprocess.PIPE)
    subprocess.run(["psql", target_url, "-v", "ON_ERROR_STOP=1", "-qc", f"\\copy {table} FROM STDIN"],
                   stdin=out.stdout, check=True, capture_output=True)
    out.stdout.close()
    if out.wait() != 0:
        raise RuntimeError(f"copy into {table} failed")


def import_into(anchor, source_url, target_url):
    """Loads Conduit's seeded rows into an anchor's schema (created by the anchor's migrations)."""
    imports = json.loads((BENCH / "anchors" / f"{anchor}.json").read_text())
    for step in imports:
        copy_rows(source_url, step["select"], target_url, step["table"])
    psql(target_url, "ANALYZE")


def anchor_server(anchor, database_url):
    home = ANCHORS / anchor
    if anchor == "launchbadge":
        env = {"DATABASE_URL": database_url, "HMAC_KEY": "bench-" * 8, "RUST_LOG": "warn"}
        return Server("launchbadge", [str(home / "target/release/realworld-axum-sqlx")], env, 8080, "/api/tags", cwd=home)
    env = {
        "DATABASE_URL": database_url,
        "JWT_SECRET": "bench-" * 8,
        "LEPTOS_SITE_ADDR": f"127.0.0.1:{PORT + 1}",
        "LEPTOS_SITE_ROOT": str(home / "target/site"),
        "LEPTOS_SITE_PKG_DIR": "pkg",
        "LEPTOS_OUTPUT_NAME": "realworld-leptos",
        "LEPTOS_ENV": "PROD",
    }
    return Server("bechma", [str(home / "target/release/realworld-leptos")], env, PORT + 1, "/", cwd=home)


ANCHOR_TARGETS = {
    "launchbadge": ["list", "by_tag", "by_author", "by_favorited", "feed", "tags", "article_api", "writes"],
    "bechma": ["home_ssr", "article_ssr"],
}


def run_anchor(anchor, size, source_url, params, duration, names, client):
    url = recreate_pg(f"anchor_{anchor}_{size}")
    server = anchor_server(anchor, url)  # migrates its own schema
    try:
        import_into(anchor, source_url, url)
        anchor_params = dict(params)
        anchor_params["token"] = ""
        if anchor == "launchbadge":
            # Its argon2 0.3 cannot read the seeded hashes (argon2 0.5 PHC strings): give every
            # imported user the hash it makes itself for the same password.
            http_json(server.base, "POST", "/api/users", {"user": {"username": "benchhash", "email": "benchhash@example.com", "password": PASSWORD}})
            psql(url, """UPDATE "user" SET password_hash = (SELECT password_hash FROM "user" WHERE username = 'benchhash')""")
            anchor_params["token"] = sign_in(server.base, params["email"])
        idle = server.status("VmRSS")
        results = run_targets(server, anchor_params, names, duration)
        row = {"idle_rss_mib": round(idle / 1024, 1), "start_ms": round(server.start_ms), "results": results}
        if client and anchor == "bechma":
            log("  bechma: time to interactive, throttled")
            row["throttled"] = throttled_timing(server.base, params["slug"])
            log("  bechma: lighthouse")
            run(["bash", str(BENCH / "lighthouse.sh"), "bechma", server.base, params["slug"]])
            row["lighthouse"] = json.loads((BENCH / "results" / "lighthouse-bechma.json").read_text())["pages"]
        return row
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------
# Client


def compressed_sizes(path):
    data = path.read_bytes()
    brotli = subprocess.run(["brotli", "-c", "-q", "11", str(path)], check=True, capture_output=True).stdout
    sizes = {"raw": len(data), "gzip": len(gzip.compress(data, 9)), "brotli": len(brotli)}
    # What the server sends as is, when the build precompressed the file (`--precompress`).
    for key, suffix in (("built_brotli", ".br"), ("built_gzip", ".gz")):
        built = path.with_name(path.name + suffix)
        if built.exists():
            sizes[key] = built.stat().st_size
    return sizes


def bundle_sizes(site):
    pkg = site / "pkg"
    return {kind: compressed_sizes(next(pkg.glob(f"*.{kind}"))) for kind in ("wasm", "js", "css")}


def client_timing(base, slug):
    out = run(["node", str(BENCH / "client" / "hydration.mjs"), base, f"/article/{slug}"])
    return json.loads(out)


def throttled_timing(base, slug):
    """Cold and warm time to interactive on the phone-like profile (bench/client/throttled.mjs)."""
    out = run(["node", str(BENCH / "client" / "throttled.mjs"), base, f"/article/{slug}"])
    return json.loads(out)


# --------------------------------------------------------------------------------------------
# Report


def versions():
    def first_line(cmd):
        # Not run(): `wrk -v` prints its version and then exits with status 1.
        try:
            proc = subprocess.run(cmd, text=True, capture_output=True)
        except OSError:
            return "unknown"
        lines = (proc.stdout or proc.stderr).splitlines()
        return lines[0].strip() if lines else "unknown"

    lock = (ROOT / "Cargo.lock").read_text()

    def locked(name):
        match = re.search(rf'name = "{name}"\nversion = "([^"]+)"', lock)
        return match.group(1) if match else "?"

    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    mem = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
    anchors = {}
    for name in ("bechma", "launchbadge"):
        commit = ANCHORS / name / "COMMIT"
        anchors[name] = commit.read_text().strip() if commit.exists() else None
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{cpu.group(1) if cpu else platform.processor()}, {os.cpu_count()} cores, "
        f"{int(mem.group(1)) // 2**20} GiB, {platform.system()} {platform.release()}",
        "conduit": first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "rustc": first_line(["rustc", "--version"]),
        "leptos": locked("leptos"),
        "axum": locked("axum"),
        "sqlx": locked("sqlx"),
        "sqlite": locked("libsqlite3-sys") + " (libsqlite3-sys, bundled)",
        "postgres": psql(PG_ADMIN, "SHOW server_version"),
        "wrk": first_line(["wrk", "-v"]),
        "chromium": first_line(["/usr/bin/chromium", "--version"]),
        "anchors": anchors,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured run (default 5)")
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--no-anchors", action="store_true")
    parser.add_argument("--no-client", action="store_true")
    parser.add_argument("--targets", help="only these requests, comma-separated (e.g. writes,home_ssr)")
    parser.add_argument("--output", default=str(BENCH / "results" / "latest.json"))
    opts = parser.parse_args()
    only = set(opts.targets.split(",")) if opts.targets else None

    def chosen(names):
        return [name for name in names if only is None or name in only]

    results = {"versions": versions(), "duration_s": opts.duration, "concurrency": list(CONCURRENCY),
               "seed": SEED, "runs": [], "anchors": [], "client": None}
    for size in opts.sizes.split(","):
        for backend in opts.backends.split(","):
            log(f"{backend} {size}: seeding")
            url, data_dir, params, data = seeded_database(backend, size)
            server = conduit_server(url, data_dir)
            try:
                params["token"] = sign_in(server.base, params["email"])
                idle = server.status("VmRSS")
                if not opts.no_client and results["client"] is None:
                    log("client: sizes and time to hydrated")
                    results["client"] = {"bundle": bundle_sizes(SITE), "timing": client_timing(server.base, params["slug"]),
                                         "throttled": throttled_timing(server.base, params["slug"])}
                run_results = run_targets(server, params, chosen(targets(params).keys()), opts.duration)
                results["runs"].append({
                    "backend": backend, "size": size, "data": data, "params": {k: v for k, v in params.items() if k != "token"},
                    "start_ms": round(server.start_ms), "idle_rss_mib": round(idle / 1024, 1),
                    "peak_rss_mib": round(server.status("VmHWM") / 1024, 1), "results": run_results,
                })
            finally:
                server.stop()
            if backend == "postgres" and not opts.no_anchors:
                for anchor in ("launchbadge", "bechma"):
                    if not chosen(ANCHOR_TARGETS[anchor]):
                        continue
                    if anchor_built(anchor):
                        log(f"{anchor} {size}: importing the same data")
                        try:
                            client = not opts.no_client and size == "small"
                            row = run_anchor(anchor, size, url, params, opts.duration, chosen(ANCHOR_TARGETS[anchor]), client)
                        except (RuntimeError, OSError, subprocess.CalledProcessError) as err:
                            log(f"WARNING: anchor {anchor} failed: {err}")
                            continue
                        results["anchors"].append({"anchor": anchor, "size": size, **row})
                    else:
                        log(f"WARNING: anchor {anchor} is not built (bench/anchors/build.sh); skipped")
    if not opts.no_anchors and "postgres" in opts.backends:
        bechma_site = ANCHORS / "bechma" / "target" / "site"
        if anchor_built("bechma"):
            results["anchor_bundles"] = {"bechma": bundle_sizes(bechma_site)}

    Path(opts.output).parent.mkdir(parents=True, exist_ok=True)
    Path(opts.output).write_text(json.dumps(results, indent=1) + "\n")
    log(f"results in {opts.output}")
    # BENCHMARKS.md shows whole runs only.
    if only is None:
        subprocess.run([sys.executable, str(BENCH / "report.py"), opts.output], check=True)


if __name__ == "__main__":
    main()
