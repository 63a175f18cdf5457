"""Small builders shared by the API tests."""
import datetime as dt


def iso(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now():
    return dt.datetime.now(dt.timezone.utc)


def event(i, member="m1", channel="forum", kind="create", at=None, **extra):
    e = {"id": f"e{i}", "member": member, "channel": channel, "action": "post",
         "kind": kind, "occurred_at": iso(at or now() - dt.timedelta(hours=1))}
    e.update(extra)
    return e


# --- shared by the issue-2 API tests ---------------------------------------

import base64
import hashlib
import hmac
import json
import socket

MIB = 1024 * 1024


def day(t):
    """The UTC date of t as YYYY-MM-DD."""
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d")


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_token(header, claims, hmac_key=None, signature=b""):
    """A JWT built by hand: with hmac_key it is signed HMAC-SHA256 with
    exactly those bytes (PyJWT refuses PEM keys as HMAC secrets), otherwise
    it carries `signature` (empty by default, as with alg none)."""
    signing_input = b64url(json.dumps(header, separators=(",", ":"))) + "." + \
        b64url(json.dumps(claims, separators=(",", ":")))
    if hmac_key is not None:
        signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def claims(org="demo", ttl=3600, **extra):
    import time
    now = int(time.time())
    body = {"org": org, "sub": "test", "scope": "admin", "iat": now, "exp": now + ttl}
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def problem(r, status):
    """Asserts r is an RFC 9457 problem with this status; returns its body."""
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["content-type"].split(";")[0] == "application/problem+json"
    body = r.json()
    assert body["status"] == status
    for field in ("type", "title", "detail"):
        assert isinstance(body[field], str) and body[field]
    return body


def allowed(r):
    """The methods an Allow header names, as a set."""
    return set(r.headers["Allow"].replace(" ", "").split(","))


def allows(*methods):
    """What Allow says of a path serving these methods: HEAD comes with
    GET, and OPTIONS with every path."""
    return set(methods) | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())


def pointers(r):
    """The JSON Pointers of a 422 problem, in the order given."""
    return [e.get("pointer") for e in problem(r, 422).get("errors", [])]


def parameters(r):
    """The parameter names of a 400 problem."""
    return [e.get("parameter") for e in problem(r, 400).get("errors", [])]


def no_internals(r):
    text = r.text.lower()
    for leak in ("select ", "insert ", "sqlstate", "pg_", "postgres", "traceback",
                 "syntax error", "amp."):
        assert leak not in text, f"response discloses internals: {r.text[:300]}"


def campaign(incentive="points", name="Spring points drive", starts=None, **extra):
    body = {"name": name, "incentive": incentive,
            "starts_at": iso(starts or now() - dt.timedelta(days=60))}
    body.update(extra)
    return body


def kpi(name="Sign-ups", **extra):
    body = {"name": name}
    body.update(extra)
    return body


def result(i, metric="signups", value=1, at=None, **extra):
    r = {"id": f"r{i}", "metric": metric, "value": value,
         "observed_at": iso(at or now() - dt.timedelta(hours=1))}
    r.update(extra)
    return r


def post_events(client, events, **kw):
    return client.post("/v1/events", json={"events": events}, **kw)


def ingest(client, events):
    """Posts events and insists they are all new."""
    r = post_events(client, events)
    assert r.status_code == 200, r.text[:500]
    assert r.json() == {"accepted": len(events), "duplicates": 0}
    return r


def walk(client, path, params=None, max_pages=1000):
    """Every item of a paged list, and the number of pages it took."""
    params = dict(params or {})
    items, pages, seen_cursors = [], 0, set()
    while True:
        r = client.get(path, params=params)
        assert r.status_code == 200, r.text[:500]
        body = r.json()
        items.extend(body["data"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert cursor not in seen_cursors, "a cursor came back twice"
        seen_cursors.add(cursor)
        assert pages < max_pages, "paging does not end"
        params["cursor"] = cursor


def raw_http(port, data, timeout=10):
    """Sends raw bytes over one connection and returns (status, headers,
    body) of the answer; status is None when the server closed the
    connection without one. Raises socket.timeout when it hangs."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        if not buf:
            return None, {}, b""
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0") or 0)
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body


def activity_view(cur):
    """Where lock waits show: every node's under Citus, else this server's."""
    cur.execute("SELECT to_regclass('pg_catalog.citus_stat_activity') IS NOT NULL")
    return "citus_stat_activity" if cur.fetchone()[0] else "pg_stat_activity"
