"""Followed windows (issue #13, sql/migrations/016_followed_windows.sql): a
window a dashboard reads again is kept up to date by ingestion, in each
batch's own transaction, so that reading it while events stream in costs
what a quiet read costs. What a reader sees stays exact: every answer, at
every instant, is that of an org holding the same events that never read
before."""
import random
import threading
import time
import uuid

from conftest import Client, make_token
from indicator_helpers import Ev, indicators, rollups_consistent, series, store_events


def new_client(service, spec):
    org = "t-" + uuid.uuid4().hex[:12]
    return Client(service.url, spec, make_token(org=org)), org


def followed(db, org):
    with db.cursor() as cur:
        cur.execute("SELECT day_from::text, day_to::text, channel FROM amp.mastery_memo "
                    "WHERE org_id = %s AND followed ORDER BY 1, 2, 3", (org,))
        return cur.fetchall()


def events_of(ev, rng, n, members, days):
    out = []
    for _ in range(n):
        quality = rng.choice([None, 0.2, 0.25, 0.5, 0.55, 0.8])
        out.append(ev(rng.choice(members), rng.choice(days),
                      rng.choice(["consume", "react", "create", "contribute"]),
                      channel=rng.choice(["forum", "chat"]),
                      **({} if quality is None else {"quality": quality})))
    return out


WINDOW = {"from": "2025-05-01", "to": "2025-05-28"}
DAYS = [f"2025-05-{d:02d}" for d in range(1, 29)]


def reads(api):
    """What a dashboard shows: the window, its weekly series, and both for
    one channel."""
    return (indicators(api, **WINDOW), series(api, interval="week", **WINDOW),
            indicators(api, channel="chat", **WINDOW),
            series(api, interval="week", channel="chat", **WINDOW))


def a_followed_window(service, spec, seed, n_members, first, then):
    """An org whose dashboard has read its window, seen events arrive and
    read again: the window is followed from then on."""
    api, org = new_client(service, spec)
    rng = random.Random(seed)
    ev = Ev(f"s{seed}-")
    members = [f"m{i}" for i in range(n_members)]
    stored = events_of(ev, rng, first, members, DAYS)
    store_events(api, stored)
    reads(api)                                   # counted whole, kept
    more = events_of(ev, rng, then, members, DAYS)
    store_events(api, more)
    reads(api)                                   # brought up to date: followed
    return api, org, rng, ev, members, stored + more


def under_load(service, spec, org, batches, paths, then=None):
    """Three writers post `batches` (a third each) while two dashboards
    read `paths` over and over; `then(client, errors)`, when given, runs
    alongside once a first batch is stored. Answers what went wrong (a
    write not wholly accepted, and what `then` adds) and every read's
    status."""
    errors, statuses = [], []
    done, writing = threading.Event(), threading.Event()

    def client():
        return Client(service.url, spec, make_token(org=org))

    def write(part):
        c = client()
        for batch in part:
            r = c.post("/v1/events", json={"events": batch})
            if r.status_code != 200 or r.json()["accepted"] != len(batch):
                errors.append(r.text)
            writing.set()

    def alongside():
        writing.wait(30)
        then(client(), errors)

    def read():
        c = client()
        while not done.is_set():
            for path in paths:
                statuses.append(c.get(path).status_code)

    readers = [threading.Thread(target=read) for _ in range(2)]
    busy = [threading.Thread(target=write, args=(batches[k::3],)) for k in range(3)]
    if then is not None:
        busy.append(threading.Thread(target=alongside))
    for t in readers + busy:
        t.start()
    for t in busy:
        t.join()
    done.set()
    for t in readers:
        t.join()
    return errors, statuses


def test_a_window_read_again_is_followed_and_stays_exact_under_concurrent_writers(
        service, spec, db):
    """Dashboards read a window, events arrive, they read again: from then
    on ingestion keeps that window's mastery (and its weekly buckets', and
    those of a channel filter) up to date. Three writers then post batches
    at once, with members in common, while two dashboards keep reading:
    every read answers 200, and once the writers are done every answer
    equals that of an org that received the same events and never read."""
    api, org, rng, ev, members, stored = a_followed_window(service, spec, 11, 40, 400, 60)
    assert ("2025-05-01", "2025-05-29", "") in followed(db, org)
    assert ("2025-05-01", "2025-05-29", "chat") in followed(db, org)

    batches = [events_of(ev, rng, 30, members[:10] + [f"n{k}"], DAYS) for k in range(36)]
    errors, statuses = under_load(service, spec, org, batches, (
        "/v1/indicators?from=2025-05-01&to=2025-05-28",
        "/v1/indicators/series?interval=week&from=2025-05-01&to=2025-05-28&channel=chat"))
    assert errors == []
    assert statuses and set(statuses) == {200}
    for b in batches:
        stored += b

    fresh, _ = new_client(service, spec)
    store_events(fresh, stored)
    assert reads(api) == reads(fresh)
    assert ("2025-05-01", "2025-05-29", "") in followed(db, org)
    rollups_consistent(db, org)


def test_erasure_and_a_change_of_zone_end_following_and_reads_stay_exact(
        service, spec, db):
    """A followed window's kept tallies hold the member's events: erasing
    the member takes them out of every kept window, which stays followed
    (a large org's dashboards are not counted whole again after each
    erasure), and a change of zone re-derives every window by the new
    days; reads afterwards equal those of an org with the same events,
    and the window is followed again once read, written to and read."""
    api, org, rng, ev, members, stored = a_followed_window(service, spec, 12, 15, 200, 20)
    before = followed(db, org)
    assert before

    assert api.delete("/v1/members/m3").status_code == 204
    stored = [e for e in stored if e["member"] != "m3"]
    assert followed(db, org) == before
    rollups_consistent(db, org)
    fresh, _ = new_client(service, spec)
    store_events(fresh, stored)
    assert reads(api) == reads(fresh)

    more = events_of(ev, rng, 20, members, DAYS)
    store_events(api, more)
    store_events(fresh, more)
    assert reads(api) == reads(fresh)
    assert followed(db, org)

    for client in (api, fresh):
        r = client.put("/v1/settings", json={"timezone": "America/Los_Angeles"})
        assert r.status_code == 200, r.text
    assert followed(db, org) == []
    more = events_of(ev, rng, 20, members, DAYS)
    for client in (api, fresh):
        store_events(client, more)
    assert reads(api) == reads(fresh)
    for client in (api, fresh):
        store_events(client, [dict(more[0], id="extra")])
    assert reads(api) == reads(fresh)
    assert followed(db, org)
    rollups_consistent(db, org)


def test_erasures_during_ingestion_into_a_followed_window_stay_exact(service, spec, db):
    """Members are erased while three writers post batches naming them into
    a followed window and two dashboards keep reading it and a mastery
    belief (whose days are kept from the snapshot of the read that counted
    them, not followed): every request answers as it should (no 5xx, no
    deadlock), and afterwards every read equals that of an org that
    received only the events still stored (an event a batch commits after
    the erasure looked stays, and counts), and so does what is kept."""
    api, org, rng, ev, members, stored = a_followed_window(service, spec, 14, 16, 300, 40)
    assert followed(db, org)
    belief = {"statement": "s", "indicator": "mastery", "at": "2025-05-15T00:00:00Z",
              "expect": "increase", "window_days": 10}
    assert api.post("/v1/beliefs", json=belief).status_code == 201
    doomed = members[:4]
    batches = [events_of(ev, rng, 25, members, DAYS) for _ in range(30)]

    def erase(client, errors):
        for m in doomed:
            time.sleep(0.05)
            r = client.delete(f"/v1/members/{m}")
            if r.status_code != 204:
                errors.append(r.text)

    errors, statuses = under_load(service, spec, org, batches, (
        "/v1/indicators?from=2025-05-01&to=2025-05-28",
        "/v1/indicators/series?interval=week&from=2025-05-01&to=2025-05-28",
        "/v1/beliefs"), erase)
    assert errors == []
    assert statuses and set(statuses) == {200}

    with db.cursor() as cur:
        cur.execute("SELECT id FROM amp.events WHERE org_id = %s", (org,))
        kept = {i for (i,) in cur.fetchall()}
    sent = stored + [e for b in batches for e in b]
    # Every event of a member not erased is stored; of those erased, what
    # was sent before their erasure is gone.
    assert {e["id"] for e in sent if e["member"] not in doomed} <= kept
    assert {e["id"] for e in stored if e["member"] in doomed}.isdisjoint(kept)
    with db.cursor() as cur:                     # the belief's days, kept
        cur.execute("SELECT count(*) FROM amp.mastery_memo WHERE org_id = %s "
                    "AND NOT followed", (org,))
        assert cur.fetchone()[0] > 0
    rollups_consistent(db, org)
    fresh, _ = new_client(service, spec)
    store_events(fresh, [e for e in sent if e["id"] in kept])
    assert fresh.post("/v1/beliefs", json=belief).status_code == 201
    reads(api)                                   # followed again from here
    store_events(api, [dict(sent[0], id="after")])
    store_events(fresh, [dict(sent[0], id="after")])
    assert reads(api) == reads(fresh)
    assert evaluations(api) == evaluations(fresh)
    rollups_consistent(db, org)


def evaluations(client):
    """The beliefs' evaluations, without what names the belief itself."""
    r = client.get("/v1/beliefs")
    assert r.status_code == 200, r.text
    return [{k: v for k, v in b.items() if k not in ("id", "created_at")}
            for b in r.json()["data"]]


def test_a_followed_window_nobody_asks_for_goes_and_one_asked_for_stays(service, spec, db):
    """Ingestion pays for every window it follows, so one no dashboard has
    asked for in half an hour goes at the next batch of its days, while a
    read of a followed window keeps it: reads stay exact either way."""
    api, org, rng, ev, members, stored = a_followed_window(service, spec, 13, 12, 150, 20)
    window = ("2025-05-01", "2025-05-29", "")
    assert window in followed(db, org)

    def age(minutes):
        with db.cursor() as cur:
            cur.execute("UPDATE amp.mastery_memo SET made_at = now() - %s * interval "
                        "'1 minute' WHERE org_id = %s", (minutes, org))

    def asked_lately():
        with db.cursor() as cur:
            cur.execute("SELECT bool_and(made_at > now() - interval '1 minute') "
                        "FROM amp.mastery_memo WHERE org_id = %s AND day_from = %s "
                        "AND day_to = %s AND channel = %s", (org,) + window)
            return cur.fetchone()[0]

    age(10)                                      # asked for 10 minutes ago
    reads(api)
    assert asked_lately()
    more = events_of(ev, rng, 10, members, DAYS)
    store_events(api, more)
    stored += more
    assert window in followed(db, org)

    age(40)                                      # nobody asked for 40 minutes
    more = events_of(ev, rng, 10, members, DAYS)
    store_events(api, more)
    stored += more
    assert followed(db, org) == []
    fresh, _ = new_client(service, spec)
    store_events(fresh, stored)
    assert reads(api) == reads(fresh)


def test_the_consistency_check_allows_a_large_sums_rounding_and_no_more(service, spec, db):
    """amp.check_rollups, which operators run, compares a member's kept sum
    of quality signals, added up batch by batch, with one counted from the
    raw events in another order. For a member with many events the two
    differ by rounding in the last digits: that is no inconsistency, and a
    real difference still is one."""
    api, org = new_client(service, spec)
    ev = Ev("s")
    store_events(api, [ev("m1", f"2025-05-{1 + i % 20:02d}", "create", quality=1.0)
                       for i in range(4000)])
    indicators(api, **{"from": "2025-05-01", "to": "2025-05-21"})
    rollups_consistent(db, org)

    def nudge(by):
        """Moves m1's kept first-half sum (2 000) by a fraction."""
        with db.cursor() as cur:
            cur.execute("UPDATE amp.mastery_members SET t = ROW((t).member, (t).e1, (t).e2, "
                        "(t).n1, (t).n2, (t).s1 * (1 + %s), (t).s2, (t).d1, (t).d2)::amp.tally "
                        "WHERE org_id = %s AND member = 'm1'", (by, org))
            assert cur.rowcount == 1

    nudge(1e-12)                 # 2e-9 apart: rounding of a 4 000-event sum
    rollups_consistent(db, org)
    nudge(1e-4)                  # 0.2 apart: a kept tally that is wrong
    with db.cursor() as cur:
        cur.execute("SELECT amp.check_rollups(%s)", (org,))
        report = cur.fetchone()[0]
    assert not report["consistent"]
    assert [d["member"] for d in report["kept_mastery"]] == ["m1"]
    nudge(1 / (1 + 1e-4) - 1)   # back: the suite's last test checks every org
    rollups_consistent(db, org)
