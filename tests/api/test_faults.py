"""Faults: PostgreSQL goes away, idle and under load, and the service is
stopped with requests in flight. The service answers 503 with Retry-After
instead of hanging, serves again once the database is back without a
restart, and never loses what it acknowledged. Marked `fault`: conftest
runs these last, as they stop the shared cluster; each has a service
instance of its own and leaves the cluster running."""
import subprocess
import time

import pytest
import requests

pytestmark = pytest.mark.fault

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


class Writers:
    """Clients posting batches of new events without pause, each keeping
    the ids the service acknowledged (200) and every other answer."""

    def __init__(self, client, count=6, batch=20):
        import threading
        self.client, self.batch = client, batch
        self.acked, self.answers, self.errors = [], [], []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(count)]
        for t in self.threads:
            t.start()

    def run(self, n):
        k = 0
        while not self.stop.is_set():
            k += 1
            ids = [f"w{n}-{k}-{i}" for i in range(self.batch)]
            try:
                r = self.client.post("/v1/events", check=False, timeout=20,
                                     json={"events": [event(x) for x in ids]})
            except requests.RequestException as e:
                with self.lock:
                    self.errors.append(repr(e))
                time.sleep(0.1)
                continue
            with self.lock:
                self.answers.append((time.monotonic(), r.status_code))
                if r.status_code == 200:
                    self.acked.extend("e" + x for x in ids)
            if r.status_code == 503:
                time.sleep(0.2)

    def ok_since(self, t):
        with self.lock:
            return sum(1 for at, s in self.answers if at > t and s == 200)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(30)


def postmaster_pid(cluster):
    with open(f"{cluster.dir}/postmaster.pid") as f:
        return int(f.readline())


def kill_postmaster(cluster):
    import os
    import signal
    os.kill(postmaster_pid(cluster), signal.SIGKILL)
    # Its backends notice and exit; until then a new postmaster refuses.
    deadline = time.monotonic() + 30
    while True:
        r = subprocess.run([PG, "start", cluster.dir, str(cluster.port), "fast"],
                           capture_output=True)
        if r.returncode == 0:
            return
        assert time.monotonic() < deadline, r.stderr.decode()
        time.sleep(0.5)


@pytest.mark.parametrize("how", ["restart", "kill -9"])
def test_database_lost_under_load_is_recovered_and_nothing_acknowledged_is_lost(
        outage_service, cluster, org, how):
    client = outage_service
    writers = Writers(client)
    try:
        deadline = time.monotonic() + 20
        while writers.ok_since(0) < 20:
            assert time.monotonic() < deadline, "the writers never got going"
            time.sleep(0.1)
        if how == "restart":
            cluster.restart()
        else:
            kill_postmaster(cluster)
        back = time.monotonic()
        # Serving again within seconds, under the same load, no restart.
        while writers.ok_since(back) < 20:
            assert time.monotonic() < back + RECOVERY_SECONDS, \
                f"no recovery: {writers.answers[-10:]}"
            time.sleep(0.2)
    finally:
        start_cluster(cluster)
        writers.finish()
    statuses = {s for _, s in writers.answers}
    assert statuses <= {200, 503}, statuses
    assert writers.errors == []
    missing = set(writers.acked) - set(stored(cluster, org))
    assert not missing, f"{len(missing)} acknowledged events lost"
    until_ok(lambda: client.get("/readyz", token=None, timeout=10), "GET /readyz")
    for _ in range(20):
        assert client.get("/v1/events", timeout=10).status_code == 200


def test_sigterm_answers_requests_in_flight(workdir, cluster, org):
    """Requests the service has begun to read when it is told to stop are
    read to their end, answered and committed; then it exits."""
    import http.client
    import json
    import os
    import signal
    s = Service(workdir, cluster.app_url, AMP_DRAIN_SECONDS="10")
    token = make_token(org=org)
    batches = [[event(f"t{b}-{i}") for i in range(1000)] for b in range(8)]

    def begin(batch):
        # Headers and half the body now, the rest after the signal.
        body = json.dumps({"events": batch}).encode()
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        c.putrequest("POST", "/v1/events")
        c.putheader("Authorization", "Bearer " + token)
        c.putheader("Content-Type", "application/json")
        c.putheader("Content-Length", str(len(body)))
        c.endheaders()
        c.send(body[:len(body) // 2])
        return c, body[len(body) // 2:]

    inflight = [begin(b) for b in batches]
    time.sleep(0.5)          # every one accepted and partly read
    os.killpg(s.proc.pid, signal.SIGTERM)
    answers = []
    for c, rest in inflight:
        c.send(rest)
        r = c.getresponse()
        answers.append((r.status, r.read()))
    started = time.monotonic()
    s.proc.wait(20)
    assert time.monotonic() - started < 20
    s.log.close()
    assert [status for status, _ in answers] == [200] * len(batches), answers
    acked = {e["id"] for b in batches for e in b}
    assert acked <= set(stored(cluster, org))
