"""The organization's own days (shared/INDICATORS.md, "Days and time
zones"): the `timezone` setting, windows, buckets, mastery halves, belief
days and impact windows by the org's local calendar with DST days of 23
and 25 hours and offsets of 30 and 45 minutes; a change of zone while
events stream in; readers during ingestion seeing exact values."""
import datetime as dt
import threading
import uuid

import pytest

from conftest import Client, make_token
from indicator_helpers import (Ev, indicators, put_campaign, put_kpi, post_results,
                               rollups_consistent, series, store_events)
from test_indicators import assert_matches, reference, resolve


def windows(got, want):
    """Windows equal, `days` to the 10 significant digits answers carry."""
    assert len(got) == len(want), (got, want)
    for g, w in zip(got, want):
        assert (g["from"], g["to"]) == (w["from"], w["to"]), (got, want)
        assert abs(g["days"] - w["days"]) < 1e-8, (got, want)
    return True


def set_zone(api, zone):
    r = api.put("/v1/settings", json={"timezone": zone})
    assert r.status_code == 200, r.text
    assert r.json()["timezone"] == zone
    return r.json()


# --- the setting ---------------------------------------------------------------

def test_timezone_setting_defaults_to_utc_and_is_replaced_whole(api):
    assert api.get("/v1/settings").json()["timezone"] == "UTC"
    doc = set_zone(api, "Asia/Kathmandu")
    assert doc["survey_min_group"] == 5
    assert api.get("/v1/settings").json()["timezone"] == "Asia/Kathmandu"
    # PUT replaces the whole: a missing zone is back to UTC.
    assert api.put("/v1/settings", json={"survey_min_group": 6}).json()["timezone"] == "UTC"


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "europe/berlin", "", "x" * 65, 5, None])
def test_unknown_timezone_is_a_422_at_the_field(api, bad):
    r = api.put("/v1/settings", json={"timezone": bad})
    assert r.status_code == 422, r.text
    assert [e["pointer"] for e in r.json()["errors"]] == ["/timezone"]
    assert api.get("/v1/settings").json()["timezone"] == "UTC"


# --- days of 23, 24.5 and 25 hours, offsets of 45 minutes -----------------------

@pytest.mark.parametrize("zone, day, start, hours", [
    ("Europe/Berlin", "2025-03-30", "2025-03-29T23:00:00Z", 23),
    ("Europe/Berlin", "2025-10-26", "2025-10-25T22:00:00Z", 25),
    ("America/Los_Angeles", "2025-03-09", "2025-03-09T08:00:00Z", 23),
    ("America/Los_Angeles", "2025-11-02", "2025-11-02T07:00:00Z", 25),
    ("Australia/Lord_Howe", "2025-04-06", "2025-04-05T13:00:00Z", 24.5),
    ("Asia/Kathmandu", "2025-03-09", "2025-03-08T18:15:00Z", 24),
])
def test_a_day_is_local_midnight_to_local_midnight(api, zone, day, start, hours):
    set_zone(api, zone)
    start_at = dt.datetime.fromisoformat(start)
    end_at = start_at + dt.timedelta(hours=hours)
    z = lambda t: t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    # One event just inside each end of the day, one just outside each.
    second = dt.timedelta(seconds=1)
    store_events(api, [
        {"id": f"e{i}", "member": "m1", "channel": "forum", "action": "a", "kind": "react",
         "occurred_at": z(t)}
        for i, t in enumerate([start_at - second, start_at, end_at - second, end_at])])
    doc = indicators(api, **{"from": day, "to": day})
    assert doc["timezone"] == zone
    assert windows([doc["window"]], [{"from": z(start_at), "to": z(end_at), "days": hours / 24}])
    assert doc["counts"]["events"] == 2
    # An instant with an offset is exact: the day holding it is the window.
    doc = indicators(api, **{"from": z(start_at + dt.timedelta(hours=1)),
                             "to": z(end_at - dt.timedelta(hours=1))})
    assert doc["window"]["from"] == z(start_at) and doc["counts"]["events"] == 2
    # A daily bucket is the same day, with its real length.
    doc = series(api, interval="day", **{"from": day, "to": day})
    assert windows([b["window"] for b in doc["buckets"]], [
        {"from": z(start_at), "to": z(end_at), "days": hours / 24}])


def test_kpi_expectation_scales_with_a_23_hour_day(api):
    set_zone(api, "Europe/Berlin")
    put_kpi(api, "sales", 24, "day")
    post_results(api, ("r1", "sales", 23, "2025-03-30T12:00:00+02:00"))
    doc = indicators(api, **{"from": "2025-03-30", "to": "2025-03-30"})
    kpi = doc["results"]["kpis"][0]
    assert abs(kpi["expected"] - 23) < 1e-9 and abs(kpi["attainment"] - 1) < 1e-9


def test_series_buckets_follow_the_local_calendar(api):
    """Los Angeles: weeks start Monday 00:00 local, months on the 1st local,
    and the week of the DST change is 167 hours."""
    set_zone(api, "America/Los_Angeles")
    ev = Ev()
    # 2025-03-03 is a Monday; 23:30 local on Sunday 2025-03-09 is in the
    # first week, 00:30 local on Monday 2025-03-10 in the second.
    store_events(api, [
        {**ev("m1", "2025-03-01"), "occurred_at": "2025-03-10T06:30:00Z"},  # Sun 23:30 PDT
        {**ev("m1", "2025-03-01"), "occurred_at": "2025-03-10T07:30:00Z"},  # Mon 00:30 PDT
        {**ev("m1", "2025-03-01"), "occurred_at": "2025-04-01T06:30:00Z"},  # Mar 31 23:30
        {**ev("m1", "2025-03-01"), "occurred_at": "2025-04-01T07:30:00Z"},  # Apr 1 00:30
    ])
    weeks = series(api, interval="week", **{"from": "2025-03-03", "to": "2025-03-16"})
    assert weeks["timezone"] == "America/Los_Angeles"
    assert windows([b["window"] for b in weeks["buckets"]], [
        {"from": "2025-03-03T08:00:00Z", "to": "2025-03-10T07:00:00Z", "days": 167 / 24},
        {"from": "2025-03-10T07:00:00Z", "to": "2025-03-17T07:00:00Z", "days": 7}])
    assert [b["counts"]["events"] for b in weeks["buckets"]] == [1, 1]
    months = series(api, interval="month", **{"from": "2025-03-01", "to": "2025-04-30"})
    assert [b["window"]["from"] for b in months["buckets"]] == [
        "2025-03-01T08:00:00Z", "2025-04-01T07:00:00Z"]
    assert [b["counts"]["events"] for b in months["buckets"]] == [3, 1]


def test_mastery_halves_split_at_local_midnight(api):
    """Kathmandu (UTC+05:45): events at 19:00 UTC are on the next local day,
    so a member climbs the ladder only by the org's days."""
    ev = Ev()
    store_events(api, [
        {**ev("m1", "2025-03-01", "consume"), "occurred_at": "2025-03-01T10:00:00Z"},
        {**ev("m1", "2025-03-01", "contribute"), "occurred_at": "2025-03-01T19:00:00Z"},
    ])
    window = {"from": "2025-03-01", "to": "2025-03-02"}
    ladder = indicators(api, **window)["mastery"]["ladder_climb"]
    assert (ladder["numerator"], ladder["denominator"]) == (0, 0)   # UTC: both on day 1
    set_zone(api, "Asia/Kathmandu")
    ladder = indicators(api, **window)["mastery"]["ladder_climb"]
    assert (ladder["numerator"], ladder["denominator"]) == (1, 1)


def test_belief_and_impact_use_local_days(api):
    set_zone(api, "America/Los_Angeles")
    put_campaign(api, "drive", starts="2025-03-10T03:00:00Z")   # 2025-03-09 20:00 PDT
    r = api.post("/v1/beliefs", json={"statement": "s", "indicator": "autonomy",
                                      "campaign": "drive", "expect": "decrease",
                                      "window_days": 3})
    assert r.status_code == 201, r.text
    assert r.json()["timezone"] == "America/Los_Angeles"
    assert r.json()["change_point"] == "2025-03-09T08:00:00Z"
    doc = api.get("/v1/campaigns/drive/impact?window_days=2").json()
    assert doc["timezone"] == "America/Los_Angeles"
    assert doc["windows"]["pre"] == {"from": "2025-03-07T08:00:00Z",
                                     "to": "2025-03-09T08:00:00Z"}
    assert doc["windows"]["during"]["from"] == "2025-03-09T08:00:00Z"


# --- a change of zone while events stream in -------------------------------------

def concurrent_batches(url, spec, org, batches, errors):
    client = Client(url, spec, make_token(org=org))
    for batch in batches:
        r = client.post("/v1/events", json={"events": batch})
        if r.status_code != 200 or r.json()["accepted"] != len(batch):
            errors.append(r.text)


def test_zone_change_during_ingestion_loses_nothing(service, spec, db, api, org):
    ev = Ev()
    days = [f"2025-03-{d:02d}" for d in range(1, 29)]
    events = [ev(f"m{i % 17}", days[i % len(days)], ("react", "create", "consume")[i % 3],
                 hour=i % 24, level=1 + i % 5) for i in range(1200)]
    batches = [events[i:i + 50] for i in range(0, len(events), 50)]
    errors = []
    writers = [threading.Thread(target=concurrent_batches,
                                args=(service.url, spec, org, batches[k::3], errors))
               for k in range(3)]
    for w in writers:
        w.start()
    for zone in ("Australia/Lord_Howe", "America/Los_Angeles", "Asia/Kathmandu",
                 "Europe/Berlin"):
        set_zone(api, zone)
        rollups_consistent(db, org)
    for w in writers:
        w.join()
    assert errors == []
    rollups_consistent(db, org)
    doc = indicators(api, **{"from": "2025-02-27", "to": "2025-03-31"})
    want = reference([resolve(e) for e in events], dt.date(2025, 2, 27), 33,
                     zone="Europe/Berlin")
    assert_matches(doc, want)


# --- readers during ingestion -----------------------------------------------------

def test_readers_during_ingestion_see_exact_values(service, spec, db, api, org):
    """One writer sends batches in order while readers poll: every answer is
    the reference's over some whole prefix of the batches (a batch is
    atomic: its rollups are written in its own transaction)."""
    set_zone(api, "Europe/Berlin")
    ev = Ev()
    days = [f"2025-03-{d:02d}" for d in range(20, 32)]
    batch_size = 40
    events = [ev(f"m{i % 23}", days[(i * 7) % len(days)],
                 ("react", "create", "contribute", "consume")[i % 4], hour=(i * 5) % 24,
                 quality=(i % 10) / 10) for i in range(40 * batch_size)]
    batches = [events[i:i + batch_size] for i in range(0, len(events), batch_size)]
    start = dt.date(2025, 3, 20)
    seen, errors, done = [], [], threading.Event()

    def read():
        client = Client(service.url, spec, make_token(org=org))
        while not done.is_set():
            r = client.get("/v1/indicators?from=2025-03-20&to=2025-03-31")
            seen.append((r.status_code, r.json()))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        concurrent_batches(service.url, spec, org, batches, errors)
    finally:
        done.set()
        for t in readers:
            t.join()
    assert errors == []
    assert seen and all(status == 200 for status, _ in seen)
    resolved = [resolve(e) for e in events]
    prefixes = [reference(resolved[:k * batch_size], start, 12, zone="Europe/Berlin")
                for k in range(len(batches) + 1)]
    for _, doc in seen:
        assert any(matches(doc, ref) for ref in prefixes), doc
    rollups_consistent(db, org)


def matches(doc, ref):
    try:
        assert_matches(doc, ref)
    except AssertionError:
        return False
    return True
