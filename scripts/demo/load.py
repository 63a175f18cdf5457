#!/usr/bin/python3
"""Loads the demo community (community.py) into one org through the public
API (python3 standard library only).

    scripts/demo/load.py --url http://127.0.0.1:8080 [--org demo]
        [--seed N] [--now RFC3339] [--if-needed] [--token T]

The token is --token, else one for --org signed with AMP_JWT_SECRET
(HS256, 10 minutes). Campaigns and KPIs are PUT, then events, results and
survey responses are posted in batches (several at a time; every id is an
idempotency key, so a load that was interrupted can simply run again), and
the beliefs last: an org holding all of them is loaded.

--if-needed loads only into an org that holds nothing yet, or resumes a
demo load that did not finish; an org with data of its own is left alone.
It waits up to 30 s for the service to be ready.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import community  # noqa: E402

EVENT_BATCH = 1000
RESPONSE_BATCH = 500
RESULT_BATCH = 1000
SCOPES = "events:write events:read indicators:read surveys:write admin"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(secret, org, ttl=600):
    now = int(time.time())
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"org": org, "sub": "demo-loader", "scope": SCOPES,
                              "iat": now, "exp": now + ttl}).encode())
    sig = hmac.new(secret.encode(), (head + "." + body).encode(),
                   hashlib.sha256).digest()
    return head + "." + body + "." + b64url(sig)


class Answer:
    def __init__(self, status, text, headers):
        self.status_code = status
        self.text = text
        self.headers = headers

    def json(self):
        return json.loads(self.text)


class Client:
    """A keep-alive HTTP client with the calls load() needs; the API tests
    pass their own (which checks every answer against openapi.yaml)."""

    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.token = token
        self.conn = None

    def request(self, method, path, json=None, params=None):
        if params:
            path += "?" + urllib.parse.urlencode(params)
        body = None if json is None else _dumps(json)
        headers = {"Authorization": "Bearer " + self.token}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                return Answer(r.status, r.read().decode(), dict(r.getheaders()))
            except (http.client.HTTPException, OSError):
                # A keep-alive connection the server closed: one retry
                # on a new one (every write here is idempotent).
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def get(self, path, **kw):
        return send(self, "GET", path, **kw)

    def post(self, path, **kw):
        return send(self, "POST", path, **kw)

    def put(self, path, **kw):
        return send(self, "PUT", path, **kw)


def send(client, method, path, attempts=6, **kw):
    """client.request(), again after Retry-After while the service answers
    503 (busy database: on a loaded machine a batch can miss the request
    deadline; every call here may be repeated)."""
    for attempt in range(attempts):
        r = client.request(method, path, **kw)
        if r.status_code != 503 or attempt == attempts - 1:
            return r
        time.sleep(min(5, int(r.headers.get("Retry-After", "1") or 1)))


def _dumps(doc):
    return json.dumps(doc, separators=(",", ":")).encode()


def ok(r, what):
    if r.status_code not in (200, 201):
        raise SystemExit("demo load: %s answered %d: %s"
                         % (what, r.status_code, r.text[:300]))
    return r


def state(client):
    """`loaded`, `partial` (a demo load that did not finish), `empty` or
    `other` (the org holds data of its own)."""
    statements = {b["statement"] for b, _ in community.Community.beliefs()}
    beliefs = ok(client.get("/v1/beliefs", params={"limit": 500}), "beliefs")
    have = {b["statement"] for b in beliefs.json()["data"]}
    if statements <= have:
        return "loaded"
    if client.get("/v1/campaigns/demo-points").status_code == 200:
        return "partial"
    for path, params in (("/v1/campaigns", {}), ("/v1/kpis", {}),
                         ("/v1/events", {"from": "2000-01-01", "to": "2100-01-01"})):
        r = ok(client.get(path, params=dict(params, limit=1)), path)
        if r.json()["data"]:
            return "other"
    return "empty" if not have else "other"


def load(c, clients, workers=4):
    """Stores community `c` through the API. `clients()` makes one client
    per thread. Returns the number of requests made."""
    local = threading.local()

    def client():
        if not hasattr(local, "c"):
            local.c = clients()
        return local.c

    def post(path, key, batch):
        ok(send(client(), "POST", path, json={key: batch}), "POST " + path)

    main = client()
    for cid, body in sorted(c["campaigns"].items()):
        ok(send(main, "PUT", "/v1/campaigns/" + cid, json=body),
           "PUT campaign " + cid)
    for metric, body in sorted(c["kpis"].items()):
        ok(send(main, "PUT", "/v1/kpis/" + metric, json=body),
           "PUT kpi " + metric)
    jobs = []
    for path, key, items, size in (
            ("/v1/events", "events", c["events"], EVENT_BATCH),
            ("/v1/results", "results", c["results"], RESULT_BATCH),
            ("/v1/surveys/responses", "responses", c["responses"],
             RESPONSE_BATCH)):
        for i in range(0, len(items), size):
            jobs.append((path, key, items[i:i + size]))
    with ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(post, *j) for j in jobs]:
            f.result()
    have = {b["statement"] for b in ok(send(main, "GET", "/v1/beliefs",
        params={"limit": 500}), "beliefs").json()["data"]}
    for b in c["beliefs"]:
        if b["statement"] not in have:
            # Not repeated on 503: a belief has no idempotency key.
            ok(main.request("POST", "/v1/beliefs", json=b), "POST belief")
    return len(c["campaigns"]) + len(c["kpis"]) + len(jobs) + 1 + len(c["beliefs"])


def wait_ready(client, seconds=30):
    deadline = time.time() + seconds
    while True:
        try:
            if client.get("/readyz").status_code == 200:
                return
        except OSError:
            pass
        if time.time() > deadline:
            raise SystemExit("demo load: the service is not ready")
        time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--org", default="demo")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--now", help="RFC 3339; default the real now")
    ap.add_argument("--token")
    ap.add_argument("--if-needed", action="store_true")
    a = ap.parse_args()
    token = a.token
    if token is None:
        secret = os.environ.get("AMP_JWT_SECRET")
        if not secret:
            raise SystemExit("demo load: give --token or set AMP_JWT_SECRET")
        token = make_token(secret, a.org)
    client = Client(a.url, token)
    wait_ready(client)
    if a.if_needed:
        s = state(client)
        if s == "loaded":
            print("demo: org %s already holds the demo community" % a.org)
            return
        if s == "other":
            print("demo: org %s holds data of its own; not loading the demo "
                  "into it" % a.org)
            return
    started = time.time()
    c = community.generate(a.seed, community.parse_now(a.now))
    generated = time.time()
    load(c, lambda: Client(a.url, token))
    done = time.time()
    x = c["expected"]
    print("demo: org %s loaded in %.1f s (generated in %.1f s, stored through "
          "the API in %.1f s): %d members' %d events over 180 days, %d KPI "
          "results, %d survey responses, 2 campaigns, %d beliefs"
          % (a.org, done - started, generated - started, done - generated,
             community.MEMBERS, len(c["events"]), len(c["results"]),
             len(c["responses"]), len(c["beliefs"])))
    print("      the points drive ran %s to %s; its simulated crowding-out "
          "effect is d = %.2f"
          % (c["campaigns"]["demo-points"]["starts_at"][:10],
             c["campaigns"]["demo-points"]["ends_at"][:10], x["points_effect"]))


if __name__ == "__main__":
    main()
