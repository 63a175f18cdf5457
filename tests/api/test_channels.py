"""GET /v1/channels: each channel of the org with its event count and its
first and last event time, paged; kept exact through ingestion, resends
and erasure, and confined to the caller's org."""
import psycopg2
import pytest

import helpers as h
from conftest import ROOT
from indicator_helpers import Ev, at, rollups_consistent, store_events


def channels(api, **params):
    items, _ = h.walk(api, "/v1/channels", params)
    return {c["channel"]: (c["events"], c["first_event_at"], c["last_event_at"]) for c in items}


def ts(day, hour=12, minute=0):
    return f"{day}T{hour:02d}:{minute:02d}:00.000000Z"


def test_counts_first_and_last(api, db, org):
    ev = Ev()
    store_events(api, [ev("a", "2025-03-05", channel="forum", hour=9),
                       ev("b", "2025-03-01", channel="forum", hour=23),
                       ev("a", "2025-03-09", channel="forum", hour=0),
                       ev("c", "2025-02-10", channel="slack", kind="consume"),
                       ev("c", "2025-04-01", channel="github", kind="convert")])
    # A later batch moves the bounds out, and a resend counts nothing.
    r = h.post_events(api, [ev("d", "2025-02-28", channel="forum", hour=1),
                            ev("d", "2025-03-20", channel="slack"),
                            {"id": "e1", "member": "a", "channel": "forum", "action": "act",
                             "kind": "react", "occurred_at": at("2024-01-01")}])
    assert r.json() == {"accepted": 2, "duplicates": 1}
    assert channels(api) == {
        "forum": (4, ts("2025-02-28", 1), ts("2025-03-09", 0)),
        "slack": (2, ts("2025-02-10"), ts("2025-03-20")),
        "github": (1, ts("2025-04-01"), ts("2025-04-01")),
    }
    rollups_consistent(db, org)


def test_empty_org(api):
    assert api.get("/v1/channels").json() == {"data": [], "next_cursor": None}


def test_pages_in_byte_order(api):
    names = ["slack", "Slack", "forum", "a", "a.b", "a-b", "Z", "z", "0", "m:1", "m_1",
             "q", "über", "ü", "x y"]
    ev = Ev()
    store_events(api, [ev("m", "2025-03-01", channel=c) for c in names])
    want = sorted(names, key=lambda s: s.encode())
    items, pages = h.walk(api, "/v1/channels", {"limit": 4})
    assert pages == 4 and [c["channel"] for c in items] == want
    items, pages = h.walk(api, "/v1/channels", {})
    assert pages == 1 and [c["channel"] for c in items] == want
    items, pages = h.walk(api, "/v1/channels", {"limit": 15})
    assert pages == 1 and len(items) == 15
    # A page ends where the next begins, even when channels arrive meanwhile.
    first = api.get("/v1/channels", params={"limit": 2}).json()
    store_events(api, [ev("m", "2025-03-01", channel="00")])
    rest, _ = h.walk(api, "/v1/channels", {"limit": 5, "cursor": first["next_cursor"]})
    assert [c["channel"] for c in first["data"] + rest] == want


@pytest.mark.parametrize("params, parameter", [
    ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "x"}, "limit"),
    ({"cursor": "zzz"}, "cursor"), ({"cursor": "WyJhIiwiYiJd"}, "cursor"),
    ({"channel": "x"}, "channel"), ({"from": "2026-01-01"}, "from"),
])
def test_query_errors(api, params, parameter):
    assert parameter in h.parameters(api.get("/v1/channels", params=params))


def test_scopes_and_methods(api, anon, org):
    r = anon.get("/v1/channels")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    for scopes, status in (("events:write surveys:write", 403), ("events:read", 200),
                           ("indicators:read", 200), ("admin", 200)):
        assert api.as_org(org, scopes=scopes).get("/v1/channels").status_code == status
    for method in ("POST", "PUT", "DELETE"):
        # A body on DELETE is refused before routing (request framing).
        r = api.request(method, "/v1/channels", json={} if method != "DELETE" else None)
        assert r.status_code == 405 and h.allowed(r) == h.allows("GET")


def test_another_orgs_channels_never_appear(api, org, db):
    other = api.as_org("t-other-" + org)
    ev = Ev()
    store_events(other, [ev("m", "2025-03-01", channel="secret"),
                         ev("m", "2025-03-02", channel="forum", hour=5)])
    assert channels(api) == {}
    store_events(api, [ev("m", "2025-03-03", channel="forum")])
    assert channels(api) == {"forum": (1, ts("2025-03-03"), ts("2025-03-03"))}
    # B's cursor shows A nothing of B.
    cursor = other.get("/v1/channels", params={"limit": 1}).json()["next_cursor"]
    assert api.get("/v1/channels", params={"cursor": cursor}).json() == {
        "data": [], "next_cursor": None}
    # A's erasure of a member B also has leaves B's channels alone.
    assert api.delete("/v1/members/m").status_code == 204
    assert channels(api) == {}
    assert channels(other) == {"forum": (1, ts("2025-03-02", 5), ts("2025-03-02", 5)),
                               "secret": (1, ts("2025-03-01"), ts("2025-03-01"))}


def test_erasure_is_as_if_the_member_never_was(api, db, org):
    """The erased member held the first and the last event of `forum`, all of
    `slack`, and events in between: counts and bounds come from the events
    that remain, and `slack` is gone."""
    ev = Ev()
    store_events(api, [ev("gone", "2025-01-01", channel="forum", hour=3),
                       ev("stay", "2025-01-01", channel="forum", hour=4),
                       ev("gone", "2025-01-15", channel="forum"),
                       ev("stay", "2025-02-01", channel="forum", hour=8),
                       ev("other", "2025-02-01", channel="forum", hour=7),
                       ev("gone", "2025-02-01", channel="forum", hour=9),
                       ev("gone", "2025-03-31", channel="forum", hour=23),
                       ev("gone", "2025-01-10", channel="slack"),
                       ev("stay", "2025-01-20", channel="github", kind="convert"),
                       ev("gone", "2025-01-21", channel="github")])
    assert channels(api)["forum"] == (7, ts("2025-01-01", 3), ts("2025-03-31", 23))
    assert api.delete("/v1/members/gone").status_code == 204
    assert channels(api) == {"forum": (3, ts("2025-01-01", 4), ts("2025-02-01", 8)),
                             "github": (1, ts("2025-01-20"), ts("2025-01-20"))}
    rollups_consistent(db, org)
    # Sent again, the member's events are back, bounds included.
    r = h.post_events(api, [ev("gone", "2025-03-31", channel="forum", hour=23),
                            ev("gone", "2025-01-10", channel="slack")])
    assert r.json() == {"accepted": 2, "duplicates": 0}
    assert channels(api)["forum"] == (4, ts("2025-01-01", 4), ts("2025-03-31", 23))
    assert channels(api)["slack"] == (1, ts("2025-01-10"), ts("2025-01-10"))
    rollups_consistent(db, org)


def test_bounds_to_the_microsecond(api, org):
    ev = Ev()
    events = [ev("a", "2025-03-01"), ev("b", "2025-03-01")]
    events[0]["occurred_at"] = "2025-03-01T10:00:00.000001+02:00"
    events[1]["occurred_at"] = "2025-03-01T08:00:00.000002Z"
    store_events(api, events)
    assert channels(api) == {"forum": (2, "2025-03-01T08:00:00.000001Z",
                                       "2025-03-01T08:00:00.000002Z")}
    assert api.delete("/v1/members/a").status_code == 204
    assert channels(api) == {"forum": (1, "2025-03-01T08:00:00.000002Z",
                                       "2025-03-01T08:00:00.000002Z")}


def test_migration_backfills_the_events_stored_before_it(cluster, db, workdir):
    """A database migrated up to just before 004_channels, holding events,
    gets channel_stats for them from the migration."""
    from test_migrations import migrate, new_database, rows, tree

    names = sorted(p.name for p in (ROOT / "sql/migrations").glob("*.sql"))
    name = new_database(db)
    migrate(cluster, name, tree(workdir, migrations=names.index("004_channels.sql"),
                                    functions=False))
    conn = psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname=name)
    with conn, conn.cursor() as cur:
        cur.execute("""
            INSERT INTO amp.events (org_id, id, member, channel, action, kind,
                occurred_at, initiative, rewarded, beneficiary)
            SELECT o, c || g, 'm', c, 'act', 'react',
                timestamptz '2025-03-01' + g * interval '1 hour', 'self', false, 'self'
            FROM unnest(ARRAY['a', 'b']) o, unnest(ARRAY['forum', 'slack']) c,
                generate_series(1, 5) g
            WHERE o = 'a' OR c = 'slack'""")
    conn.close()
    migrate(cluster, name)
    assert rows(cluster, name, "SELECT org_id, channel, events, first_at::text, last_at::text "
                               "FROM amp.channel_stats ORDER BY 1, 2") == [
        ("a", "forum", 5, "2025-03-01 01:00:00+00", "2025-03-01 05:00:00+00"),
        ("a", "slack", 5, "2025-03-01 01:00:00+00", "2025-03-01 05:00:00+00"),
        ("b", "slack", 5, "2025-03-01 01:00:00+00", "2025-03-01 05:00:00+00")]
    assert rows(cluster, name, "SELECT amp.check_channels('a'), amp.check_channels('b')") == [
        ([], [])]
