"""Citus only (make test-citus; conftest.py collects this file only when
AMP_TEST_CLUSTER=citus): every statement of the route table runs as one
task on the worker holding the org; a recorded set of calls answers the
same bodies as on plain PostgreSQL; and, after the whole run, the orgs are
spread over both workers and every org's rollups are consistent."""
import datetime as dt
import json
import re
import uuid

import psycopg2
import pytest
import requests

from conftest import ROOT, Cluster, Client, Service, make_token
from helpers import campaign, event, iso, kpi, now, result

ANSWER_PREFIX = "SELECT status, body::text FROM "


def route_statements():
    """Every .sql of src/routes.c, its C string pieces joined."""
    src = (ROOT / "src/routes.c").read_text()
    out = []
    for m in re.finditer(r"\.sql\s*=\s*ANSWER((?:\s*(?:\"(?:[^\"\\]|\\.)*\"|AMP_SCHEMA_VERSION))+)",
                         src):
        pieces = re.findall(r"\"((?:[^\"\\]|\\.)*)\"|(AMP_SCHEMA_VERSION)", m.group(1))
        out.append(ANSWER_PREFIX + "".join(p or "0-x" for p, _ in (
            (a, b) for a, b in pieces)))
    return out


def placement(db, org):
    """The port of the worker holding the org's shards."""
    with db.cursor() as cur:
        cur.execute("SELECT n.nodeport FROM pg_dist_placement p "
                    "JOIN pg_dist_node n USING (groupid) WHERE p.shardid = "
                    "get_shard_id_for_distribution_column('amp.campaigns', %s)", (org,))
        return cur.fetchone()[0]


def orgs_on_each_worker(db, cluster):
    """One sample org id per worker."""
    found = {}
    i = 0
    while len(found) < len(cluster.workers):
        org = f"sample-{i}"
        found.setdefault(placement(db, org), org)
        i += 1
    return found


def test_the_route_table_is_parsed_whole():
    statements = route_statements()
    assert len(statements) == len(re.findall(r"\.sql\s*=", (ROOT / "src/routes.c").read_text()))
    assert all(s.startswith(ANSWER_PREFIX + "amp.") for s in statements)


def test_every_route_statement_runs_as_one_task_on_the_orgs_worker(cluster, db):
    """What the service sends (with its parameters) is planned by the
    coordinator as one task on the worker holding the org, for orgs on
    either worker; only the readiness check, which reads the coordinator's
    own migration tables, stays there."""
    conn = psycopg2.connect(host="127.0.0.1", port=cluster.port, user="amp_app",
                            dbname="ampmeter")
    conn.autocommit = True
    samples = orgs_on_each_worker(db, cluster)
    assert sorted(samples) == sorted(cluster.workers)
    routed = 0
    try:
        with conn.cursor() as cur:
            for i, sql in enumerate(route_statements()):
                n = max([int(x) for x in re.findall(r"\$(\d+)", sql)] or [0])
                if n == 0:
                    cur.execute("EXPLAIN " + sql)
                    plan = "\n".join(r[0] for r in cur.fetchall())
                    assert "Citus" not in plan, (sql, plan)
                    continue
                assert "p_org => $1" in sql, sql
                cur.execute(f"PREPARE s{i} AS {sql}")
                for port, org in samples.items():
                    args = ", ".join(["%s"] + ["NULL"] * (n - 1))
                    cur.execute(f"EXPLAIN EXECUTE s{i}({args})", (org,))
                    plan = "\n".join(r[0] for r in cur.fetchall())
                    tasks = re.findall(r"Task Count: (\d+)", plan)
                    nodes = re.findall(r"Node: host=\S+ port=(\d+)", plan)
                    assert tasks == ["1"], (sql, plan)
                    assert nodes == [str(port)], (sql, org, plan)
                    routed += 1
    finally:
        conn.close()
    assert routed == 2 * (len(route_statements()) - 1)


# --- the same answers as plain PostgreSQL -------------------------------------

STAMPS = {"created_at", "updated_at", "received_at"}


def normalised(doc, ids):
    """Instants of writing and generated ids replaced by stable tokens."""
    if isinstance(doc, dict):
        # A cursor encodes what it follows: a generated id, an instant.
        return {k: "<instant>" if k in STAMPS and v is not None else
                "<cursor>" if k == "next_cursor" and v is not None else normalised(v, ids)
                for k, v in doc.items()}
    if isinstance(doc, list):
        return [normalised(v, ids) for v in doc]
    if isinstance(doc, str) and re.fullmatch(r"b-[0-9a-f]{32}", doc):
        return ids.setdefault(doc, f"<belief {len(ids)}>")
    return doc


def comparable(doc):
    """normalised, and a page's items in a stable order: lists ordered by
    generated ids list them in another order on another run."""
    doc = normalised(doc, {})
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        # Which generated id is which does not survive the reordering.
        doc = json.loads(re.sub(r"<belief \d+>", "<belief>", json.dumps(doc)))
        doc = dict(doc, data=sorted(doc["data"], key=lambda d: json.dumps(d, sort_keys=True)))
    return doc


def recorded_calls(t0):
    """A session touching every route: writes, reads, bad input, erasure.
    Paths may name {belief}, the id of the belief created first."""
    day = dt.timedelta(days=1)
    start = t0 - 40 * day
    events = []
    for d in range(35):
        at = start + d * day + dt.timedelta(hours=10)
        for m in range(6):
            kind = ("consume", "react", "create", "contribute")[(d + m) % 4]
            e = event(f"{d}-{m}", member=f"m{m}", channel=("forum", "chat")[m % 2],
                      kind=kind, at=at, quality=round(((d + m) % 10) / 10, 1))
            if 10 <= d < 20 and m < 3:
                e["campaign"] = "spring"
            events.append(e)
    window = {"from": iso(start), "to": iso(t0)}
    pulse = {"aut1": 5, "aut2": 6, "aut3": 2, "mas1": 5, "mas2": 4, "mas3": 3,
             "pur1": 6, "pur2": 6, "pur3": 2, "int1": 6, "int2": 5, "ide1": 5,
             "ide2": 5, "inj1": 3, "inj2": 2, "ext1": 2, "ext2": 1}
    return [
        ("GET", "/v1/settings", None, None),
        ("PUT", "/v1/settings", {"survey_min_group": 3}, None),
        ("PUT", "/v1/campaigns/spring",
         campaign(starts=start + 10 * day, ends_at=iso(start + 20 * day)), None),
        ("PUT", "/v1/campaigns/spring",
         campaign(name="Spring drive", starts=start + 10 * day,
                  ends_at=iso(start + 20 * day)), None),
        ("PUT", "/v1/campaigns/idle", campaign(incentive="none", starts=start), None),
        ("PUT", "/v1/kpis/signups", kpi(target=10, period="week"), None),
        ("POST", "/v1/events", {"events": events[:120]}, None),
        ("POST", "/v1/events", {"events": events[100:]}, None),
        ("POST", "/v1/events", {"events": [event("bad", campaign="nope")]}, None),
        ("POST", "/v1/results",
         {"results": [result(i, at=start + i * day) for i in range(30)]}, None),
        ("POST", "/v1/results", {"results": [result("x", metric="nope")]}, None),
        ("PUT", "/v1/instruments/team", {
            "name": "Team", "scale": {"min": 1, "max": 5},
            "items": [{"id": "q1", "subscale": "autonomy"},
                      {"id": "q2", "subscale": "autonomy", "reverse": True}]}, None),
        ("POST", "/v1/surveys/responses", {"responses": [
            {"id": f"r{m}", "member": f"m{m}", "instrument": "amp-pulse-1",
             "submitted_at": iso(t0 - 2 * day), "answers": pulse} for m in range(6)]
            + [{"id": "t1", "member": "m1", "instrument": "team",
                "submitted_at": iso(t0 - 3 * day), "answers": {"q1": 4, "q2": 2}}]}, None),
        ("POST", "/v1/surveys/responses", {"responses": [
            {"id": "z", "member": "m1", "instrument": "none",
             "submitted_at": iso(t0), "answers": {"q1": 1}}]}, None),
        ("PUT", "/v1/instruments/team", {
            "name": "Team", "scale": {"min": 1, "max": 7},
            "items": [{"id": "q1", "subscale": "autonomy"}]}, None),
        ("POST", "/v1/beliefs", {"statement": "Points crowd out free choice.",
                                 "indicator": "free_choice_rate", "campaign": "spring",
                                 "expect": "decrease", "window_days": 7}, None),
        ("POST", "/v1/beliefs", {"statement": "Mastery grows.", "indicator": "mastery",
                                 "at": iso(start + 20 * day), "expect": "increase",
                                 "window_days": 10, "channel": "forum"}, None),
        # Beliefs are listed by their generated ids: both, in any order.
        ("GET", "/v1/beliefs", None, {"limit": "10"}),
        ("GET", "/v1/beliefs/{belief}", None, None),
        ("GET", "/v1/beliefs/b-nope", None, None),
        ("GET", "/v1/campaigns", None, {"limit": "1"}),
        ("GET", "/v1/campaigns/spring", None, None),
        ("GET", "/v1/campaigns/nope", None, None),
        ("GET", "/v1/campaigns/spring/impact", None, None),
        ("GET", "/v1/campaigns/spring/impact", None, {"window_days": "5"}),
        ("GET", "/v1/kpis", None, None),
        ("GET", "/v1/kpis/signups", None, None),
        ("GET", "/v1/events", None, dict(window, limit="7")),
        ("GET", "/v1/events", None, dict(window, member="m2", channel="forum")),
        ("GET", "/v1/events", None, {"cursor": "not-ours"}),
        ("GET", "/v1/indicators", None, window),
        ("GET", "/v1/indicators", None, dict(window, channel="chat")),
        ("GET", "/v1/indicators", None, dict(window, campaign="spring")),
        ("GET", "/v1/indicators", None, dict(window, campaign="nope")),
        ("GET", "/v1/indicators/series", None, dict(window, interval="week")),
        ("GET", "/v1/members/m1", None, None),
        ("GET", "/v1/members/nobody", None, None),
        ("GET", "/v1/instruments", None, None),
        ("GET", "/v1/instruments/team", None, None),
        ("GET", "/v1/instruments/amp-pulse-1", None, None),
        ("GET", "/v1/surveys/summary", None, window),
        ("GET", "/v1/surveys/summary", None, dict(window, channel="forum")),
        ("GET", "/v1/surveys/summary", None, dict(window, instrument="team")),
        ("DELETE", "/v1/members/m2", None, None),
        ("GET", "/v1/members/m2", None, None),
        ("GET", "/v1/indicators", None, window),
        ("GET", "/v1/settings", None, None),
    ]


def play(client, calls):
    answers = []
    belief = None
    for method, path, body, params in calls:
        r = client.request(method, path.replace("{belief}", belief or ""), json=body,
                           params=params)
        doc = r.json() if r.content else None
        if belief is None and method == "POST" and path == "/v1/beliefs" \
                and r.status_code == 201:
            belief = doc["id"]
        answers.append((method, path, params, r.status_code, doc))
    return answers


@pytest.fixture(scope="module")
def plain_service(workdir):
    """Plain PostgreSQL and a service of its own, beside the Citus ones."""
    base = workdir / "plain"
    base.mkdir()
    base.chmod(0o755)
    c = Cluster(base)
    s = Service(base, c.app_url)
    yield s
    s.stop()
    c.stop()


def test_a_recorded_session_answers_the_same_bodies_as_plain_postgresql(
        service, plain_service, spec):
    org = "same-" + uuid.uuid4().hex[:12]
    calls = recorded_calls(now().replace(hour=0, minute=0, second=0, microsecond=0))
    on_citus = play(Client(service.url, spec, make_token(org=org)), calls)
    on_plain = play(Client(plain_service.url, spec, make_token(org=org)), calls)
    assert len(on_citus) == len(calls)
    differing = [f"{c[0]} {c[1]} {c[2] or ''}: {c[3]}/{p[3]}\n  citus {comparable(c[4])}"
                 f"\n  plain {comparable(p[4])}"
                 for c, p in zip(on_citus, on_plain)
                 if c[3] != p[3] or comparable(c[4]) != comparable(p[4])]
    assert not differing, "\n".join(differing)
    statuses = {a[3] for a in on_citus}
    assert {200, 201, 204, 400, 404, 409, 422} <= statuses


# --- after the whole run -------------------------------------------------------

@pytest.fixture
def fresh_db(cluster):
    """A connection of its own: the fault tests, before, restart the
    coordinator under the session's one."""
    conn = cluster.connect()
    yield conn
    conn.close()


@pytest.mark.last
def test_the_runs_orgs_are_spread_over_both_workers(cluster, fresh_db):
    db = fresh_db
    with db.cursor() as cur:
        cur.execute("SELECT DISTINCT org_id FROM amp.events")
        orgs = [r[0] for r in cur.fetchall()]
    assert len(orgs) > 10
    per_worker = {}
    for org in orgs:
        port = placement(db, org)
        per_worker[port] = per_worker.get(port, 0) + 1
    assert sorted(per_worker) == sorted(cluster.workers), per_worker
    # Each worker holds event rows in its own shards.
    for port in cluster.workers:
        conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres",
                                dbname="ampmeter")
        try:
            with conn.cursor() as cur:
                cur.execute("SET citus.override_table_visibility = off")
                cur.execute("SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' "
                            "AND c.relname ~ '^events_[0-9]+$' "
                            "AND c.relnamespace = 'amp'::regnamespace")
                shards = [r[0] for r in cur.fetchall()]
                assert shards, port
                total = 0
                for s in shards:
                    cur.execute(f"SELECT count(*) FROM amp.{s}")
                    total += cur.fetchone()[0]
                assert total > 0, port
        finally:
            conn.close()


@pytest.mark.last
def test_every_orgs_rollups_are_consistent_after_the_run(fresh_db):
    with fresh_db.cursor() as cur:
        cur.execute("SELECT DISTINCT org_id FROM amp.events ORDER BY 1")
        orgs = [r[0] for r in cur.fetchall()]
        bad = {}
        for org in orgs:
            cur.execute("SELECT amp.check_rollups(%s)", (org,))
            check = cur.fetchone()[0]
            if not check["consistent"]:
                bad[org] = check
    assert not bad, list(bad.items())[:3]
