"""The service's HTTP behaviour (issue #11): CORS, ETag and 304, gzip,
HEAD, the per-org rate limit, the metrics token and the request deadline.
Most of it needs settings of its own, so the tests here start services of
their own (conftest's Service) beside the session one."""
import datetime as dt
import gzip
import os
import socket
import subprocess
import threading

import pytest
import requests

import helpers as h
from conftest import ROOT, SECRET, Client, Service, make_token
from helpers import event

ORIGIN = "http://app.example:5173"
ADMIN_ORIGIN = "https://admin.example"
STRANGER = "https://evil.example"
EXPOSED = {"etag", "retry-after", "www-authenticate", "allow", "location", "ratelimit",
           "ratelimit-policy"}
METRICS_TOKEN = "metrics-token-for-the-test-suite-only"


@pytest.fixture(scope="module")
def cors_service(workdir, cluster):
    s = Service(workdir, cluster.app_url,
                AMP_CORS_ORIGINS=f"{ORIGIN}, {ADMIN_ORIGIN}",
                AMP_METRICS_TOKEN=METRICS_TOKEN)
    yield s
    s.stop()


@pytest.fixture
def cors(cors_service, spec, org):
    return Client(cors_service.url, spec, make_token(org=org))


def header_set(value):
    return {v.strip().lower() for v in value.split(",")}


def cors_headers(r):
    return {k.lower() for k in r.headers if k.lower().startswith("access-control-")}


def allowed_for(r, origin):
    """Asserts r lets a page of `origin` read it, with every header a
    front end needs exposed."""
    assert r.headers.get("Access-Control-Allow-Origin") == origin, dict(r.headers)
    assert "origin" in header_set(r.headers.get("Vary", ""))
    assert header_set(r.headers["Access-Control-Expose-Headers"]) == EXPOSED


# --- CORS --------------------------------------------------------------------


def test_listed_origins_may_read_answers(cors, org):
    h.ingest(cors, [event(1)])
    for origin in (ORIGIN, ADMIN_ORIGIN):
        for path in ("/v1/indicators", "/v1/events", "/openapi.yaml", "/healthz"):
            r = cors.get(path, headers={"Origin": origin})
            assert r.status_code == 200, (path, r.text[:300])
            allowed_for(r, origin)
        r = cors.post("/v1/events", json={"events": [event(2)]}, headers={"Origin": origin})
        assert r.status_code == 200
        allowed_for(r, origin)


def test_an_unlisted_origin_gets_no_cors_headers(cors, org):
    for origin in (STRANGER, ORIGIN + "0", ORIGIN.replace("http:", "https:"), "null"):
        r = cors.get("/v1/indicators", headers={"Origin": origin})
        assert r.status_code == 200
        assert cors_headers(r) == set(), (origin, dict(r.headers))
        r = cors.options("/v1/events", token=None, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        assert r.status_code == 204
        assert cors_headers(r) == set(), (origin, dict(r.headers))


def test_without_origins_configured_no_cors_header_is_sent(api):
    r = api.get("/v1/indicators", headers={"Origin": ORIGIN})
    assert r.status_code == 200
    assert cors_headers(r) == set()
    assert "Vary" not in r.headers or "origin" not in header_set(r.headers["Vary"])
    r = api.options("/v1/events", token=None, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204 and cors_headers(r) == set()


def test_any_origin_with_star(workdir, cluster, spec, org):
    s = Service(workdir, cluster.app_url, AMP_CORS_ORIGINS="*")
    try:
        client = Client(s.url, spec, make_token(org=org))
        for origin in (STRANGER, ORIGIN):
            r = client.get("/v1/indicators", headers={"Origin": origin})
            assert r.status_code == 200
            allowed_for(r, "*")
            r = client.options("/v1/campaigns/x", token=None, headers={
                "Origin": origin, "Access-Control-Request-Method": "PUT"})
            assert r.status_code == 204
            assert r.headers["Access-Control-Allow-Origin"] == "*"
            assert header_set(r.headers["Access-Control-Allow-Methods"]) == {
                "get", "head", "put", "options"}
    finally:
        s.stop()


PREFLIGHT_PATHS = {
    "/v1/events": ("POST", "GET"),
    "/v1/campaigns/spring-points": ("GET", "PUT"),
    "/v1/members/m%2F1": ("GET", "DELETE"),
    "/v1/settings": ("GET", "PUT"),
    "/v1/indicators": ("GET",),
    "/openapi.yaml": ("GET",),
    "/healthz": ("GET",),
}


@pytest.mark.parametrize("path", sorted(PREFLIGHT_PATHS))
def test_preflight_for_each_method_of_a_path(cors, path):
    methods = PREFLIGHT_PATHS[path]
    for method in methods + ("HEAD",):
        r = cors.options(path, token=None, headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, if-none-match"})
        assert r.status_code == 204, (path, method, r.text[:300])
        assert r.content == b""
        assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "origin" in header_set(r.headers["Vary"])
        assert h.allowed(r) == h.allows(*methods)
        assert {m.upper() for m in header_set(r.headers["Access-Control-Allow-Methods"])} == \
            h.allows(*methods)
        assert header_set(r.headers["Access-Control-Allow-Headers"]) >= {
            "authorization", "content-type", "if-none-match"}
        assert int(r.headers["Access-Control-Max-Age"]) > 0
        assert r.headers["Cache-Control"] == "no-store"


def test_plain_options_says_allow_only(cors):
    for path, methods in PREFLIGHT_PATHS.items():
        r = cors.options(path, token=None)
        assert r.status_code == 204 and r.content == b""
        assert h.allowed(r) == h.allows(*methods)
        assert "Access-Control-Allow-Methods" not in r.headers
        # An Origin alone is no preflight: the answer is readable, nothing more.
        r = cors.options(path, token=None, headers={"Origin": ORIGIN})
        assert r.status_code == 204
        assert "Access-Control-Allow-Methods" not in r.headers
        assert r.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_errors_are_readable_by_a_listed_origin(cors, org):
    r = cors.get("/v1/events", token=None, headers={"Origin": ORIGIN})
    h.problem(r, 401)
    allowed_for(r, ORIGIN)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.headers["Cache-Control"] == "no-store"

    r = cors.get("/v1/campaigns/nope", headers={"Origin": ORIGIN})
    h.problem(r, 404)
    allowed_for(r, ORIGIN)

    r = cors.post("/v1/events", json={"events": [event(1, kind="nonsense")]},
                  headers={"Origin": ORIGIN})
    assert h.pointers(r) == ["/events/0/kind"]
    allowed_for(r, ORIGIN)
    assert r.headers["Cache-Control"] == "no-store"

    r = cors.delete("/v1/events", headers={"Origin": ORIGIN})
    h.problem(r, 405)
    allowed_for(r, ORIGIN)
    assert h.allowed(r) == h.allows("GET", "POST")


def service_exit(env_extra):
    """Starts the binary with env_extra and returns (exit code, output)
    once it has stopped by itself."""
    env = dict(os.environ, DATABASE_URL="postgresql://amp_app@127.0.0.1:1/ampmeter",
               PORT="1", AMP_JWT_SECRET=SECRET)
    env.update(env_extra)
    p = subprocess.run([str(ROOT / "ampmeter"), "-f", "-n", "-r"], env=env,
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


@pytest.mark.parametrize("origins", [
    "app.example", "http://app.example/", "http://app.example:5173/app",
    "ftp://app.example", "http://app.example:99999", "http://app.example:",
    "https://app.example, *.example", "http://", ",", "http://user@app.example",
])
def test_a_malformed_origin_list_stops_start_up(origins):
    code, out = service_exit({"AMP_CORS_ORIGINS": origins})
    assert code != 0
    assert "AMP_CORS_ORIGINS" in out, out[-500:]


# --- caching: ETag, 304, Cache-Control ---------------------------------------


def window():
    today = dt.datetime.now(dt.timezone.utc)
    return {"from": h.day(today - dt.timedelta(days=3)), "to": h.day(today)}


def tag_of(client, path, **kw):
    r = client.get(path, **kw)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["ETag"].startswith('"') and not r.headers["ETag"].startswith('W/')
    return r.headers["ETag"], r


def not_modified(client, path, tag, if_none_match=None, **kw):
    r = client.get(path, headers={"If-None-Match": if_none_match or tag}, **kw)
    assert r.status_code == 304, (path, r.status_code, r.text[:300])
    assert r.content == b""
    assert r.headers["ETag"] == tag
    return r


def test_etag_and_304_on_a_read(api, org):
    h.ingest(api, [event(1)])
    params = window()
    tag, r = tag_of(api, "/v1/indicators", params=params)
    assert r.headers["Cache-Control"] == "private, no-cache"
    assert tag_of(api, "/v1/indicators", params=params)[0] == tag, "unchanged answer, new tag"
    r = not_modified(api, "/v1/indicators", tag, params=params)
    assert r.headers["Cache-Control"] == "private, no-cache"
    # Compared weakly, in a list, or any.
    not_modified(api, "/v1/indicators", tag, '"x", W/' + tag, params=params)
    not_modified(api, "/v1/indicators", tag, "*", params=params)
    r = api.get("/v1/indicators", params=params, headers={"If-None-Match": '"other"'})
    assert r.status_code == 200 and r.headers["ETag"] == tag
    # Another question has another answer.
    other = dict(params, channel="forum")
    r = api.get("/v1/indicators", params=other, headers={"If-None-Match": tag})
    assert r.status_code == 200 and r.headers["ETag"] != tag


def test_openapi_yaml_is_revalidated_publicly(anon):
    tag, r = tag_of(anon, "/openapi.yaml")
    assert r.headers["Cache-Control"] == "no-cache"
    r = not_modified(anon, "/openapi.yaml", tag)
    assert r.headers["Cache-Control"] == "no-cache"


def test_everything_else_is_not_stored(api, anon, org):
    r = h.ingest(api, [event(1)])
    assert r.headers["Cache-Control"] == "no-store" and "ETag" not in r.headers
    for path in ("/healthz", "/readyz", "/metrics"):
        r = anon.get(path)
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "no-store" and "ETag" not in r.headers
    for r in (api.get("/v1/campaigns/nope"), anon.get("/v1/events"),
              api.get("/v1/events", params={"limit": "0"}),
              api.delete("/v1/members/m1")):
        assert r.headers["Cache-Control"] == "no-store" and "ETag" not in r.headers


def changes(api, path, params, write):
    """The tag of `path` before and after `write`; asserts the old tag no
    longer gets a 304."""
    before, _ = tag_of(api, path, params=params)
    write()
    r = api.get(path, params=params, headers={"If-None-Match": before})
    assert r.status_code == 200, f"{path} still 304 after the write"
    assert r.headers["ETag"] != before
    return r


def test_the_etag_changes_with_the_answer(api, org):
    params = window()
    h.ingest(api, [event(1, member="m1"), event(2, member="m2")])
    # An ingest.
    r = changes(api, "/v1/indicators", params, lambda: h.ingest(api, [event(3, member="m1")]))
    assert r.json()["counts"]["events"] == 3
    changes(api, "/v1/events", params, lambda: h.ingest(api, [event(4, member="m3")]))
    # An erasure.
    r = changes(api, "/v1/events", params,
                lambda: api.delete("/v1/members/m2").raise_for_status())
    assert "m2" not in {e["member"] for e in r.json()["data"]}
    changes(api, "/v1/indicators", params,
            lambda: api.delete("/v1/members/m3").raise_for_status())
    # A KPI: its list, and the indicators' results.
    changes(api, "/v1/kpis", {}, lambda: api.put("/v1/kpis/signups", json=h.kpi()).raise_for_status())
    assert api.post("/v1/results", json={"results": [h.result(1)]}).status_code == 200
    changes(api, "/v1/kpis/signups", {}, lambda: api.put(
        "/v1/kpis/signups", json=h.kpi(name="Sign-ups, renamed")).raise_for_status())
    changes(api, "/v1/indicators", params, lambda: api.put(
        "/v1/kpis/signups", json=h.kpi(target=50, period="month")).raise_for_status())
    # A setting.
    changes(api, "/v1/settings", {}, lambda: api.put(
        "/v1/settings", json={"survey_min_group": 7}).raise_for_status())


def test_two_orgs_with_different_answers_have_different_tags(api, service, spec, org):
    other = api.as_org(org + "-b")
    h.ingest(api, [event(1)])
    h.ingest(other, [event(1), event(2)])
    params = window()
    mine, _ = tag_of(api, "/v1/indicators", params=params)
    theirs, _ = tag_of(other, "/v1/indicators", params=params)
    assert mine != theirs
    r = other.get("/v1/indicators", params=params, headers={"If-None-Match": mine})
    assert r.status_code == 200
    r = other.get("/v1/events", params=params,
                  headers={"If-None-Match": tag_of(api, "/v1/events", params=params)[0]})
    assert r.status_code == 200 and len(r.json()["data"]) == 2


# --- gzip ----------------------------------------------------------------------


def raw_get(client, path, accept, **kw):
    """GET whose body is returned as sent (not decoded by requests)."""
    headers = dict(kw.pop("headers", {}), **{"Accept-Encoding": accept})
    r = client.get(path, headers=headers, stream=True, check=False, **kw)
    body = r.raw.read(decode_content=False)
    return r, body


def test_gzip_bodies_equal_plain_ones(api, anon, org):
    h.ingest(api, [event(i, member=f"m{i}") for i in range(12)])
    for client, path in ((anon, "/openapi.yaml"), (api, "/v1/events"), (api, "/v1/indicators/series")):
        plain, plain_body = raw_get(client, path, "identity")
        assert plain.status_code == 200
        assert len(plain_body) >= 1024, (path, len(plain_body))
        assert "Content-Encoding" not in plain.headers
        assert "accept-encoding" in header_set(plain.headers["Vary"])
        for accept in ("gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "*", "GZIP;q=1"):
            packed, packed_body = raw_get(client, path, accept)
            assert packed.headers["Content-Encoding"] == "gzip", (path, accept)
            assert "accept-encoding" in header_set(packed.headers["Vary"])
            assert len(packed_body) < len(plain_body)
            assert gzip.decompress(packed_body) == plain_body, path
            assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + '-gz"'
        # The gzip variant's tag revalidates either variant.
        r = client.get(path, headers={"Accept-Encoding": "identity",
                                      "If-None-Match": packed.headers["ETag"]})
        assert r.status_code == 304
        # requests decodes as a client would, and the spec holds for it.
        r = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert r.content == plain_body


def test_no_gzip_under_1_kib_or_when_refused(api, anon, org):
    for client, path in ((anon, "/healthz"), (api, "/v1/settings"), (api, "/v1/indicators")):
        r, body = raw_get(client, path, "gzip")
        assert r.status_code == 200 and len(body) < 1024, (path, len(body))
        assert "Content-Encoding" not in r.headers
        assert body.startswith(b"{")
    h.ingest(api, [event(i, member=f"m{i}") for i in range(12)])
    for accept in ("gzip;q=0", "gzip; q=0.000", "identity", "deflate, br", "*;q=0"):
        r, body = raw_get(api, "/v1/events", accept)
        assert r.status_code == 200 and len(body) >= 1024
        assert "Content-Encoding" not in r.headers, accept
        assert body.startswith(b"{")


# --- HEAD ----------------------------------------------------------------------

SAME = ("content-type", "content-length", "etag", "cache-control", "vary", "allow",
        "www-authenticate", "access-control-allow-origin", "access-control-expose-headers")


def test_head_is_get_without_the_body(cors, anon, org):
    h.ingest(cors, [event(1)])
    params = window()
    for client, path, kw in (
            (cors, "/v1/indicators", {"params": params}),
            (cors, "/v1/events", {"params": params}),
            (cors, "/v1/members/m1", {}),
            (cors, "/v1/campaigns/nope", {}),
            (cors, "/v1/events", {"params": {"limit": "0"}}),
            (cors, "/v1/events", {"token": None}),
            (cors, "/openapi.yaml", {}),
            (cors, "/healthz", {}),
            (cors, "/readyz", {}),
            (cors, "/v1/results", {})):
        for accept in ("identity", "gzip"):
            headers = {"Origin": ORIGIN, "Accept-Encoding": accept}
            got = client.get(path, headers=headers, **kw)
            head = client.head(path, headers=headers, **kw)
            assert head.status_code == got.status_code, path
            for name in SAME:
                assert head.headers.get(name) == got.headers.get(name), (path, name)


def test_head_sends_no_body_on_the_wire(api, service, org):
    """A HEAD and a GET on one connection: were the HEAD's body sent, the
    GET's answer would not parse."""
    h.ingest(api, [event(1)])
    auth = f"Authorization: Bearer {api.token}\r\n"
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as s:
        f = s.makefile("rb")
        for method in ("HEAD", "GET", "HEAD", "GET"):
            s.sendall(f"{method} /v1/events HTTP/1.1\r\nHost: x\r\n{auth}\r\n".encode())
            status = f.readline()
            assert status.startswith(b"HTTP/1.1 200"), (method, status)
            length = None
            while (line := f.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length and length > 0
            if method == "GET":
                body = f.read(length)
                assert body.startswith(b'{"data":') and body.endswith(b"}")
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert f.readline().startswith(b"HTTP/1.1 200")


# --- rate limit ----------------------------------------------------------------

RATE, BURST = 1, 3


@pytest.fixture(scope="module")
def limited(workdir, cluster):
    s = Service(workdir, cluster.app_url, AMP_ORG_RATE=str(RATE), AMP_ORG_BURST=str(BURST),
                AMP_CORS_ORIGINS=ORIGIN)
    yield s
    s.stop()


def fresh(client, path, **kw):
    """One request on a connection of its own, so that the service's
    workers take turns answering."""
    headers = dict(kw.pop("headers", {}), Connection="close")
    return client.get(path, headers=headers, **kw)


def quota(r):
    policy = dict(p.split("=") for p in r.headers["RateLimit-Policy"].split(";")[1:])
    state = dict(p.split("=") for p in r.headers["RateLimit"].split(";")[1:])
    return ({k: int(v) for k, v in policy.items()}, {k: int(v) for k, v in state.items()})


def test_an_org_over_its_rate_gets_429_and_others_do_not(limited, spec, org):
    mine = Client(limited.url, spec, make_token(org=org))
    theirs = Client(limited.url, spec, make_token(org=org + "-other"))
    remaining = []
    for _ in range(BURST):
        r = fresh(mine, "/v1/settings", headers={"Origin": ORIGIN})
        assert r.status_code == 200, r.text[:300]
        policy, state = quota(r)
        assert policy == {"q": BURST, "w": BURST // RATE}
        remaining.append(state["r"])
    assert remaining == sorted(remaining, reverse=True) and remaining[-1] <= BURST - 1
    # The bucket refills at RATE a second; a handful more requests empty it.
    for _ in range(20):
        r = fresh(mine, "/v1/settings", headers={"Origin": ORIGIN})
        if r.status_code == 429:
            break
        assert r.status_code == 200
    body = h.problem(r, 429)
    assert body["type"] == "urn:ampmeter:problem:too-many-requests"
    assert int(r.headers["Retry-After"]) >= 1
    policy, state = quota(r)
    assert state["r"] == 0 and policy["q"] == BURST
    assert r.headers["Cache-Control"] == "no-store"
    allowed_for(r, ORIGIN)
    # Writes count too, and are refused alike.
    r = mine.post("/v1/events", json={"events": [event(1)]})
    assert r.status_code == 429
    # Another org is untouched.
    for _ in range(BURST):
        r = fresh(theirs, "/v1/settings")
        assert r.status_code == 200
    # After Retry-After the org is served again.
    r = fresh(mine, "/v1/settings")
    if r.status_code == 429:
        threading.Event().wait(int(r.headers["Retry-After"]))
        r = fresh(mine, "/v1/settings")
    assert r.status_code == 200
    assert quota(r)[1]["r"] >= 0


def test_requests_without_a_valid_token_take_nothing_from_the_quota(limited, spec, org):
    mine = Client(limited.url, spec, make_token(org=org))
    for _ in range(BURST * 3):
        assert fresh(mine, "/v1/settings", token=None).status_code == 401
        assert fresh(mine, "/healthz").status_code == 200
    r = fresh(mine, "/v1/settings")
    assert r.status_code == 200 and quota(r)[1]["r"] == BURST - 1


# --- /metrics with a token -----------------------------------------------------


def test_metrics_wants_its_token_when_one_is_set(cors, anon):
    r = cors.get("/metrics", token=None)
    h.problem(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert cors.get("/metrics", token="not-" + METRICS_TOKEN).status_code == 401
    assert cors.get("/metrics").status_code == 401, "a JWT is not the metrics token"
    r = cors.get("/metrics", token=METRICS_TOKEN)
    assert r.status_code == 200
    assert "ampmeter_http_requests_total" in r.text
    # Without AMP_METRICS_TOKEN, /metrics is public.
    assert anon.get("/metrics").status_code == 200


# --- the request deadline ------------------------------------------------------

DEADLINE_MS = 1000


@pytest.fixture
def deadline_service(workdir, cluster, spec, org):
    s = Service(workdir, cluster.app_url, AMP_REQUEST_DEADLINE_MS=str(DEADLINE_MS),
                AMP_DB_CONNS="1", AMP_WORKERS="1")
    yield Client(s.url, spec, make_token(org=org))
    s.stop()


def statements_waiting_on_lock(cluster, function):
    """How many statements calling `function` wait for a lock now."""
    conn = cluster.connect()
    try:
        with conn.cursor() as cur:
            # On Citus the wait is on a worker: citus_stat_activity.
            cur.execute("SELECT count(*) FROM " + h.activity_view(cur) + " WHERE "
                        "wait_event_type = 'Lock' AND query LIKE %s", (f"%{function}%",))
            return cur.fetchone()[0]
    finally:
        conn.close()


def waiting_on_lock(cluster, function):
    """Waits until a statement calling `function` waits for a lock."""
    for _ in range(200):
        if statements_waiting_on_lock(cluster, function) > 0:
            return
        threading.Event().wait(0.02)
    raise AssertionError(f"no statement of {function} waits for a lock")


def test_a_read_held_past_its_deadline_answers_503_and_writes_go_on(deadline_service, cluster,
                                                                      org):
    client = deadline_service
    # Survey instruments: a table reads take and event ingestion does not.
    lock = cluster.connect()
    lock.autocommit = False
    try:
        with lock.cursor() as cur:
            cur.execute("LOCK TABLE amp.instruments IN ACCESS EXCLUSIVE MODE")
        # A read of the locked table is answered 503 at its deadline, well
        # before the client would give up.
        r = client.get("/v1/instruments", timeout=8)
        body = h.problem(r, 503)
        assert int(r.headers["Retry-After"]) >= 1
        assert r.headers["Cache-Control"] == "no-store"
        assert "in time" in body["detail"]
        h.no_internals(r)

        # While a read holds the one read connection, waiting on the lock,
        # a write is answered on a connection of its own.
        stuck = []
        reader = threading.Thread(
            target=lambda: stuck.append(client.get("/v1/instruments", timeout=8)))
        reader.start()
        waiting_on_lock(cluster, "list_instruments")
        r = client.post("/v1/events", json={"events": [event(1)]}, timeout=8)
        assert r.status_code == 200 and r.json()["accepted"] == 1
        assert reader.is_alive(), "the read was answered before the write"
        reader.join()
        h.problem(stuck[0], 503)
    finally:
        lock.rollback()
        lock.close()
    # The lock gone, the same read is served again.
    r = client.get("/v1/instruments")
    assert r.status_code == 200 and [i["id"] for i in r.json()["data"]] == ["amp-pulse-1"]
    assert [e["id"] for e in client.get("/v1/events").json()["data"]] == ["e1"]


# --- fair shares of the database ------------------------------------------------

@pytest.fixture
def shared_service(workdir, cluster):
    # One worker with two connections for writes: without shares, two
    # stuck batches of one org would hold them both.
    s = Service(workdir, cluster.app_url, AMP_WORKERS="1", AMP_DB_CONNS="2",
                AMP_DB_WRITE_CONNS="2", AMP_FAIR_CONNS="2")
    yield s
    s.stop()


def test_an_org_whose_writes_are_stuck_leaves_other_orgs_a_connection(shared_service, cluster,
                                                                        spec, org):
    victim = Client(shared_service.url, spec, make_token(org=org))
    flood = Client(shared_service.url, spec, make_token(org=org + "-flood"))
    assert flood.put("/v1/campaigns/c1", json=h.campaign()).status_code in (200, 201)
    # The victim is using the service (a dashboard between two reads).
    assert victim.get("/v1/events").status_code == 200
    # The flooding org's batches name a campaign whose row is locked here:
    # each waits in its statement until the lock goes.
    lock = cluster.connect()
    lock.autocommit = False
    answers = []
    try:
        with lock.cursor() as cur:
            cur.execute("SELECT 1 FROM amp.campaigns WHERE org_id = %s AND id = 'c1' "
                        "FOR UPDATE", (org + "-flood",))
        senders = [threading.Thread(target=lambda i=i: answers.append(flood.post(
            "/v1/events", json={"events": [event(i, campaign="c1")]}, timeout=30)))
            for i in range(4)]
        for t in senders:
            t.start()
        waiting_on_lock(cluster, "ingest_events")
        threading.Event().wait(0.5)     # the other batches arrive and queue
        # Another org's write and read are answered meanwhile.
        r = victim.post("/v1/events", json={"events": [event(1)]}, timeout=30)
        assert r.status_code == 200 and r.json()["accepted"] == 1
        assert victim.get("/v1/events").json()["data"][0]["id"] == "e1"
        assert all(t.is_alive() for t in senders), "the flood was answered first"
        # The flood ran one statement at a time, its share; the rest waited
        # in the service, not holding a connection.
        assert statements_waiting_on_lock(cluster, "ingest_events") == 1
    finally:
        lock.rollback()
        lock.close()
    for t in senders:
        t.join()
    # The flood waited its turn; nothing of it was lost.
    assert sorted(r.status_code for r in answers) == [200] * 4
    ids = {e["id"] for e in h.walk(flood, "/v1/events")[0]}
    assert ids == {f"e{i}" for i in range(4)}
