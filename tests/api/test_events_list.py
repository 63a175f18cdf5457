"""GET /v1/events: cursor paging in (occurred_at, id) order with no gap or
repeat, the filters, the time window and its defaults, and query errors."""
import datetime as dt
import random

import pytest

import helpers as h
from conftest import count
from helpers import day, event, iso, now


def order_key(e):
    return (e["occurred_at"], e["id"])


def expected_order(events):
    return [e["id"] for e in sorted(events, key=order_key)]


def test_paging_through_2500_events_with_limit_500(api, db, org):
    base = now() - dt.timedelta(days=10)
    # Four events share each instant, so the id decides within a tie
    # ("e10" sorts before "e8" in byte order).
    events = [event(i, member=f"m{i % 7}", at=base + dt.timedelta(seconds=i // 4))
              for i in range(2500)]
    random.Random(2).shuffle(events)
    for k in range(0, 2500, 500):
        h.ingest(api, events[k:k + 500])
    assert count(db, "events", org) == 2500

    items, pages = h.walk(api, "/v1/events", {"limit": 500})
    ids = [e["id"] for e in items]
    assert pages == 5
    assert len(ids) == 2500
    assert len(set(ids)) == 2500, "an event was listed twice"
    assert ids == expected_order(events), "events are missing or out of order"


def test_paging_with_limit_7_neither_skips_nor_repeats(api, org):
    base = now() - dt.timedelta(days=3)
    events = [event(i, at=base + dt.timedelta(minutes=i // 3)) for i in range(60)]
    h.ingest(api, events)
    items, pages = h.walk(api, "/v1/events", {"limit": 7})
    assert pages == 9  # 8 full pages and one of 4
    assert [e["id"] for e in items] == expected_order(events)


def test_page_sizes_and_last_page(api, org):
    h.ingest(api, [event(i) for i in range(60)])
    first = api.get("/v1/events").json()
    assert len(first["data"]) == 50  # the default limit
    assert first["next_cursor"] is not None
    rest = api.get("/v1/events", params={"cursor": first["next_cursor"]}).json()
    assert len(rest["data"]) == 10 and rest["next_cursor"] is None
    everything = api.get("/v1/events", params={"limit": 500}).json()
    assert len(everything["data"]) == 60 and everything["next_cursor"] is None
    exact = api.get("/v1/events", params={"limit": 60}).json()
    assert len(exact["data"]) == 60 and exact["next_cursor"] is None
    one = api.get("/v1/events", params={"limit": 1}).json()
    assert len(one["data"]) == 1 and one["next_cursor"] is not None


def test_events_added_while_paging_do_not_disturb_the_walk(api, org):
    base = now() - dt.timedelta(days=2)
    old = [event(i, at=base + dt.timedelta(minutes=i)) for i in range(30)]
    h.ingest(api, old)
    seen, params = [], {"limit": 7}
    while True:
        body = api.get("/v1/events", params=params).json()
        seen.extend(e["id"] for e in body["data"])
        if len(seen) == 14:  # new events before, between and after the cursor
            h.ingest(api, [event(f"new{j}", at=base + dt.timedelta(minutes=j * 7, seconds=30))
                           for j in range(6)])
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    originals = [i for i in seen if not i.startswith("enew")]
    assert originals == expected_order(old)


def test_empty_org_lists_nothing(api):
    assert api.get("/v1/events").json() == {"data": [], "next_cursor": None}


# --- filters -------------------------------------------------------------------

@pytest.fixture
def mixed(api):
    """40 events over four days: two members, two channels, one campaign."""
    assert api.put("/v1/campaigns/c1", json=h.campaign("points")).status_code == 201
    assert api.put("/v1/campaigns/c2", json=h.campaign("none")).status_code == 201
    start = (now() - dt.timedelta(days=5)).replace(hour=0, minute=0, second=0, microsecond=0)
    events = []
    for i in range(40):
        extra = {"campaign": "c1"} if i % 4 == 0 else {}
        if i % 10 == 1:
            extra = {"campaign": "c2"}
        events.append(event(i, member="m1" if i % 2 else "m2",
                            channel="slack" if i % 3 == 0 else "forum",
                            at=start + dt.timedelta(hours=i * 2.5), **extra))
    h.ingest(api, events)
    return events


def ids_of(api, **params):
    items, _ = h.walk(api, "/v1/events", dict(params, limit=params.pop("limit", 500)))
    return [e["id"] for e in items]


@pytest.mark.parametrize("filters", [
    {"member": "m1"},
    {"channel": "slack"},
    {"campaign": "c1"},
    {"campaign": "c2"},
    {"member": "m2", "channel": "forum"},
    {"member": "m2", "campaign": "c1", "channel": "slack"},
])
@pytest.mark.parametrize("limit", [500, 3])
def test_filters(api, mixed, filters, limit):
    want = [e for e in mixed if all(e.get(k) == v for k, v in filters.items())]
    assert want, "the fixture should match something"
    assert ids_of(api, limit=limit, **filters) == expected_order(want)


@pytest.mark.parametrize("filters", [{"member": "nobody"}, {"channel": "github"},
                                     {"campaign": "nope"}])
def test_filters_matching_nothing(api, mixed, filters):
    assert ids_of(api, **filters) == []


def test_from_to_window_is_half_open(api, mixed):
    ordered = sorted(mixed, key=order_key)
    lo, hi = ordered[5], ordered[17]
    got = ids_of(api, **{"from": lo["occurred_at"], "to": hi["occurred_at"]})
    assert got == [e["id"] for e in ordered[5:17]]


def test_window_bounds_with_an_offset(api, mixed):
    ordered = sorted(mixed, key=order_key)
    lo = dt.datetime.fromisoformat(ordered[3]["occurred_at"].replace("Z", "+00:00"))
    hi = dt.datetime.fromisoformat(ordered[9]["occurred_at"].replace("Z", "+00:00"))
    plus2 = dt.timezone(dt.timedelta(hours=2))
    got = ids_of(api, **{"from": lo.astimezone(plus2).isoformat(),
                         "to": hi.astimezone(plus2).isoformat()})
    assert got == [e["id"] for e in ordered[3:9]]


def test_date_only_to_includes_that_whole_day(api, org):
    d = (now() - dt.timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    events = [
        event("before", at=d - dt.timedelta(microseconds=1)),
        event("start", at=d),
        event("noon", at=d + dt.timedelta(hours=12)),
        event("last", at=d + dt.timedelta(days=1) - dt.timedelta(microseconds=1)),
        event("next", at=d + dt.timedelta(days=1)),
    ]
    h.ingest(api, events)
    assert ids_of(api, **{"from": day(d), "to": day(d)}) == ["estart", "enoon", "elast"]
    assert ids_of(api, **{"from": day(d - dt.timedelta(days=1)), "to": day(d)}) == \
        ["ebefore", "estart", "enoon", "elast"]
    assert ids_of(api, **{"from": day(d)}) == ["estart", "enoon", "elast", "enext"]


def test_default_window_is_the_last_30_days(api, org):
    events = [event("d40", at=now() - dt.timedelta(days=40)),
              event("d29", at=now() - dt.timedelta(days=29)),
              event("h1", at=now() - dt.timedelta(hours=1))]
    h.ingest(api, events)
    assert ids_of(api) == ["ed29", "eh1"]
    assert ids_of(api, **{"from": day(now() - dt.timedelta(days=41))}) == ["ed40", "ed29", "eh1"]
    # Without from, the window is the 30 days before `to`.
    assert ids_of(api, to=day(now() - dt.timedelta(days=35))) == ["ed40"]


def test_recent_event_up_to_5_minutes_ahead_is_listed_with_an_explicit_to(api, org):
    h.ingest(api, [event("soon", at=now() + dt.timedelta(minutes=2))])
    assert ids_of(api, to=iso(now() + dt.timedelta(minutes=10))) == ["esoon"]


# --- query errors ----------------------------------------------------------------

def bad_query(api, params, parameter):
    r = api.get("/v1/events", params=params)
    names = h.parameters(r)
    assert parameter in names, r.json()
    assert h.problem(r, 400)["type"] == "urn:ampmeter:problem:bad-request"


@pytest.mark.parametrize("value", ["0", "501", "abc", "-1", "1.5", "", "1e2", "99999999999999999999"])
def test_bad_limit(api, value):
    bad_query(api, {"limit": value}, "limit")


@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-02-30", "2026-01-01T10:00:00",
                                   "2026-01-01 10:00:00Z", "1700000000", ""])
def test_bad_window_bound(api, name, value):
    bad_query(api, {name: value}, name)


@pytest.mark.parametrize("lo, hi", [
    ("2026-03-02", "2026-03-01"),
    ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z"),
    ("2026-03-01T12:00:00+02:00", "2026-03-01T10:00:00Z"),
])
def test_from_not_before_to(api, lo, hi):
    bad_query(api, {"from": lo, "to": hi}, "from")


@pytest.mark.parametrize("name", ["foo", "org", "member_id", "Limit", "interval"])
def test_unknown_parameter(api, name):
    bad_query(api, {name: "x"}, name)


BAD_CURSORS = {
    "junk": "zzz",
    "spaces": "not a cursor",
    "empty array": h.b64url("[]"),
    "one key": h.b64url('["1"]'),
    "time not a number": h.b64url('["abc", "e1"]'),
    "object": h.b64url('{"after": "e1"}'),
    "three keys": h.b64url('["1", "e1", "x"]'),
    "time out of range": h.b64url('["-999999999999999999", "e1"]'),
}


@pytest.mark.parametrize("cursor", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
def test_bad_cursor(api, cursor):
    bad_query(api, {"cursor": cursor}, "cursor")


@pytest.mark.parametrize("name, longest", [("member", 128), ("channel", 64), ("campaign", 64)])
def test_filter_value_outside_its_schema(api, name, longest):
    """openapi.yaml bounds the filters (member 1-128, channel and campaign
    1-64 characters); an empty or overlong value is an invalid parameter,
    not a filter that silently matches nothing."""
    assert api.get("/v1/events", params={name: "x" * longest}).status_code == 200
    bad_query(api, {name: ""}, name)
    bad_query(api, {name: "x" * (longest + 1)}, name)


def test_cursor_of_another_list_is_refused(api):
    for i in range(3):
        assert api.put(f"/v1/campaigns/c{i}", json=h.campaign()).status_code == 201
    cursor = api.get("/v1/campaigns", params={"limit": 1}).json()["next_cursor"]
    assert cursor
    bad_query(api, {"cursor": cursor}, "cursor")
