#!/usr/bin/env python3
"""The tags drill (issue 18, item 1): one `POST /api/articles` with 200,000 tags, as many of them
different as the default 1 MiB body limit holds (the costliest list for a check that compares
tags pairwise), while `/healthz` is asked every few milliseconds. Records how long the answer
(a 422) took and the slowest `/healthz` answer meanwhile; passes when the answer is a 422 within
a second and `/healthz` never took 50 ms.

Run by `bench/drills.sh --only tags` (the release server on an empty SQLite database), or alone
against any running server: `bench/drill_tags.py --base http://127.0.0.1:3201`.
"""

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the server and HTTP helpers)

TAGS = 200_000
BODY_LIMIT = 1024 * 1024
ANSWER_BUDGET_MS = 1000
HEALTHZ_BUDGET_MS = 50
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def shortlex(i):
    """The i-th string over ALPHABET, shortest first."""
    length, span = 1, len(ALPHABET)
    while i >= span:
        i -= span
        length += 1
        span *= len(ALPHABET)
    out = []
    for _ in range(length):
        out.append(ALPHABET[i % len(ALPHABET)])
        i //= len(ALPHABET)
    return "".join(reversed(out))


def flood_of_tags(count, budget):
    """`count` tags, different ones (shortest first) while `budget` bytes of JSON list allow,
    then repeats of "0" (each entry costs its length plus 3 bytes: quotes and a comma)."""
    tags, used = [], 0
    for i in range(count):
        name = shortlex(i)
        if used + len(name) + 3 + (count - i - 1) * 4 <= budget:
            used += len(name) + 3
            tags.append(name)
        else:
            used += 4
            tags.append("0")
    return tags


def post(base, path, body, token=None, timeout=300):
    request = urllib.request.Request(base + path, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def measure(base, timeout=300):
    """Sends the flood to the server at `base` and polls `/healthz` until it is answered."""
    name = f"drill{int(time.time() * 1000)}"
    user = {"user": {"username": name, "email": f"{name}@example.com", "password": "drill-password"}}
    status, text = post(base, "/api/users", json.dumps(user).encode())
    if status != 201:
        raise RuntimeError(f"registering the drill's user: {status} {text[:200]!r}")
    token = json.loads(text)["user"]["token"]
    tags = flood_of_tags(TAGS, BODY_LIMIT - 256)
    article = {"article": {"title": "Tag flood", "description": "d", "body": "b", "tagList": tags}}
    body = json.dumps(article, separators=(",", ":")).encode()
    answer = {}

    def send():
        started = time.monotonic()
        try:
            status, text = post(base, "/api/articles", body, token, timeout)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            status, text = None, str(err).encode()
        answer.update(status=status, ms=(time.monotonic() - started) * 1000, text=text[:300].decode(errors="replace"))

    sender = threading.Thread(target=send)
    sender.start()
    healthz = []
    while sender.is_alive():
        asked = time.monotonic()
        with urllib.request.urlopen(base + "/healthz", timeout=timeout) as resp:
            resp.read()
        healthz.append((time.monotonic() - asked) * 1000)
        time.sleep(0.005)
    sender.join()
    worst = max(healthz, default=0.0)
    result = {
        "title": "Tag flood",
        "tags": TAGS, "different_tags": len(set(tags)), "body_bytes": len(body),
        "status": answer["status"], "answer": answer["text"], "answer_ms": round(answer["ms"], 1),
        "healthz_probes": len(healthz), "healthz_worst_ms": round(worst, 1),
        "healthz_median_ms": round(statistics.median(healthz), 1) if healthz else None,
        "passed": answer["status"] == 422 and answer["ms"] < ANSWER_BUDGET_MS and worst < HEALTHZ_BUDGET_MS,
    }
    result["summary"] = (
        f"one `POST /api/articles` with {TAGS:,} tags ({result['different_tags']:,} different, "
        f"{len(body):,} bytes) answered {answer['status']} in {result['answer_ms']} ms; `/healthz` meanwhile: "
        f"worst {result['healthz_worst_ms']} ms over {len(healthz)} probes "
        f"(it passes at a 422 within {ANSWER_BUDGET_MS} ms and `/healthz` under {HEALTHZ_BUDGET_MS} ms)")
    bench.log(f"  {result['summary']}")
    return result


def run():
    """The drill on the release server over an empty SQLite database."""
    data_dir = bench.WORK / "drill-tags"
    if data_dir.exists():
        for path in data_dir.iterdir():
            path.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = bench.conduit_server(f"sqlite://{data_dir / 'conduit.db'}?mode=rwc", data_dir)
    try:
        return measure(server.base)
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the server's origin, e.g. http://127.0.0.1:3201")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the answer")
    opts = parser.parse_args()
    result = measure(opts.base.rstrip("/"), opts.timeout)
    print(json.dumps(result, indent=1))
    sys.exit(0 if result["passed"] else 1)
