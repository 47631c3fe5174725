#!/usr/bin/env python3
"""Database credential rotation drill: the server connects as its own role (`conduit_app`, set
up by `conduit migrate`) with its password in a file, while client threads keep hitting API
endpoints that use the database. The role's password is changed twice, once database first and
file second (single-user rotation), once file first and database second, each time with a lag
between the two; the load keeps going past CONDUIT_DB_MAX_LIFETIME_SECS after each rotation.

Passes when no request failed, each old password is refused afterwards, and every connection the
server holds at the end of the load was opened after the last rotation (so with the newest
password).

The shared PostgreSQL trusts local connections, which would make any password work; the drill
starts a PostgreSQL of its own in a temporary directory, with scram-sha-256 authentication.

Usage: bench/drill_db_rotation.py [--bin target/release/conduit] [--seconds-per-phase 6]
(also `bench/drills.sh --only db-rotation`).
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (Server, log, PORT)

SUPERUSER_PASSWORD = "drill-superuser"
MAX_LIFETIME_SECS = 2
CLIENTS = 6
LAG_SECONDS = 0.5  # between the database's change and the file's, in either order


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL with password authentication (scram-sha-256) on a free port."""

    def __init__(self, root):
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        bindir = os.environ.get("CONDUIT_TEST_PG_BINDIR") or (str(versions[-1].parent) if versions else None)
        if not bindir:
            raise RuntimeError("no PostgreSQL server binaries (initdb) found")
        self.bin, self.root, self.port = Path(bindir), Path(root), free_port()
        # initdb refuses to run as root: then the cluster belongs to the postgres user.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.data, self.log = self.root / "data", self.root / "postgres.log"
        self.own_logins = {True: 0, False: 0}
        self.root.mkdir(parents=True)
        pwfile = self.root / "pwfile"
        pwfile.write_text(SUPERUSER_PASSWORD)
        if self.prefix:
            shutil.chown(self.root, "postgres")
            shutil.chown(pwfile, "postgres")
        self.tool("initdb", "-D", self.data, "-U", "postgres", "--auth=scram-sha-256", f"--pwfile={pwfile}")
        self.tool("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c log_connections=on", "start")

    def tool(self, name, *args):
        subprocess.run([*self.prefix, str(self.bin / name), *map(str, args)], check=True, capture_output=True, text=True)

    def url(self, user, database="conduit", password=None):
        auth = f"{user}:{password}" if password else user
        return f"postgres://{auth}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def sql(self, statement, database="conduit"):
        env = {**os.environ, "PGPASSWORD": SUPERUSER_PASSWORD}
        return subprocess.run(["psql", self.url("postgres", database), "-v", "ON_ERROR_STOP=1", "-qAtc", statement],
                              check=True, capture_output=True, text=True, env=env).stdout.strip()

    def accepts(self, user, password):
        env = {**os.environ, "PGPASSWORD": password}
        accepted = subprocess.run(["psql", self.url(user), "-qAtc", "SELECT 1"], capture_output=True, env=env).returncode == 0
        self.own_logins[accepted] += 1  # kept out of the server's counts
        return accepted

    def stop(self):
        self.tool("pg_ctl", "-D", self.data, "-m", "fast", "stop")


def write_atomically(path, text):
    """The way the kubelet updates a mounted secret: the new content appears at once."""
    staged = path.with_suffix(".new")
    staged.write_text(text)
    staged.replace(path)


class Load:
    """Client threads on API endpoints that use the database, counting every outcome."""

    def __init__(self, base, token, slug):
        self.base, self.token, self.slug = base, token, slug
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.ok, self.failures, self.latencies = 0, [], []  # latencies: (finished at, seconds)
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(CLIENTS)]

    def request(self, n):
        kind = n % 5
        if kind == 0:
            return urllib.request.Request(self.base + "/api/articles?limit=5")
        if kind == 1:
            return urllib.request.Request(self.base + "/api/tags")
        if kind == 2:
            return urllib.request.Request(self.base + f"/api/articles/{self.slug}")
        if kind == 3:
            request = urllib.request.Request(self.base + "/api/user")
        else:
            body = json.dumps({"comment": {"body": f"comment {n}"}}).encode()
            request = urllib.request.Request(self.base + f"/api/articles/{self.slug}/comments", data=body, method="POST")
            request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", f"Token {self.token}")
        return request

    def client(self, index):
        n = index
        while not self.stop_flag.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.request(n), timeout=10) as resp:
                    resp.read()
                    outcome = None if resp.status < 400 else f"status {resp.status}"
            except urllib.error.HTTPError as err:
                outcome = f"status {err.code}: {err.read()[:200]!r}"
            except (urllib.error.URLError, OSError) as err:
                outcome = f"error {err}"
            finished = time.monotonic()
            with self.lock:
                self.latencies.append((finished, finished - started))
                if outcome:
                    self.failures.append((finished, outcome))
                else:
                    self.ok += 1
            n += CLIENTS

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stop_flag.set()
        for thread in self.threads:
            thread.join()

    def max_latency_ms(self, since, until):
        with self.lock:
            window = [s for at, s in self.latencies if since <= at <= until]
        return round(max(window) * 1000, 1) if window else 0.0


def run(binary=None, seconds_per_phase=3 * MAX_LIFETIME_SECS):
    binary = Path(binary or bench.BIN)
    bench.log(f"db-rotation: {CLIENTS} clients, max lifetime {MAX_LIFETIME_SECS} s, {seconds_per_phase} s per phase, {binary}")
    root = Path(tempfile.mkdtemp(prefix="conduit-db-rotation-"))
    os.chmod(root, 0o755)
    cluster = Cluster(root / "pg")
    server = None
    try:
        cluster.sql("CREATE DATABASE conduit", database="postgres")
        secrets = root / "secrets"
        secrets.mkdir()
        password_file = secrets / "password"
        write_atomically(password_file, "password-1\n")
        migrate_env = {
            "PATH": os.environ.get("PATH", ""),
            "DATABASE_URL": cluster.url("postgres", password=SUPERUSER_PASSWORD),
            "CONDUIT_DATA_DIR": str(root / "migrate"),
            "CONDUIT_DB_APP_ROLE": "conduit_app",
            "CONDUIT_DB_APP_PASSWORD_FILE": str(password_file),
        }
        migrated = subprocess.run([str(binary), "migrate"], env=migrate_env, capture_output=True, text=True)
        if migrated.returncode != 0:
            raise RuntimeError(f"conduit migrate failed: {migrated.stdout}{migrated.stderr}")
        bench.log(f"db-rotation: {migrated.stdout.strip()}")

        server = bench.Server("conduit-db-rotation", [str(binary)], {
            "DATABASE_URL": cluster.url("conduit_app"),
            "CONDUIT_DB_PASSWORD_FILE": str(password_file),
            "CONDUIT_MIGRATE_ON_START": "0",
            "CONDUIT_DB_MAX_LIFETIME_SECS": str(MAX_LIFETIME_SECS),
            "CONDUIT_DB_MAX_CONNECTIONS": "4",
            "CONDUIT_DATA_DIR": str(root / "data"),
            "CONDUIT_LISTEN_ADDR": f"127.0.0.1:{bench.PORT}",
            "CONDUIT_AUTH_RATE_PER_MINUTE": "0",
        }, bench.PORT, "/readyz")
        user = bench.http_json(server.base, "POST", "/api/users", {"user": {
            "username": "rotation", "email": "rotation@example.com", "password": "rotation-password"}})
        token = user["user"]["token"]
        article = bench.http_json(server.base, "POST", "/api/articles", {"article": {
            "title": "Rotation drill", "description": "d", "body": "b", "tagList": ["drill"]}}, token=token)
        load = Load(server.base, token, article["article"]["slug"])
        load.start()
        time.sleep(seconds_per_phase)

        rotations = []
        for number, order in ((2, "database first"), (3, "file first")):
            new = f"password-{number}"
            old = f"password-{number - 1}"
            started = time.monotonic()
            steps = [lambda: cluster.sql(f"ALTER ROLE conduit_app PASSWORD '{new}'"),
                     lambda: write_atomically(password_file, new + "\n")]
            if order == "file first":
                steps.reverse()
            steps[0]()
            time.sleep(LAG_SECONDS)
            steps[1]()
            changed_at = cluster.sql("SELECT clock_timestamp()")
            time.sleep(seconds_per_phase)
            rotations.append({
                "order": order, "lag_s": LAG_SECONDS,
                "old_password_refused": not cluster.accepts("conduit_app", old),
                "new_password_accepted": cluster.accepts("conduit_app", new),
                "max_latency_ms_during": load.max_latency_ms(started, started + LAG_SECONDS + 2),
                "completed_at": changed_at,
            })
            bench.log(f"db-rotation: rotation {number - 1} ({order}): {rotations[-1]}")
        # Still under load, several lifetimes after the last rotation: which connections are open.
        pooled, older = cluster.sql(
            "SELECT COUNT(*) || ',' || COUNT(*) FILTER (WHERE backend_start < "
            f"'{rotations[-1]['completed_at']}'::timestamptz) FROM pg_stat_activity WHERE usename = 'conduit_app'").split(",")
        load.stop()
        with urllib.request.urlopen(server.base + "/readyz", timeout=5) as resp:
            ready_after = resp.status
        log_text = cluster.log.read_text(errors="replace")
        opened = log_text.count("connection authorized: user=conduit_app") - cluster.own_logins[True]
        refused = log_text.count('password authentication failed for user "conduit_app"') - cluster.own_logins[False]
        server_log = (bench.WORK / "conduit-db-rotation.log").read_text(errors="replace")
    finally:
        if server:
            server.stop()
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)

    result = {
        "build": binary.parent.name,  # debug or release
        "clients": CLIENTS, "max_lifetime_s": MAX_LIFETIME_SECS, "seconds_per_phase": seconds_per_phase,
        "requests": load.ok + len(load.failures), "failed": len(load.failures),
        "failures_sample": [f for _, f in load.failures[:5]],
        "rotations": [{k: v for k, v in r.items() if k != "completed_at"} for r in rotations],
        "connections_opened": opened, "logins_refused_then_retried": refused,
        "credential_reloads_logged": server_log.count("database credentials changed"),
        "connections_at_end": int(pooled), "connections_older_than_last_rotation": int(older),
        "ready_after": ready_after,
    }
    result["passed"] = (result["failed"] == 0 and result["requests"] > 0 and ready_after == 200
                        and all(r["old_password_refused"] and r["new_password_accepted"] for r in rotations)
                        and result["connections_at_end"] > 0 and result["connections_older_than_last_rotation"] == 0)
    bench.log(f"db-rotation: {result['requests']} requests, {result['failed']} failed, "
              f"{opened} connections opened, {refused} logins refused and retried -> {'passed' if result['passed'] else 'FAILED'}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="the conduit binary (default: the release build)")
    parser.add_argument("--seconds-per-phase", type=float, default=3 * MAX_LIFETIME_SECS)
    opts = parser.parse_args()
    result = run(opts.bin, opts.seconds_per_phase)
    print(json.dumps(result, indent=1))
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
