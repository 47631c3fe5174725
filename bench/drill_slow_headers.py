"""Slow headers (`bench/drills.sh --only slow-headers`): 200 connections send a request head one
byte every half second and never finish it. The server must close each at its header-read
timeout (CONDUIT_HEADER_READ_TIMEOUT_SECS, 10 s by default) and answer a normal request quickly
all the while. Watched for three timeouts at most; a connection still open then counts as held.

BENCH_BIN (read by bench.py) runs another build of the server (default: the release build).
"""

import selectors
import shutil
import socket
import statistics
import threading
import time
import urllib.request
from pathlib import Path

import bench

CONNECTIONS = 200
BYTE_EVERY_S = 0.5
TIMEOUT_S = 10  # the server's default header-read timeout
BIN = bench.BIN


def probe(base, latencies, failures, stop):
    """A normal request on a new connection every 200 ms."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            with urllib.request.urlopen(base + "/api/tags", timeout=10) as resp:
                resp.read()
            latencies.append((time.monotonic() - started) * 1000)
        except OSError:
            failures.append(time.monotonic())
        time.sleep(0.2)


def run():
    port = bench.PORT
    data_dir = bench.WORK / "data-slow-headers"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = {
        "DATABASE_URL": f"sqlite://{data_dir / 'conduit.db'}?mode=rwc",
        "CONDUIT_DATA_DIR": str(data_dir),
        "CONDUIT_LISTEN_ADDR": f"127.0.0.1:{port}",
        "CONDUIT_METRICS_ADDR": "off",
        "RUST_LOG": "warn",
    }
    bench.log(f"slow-headers drill: {CONNECTIONS} connections dribbling their heads, {BIN}")
    server = bench.Server("drill-slow-headers", [str(BIN)], env, port, "/readyz")
    latencies, failures, stop = [], [], threading.Event()
    prober = threading.Thread(target=probe, args=(server.base, latencies, failures, stop), daemon=True)
    selector = selectors.DefaultSelector()
    opened, closed_after = {}, []
    try:
        for _ in range(CONNECTIONS):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /api/tags HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            sock.setblocking(False)
            opened[sock] = time.monotonic()
            selector.register(sock, selectors.EVENT_READ)
        prober.start()
        deadline = time.monotonic() + 3 * TIMEOUT_S
        while opened and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=BYTE_EVERY_S):
                sock = key.fileobj
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:  # closed by the server (an answer would be a failure of its own)
                    closed_after.append(time.monotonic() - opened.pop(sock))
                    selector.unregister(sock)
                    sock.close()
            for sock in list(opened):
                try:
                    sock.send(b"a")
                except OSError:
                    pass  # closed: the next select sees it
        held = len(opened)
    finally:
        stop.set()
        for sock in opened:
            sock.close()
        prober.join(timeout=15)
        server.stop()
    closed = sorted(closed_after)
    result = {
        "binary": str(BIN), "connections": CONNECTIONS, "timeout_s": TIMEOUT_S,
        "closed": len(closed), "held_after_s": 3 * TIMEOUT_S if held else None, "held": held,
        "closed_after_s": {"min": round(closed[0], 2), "median": round(statistics.median(closed), 2),
                           "max": round(closed[-1], 2)} if closed else None,
        "probe_requests": len(latencies), "probe_failures": len(failures),
        "probe_ms": {"median": round(statistics.median(latencies), 1), "max": round(max(latencies), 1)} if latencies else None,
        "title": "Slow headers",
    }
    result["passed"] = (held == 0 and not failures and closed[-1] <= TIMEOUT_S + 2
                        and result["probe_ms"] is not None and result["probe_ms"]["max"] < 1000)
    closes = (f"{len(closed)} closed after {result['closed_after_s']['min']}-{result['closed_after_s']['max']} s "
              f"(median {result['closed_after_s']['median']} s)" if closed else "none closed")
    probes = (f"median {result['probe_ms']['median']} ms, max {result['probe_ms']['max']} ms"
              if latencies else "none answered")
    result["summary"] = (f"{CONNECTIONS} connections sending a request head one byte every {BYTE_EVERY_S} s "
                         f"to `{bench.shown(BIN)}`: {closes}, {held} still open after {3 * TIMEOUT_S} s; "
                         f"meanwhile {len(latencies)} normal requests answered ({probes}), {len(failures)} failed")
    bench.log(f"  {result['summary']}")
    return result


if __name__ == "__main__":
    import json
    print(json.dumps(run(), indent=1))
