#!/usr/bin/env python3
"""The abuse probes (issue 18, the items that one request or a few show): what a server answers
to a forged client address, a password change, a deep offset, a hostile `next`, a cookie over
HTTPS, a server-function post no browser vouched for, `/metrics` on the application's port and
the isolation headers. The heavier items have drills of their own (tags, hashing, slow-headers,
restart); this one runs in seconds, on any build, so an older build gives the "before" column:

  bench/drill_abuse.py [--binary target/debug/conduit] [--record before|after]

It starts the server on an empty SQLite database behind one proxy hop, with a small sign-in
burst and an HTTPS public URL (settings an older build may not know; it ignores them). Each
probe records what was answered and whether that is the safe answer; `--record` keeps the run in
bench/results/drills.json as `abuse` or `abuse_before`.
"""

import argparse
import json
import re
import sys
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the server helpers)

AUTH_BURST = 3
PUBLIC_URL = "https://conduit.test"


def request(base, method, path, body=None, headers=None):
    """(status, lower-cased headers as a list of pairs, body text) of one exchange."""
    url = urllib.parse.urlsplit(base)
    conn = HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, [(k.lower(), v) for k, v in resp.getheaders()], resp.read().decode(errors="replace")
    finally:
        conn.close()


def api(base, method, path, body=None, token=None, extra=None):
    headers = {"Content-Type": "application/json", **(extra or {})}
    if token:
        headers["Authorization"] = f"Token {token}"
    status, _, text = request(base, method, path, json.dumps(body) if body is not None else None, headers)
    return status, text


def register(base, name):
    status, text = api(base, "POST", "/api/users", {"user": {"username": name, "email": f"{name}@example.com",
                                                               "password": "drill-password"}},
                       extra={"X-Forwarded-For": another_client()})
    if status != 201:
        raise RuntimeError(f"registering {name}: {status} {text[:200]}")
    return json.loads(text)["user"]["token"]


_clients = iter(range(1, 1 << 16))


def another_client():
    """An address of its own for each probe that is not about the sign-in limit."""
    n = next(_clients)
    return f"198.51.{n >> 8}.{n & 255}"


def login(base, name, password="drill-password", forwarded=None):
    extra = {"X-Forwarded-For": forwarded or another_client()}
    return api(base, "POST", "/api/users/login", {"user": {"email": f"{name}@example.com", "password": password}},
               extra=extra)


def sign_in_action(base):
    """Where the sign-in page's form posts: the server function's path carries a build's hash."""
    status, _, html = request(base, "GET", "/login")
    found = re.search(r'<form[^>]*action="(/rpc/login[^"]*)"', html)
    if status != 200 or not found:
        raise RuntimeError(f"no sign-in form on /login ({status})")
    return found.group(1)


def ui_login(base, name, next_path, browser=True):
    """The sign-in form posted with JavaScript off, as a page of the site (or a bare client) sends it."""
    body = urllib.parse.urlencode({"email": f"{name}@example.com", "password": "drill-password", "next": next_path})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html",
               "X-Forwarded-For": another_client()}
    if browser:
        headers.update({"Origin": PUBLIC_URL, "Sec-Fetch-Site": "same-origin"})
    return request(base, "POST", sign_in_action(base), body, headers)


def probes(base, metrics_base):
    out = {}
    stamp = int(time.time() * 1000) % 10**9

    # 3. Clients behind the proxy are told apart by the address it appended, IPv6 by their /64.
    name = f"limits{stamp}"
    register(base, name)
    same_64 = [login(base, name, "wrong-password", f"2001:db8:1:2::{i + 1}")[0] for i in range(AUTH_BURST + 1)]
    other_64 = login(base, name, "wrong-password", "2001:db8:9:9::1")[0]
    out["ipv6_64"] = {"item": 3, "probe": f"{AUTH_BURST + 1} wrong sign-ins from 4 addresses of one /64, then one from another /64",
                      "answered": same_64 + [other_64], "safe": same_64[-1] == 429 and other_64 == 401}

    # 4. A password change ends earlier tokens.
    name = f"rotate{stamp}"
    register(base, name)
    _, text = login(base, name)
    earlier = json.loads(text)["user"]["token"]
    _, text = login(base, name)
    changer = json.loads(text)["user"]["token"]
    changed, _ = api(base, "PUT", "/api/user", {"user": {"password": "a-new-drill-password"}}, changer)
    after, _ = api(base, "GET", "/api/user", token=earlier)
    out["password_change"] = {"item": 4, "probe": "GET /api/user with a token issued before a password change",
                              "answered": [changed, after], "safe": changed == 200 and after == 401}

    # 5. Offsets have a documented maximum.
    deep, _ = api(base, "GET", "/api/articles?offset=1000000000")
    out["deep_offset"] = {"item": 5, "probe": "GET /api/articles?offset=1000000000", "answered": deep, "safe": deep == 422}

    # 6. `next` stays on the site; a CR/LF in it neither panics nor leaves.
    name = f"next{stamp}"
    register(base, name)
    answers = {}
    for payload in ["/\t/evil.example", "/\\evil.example", "/\r\n/evil.example"]:
        try:
            status, headers, _ = ui_login(base, name, payload)
            location = dict(headers).get("location", "")
            answers[repr(payload)] = [status, location]
        except Exception as err:  # a dropped connection is what a panic looks like from outside
            answers[repr(payload)] = [None, f"no answer: {err}"]
    safe = all(status in (302, 303) and location == "/" for status, location in answers.values())
    out["next"] = {"item": 6, "probe": "sign-in form with hostile next values", "answered": answers, "safe": safe}

    # 8. Over HTTPS the session cookie is Secure and host-only.
    status, headers, _ = ui_login(base, name, "/")
    cookies = [v for k, v in headers if k == "set-cookie"]
    secure = bool(cookies) and all("secure" in c.lower() for c in cookies) and cookies[0].startswith("__Host-")
    out["cookie"] = {"item": 8, "probe": f"the session cookie when the public URL is {PUBLIC_URL}",
                     "answered": [c.split(";")[0].split("=")[0] + "; " + "; ".join(p.strip() for p in c.split(";")[1:])
                                  for c in cookies], "safe": secure}

    # 9. A server-function post that no browser vouched for (no Origin, no Sec-Fetch-Site).
    status, _, _ = ui_login(base, name, "/", browser=False)
    out["unvouched_post"] = {"item": 9, "probe": "POST /rpc/login with neither Origin nor Sec-Fetch-Site",
                             "answered": status, "safe": status == 403}

    # 10. /metrics is not on the application's port (and is on its own).
    status, _, _ = request(base, "GET", "/metrics")
    try:
        own, _, _ = request(metrics_base, "GET", "/metrics")
    except OSError:
        own = None
    out["metrics"] = {"item": 10, "probe": "GET /metrics on the application's port, then on the metrics port",
                      "answered": [status, own], "safe": status == 404 and own == 200}

    # 12. Isolation headers.
    _, headers, _ = request(base, "GET", "/")
    names = dict(headers)
    wanted = ["permissions-policy", "cross-origin-opener-policy"]
    out["headers"] = {"item": 12, "probe": "GET / response headers", "answered": {h: names.get(h) for h in wanted},
                      "safe": all(names.get(h) for h in wanted)}
    return out


def run(binary=None):
    binary = Path(binary or bench.BIN).absolute()  # not resolved: target/ may be a link
    data_dir = bench.WORK / "drill-abuse"
    if data_dir.exists():
        for path in data_dir.iterdir():
            path.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = bench.conduit_server(f"sqlite://{data_dir / 'conduit.db'}?mode=rwc", data_dir, binary=binary, extra_env={
        "CONDUIT_PROXY_HOPS": "1", "CONDUIT_PUBLIC_URL": PUBLIC_URL,
        "CONDUIT_AUTH_RATE_PER_MINUTE": "1", "CONDUIT_AUTH_RATE_BURST": str(AUTH_BURST)})
    try:
        result = probes(server.base, server.metrics_base)
    finally:
        server.stop()
    commit = bench.run(["git", "-C", str(bench.ROOT), "rev-parse", "--short", "HEAD"]).strip()
    build = binary.relative_to(bench.ROOT) if binary.is_relative_to(bench.ROOT) else binary
    return {"build": str(build), "commit": commit, "probes": result,
            "passed": all(p["safe"] for p in result.values())}


def markdown(result, before=None):
    """The BENCHMARKS.md lines: each probe's answer now, and from the older build when recorded."""
    lines = [f"- **Abuse probes** (`bench/drill_abuse.py`, `{result['build']}` at `{result['commit']}`"
             + (f"; before: `{before['build']}`" + (f" at `{before['source']}`" if before.get("source") else "") if before else "")
             + f"): {'passed' if result['passed'] else 'FAILED'}. Run: {result.get('ran', '?')}."]
    for key, probe in result["probes"].items():
        then = (before or {}).get("probes", {}).get(key)
        lines.append(f"  - item {probe['item']}, {probe['probe']}: {json.dumps(probe['answered'])}"
                     + (f" (before: {json.dumps(then['answered'])}{'' if then['safe'] else ', unsafe'})" if then else ""))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=None, help="the server to probe (default: BENCH_BIN or the release build)")
    parser.add_argument("--source", default=None, help="with --record before: the commit the older build came from")
    parser.add_argument("--record", choices=["before", "after"])
    opts = parser.parse_args()
    result = run(opts.binary)
    if opts.source:
        result["source"] = opts.source
    print(json.dumps(result, indent=1))
    if opts.record:
        bench.record_drill("abuse" if opts.record == "after" else "abuse_before", result)
    sys.exit(0 if result["passed"] or opts.record == "before" else 1)


if __name__ == "__main__":
    main()
