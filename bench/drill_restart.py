"""SIGTERM under load (`bench/drills.sh --only restart`): several clients load the server without
pause, most opening a new connection for every request and some reusing a keep-alive
connection, while the server is stopped with SIGTERM and started again, ten times (every other
round with CONDUIT_SHUTDOWN_DELAY_SECS=1). A request counts as failed when it was sent and got
no answer (connection reset, closed without a response, timeout) or an answer other than 200;
a refused connection is not a request (the server is down between rounds; real clients go to
another replica). Passes with zero failed requests.

BENCH_BIN (read by bench.py) runs another build of the server (default: the release build), e.g. the debug build
or an older commit's binary for a before/after comparison.
"""

import collections
import http.client
import shutil
import signal
import socket
import threading
import time
from pathlib import Path

import bench

ROUNDS = 10
NEW_CONNECTION_CLIENTS = 6
KEEP_ALIVE_CLIENTS = 2
LOAD_SECONDS = 3
PATHS = ("/api/tags", "/api/articles?limit=5", "/healthz")
BIN = bench.BIN


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.answered = 0
        self.refused = 0
        self.failed = collections.Counter()

    def add(self, answered=0, refused=0, failure=None):
        with self.lock:
            self.answered += answered
            self.refused += refused
            if failure:
                self.failed[failure] += 1

    def snapshot(self):
        with self.lock:
            return self.answered, self.refused, sum(self.failed.values())


def client(port, keep_alive, tally, stop, seed):
    conn = None
    i = seed
    while not stop.is_set():
        i += 1
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            try:
                conn.connect()
            except (ConnectionRefusedError, ConnectionResetError):  # the server is down
                conn = None
                tally.add(refused=1)
                time.sleep(0.01)
                continue
        try:
            conn.request("GET", PATHS[i % len(PATHS)])
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                tally.add(answered=1)
            else:
                tally.add(failure=f"status {response.status}")
            if not keep_alive or response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as err:
            tally.add(failure=type(err).__name__)
            conn.close()
            conn = None


def start(port, data_dir, delay):
    env = {
        "DATABASE_URL": f"sqlite://{data_dir / 'conduit.db'}?mode=rwc",
        "CONDUIT_DATA_DIR": str(data_dir),
        "CONDUIT_LISTEN_ADDR": f"127.0.0.1:{port}",
        "CONDUIT_METRICS_ADDR": "off",
        "CONDUIT_SHUTDOWN_DELAY_SECS": str(delay),
        "CONDUIT_SHUTDOWN_TIMEOUT_SECS": "20",
        "RUST_LOG": "warn",
    }
    return bench.Server("drill-restart", [str(BIN)], env, port, "/readyz")


def run():
    port = bench.PORT
    data_dir = bench.WORK / "data-restart"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    bench.log(f"restart drill: {ROUNDS} rounds of SIGTERM under load, {BIN}")
    tally, stop = Tally(), threading.Event()
    clients = [threading.Thread(target=client, args=(port, n >= NEW_CONNECTION_CLIENTS, tally, stop, n * 7), daemon=True)
               for n in range(NEW_CONNECTION_CLIENTS + KEEP_ALIVE_CLIENTS)]
    rounds = []
    server = start(port, data_dir, 0)
    for thread in clients:
        thread.start()
    try:
        for number in range(ROUNDS):
            delay = number % 2
            if number:
                server = start(port, data_dir, delay)
            answered, _, failed = tally.snapshot()
            time.sleep(LOAD_SECONDS)
            signalled = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            code = server.proc.wait(timeout=60)
            server.log.close()
            stopped_s = time.monotonic() - signalled
            # Requests sent just before the exit finish (or fail) within their timeout.
            time.sleep(0.2)
            answered_after, _, failed_after = tally.snapshot()
            rounds.append({"delay_s": delay, "answered": answered_after - answered,
                           "failed": failed_after - failed, "exit": code, "stop_s": round(stopped_s, 2)})
            bench.log(f"  round {number + 1}: delay {delay} s, {rounds[-1]['answered']} answered, "
                      f"{rounds[-1]['failed']} failed, exit {code} after {stopped_s:.2f} s")
    finally:
        stop.set()
        if server.proc.poll() is None:
            server.stop()
        for thread in clients:
            thread.join(timeout=20)
    failed = sum(r["failed"] for r in rounds)
    answered = sum(r["answered"] for r in rounds)
    kinds = ", ".join(f"{n} {kind}" for kind, n in tally.failed.most_common()) or "none"
    return {
        "binary": str(BIN), "rounds": rounds, "answered": answered, "failed": failed,
        "failures": dict(tally.failed), "clients": f"{NEW_CONNECTION_CLIENTS} new-connection + {KEEP_ALIVE_CLIENTS} keep-alive",
        "passed": failed == 0 and all(r["exit"] == 0 for r in rounds),
        "title": "SIGTERM under load",
        "summary": (f"{ROUNDS} restarts of `{bench.shown(BIN)}` under {NEW_CONNECTION_CLIENTS + KEEP_ALIVE_CLIENTS} clients "
                    f"({NEW_CONNECTION_CLIENTS} opening a connection per request, {KEEP_ALIVE_CLIENTS} keep-alive; "
                    f"every other round with a 1 s shutdown delay): {answered:,} requests answered, "
                    f"{failed} failed ({kinds}); exit codes {sorted({r['exit'] for r in rounds})}, "
                    f"longest stop {max(r['stop_s'] for r in rounds)} s"),
    }


if __name__ == "__main__":
    import json
    print(json.dumps(run(), indent=1))
