"""PostgreSQL goes away in the middle of a run: the service answers 503
with Retry-After instead of hanging, and serves again once the database is
back, without a restart. Named to run last; it has a service instance of
its own and always leaves the shared cluster running."""
import subprocess
import time

import pytest
import requests

import helpers as h
from conftest import ROOT, Client, Service, make_token
from helpers import event

PG = str(ROOT / "scripts/pg.sh")
RECOVERY_SECONDS = 30


@pytest.fixture
def outage_service(workdir, cluster, spec, org):
    s = Service(workdir, cluster.app_url)
    yield Client(s.url, spec, make_token(org=org))
    s.stop()


def start_cluster(cluster):
    subprocess.run([PG, "start", cluster.dir, str(cluster.port), "fast"], check=True)


def stored(cluster, org):
    conn = cluster.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM amp.events WHERE org_id = %s ORDER BY id", (org,))
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def requests_under_test(client, batch):
    return {
        "POST /v1/events": lambda: client.post("/v1/events", json={"events": batch}, timeout=10),
        "GET /v1/events": lambda: client.get("/v1/events", timeout=10),
        "GET /readyz": lambda: client.get("/readyz", token=None, timeout=10),
    }


def unavailable(r):
    body = h.problem(r, 503)
    assert body["type"] == "urn:ampmeter:problem:unavailable"
    assert int(r.headers["Retry-After"]) >= 0
    h.no_internals(r)


def until_ok(call, what):
    """Retries until the call answers 2xx; only 503s are allowed meanwhile."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    seen = []
    while True:
        r = call()
        if r.status_code < 300:
            return r
        assert r.status_code == 503, f"{what}: {r.status_code} {r.text[:300]}"
        seen.append(r.status_code)
        assert time.monotonic() < deadline, f"{what} did not recover: {len(seen)} x 503"
        time.sleep(0.5)


def test_database_outage_gives_503_then_recovers_without_restart(outage_service, cluster, org):
    client = outage_service
    h.ingest(client, [event("before")])
    assert client.get("/readyz", token=None).status_code == 200
    batch = [event("during-1"), event("during-2")]
    calls = requests_under_test(client, batch)

    subprocess.run([PG, "stop", cluster.dir], check=True)
    try:
        for what, call in calls.items():
            # Each is asked twice: once on a pooled connection that just
            # died, once when a new connection is refused.
            for _ in range(2):
                try:
                    r = call()
                except requests.Timeout:
                    pytest.fail(f"{what} hung while the database was down")
                unavailable(r)
    finally:
        start_cluster(cluster)

    assert until_ok(calls["GET /readyz"], "GET /readyz").json()["status"] == "ready"
    r = until_ok(calls["POST /v1/events"], "POST /v1/events")
    # Nothing of the batch was written during the outage: it is new now.
    assert r.json() == {"accepted": 2, "duplicates": 0}
    r = until_ok(calls["GET /v1/events"], "GET /v1/events")
    assert [e["id"] for e in r.json()["data"]] == ["ebefore", "eduring-1", "eduring-2"]
    # And it keeps serving (every pooled connection is healthy again).
    for _ in range(10):
        assert client.get("/v1/events", timeout=10).status_code == 200
    assert stored(cluster, org) == ["ebefore", "eduring-1", "eduring-2"]


def test_database_restart_is_survived_without_restart(outage_service, cluster, org):
    client = outage_service
    h.ingest(client, [event(1)])
    try:
        cluster.restart()
    finally:
        start_cluster(cluster)  # a no-op when the restart worked
    r = until_ok(lambda: h.post_events(client, [event(1), event(2)], timeout=10),
                 "POST /v1/events")
    assert r.json() == {"accepted": 1, "duplicates": 1}
    until_ok(lambda: client.get("/readyz", token=None, timeout=10), "GET /readyz")
    for _ in range(10):
        assert client.get("/v1/events", timeout=10).status_code == 200
    assert stored(cluster, org) == ["e1", "e2"]
