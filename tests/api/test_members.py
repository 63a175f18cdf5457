"""GET and DELETE /v1/members/{member}: the profile, erasure as if the
member had never been recorded, and tenant isolation."""
import datetime as dt
import random
import threading
import time
import uuid

import pytest

import helpers as h
from conftest import Client, Service, make_token
from indicator_helpers import (Ev, days_after, indicators, member_path, store_events,
                               post_results, put_campaign, put_kpi, rollups_consistent, series)


def new_client(service, spec):
    """A client of a fresh org, and the org."""
    org = "t-" + uuid.uuid4().hex[:12]
    return Client(service.url, spec, make_token(org=org)), org


def profile(api, member):
    r = api.get(member_path(member))
    assert r.status_code == 200, r.text
    return r.json()


def test_profile(api):
    put_campaign(api, "cp", incentive="points")
    put_campaign(api, "cr", incentive="recognition")
    store_events(api, [
        {"id": "p1", "member": "m-7f3a", "channel": "forum", "action": "read",
         "kind": "consume", "occurred_at": "2025-01-10T08:00:00Z", "quality": 0.2},
        {"id": "p2", "member": "m-7f3a", "channel": "forum", "action": "like",
         "kind": "react", "occurred_at": "2025-01-12T09:00:00Z", "level": 3},
        {"id": "p3", "member": "m-7f3a", "channel": "slack", "action": "post",
         "kind": "create", "occurred_at": "2025-01-20T11:00:00+01:00", "quality": 0.8,
         "campaign": "cp"},
        {"id": "p4", "member": "m-7f3a", "channel": "forum", "action": "answer",
         "kind": "contribute", "occurred_at": "2025-02-03T11:00:00Z",
         "beneficiary": "community"},
        {"id": "p5", "member": "m-7f3a", "channel": "github", "action": "buy",
         "kind": "convert", "occurred_at": "2025-02-05T12:00:00Z", "value": 5},
        # 2025-03-01 00:00 UTC, sent with an offset that puts it in February.
        {"id": "p6", "member": "m-7f3a", "channel": "forum", "action": "like",
         "kind": "react", "occurred_at": "2025-02-28T19:00:00-05:00", "level": 5,
         "campaign": "cr"},
        {"id": "p7", "member": "other", "channel": "forum", "action": "like",
         "kind": "react", "occurred_at": "2025-01-11T00:00:00Z", "quality": 0.1},
    ])
    assert profile(api, "m-7f3a") == {
        "member": "m-7f3a",
        "first_seen": "2025-01-10T08:00:00.000000Z",
        "last_seen": "2025-03-01T00:00:00.000000Z",
        "events": 6,
        # react, create, contribute, react; free choice: p2 and p4 (p3 is
        # incentivized and rewarded by its campaign, p6 prompted by its own).
        "active": 4,
        "free_choice": 2,
        "free_choice_share": 0.5,
        "by_kind": {"consume": 1, "react": 2, "create": 1, "contribute": 1, "convert": 1},
        "by_channel": {"forum": 4, "slack": 1, "github": 1},
        "campaigns": ["cp", "cr"],
        "trajectory": [
            {"month": "2025-01", "events": 3, "deepest_kind": "create",
             "competence": 0.5, "signalled": 3},
            {"month": "2025-02", "events": 2, "deepest_kind": "contribute",
             "competence": None, "signalled": 0},
            {"month": "2025-03", "events": 1, "deepest_kind": "react",
             "competence": 1.0, "signalled": 1},
        ],
        "competence_trend": 0.5,
    }


def test_profile_without_active_events_or_trend(api):
    store_events(api, [
        {"id": "c1", "member": "buyer", "channel": "shop", "action": "buy", "kind": "convert",
         "occurred_at": "2025-04-02T10:00:00Z", "value": 20, "quality": 0.4},
        {"id": "c2", "member": "buyer", "channel": "shop", "action": "buy", "kind": "convert",
         "occurred_at": "2025-04-09T10:00:00Z", "value": 30, "level": 4},
    ])
    p = profile(api, "buyer")
    assert (p["events"], p["active"], p["free_choice"]) == (2, 0, 0)
    assert p["free_choice_share"] is None
    assert p["campaigns"] == []
    assert p["trajectory"] == [{"month": "2025-04", "events": 2, "deepest_kind": "convert",
                                "competence": 0.575, "signalled": 2}]
    # One month with a signal is no trend.
    assert p["competence_trend"] is None


@pytest.mark.parametrize("member", ["a b/c%d?e#f", "é" * 128, "x" * 128, "ü-1", "+"])
def test_member_ids_are_percent_encoded(api, member):
    store_events(api, [{"id": "i1", "member": member, "channel": "forum", "action": "like",
                       "kind": "react", "occurred_at": "2025-04-02T10:00:00Z"}])
    assert profile(api, member)["member"] == member
    assert api.delete(member_path(member)).status_code == 204
    assert api.get(member_path(member)).status_code == 404


@pytest.mark.parametrize("raw", ["%C3%A9" * 129, "x" * 129, "a%01b", "%0A", "%00"])
def test_invalid_member_ids(api, raw):
    for method in ("GET", "DELETE"):
        r = api.request(method, "/v1/members/" + raw)
        assert r.status_code == 400, r.text
        assert r.json()["errors"][0]["parameter"] == "id"


def test_unknown_member_is_404(api):
    r = api.get("/v1/members/nobody")
    assert r.status_code == 404
    assert r.json()["type"] == "urn:ampmeter:problem:not-found"


def test_scopes_and_methods(api, anon, org):
    store_events(api, [{"id": "s1", "member": "m1", "channel": "forum", "action": "like",
                       "kind": "react", "occurred_at": "2025-04-02T10:00:00Z"}])
    r = anon.get("/v1/members/m1")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert anon.delete("/v1/members/m1").status_code == 401
    for scopes, status in (("events:read", 200), ("admin", 200),
                           ("indicators:read events:write surveys:write", 403)):
        assert api.as_org(org, scopes=scopes).get("/v1/members/m1").status_code == status
    forbidden = api.as_org(org, scopes="events:read events:write indicators:read surveys:write")
    assert forbidden.delete("/v1/members/m1").status_code == 403
    assert profile(api, "m1")["events"] == 1
    for method in ("PUT", "POST", "PATCH"):
        r = api.request(method, "/v1/members/m1", json={})
        assert r.status_code == 405
        assert h.allowed(r) == h.allows("GET", "DELETE")
    assert api.as_org(org, scopes="admin").delete("/v1/members/m1").status_code == 204


# --- erasure ----------------------------------------------------------------

def dataset(seed=7):
    """Four members over two weeks across a month boundary, on two channels,
    some events attributed to a campaign, with competence signals."""
    rnd = random.Random(seed)
    ev = Ev("d")
    out = []
    for member in ("m1", "m2", "m3", "gone"):
        for _ in range(25):
            day = "2025-01-%02d" % rnd.randint(26, 31) if rnd.random() < 0.5 else \
                "2025-02-%02d" % rnd.randint(1, 9)
            extra = {}
            if rnd.random() < 0.5:
                extra["quality"] = rnd.choice([0.1, 0.3, 0.5, 0.7, 0.9])
            if rnd.random() < 0.3:
                extra["level"] = rnd.randint(1, 5)
            if rnd.random() < 0.2:
                extra["campaign"] = "cp"
            if rnd.random() < 0.3:
                extra["beneficiary"] = rnd.choice(["others", "community"])
            if rnd.random() < 0.2:
                extra["initiative"] = rnd.choice(["self", "prompted", "incentivized"])
            if rnd.random() < 0.2:
                extra["rewarded"] = rnd.random() < 0.5
            out.append(ev(member, day, rnd.choice(["consume", "react", "create", "contribute",
                                                   "convert"]),
                          channel=rnd.choice(["forum", "slack"]), hour=rnd.randint(0, 23),
                          **extra))
    rnd.shuffle(out)  # out of order
    return out


def load(api, events):
    put_campaign(api, "cp", incentive="points")
    put_kpi(api, "sales", 70, "month")
    post_results(api, ("r1", "sales", 30, "2025-01-28T10:00:00Z"),
                 ("r2", "sales", 25, "2025-02-04T10:00:00Z"))
    store_events(api, events)


WINDOWS = [{"from": "2025-01-26", "to": "2025-02-09"}, {"from": "2025-01-30", "to": "2025-02-02"},
           {"from": "2025-01-26", "to": "2025-02-09", "channel": "slack"},
           {"from": "2025-01-26", "to": "2025-02-09", "campaign": "cp"}]


def snapshot(api, db, org):
    """Everything the new endpoints answer, plus the stored rollups."""
    out = {"indicators": [indicators(api, **w) for w in WINDOWS],
           "series": [series(api, interval=i, **w) for w in WINDOWS[:2] + WINDOWS[3:]
                      for i in ("day", "week", "month")],
           "members": {m: api.get(member_path(m)).json() for m in ("m1", "m2", "m3", "gone")},
           "channels": api.get("/v1/channels").json()}
    with db.cursor() as cur:
        cur.execute("SELECT day, channel, campaign, events, active, active_self, "
                    "active_pressure, contrib, contrib_giving, free_choice FROM amp.day_stats "
                    "WHERE org_id = %s ORDER BY 1, 2, 3", (org,))
        out["day_stats"] = cur.fetchall()
    return out


def test_erasure_is_as_if_never_recorded(service, spec, db):
    events = dataset()
    (full, full_org), (without, without_org) = new_client(service, spec), new_client(service, spec)
    load(full, events)
    load(without, [e for e in events if e["member"] != "gone"])
    before = snapshot(full, db, full_org)
    assert before["members"]["gone"]["events"] == 25

    assert full.delete("/v1/members/gone").status_code == 204
    rollups_consistent(db, full_org)
    after = snapshot(full, db, full_org)
    assert after == snapshot(without, db, without_org)
    assert after["members"]["gone"]["status"] == 404
    assert after != before

    # Repeating is 204 and changes nothing.
    r = full.delete("/v1/members/gone")
    assert r.status_code == 204 and r.content == b""
    assert snapshot(full, db, full_org) == after

    # The member's events sent again are new events, not duplicates.
    r = full.post("/v1/events", json={"events": [e for e in events if e["member"] == "gone"]})
    assert r.json() == {"accepted": 25, "duplicates": 0}
    assert snapshot(full, db, full_org) == before
    rollups_consistent(db, full_org)


def test_erasure_keeps_an_event_committed_concurrently(api, org, cluster, db):
    """An event of the member that a concurrent batch commits while the
    erasure waits for its row locks stays stored, and so must its share of
    the rollups (regression: the erasure used to delete the member's rollup
    rows whole)."""
    store_events(api, [{"id": "old", "member": "m1", "channel": "forum", "action": "like",
                       "kind": "react", "occurred_at": "2025-01-01T10:00:00Z"}])
    batch = cluster.connect()
    batch.autocommit = False
    try:
        with batch.cursor() as cur:
            cur.execute("SELECT status FROM amp.ingest_events(%s, %s)", (org, (
                '{"events": [{"id": "new", "member": "m1", "channel": "forum", '
                '"action": "like", "kind": "create", "occurred_at": "2025-01-02T10:00:00Z"}]}')))
            assert cur.fetchone()[0] == 200
        done = {}
        eraser = threading.Thread(target=lambda: done.update(r=api.delete("/v1/members/m1")))
        eraser.start()
        deadline = time.time() + 10
        with db.cursor() as cur:
            while time.time() < deadline:
                # On Citus the wait is on a worker: citus_stat_activity.
                cur.execute("SELECT count(*) FROM " + h.activity_view(cur) + " WHERE "
                            "wait_event_type = 'Lock' AND query LIKE '%%erase_member%%'")
                if cur.fetchone()[0]:
                    break
                time.sleep(0.02)
        batch.commit()
        eraser.join(30)
    finally:
        batch.close()
    assert done["r"].status_code == 204
    rollups_consistent(db, org)
    p = profile(api, "m1")
    assert (p["events"], p["first_seen"]) == (1, "2025-01-02T10:00:00.000000Z")
    doc = indicators(api, **{"from": "2025-01-01", "to": "2025-01-02"})
    assert doc["counts"] == {"events": 1, "active": 1, "contributions": 1, "free_choice": 1}


# --- tenants ------------------------------------------------------------------

def test_tenant_isolation(service, spec, db):
    (a, _), (b, b_org) = new_client(service, spec), new_client(service, spec)
    ev_a, ev_b = Ev("x"), Ev("x")   # the same event ids in both orgs
    store_events(b, [ev_b("shared", "2025-03-03", "create"), ev_b("shared", "2025-03-04"),
                    ev_b("only-b", "2025-03-03", "contribute", beneficiary="community"),
                    ev_b("only-b", "2025-03-05", "consume")])
    store_events(a, [ev_a("shared", "2025-03-03", "convert")])
    window = {"from": "2025-03-03", "to": "2025-03-05"}
    b_before = (profile(b, "shared"), profile(b, "only-b"), indicators(b, **window),
                series(b, **window))

    # A never sees B's member: 404; the shared id is A's own member only.
    assert a.get("/v1/members/only-b").status_code == 404
    p = profile(a, "shared")
    assert (p["events"], p["by_kind"]["convert"], p["active"]) == (1, 1, 0)
    # B's events never count in A's indicators.
    assert indicators(a, **window)["counts"] == {"events": 1, "active": 0, "contributions": 0,
                                                 "free_choice": 0}

    # A's erasure of ids that B also has leaves B intact.
    assert a.delete("/v1/members/only-b").status_code == 204
    assert a.delete("/v1/members/shared").status_code == 204
    assert a.get("/v1/members/shared").status_code == 404
    assert (profile(b, "shared"), profile(b, "only-b"), indicators(b, **window),
            series(b, **window)) == b_before
    rollups_consistent(db, b_org)


def test_mastery_after_an_erasure_and_as_many_new_events_is_exact(service, spec):
    """Mastery read once is kept with a stamp of the data it came from (the
    window's event total and the org's rollup generation). An erasure
    followed by as many new events on the same days leaves the total as it
    was; the answer must still be the new data's, as on an org that only
    ever had the new events."""
    (api, _), (fresh, _) = new_client(service, spec), new_client(service, spec)
    window = {"from": "2025-04-01", "to": "2025-04-10"}
    ev = Ev("q")
    grower = [ev("a", "2025-04-01", quality=0.2), ev("a", "2025-04-02", quality=0.2),
              ev("a", "2025-04-08", quality=0.8), ev("a", "2025-04-09", quality=0.8)]
    store_events(api, grower)
    doc = indicators(api, **window)
    assert doc["mastery"]["quality_growth"]["numerator"] == 1
    assert indicators(api, **window) == doc          # read again: kept

    assert api.delete(member_path("a")).status_code == 204
    ev = Ev("n")
    plain = [ev("b", e["occurred_at"][:10], "consume") for e in grower]
    store_events(api, plain)
    store_events(fresh, plain)
    after = indicators(api, **window)
    assert after["counts"]["events"] == doc["counts"]["events"]
    assert after["mastery"]["quality_growth"]["numerator"] == 0
    assert after == indicators(fresh, **window)


def test_kept_mastery_is_brought_up_to_date_by_what_changed(service, spec, db):
    """After a write into a window no ingestion follows (the days of a
    belief; tests/api/test_followed.py has those it follows), its kept
    mastery is not computed again: the members with an event the kept
    snapshot did not see are counted again, with and without those events,
    and the difference is added. Rounds of events that make members
    qualify, fall back (lower quality in the second half), climb, or arrive
    new leave every read equal to that of an org with the same events that
    never read before; and the SQL function adds to the base it is given,
    not a recount."""
    api, org = new_client(service, spec)
    window = {"from": "2025-04-01", "to": "2025-04-14"}   # halves split at 04-08
    rng = random.Random(5)
    ev = Ev("k")

    def some(n, members):
        return [ev(rng.choice(members), f"2025-04-{rng.randrange(1, 15):02d}",
                   rng.choice(["consume", "react", "create", "contribute"]),
                   quality=rng.choice([0.2, 0.25, 0.5, 0.55, 0.8]))
                for _ in range(n)]

    def mastery(org):
        """The window's data as a belief's days read it (not followed): on
        Citus the call runs on the org's worker (sql/citus.sql)."""
        with db.cursor() as cur:
            cur.execute("SELECT amp.windows_data(%s, ARRAY['2025-04-01'::date], "
                        "ARRAY['2025-04-15'::date], NULL, NULL, 'UTC')", (org,))
            return cur.fetchone()[0][0]["mastery"]

    members = [f"m{i}" for i in range(30)]
    stored = some(150, members)
    store_events(api, stored)
    mastery(org)                                         # kept from here on
    key = (org, "2025-04-01", "2025-04-15")
    for round_ in range(4):
        new = some(12, members[:8] + [f"new{round_}"])
        store_events(api, new)
        stored += new
        with db.cursor() as cur:
            cur.execute("SELECT doc, snap, followed FROM amp.mastery_memo WHERE org_id = %s "
                        "AND day_from = %s AND day_to = %s AND channel = '' "
                        "AND campaign = ''", key)
            kept, snap, is_followed = cur.fetchone()
            assert not is_followed
            plus = {k: v + 1000 for k, v in kept.items()}
            cur.execute("SELECT a.doc, b.doc FROM amp.read_mastery(%s, ARRAY[%s::date], "
                        "ARRAY[%s::date], ARRAY[%s::jsonb], ARRAY[%s::pg_snapshot], 'UTC', "
                        "NULL, NULL, NULL) a, amp.read_mastery(%s, ARRAY[%s::date], "
                        "ARRAY[%s::date], ARRAY[NULL::jsonb], ARRAY[NULL::pg_snapshot], "
                        "'UTC', NULL, NULL, NULL) b",
                        key + (h.json.dumps(plus), snap) + key)
            added, whole = cur.fetchone()
        assert added == {k: whole[k] + 1000 for k in whole}
        got = mastery(org)
        fresh, fresh_org = new_client(service, spec)
        store_events(fresh, stored)
        assert got == mastery(fresh_org) == whole, round_
        assert indicators(api, **window) == indicators(fresh, **window), round_
    assert got["quality_members"] > 0, got
    assert got["ladder_climbed"] > 0, got
    # The members' tallies kept with the window are those of their events
    # (two statements: on Citus a query of a shard may not call a function
    # that reads distributed tables).
    with db.cursor() as cur:
        cur.execute("SELECT (k.t).* FROM amp.mastery_members k WHERE k.org_id = %s "
                    "AND k.day_from = '2025-04-01' AND k.day_to = '2025-04-15'", (org,))
        kept = {row[0]: row for row in cur.fetchall()}
        cur.execute("SELECT (r.now).* FROM amp.read_tallies(%s, '2025-04-01', '2025-04-08', "
                    "'2025-04-15', NULL, NULL, NULL, false, NULL) r", (org,))
        counted = {row[0]: row for row in cur.fetchall()}
    assert kept.keys() == counted.keys() == {e["member"] for e in stored}
    for member, row in kept.items():
        want = counted[member]
        assert row[:5] + row[7:] == want[:5] + want[7:], (row, want)
        assert row[5:7] == pytest.approx(want[5:7]), (row, want)


def test_an_erasure_takes_the_member_out_of_kept_mastery_instead_of_dropping_it(
        service, spec, db):
    """Mastery kept before an erasure stays kept (at 10^7 events counting a
    window whole again costs seconds, a page of beliefs minutes): the
    erased member's events are taken out of every window that counted
    them, as of the snapshot each window is exact for. Windows kept whole
    (a window and its weekly series), one followed, and ones that events
    arrived in after they were kept (the erased member's among them, seen
    by none of the kept snapshots), all read as on an org that never had
    the member, and check_rollups, which also checks kept mastery against
    the raw events, agrees."""
    api, org = new_client(service, spec)
    window = {"from": "2025-04-01", "to": "2025-04-28"}
    rng = random.Random(9)
    ev = Ev("x")

    def some(n, members):
        return [ev(rng.choice(members), f"2025-04-{rng.randrange(1, 29):02d}",
                   rng.choice(["consume", "react", "create", "contribute"]),
                   channel=rng.choice(["forum", "chat"]),
                   quality=rng.choice([0.2, 0.25, 0.5, 0.55, 0.8]))
                for _ in range(n)]

    def reads(client):
        return (indicators(client, **window), series(client, interval="week", **window),
                indicators(client, channel="chat", **window))

    def kept():
        with db.cursor() as cur:
            cur.execute("SELECT count(*) FROM amp.mastery_memo WHERE org_id = %s", (org,))
            return cur.fetchone()[0]

    members = [f"m{i}" for i in range(12)]
    stored = some(240, members)
    store_events(api, stored)
    reads(api)                               # counted whole and kept
    more = some(30, members)                 # m0 among them: unseen by the kept
    more += [ev("m0", "2025-04-03", "create", quality=0.8),
             ev("m0", "2025-04-25", "contribute", quality=0.8)]
    store_events(api, more)
    stored += more
    indicators(api, **window)                # brought up to date: followed
    before = kept()
    assert before > 0

    for member in ("m0", "m5"):
        assert api.delete(member_path(member)).status_code == 204
        stored = [e for e in stored if e["member"] != member]
        assert kept() == before
        rollups_consistent(db, org)
    fresh, _ = new_client(service, spec)
    store_events(fresh, stored)
    assert reads(api) == reads(fresh)
    assert reads(api)[0]["mastery"]["quality_growth"]["denominator"] > 0
    rollups_consistent(db, org)

    # A reader that counted a window in a snapshot from before an erasure
    # keeps it after the erasure commits, under the generation before and
    # not followed (here written as such a reader would, with what m5
    # added): the next erasure must not bring it along as exact.
    with db.cursor() as cur:
        cur.execute("UPDATE amp.mastery_memo SET stamp = (split_part(stamp, ':', 1)::int - 1) "
                    "|| ':' || split_part(stamp, ':', 2), doc = doc || "
                    "'{\"quality_members\": 99}', followed = false WHERE org_id = %s",
                    (org,))
        assert cur.rowcount > 0
    assert api.delete(member_path("m7")).status_code == 204
    stored = [e for e in stored if e["member"] != "m7"]
    rollups_consistent(db, org)
    fresh, _ = new_client(service, spec)
    store_events(fresh, stored)
    assert reads(api) == reads(fresh)


def test_a_beliefs_kept_days_stay_a_month_and_a_window_with_its_members_a_day(
        service, spec, db):
    """What is kept and not asked for again goes when a read next keeps
    something: a window with its members' tallies (many rows) after a day,
    the days of a belief (a row each, and minutes to count again in a large
    org: a page of beliefs read once a week must not start cold each time)
    after 30 days. Reads stay exact either way."""
    api, org = new_client(service, spec)
    rng = random.Random(3)
    ev = Ev("r")
    store_events(api, [ev(f"m{rng.randrange(8)}", f"2025-03-{rng.randrange(1, 29):02d}",
                          rng.choice(["react", "create", "contribute"]),
                          quality=rng.choice([0.2, 0.5, 0.8]))
                       for _ in range(120)])
    r = api.post("/v1/beliefs", json={"statement": "s", "indicator": "mastery",
                                      "at": "2025-03-15T00:00:00Z", "expect": "increase",
                                      "window_days": 7})
    assert r.status_code == 201, r.text
    belief = api.get("/v1/beliefs").json()
    indicators(api, **{"from": "2025-03-01", "to": "2025-03-28"})

    def kept():
        """Windows kept: (with members' tallies, without)."""
        with db.cursor() as cur:
            cur.execute("SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM "
                        "amp.mastery_members m WHERE m.org_id = k.org_id AND "
                        "m.day_from = k.day_from AND m.day_to = k.day_to AND "
                        "m.channel = k.channel AND m.campaign = k.campaign)), "
                        "count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM "
                        "amp.mastery_members m WHERE m.org_id = k.org_id AND "
                        "m.day_from = k.day_from AND m.day_to = k.day_to AND "
                        "m.channel = k.channel AND m.campaign = k.campaign)) "
                        "FROM amp.mastery_memo k WHERE k.org_id = %s", (org,))
            return cur.fetchone()

    def age(days):
        with db.cursor() as cur:
            cur.execute("UPDATE amp.mastery_memo SET made_at = now() - %s * interval "
                        "'1 day' WHERE org_id = %s", (days, org))

    with_members, without = kept()
    assert with_members >= 1 and without >= 1
    age(2)                                   # a read keeps another window
    indicators(api, **{"from": "2025-03-02", "to": "2025-03-20"})
    assert kept() == (1, without)            # only that one with its members
    assert api.get("/v1/beliefs").json() == belief
    age(31)
    indicators(api, **{"from": "2025-03-03", "to": "2025-03-20"})
    assert kept() == (1, 0)
    assert api.get("/v1/beliefs").json() == belief


def test_a_series_whose_mastery_outlasts_the_budget_is_asked_again_and_exact(
        service, spec, cluster, workdir, db):
    """A year of weekly buckets at 10^7 events takes longer to compute than a
    statement may run. With AMP_COLD_BUDGET_MS the series stops computing
    mastery once over budget, keeps the buckets done, answers 102 and the
    service sends it again until it is whole. With a budget of 0 (one
    bucket per statement) the answer is the one computed in one statement
    (the default budget) for an org with the same events, and the SQL
    function keeps one bucket per call: 102 after each but the last."""
    tight = Service(workdir, cluster.app_url, AMP_COLD_BUDGET_MS="0")
    try:
        orgs = ["t-" + uuid.uuid4().hex[:12] for _ in range(3)]
        default = Client(service.url, spec, make_token(org=orgs[0]))
        budget0 = Client(tight.url, spec, make_token(org=orgs[1]))
        direct = Client(service.url, spec, make_token(org=orgs[2]))
        rng = random.Random(7)
        ev = Ev("b")
        events = [ev(f"m{rng.randrange(12)}", f"2025-03-{rng.randrange(1, 29):02d}",
                     rng.choice(["react", "create", "contribute"]),
                     quality=round(rng.random(), 2))
                  for _ in range(300)]
        for api in (default, budget0, direct):
            store_events(api, events)
        window = {"interval": "week", "from": "2025-03-03", "to": "2025-03-30"}
        expect = series(default, **window)
        assert sum(b["mastery"]["ladder_climb"]["denominator"] or 0
                   for b in expect["buckets"]) > 0, expect
        assert series(budget0, **window) == expect

        # The loop itself, as the service runs it: four weekly buckets.
        calls = []
        with db.cursor() as cur:
            while not calls or calls[-1][0] == 102:
                cur.execute("SELECT status, body FROM amp.indicator_series(%s, "
                            "'week', NULL, NULL, '2025-03-03', '2025-03-30', 0)",
                            (orgs[2],))
                calls.append(cur.fetchone())
        assert [s for s, _ in calls] == [102, 102, 102, 200]
        assert series(direct, **window) == expect
    finally:
        tight.stop()


@pytest.mark.parametrize("zone,start,span,channel,campaign", [
    ("America/Los_Angeles", "2025-02-20", 14, None, None),   # DST begins Mar 9
    ("Australia/Lord_Howe", "2025-03-25", 9, "slack", None),  # half an hour back Apr 6
    ("Asia/Kathmandu", "2025-10-15", 14, None, "cq"),
])
def test_a_run_of_days_counted_together_equals_each_window_counted_alone(
        api, org, db, zone, start, span, channel, campaign):
    """A belief's days, windows of one length a day apart, are counted in
    one pass over their events (amp.sliding_mastery): every window's four
    mastery counts equal those of the window counted alone, in the org's
    zone across a change of its offset, with a channel or a campaign."""
    put_campaign(api, "cq", incentive="points")
    rng = random.Random(span)
    ev = Ev("r")
    events = []
    for _ in range(900):
        day = days_after(start, rng.randrange(40))
        extra = rng.choice([{}, {"quality": round(rng.random(), 3)},
                            {"level": rng.randint(1, 5)}])
        if rng.random() < 0.4:
            extra["campaign"] = "cq"
        events.append(ev(f"m{min(rng.randrange(30), rng.randrange(30))}", day,
                         rng.choice(["consume", "react", "create", "contribute", "convert"]),
                         channel=rng.choice(["forum", "slack"]), hour=rng.randrange(24),
                         **extra))
    store_events(api, events)
    first = dt.date.fromisoformat(start) + dt.timedelta(days=2)
    froms = [first + dt.timedelta(days=k) for k in range(40 - span - 2)]
    tos = [f + dt.timedelta(days=span) for f in froms]
    with db.cursor() as cur:
        def counted(fs, ts):
            cur.execute("SELECT day_from, day_to, doc FROM amp.read_mastery(%s, %s::date[], "
                        "%s::date[], NULL, NULL, %s, %s, %s, NULL)",
                        (org, fs, ts, zone, channel, campaign))
            return {(f, t): doc for f, t, doc in cur.fetchall()}
        together = counted(froms, tos)
        # In reverse order the windows are not a run: each is counted alone.
        alone = counted(froms[::-1], tos[::-1])
    assert len(together) == len(froms)
    assert together == alone
    assert any(d["ladder_members"] and d["quality_members"] for d in together.values())


def test_a_mastery_belief_read_within_a_budget_is_the_whole_answer(
        service, spec, cluster, workdir):
    """POST /v1/beliefs, GET /v1/beliefs/{id} and the list compute the
    mastery of each of a belief's days (14-day windows) within the same
    budget as a series: with a budget of 0 the service asks one run of
    windows at a time, the answer is the one computed in one go for an org
    with the same events, and the new belief is stored once."""
    tight = Service(workdir, cluster.app_url, AMP_COLD_BUDGET_MS="0")
    try:
        orgs = ["t-" + uuid.uuid4().hex[:12] for _ in range(2)]
        default = Client(service.url, spec, make_token(org=orgs[0]))
        budget0 = Client(tight.url, spec, make_token(org=orgs[1]))
        rng = random.Random(11)
        day = time.gmtime(time.time() - 86400 * 40)
        start = time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1))

        def events(prefix, n):
            ev = Ev(prefix)
            return [ev(f"m{rng.randrange(9)}",
                       time.strftime("%Y-%m-%d", time.gmtime(start + 86400 * rng.randrange(36))),
                       rng.choice(["react", "create", "contribute"]),
                       quality=round(rng.random(), 2)) for _ in range(n)]

        first, more = events("a", 200), events("b", 60)
        at = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(start + 86400 * 20))
        def strip(doc):
            return {k: v for k, v in doc.items() if k not in ("id", "created_at")}

        ids, created = [], []
        for api in (default, budget0):
            store_events(api, first)
            r = api.post("/v1/beliefs", json={"statement": "s", "indicator": "mastery",
                                              "at": at, "expect": "increase",
                                              "window_days": 14})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
            created.append(strip(r.json()))
            store_events(api, more)    # every day's kept mastery is stale now
        # POST evaluates within the budget too, asked again until whole,
        # and stores the belief once.
        assert created[1] == created[0]
        assert [b["id"] for b in budget0.get("/v1/beliefs").json()["data"]] == ids[1:]

        one = default.get("/v1/beliefs/" + ids[0])
        assert one.status_code == 200, one.text
        got = budget0.get("/v1/beliefs/" + ids[1])
        assert got.status_code == 200, got.text
        assert strip(got.json()) == strip(one.json())

        late = events("c", 30)
        for api in (default, budget0):
            store_events(api, late)
        pages = [api.get("/v1/beliefs") for api in (default, budget0)]
        assert [p.status_code for p in pages] == [200, 200], pages[1].text
        assert [strip(b) for b in pages[1].json()["data"]] == \
            [strip(b) for b in pages[0].json()["data"]]
    finally:
        tight.stop()


def test_a_page_of_mastery_beliefs_computes_one_run_of_days_per_statement_over_budget(
        service, spec, db):
    """Over budget, a statement computes the mastery of one run of a
    belief's days (at least one window, at most one more than the window's
    length: what two windows alone cost), not every belief on the page,
    then answers 102 and is asked again: a page of many mastery beliefs
    whose windows each take a while still gets somewhere before every
    request's deadline (at 10^7 events nine beliefs of two-second windows
    never did). The page it ends with is the one read in one go."""
    api, org = new_client(service, spec)
    rng = random.Random(17)
    ev = Ev("p")
    day0 = time.time() - 86400 * 60

    def events(n):
        return [ev(f"m{rng.randrange(9)}",
                   time.strftime("%Y-%m-%d", time.gmtime(day0 + 86400 * rng.randrange(56))),
                   rng.choice(["react", "create", "contribute"]),
                   quality=round(rng.random(), 2)) for _ in range(n)]

    store_events(api, events(300))
    for k in range(3):
        at = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(day0 + 86400 * (20 + 5 * k)))
        r = api.post("/v1/beliefs", json={"statement": f"s{k}", "indicator": "mastery",
                                          "at": at, "expect": "increase", "window_days": 14})
        assert r.status_code == 201, r.text
    with db.cursor() as cur:
        # Nothing kept: every window of the page is to compute.
        cur.execute("DELETE FROM amp.mastery_memo WHERE org_id = %s", (org,))
        cur.execute("DELETE FROM amp.belief_memo WHERE org_id = %s", (org,))
        kept, statuses = [], []
        while not statuses or statuses[-1] == 102:
            cur.execute("SELECT status FROM amp.list_beliefs(%s, 50, NULL, 0)", (org,))
            statuses.append(cur.fetchone()[0])
            cur.execute("SELECT count(*) FROM amp.mastery_memo WHERE org_id = %s", (org,))
            kept.append(cur.fetchone()[0])
            assert len(statuses) < 400
    assert statuses[-1] == 200
    # 14-day windows: at least one and at most 15 of them a statement,
    # more than one when they are a run.
    done = [b - a for a, b in zip([0] + kept, kept)]
    assert all(1 <= d <= 15 for d in done) and max(done) > 1, kept
    page = api.get("/v1/beliefs")
    with db.cursor() as cur:
        cur.execute("DELETE FROM amp.mastery_memo WHERE org_id = %s", (org,))
        cur.execute("DELETE FROM amp.belief_memo WHERE org_id = %s", (org,))
    assert api.get("/v1/beliefs").json() == page.json()
