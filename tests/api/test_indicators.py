"""GET /v1/indicators and /v1/indicators/series: hand-computed fixtures for
every indicator, null reason and state, KPI periods, windows, series,
divergence, tenant isolation, and a property test against a Python
reference of shared/INDICATORS.md."""
import datetime as dt
import math
import uuid
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import helpers as h
from conftest import Client, make_token
from indicator_helpers import (Ev, approx, at, days_after, indicators, null, store_events,
                               post_results, put_campaign, put_kpi, query, rollups_consistent,
                               series, share)


# --- autonomy, purpose, extrinsic pressure, counts, filters ---------------

def basic_fixture(api):
    """11 events in [2025-03-03, 2025-03-07) plus 2 outside; see the counts
    in test_behavioural_indicators."""
    put_campaign(api, "camp", incentive="recognition")
    ev = Ev()
    store_events(api, [
        ev("m1", "2025-03-03", "react"),                                   # 1 self, free
        ev("m1", "2025-03-04", "react", rewarded=True),                    # 2 self, pressure
        ev("m1", "2025-03-05", "create", beneficiary="others"),            # 3 self, giving, free
        ev("m2", "2025-03-03", "create", channel="slack", initiative="prompted",
           beneficiary="community"),                                       # 4 giving
        ev("m2", "2025-03-06", "contribute", channel="slack", initiative="incentivized",
           rewarded=True, beneficiary="community"),                        # 5 pressure
        ev("m2", "2025-03-04", "consume"),                                 # 6 passive
        ev("m3", "2025-03-05", "convert", value=10),                       # 7 result kind
        ev("m3", "2025-03-06", "contribute", beneficiary="self"),          # 8 self, free
        ev("m3", "2025-03-04", "react", campaign="camp"),                  # 9 prompted (default)
        ev("m4", "2025-03-03", "contribute", beneficiary="community"),     # 10 self, giving, free
        ev("m4", "2025-03-06", "react"),                                   # 11 self, free
        ev("m1", "2025-03-07", "react", hour=0),                           # outside: at `to`
        ev("m1", "2025-03-02", "react", hour=23),                          # outside: before
    ])


def test_behavioural_indicators(api):
    basic_fixture(api)
    doc = indicators(api, **{"from": "2025-03-03", "to": "2025-03-06"})
    assert doc["window"] == {"from": "2025-03-03T00:00:00Z", "to": "2025-03-07T00:00:00Z",
                             "days": 4}
    assert doc["counts"] == {"events": 11, "active": 9, "contributions": 5, "free_choice": 5}
    # A: self among active = 1 2 3 8 10 11.
    share(doc["autonomy"], 6 / 9, 6, 9)
    # P: contributions 3 4 5 8 10, giving (others/community, not rewarded) 3 4 10.
    share(doc["purpose"], 3 / 5, 3, 5)
    # X: incentivized or rewarded among active: 2 5.
    share(doc["extrinsic_pressure"], 2 / 9, 2, 9)
    # Halves [03-03, 03-05) and [03-05, 03-07). L: m1 react->create, m2
    # create->contribute, m3 react->contribute climb; m4 contribute->react
    # does not. No competence signal: Q undefined.
    m = doc["mastery"]
    share(m["ladder_climb"], 3 / 4, 3, 4)
    share(m["quality_growth"], None, 0, 0, "insufficient_data")
    assert approx(m["value"], 0.75) and "reason" not in m
    assert approx(doc["amp"]["value"], (6 / 9 + 0.75 + 3 / 5) / 3)
    assert doc["amp"]["parts"] == ["autonomy", "mastery", "purpose"]
    null(doc["results"], "no_data")
    assert doc["results"]["kpis"] == []
    assert doc["state"] == "purpose_led"
    assert doc["channel"] is None and doc["campaign"] is None


def test_channel_filter(api):
    basic_fixture(api)
    doc = indicators(api, channel="slack", **{"from": "2025-03-03", "to": "2025-03-06"})
    assert doc["channel"] == "slack" and doc["campaign"] is None
    assert doc["counts"] == {"events": 2, "active": 2, "contributions": 2, "free_choice": 0}
    share(doc["autonomy"], 0, 0, 2)
    share(doc["purpose"], 0.5, 1, 2)
    share(doc["extrinsic_pressure"], 0.5, 1, 2)
    share(doc["mastery"]["ladder_climb"], 1, 1, 1)
    assert approx(doc["amp"]["value"], 0.5)
    # R undefined and X = 0.5 is not above 0.5: AMP 0.5 decides.
    assert doc["state"] == "purpose_led"

    doc = indicators(api, channel="forum", **{"from": "2025-03-03", "to": "2025-03-06"})
    assert doc["counts"] == {"events": 9, "active": 7, "contributions": 3, "free_choice": 5}
    share(doc["autonomy"], 6 / 7, 6, 7)
    share(doc["purpose"], 2 / 3, 2, 3)
    share(doc["extrinsic_pressure"], 1 / 7, 1, 7)
    # m2's forum events lie in the earlier half only.
    share(doc["mastery"]["ladder_climb"], 2 / 3, 2, 3)


def test_campaign_filter(api):
    basic_fixture(api)
    doc = indicators(api, campaign="camp", **{"from": "2025-03-03", "to": "2025-03-06"})
    assert doc["campaign"] == "camp" and doc["channel"] is None
    assert doc["counts"] == {"events": 1, "active": 1, "contributions": 0, "free_choice": 0}
    share(doc["autonomy"], 0, 0, 1)
    share(doc["extrinsic_pressure"], 0, 0, 1)
    share(doc["purpose"], None, 0, 0, "insufficient_data")
    null(doc["mastery"], "insufficient_data")
    assert doc["amp"] == {"value": 0.0, "parts": ["autonomy"]}
    assert doc["state"] == "disengaged"


# --- mastery: Q and L separately ------------------------------------------

def test_quality_growth(api):
    """4 days, halves [03-10, 03-12) and [03-12, 03-14)."""
    ev = Ev()
    e1, e2, l1, l2 = "2025-03-10", "2025-03-11", "2025-03-12", "2025-03-13"
    store_events(api, [
        # q1: 0.3 -> 0.5, improved.
        ev("q1", e1, quality=0.2), ev("q1", e2, quality=0.4),
        ev("q1", l1, quality=0.5), ev("q1", l2, quality=0.5),
        # q2: levels, 0.5 -> 0.55: exactly 0.05 is not more than 0.05.
        *[ev("q2", e1, level=3) for _ in range(5)],
        *[ev("q2", l1, level=lv) for lv in (3, 3, 3, 3, 4)],
        # q3: 0.8 -> 0.65, fell.
        ev("q3", e1, quality=0.8), ev("q3", e2, quality=0.8),
        ev("q3", l1, quality=0.6), ev("q3", l2, quality=0.7),
        # q4: one signalled event in the later half: does not qualify.
        ev("q4", e1, quality=0.1), ev("q4", e2, quality=0.1),
        ev("q4", l1, quality=0.9), ev("q4", l2),
        # q5: level 1 (0) and quality 0.1 -> level 2 (0.25) and quality 0: 0.05 -> 0.125.
        ev("q5", e1, level=1), ev("q5", e1, quality=0.1),
        ev("q5", l1, level=2), ev("q5", l2, quality=0.0),
        # q6: quality wins over level: 0.1 -> 0.25 (0.55 -> 0.25 if level won).
        ev("q6", e1, quality=0.1, level=5), ev("q6", e2, quality=0.1),
        ev("q6", l1, level=2), ev("q6", l2, level=2),
        # q7: a consume event's signal counts too: 0.667 -> 0.7 is no growth.
        ev("q7", e1, quality=0.5), ev("q7", e1, quality=0.5),
        ev("q7", e2, "consume", quality=1.0),
        ev("q7", l1, quality=0.7), ev("q7", l2, quality=0.7),
        # q8: earlier half only.
        ev("q8", e1, quality=0.1), ev("q8", e2, quality=0.9),
    ])
    doc = indicators(api, **{"from": "2025-03-10", "to": "2025-03-13"})
    m = doc["mastery"]
    share(m["quality_growth"], 3 / 6, 3, 6)
    # Everyone stays at react (q7's consume is shallower): nobody climbs.
    share(m["ladder_climb"], 0, 0, 7)
    assert approx(m["value"], 0.25)


def test_ladder_climb(api):
    """5 days: halves [04-07, 04-09) and [04-09, 04-12) (split at 5 // 2)."""
    ev = Ev()
    store_events(api, [
        ev("l1", "2025-04-07", "consume"), ev("l1", "2025-04-09", "react"),        # climbs
        ev("l2", "2025-04-07", "contribute"), ev("l2", "2025-04-08", "consume"),
        ev("l2", "2025-04-10", "create"),                                           # 4 -> 3
        ev("l3", "2025-04-08", "react"), ev("l3", "2025-04-11", "react"),
        ev("l3", "2025-04-11", "consume"),                                          # 2 -> 2
        ev("l4", "2025-04-07", "convert"), ev("l4", "2025-04-11", "consume"),       # 0 -> 1
        ev("l5", "2025-04-09", "contribute"), ev("l5", "2025-04-10", "react"),      # later only
        *[ev("l6", "2025-04-07", "create") for _ in range(3)],
        ev("l6", "2025-04-09", "contribute"),                                       # 3 -> 4
        ev("l7", "2025-04-07", "react"), ev("l7", "2025-04-08", "create"),          # earlier only
        ev("l8", "2025-04-06", "consume"), ev("l8", "2025-04-09", "react"),         # 04-06 outside
    ])
    doc = indicators(api, **{"from": "2025-04-07", "to": "2025-04-11"})
    assert doc["window"]["days"] == 5
    assert doc["counts"] == {"events": 19, "active": 14, "contributions": 8, "free_choice": 14}
    m = doc["mastery"]
    share(m["ladder_climb"], 3 / 5, 3, 5)
    share(m["quality_growth"], None, 0, 0, "insufficient_data")
    assert approx(m["value"], 0.6)
    share(doc["autonomy"], 1, 14, 14)
    share(doc["purpose"], 0, 0, 8)
    assert approx(doc["amp"]["value"], (1 + 0.6 + 0) / 3)
    assert doc["state"] == "purpose_led"


def test_mastery_halves_of_a_one_day_window(api):
    ev = Ev()
    store_events(api, [ev("a", "2025-03-10", "consume", hour=1, quality=0.1),
                      ev("a", "2025-03-10", "react", hour=2, quality=0.1),
                      ev("a", "2025-03-10", "create", hour=22, quality=0.9),
                      ev("a", "2025-03-10", "create", hour=23, quality=0.9)])
    doc = indicators(api, **{"from": "2025-03-10", "to": "2025-03-10"})
    assert doc["window"]["days"] == 1
    null(doc["mastery"], "insufficient_data")
    share(doc["mastery"]["quality_growth"], None, 0, 0, "insufficient_data")
    share(doc["mastery"]["ladder_climb"], None, 0, 0, "insufficient_data")
    assert doc["amp"]["parts"] == ["autonomy", "purpose"]
    # Two days: the same member now has a half each.
    store_events(api, [ev("a", "2025-03-11", "contribute", quality=1.0),
                      ev("a", "2025-03-11", "contribute", quality=1.0)])
    doc = indicators(api, **{"from": "2025-03-10", "to": "2025-03-11"})
    share(doc["mastery"]["quality_growth"], 1, 1, 1)
    share(doc["mastery"]["ladder_climb"], 1, 1, 1)


# --- every null reason ------------------------------------------------------

def test_no_data_everywhere(api):
    doc = indicators(api, **{"from": "2025-03-01", "to": "2025-03-31"})
    for key in ("autonomy", "purpose", "extrinsic_pressure"):
        share(doc[key], None, 0, 0, "no_data")
    null(doc["mastery"], "no_data")
    share(doc["mastery"]["quality_growth"], None, 0, 0, "no_data")
    share(doc["mastery"]["ladder_climb"], None, 0, 0, "no_data")
    assert doc["amp"] == {"value": None, "reason": "no_data", "parts": []}
    assert doc["results"] == {"value": None, "reason": "no_data", "value_uncapped": None,
                              "kpis": []}
    assert doc["state"] == "insufficient_data"
    assert doc["counts"] == {"events": 0, "active": 0, "contributions": 0, "free_choice": 0}


def test_insufficient_data_everywhere(api):
    """Events, but only passive ones, in a one-day window; one KPI without a
    target."""
    ev = Ev()
    store_events(api, [ev("a", "2025-03-10", "consume", quality=0.5),
                      ev("b", "2025-03-10", "convert", value=3)])
    put_kpi(api, "visits")
    post_results(api, ("r1", "visits", 4, at("2025-03-10")),
                 ("r2", "visits", 2.5, at("2025-03-10")))
    doc = indicators(api, **{"from": "2025-03-10", "to": "2025-03-10"})
    for key in ("autonomy", "purpose", "extrinsic_pressure"):
        share(doc[key], None, 0, 0, "insufficient_data")
    null(doc["mastery"], "insufficient_data")
    share(doc["mastery"]["quality_growth"], None, 0, 0, "insufficient_data")
    share(doc["mastery"]["ladder_climb"], None, 0, 0, "insufficient_data")
    assert doc["amp"] == {"value": None, "reason": "insufficient_data", "parts": []}
    # Results without any target: no_data, the KPI still listed.
    assert doc["results"] == {"value": None, "reason": "no_data", "value_uncapped": None,
                              "kpis": [{
        "metric": "visits", "name": "visits", "unit": None, "actual": 6.5, "observations": 2,
        "target": None, "period": None, "direction": "higher", "expected": None,
        "attainment": None, "attainment_uncapped": None}]}
    assert doc["state"] == "insufficient_data"
    assert doc["state_explanation"].startswith("Not enough data: none of this window's events")
    assert doc["counts"] == {"events": 2, "active": 0, "contributions": 0, "free_choice": 0}


def test_partial_reasons(api):
    """Active events without contributions, members in one half only."""
    ev = Ev()
    store_events(api, [ev("a", "2025-03-12", "react", quality=0.5),
                      ev("a", "2025-03-13", "react", quality=0.5),
                      ev("b", "2025-03-13", "react", initiative="prompted")])
    doc = indicators(api, **{"from": "2025-03-10", "to": "2025-03-13"})
    share(doc["autonomy"], 2 / 3, 2, 3)
    share(doc["purpose"], None, 0, 0, "insufficient_data")
    share(doc["mastery"]["ladder_climb"], None, 0, 0, "insufficient_data")
    null(doc["mastery"], "insufficient_data")
    assert approx(doc["amp"]["value"], 2 / 3) and doc["amp"]["parts"] == ["autonomy"]
    # The org has events, but none on this channel: no_data.
    doc = indicators(api, channel="github", **{"from": "2025-03-10", "to": "2025-03-13"})
    share(doc["autonomy"], None, 0, 0, "no_data")
    null(doc["amp"], "no_data")
    assert doc["state"] == "insufficient_data"


# --- every state ------------------------------------------------------------

DAY = "2025-05-05"

STATES = {
    # AMP 1 (A 1, P 1), R 1.
    "thriving": dict(events=[("react", {}), ("create", {"beneficiary": "community"})],
                     result=10, amp=1, r=1),
    # AMP 0, R 1.5.
    "results_chasing": dict(events=[("react", {"initiative": "incentivized", "rewarded": True}),
                                    ("create", {"initiative": "prompted"})],
                            result=15, amp=0, r=1.5),
    "purpose_led": dict(events=[("react", {}), ("create", {"beneficiary": "others"})],
                        result=5, amp=1, r=0.5),
    # R defined: a high X does not make it results chasing.
    "disengaged": dict(events=[("react", {"initiative": "incentivized"}),
                               ("create", {"initiative": "incentivized"})],
                       result=5, amp=0, r=0.5),
    "insufficient_data": dict(events=[("consume", {})], result=15, amp=None, r=1.5),
    # R undefined: X 1 > 0.5 is results chasing even with AMP 1.
    "results_chasing_by_pressure": dict(events=[("react", {"rewarded": True}),
                                                ("react", {"rewarded": True})],
                                        result=None, amp=1, r=None, state="results_chasing"),
    # R undefined, X exactly 0.5: AMP decides.
    "purpose_led_without_results": dict(events=[("react", {"rewarded": True}), ("react", {})],
                                        result=None, amp=1, r=None, state="purpose_led"),
    "disengaged_without_results": dict(events=[("react", {"initiative": "prompted"}),
                                               ("react", {"initiative": "prompted"})],
                                       result=None, amp=0, r=None, state="disengaged"),
}


STATE_WORDS = {"thriving": "Thriving", "results_chasing": "Results chasing",
               "purpose_led": "Purpose led", "disengaged": "Disengaged",
               "insufficient_data": "Not enough data"}


@pytest.mark.parametrize("name", list(STATES))
def test_state(api, name):
    case = STATES[name]
    ev = Ev()
    store_events(api, [ev("a", DAY, kind, **extra) for kind, extra in case["events"]])
    if case["result"] is not None:
        put_kpi(api, "sales", 10, "day")
        post_results(api, ("r1", "sales", case["result"], at(DAY)))
    doc = indicators(api, **{"from": DAY, "to": DAY})
    assert approx(doc["amp"]["value"], case["amp"]), doc["amp"]
    assert approx(doc["results"]["value"], case["r"]), doc["results"]
    assert doc["state"] == case.get("state", name)
    # One plain sentence, naming the state and the figures it rests on.
    words = doc["state_explanation"]
    assert words.startswith(STATE_WORDS[doc["state"]] + ": ") and words.endswith(".")
    assert words.count(". ") == 0 and "nan" not in words and "inf" not in words
    if case["amp"] is None:
        assert "none of this window's events is active engagement" in words
    elif case["r"] is not None:
        assert "AMP %.2f" % case["amp"] in words
        assert "KPIs reach %d%% of target" % round(case["r"] * 100) in words
    elif doc["state"] == "results_chasing":
        assert "no KPI has a target, and 100% of active engagement is incentivized" in words
    else:
        assert "AMP %.2f" % case["amp"] in words and "no KPI has a target" in words


def test_state_at_an_exact_amp_tie(api):
    """A = 1/2, M = 2/3, P = 1/3: AMP is exactly 0.5 (the sum in floating
    point is 0.49999999999999994) and the state is purpose led."""
    ev = Ev()
    d1, d2 = "2025-05-05", "2025-05-06"
    store_events(api, [
        ev("t1", d1, "consume"), ev("t1", d2, "react", initiative="prompted"),
        ev("t2", d1, "consume"), ev("t2", d2, "react", initiative="prompted"),
        ev("t3", d1, "create", beneficiary="others"), ev("t3", d1, "contribute"),
        ev("t3", d1, "contribute"), ev("t3", d1, "react", initiative="prompted"),
        ev("t3", d2, "consume"),
    ])
    doc = indicators(api, **{"from": d1, "to": d2})
    share(doc["autonomy"], 0.5, 3, 6)
    share(doc["mastery"]["ladder_climb"], 2 / 3, 2, 3)
    share(doc["purpose"], 1 / 3, 1, 3)
    assert approx(doc["amp"]["value"], 0.5)
    assert doc["state"] == "purpose_led"


# --- results: every period, lower, capping ----------------------------------

def test_kpi_periods(api):
    """14 days: expected = target x 14 / days(period)."""
    ev = Ev()
    store_events(api, [ev("a", "2025-06-03", "react")])
    f, t = "2025-06-02", "2025-06-15"
    kpis = {  # metric: (target, period, direction, observations, expected)
        "k1.day": (2, "day", "higher", [10, 4], 28.0),
        "k2.week": (10, "week", "higher", [40], 20.0),
        "k3.month": (100, "month", "higher", [23], 100 * 14 / 30.4375),
        "k4.quarter": (91.3125, "quarter", "higher", [14], 14.0),
        "k5.year": (730.5, "year", "higher", [21], 28.0),
        "k6.lower": (1, "day", "lower", [20, 8], 14.0),
        "k7.lower": (3, "week", "lower", [], 6.0),
    }
    n = 0
    for metric, (target, period, direction, values, _) in kpis.items():
        put_kpi(api, metric, target, period, direction, unit="EUR")
        for v in values:
            n += 1
            post_results(api, (f"r{n}", metric, v, at(days_after(f, n % 14), 10)))
    put_kpi(api, "k8.none")
    post_results(api, ("x1", "k8.none", 5, at(f)),
                 # Outside the window: the last instant before it, and its end.
                 ("x2", "k1.day", 1000, "2025-06-01T23:59:59.999999Z"),
                 ("x3", "k1.day", 1000, "2025-06-16T00:00:00Z"),
                 # Inside, the last instant: counts.
                 ("x4", "k4.quarter", 0, "2025-06-15T23:59:59.999999Z"))
    want_att = {"k1.day": 0.5, "k2.week": 1.5, "k3.month": 23 / (100 * 14 / 30.4375),
                "k4.quarter": 1.0, "k5.year": 0.75, "k6.lower": 0.5, "k7.lower": 1.5}
    # Before the cap: k2 is at 200%; k7 (lower, nothing observed) has no
    # finite ratio.
    want_uncapped = dict(want_att, **{"k2.week": 2.0, "k7.lower": None})
    doc = indicators(api, **{"from": f, "to": t})
    got = {k["metric"]: k for k in doc["results"]["kpis"]}
    assert list(got) == sorted(got) == sorted(list(kpis) + ["k8.none"])
    for metric, (target, period, direction, values, expected) in kpis.items():
        k = got[metric]
        assert k["target"] == target and k["period"] == period and k["direction"] == direction
        assert approx(k["actual"], sum(values)), k
        assert k["observations"] == len(values) + (metric == "k4.quarter")
        assert approx(k["expected"], expected), k
        assert approx(k["attainment"], want_att[metric]), k
        assert approx(k["attainment_uncapped"], want_uncapped[metric]), k
        assert k["name"] == metric and k["unit"] == "EUR"
    assert got["k8.none"] == {"metric": "k8.none", "name": "k8.none", "unit": None,
                              "actual": 5.0, "observations": 1,
                              "target": None, "period": None, "direction": "higher",
                              "expected": None, "attainment": None,
                              "attainment_uncapped": None}
    r = sum(want_att.values()) / len(want_att)
    assert approx(doc["results"]["value"], r) and "reason" not in doc["results"]
    # k7's unbounded ratio leaves the uncapped mean without a finite value.
    assert doc["results"]["value_uncapped"] is None
    # Results are org-wide: the behavioural filters leave them alone.
    put_campaign(api, "c1")
    for params in ({"channel": "nowhere"}, {"campaign": "c1"}):
        other = indicators(api, **params, **{"from": f, "to": t})
        assert other["results"] == doc["results"]
        null(other["autonomy"], "no_data")


# --- windows ----------------------------------------------------------------

def test_window_is_whole_utc_days(api):
    ev = Ev()
    store_events(api, [
        ev("a", "2025-02-28", hour=23),            # before the floored start
        ev("a", "2025-03-01", hour=1),             # before `from`, same UTC day: counts
        ev("a", "2025-03-03", hour=23),            # after `to`, same UTC day: counts
        {**ev("a", "2025-03-04"), "occurred_at": "2025-03-04T00:00:00Z"},  # the end: out
    ])
    doc = indicators(api, **{"from": "2025-03-01T10:00:00Z", "to": "2025-03-03T05:00:00Z"})
    assert doc["window"] == {"from": "2025-03-01T00:00:00Z", "to": "2025-03-04T00:00:00Z",
                             "days": 3}
    assert doc["counts"]["events"] == 2
    # A `to` at midnight stays; offsets are read as the instants they name.
    doc = indicators(api, **{"from": "2025-03-01T10:00:00Z", "to": "2025-03-03T00:00:00Z"})
    assert doc["window"] == {"from": "2025-03-01T00:00:00Z", "to": "2025-03-03T00:00:00Z",
                             "days": 2}
    doc = indicators(api, **{"from": "2025-03-01T23:30:00-02:00",
                             "to": "2025-03-03T01:00:00+02:00"})
    assert doc["window"] == {"from": "2025-03-02T00:00:00Z", "to": "2025-03-03T00:00:00Z",
                             "days": 1}
    # A date-only `to` is the end of that day.
    doc = indicators(api, **{"from": "2025-03-01", "to": "2025-03-03"})
    assert doc["window"]["to"] == "2025-03-04T00:00:00Z"


def test_default_window_covers_the_30_days_before_now(api):
    before = dt.datetime.now(dt.timezone.utc)
    doc = indicators(api)
    after = dt.datetime.now(dt.timezone.utc)
    ends = {(d.date() + dt.timedelta(days=1)).isoformat() + "T00:00:00Z" for d in (before, after)}
    assert doc["window"]["to"] in ends
    assert doc["window"]["days"] in (30, 31)


def test_longest_window(api):
    doc = indicators(api, **{"from": "2025-01-01", "to": "2026-02-04"})
    assert doc["window"]["days"] == 400
    s = series(api, **{"from": "2025-01-01", "to": "2026-02-04"})
    assert len(s["buckets"]) == 400


def problem(r, parameter):
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "urn:ampmeter:problem:bad-request"
    assert parameter in [e.get("parameter") for e in body.get("errors", [])], body


@pytest.mark.parametrize("path", ["/v1/indicators", "/v1/indicators/series"])
@pytest.mark.parametrize("params,parameter", [
    ({"from": "2025-03-05", "to": "2025-03-01"}, "from"),
    ({"from": "2025-03-05T00:00:00Z", "to": "2025-03-05T00:00:00Z"}, "from"),
    ({"from": "2025-01-01", "to": "2026-02-05"}, "to"),              # 401 days
    ({"from": "2025-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2025-03-01T10:00:00"}, "from"),                       # no offset
    ({"campaign": "nope"}, "campaign"),
    ({"member": "m1"}, "member"),                                    # not a parameter
])
def test_window_validation(api, path, params, parameter):
    problem(api.get(query(path, **params)), parameter)


@pytest.mark.parametrize("params", [
    {"interval": "year"}, {"interval": ""}, {"interval": "DAY"},
    # 400 days asked, but from 12:00 they cover 401 UTC days: 401 daily buckets.
    {"from": "2025-01-01T12:00:00Z", "to": "2026-02-05T12:00:00Z"},
])
def test_series_validation(api, params):
    problem(api.get(query("/v1/indicators/series", **params)), "interval")


def test_interval_is_not_a_parameter_of_indicators(api):
    problem(api.get("/v1/indicators?interval=day"), "interval")


# --- series -----------------------------------------------------------------

def bucket_windows(doc):
    return [(b["window"]["from"][:10], b["window"]["to"][:10], b["window"]["days"])
            for b in doc["buckets"]]


def test_series_buckets(api):
    doc = series(api, **{"from": "2025-03-03", "to": "2025-03-05"})
    assert doc["interval"] == "day"
    assert doc["window"] == {"from": "2025-03-03T00:00:00Z", "to": "2025-03-06T00:00:00Z"}
    assert bucket_windows(doc) == [("2025-03-03", "2025-03-04", 1), ("2025-03-04", "2025-03-05", 1),
                                   ("2025-03-05", "2025-03-06", 1)]
    # ISO weeks, Monday to Monday, clipped to the window (Wednesday to Thursday).
    doc = series(api, interval="week", **{"from": "2025-03-05", "to": "2025-03-20"})
    assert bucket_windows(doc) == [("2025-03-05", "2025-03-10", 5), ("2025-03-10", "2025-03-17", 7),
                                   ("2025-03-17", "2025-03-21", 4)]
    # Calendar months, clipped.
    doc = series(api, interval="month", **{"from": "2025-01-15", "to": "2025-03-10"})
    assert bucket_windows(doc) == [("2025-01-15", "2025-02-01", 17),
                                   ("2025-02-01", "2025-03-01", 28),
                                   ("2025-03-01", "2025-03-11", 10)]
    doc = series(api, interval="week", **{"from": "2025-03-03", "to": "2025-03-09"})
    assert bucket_windows(doc) == [("2025-03-03", "2025-03-10", 7)]


def test_series_buckets_equal_their_own_windows(api):
    """Each bucket is the indicators of its own window, filters included."""
    basic_fixture(api)
    put_kpi(api, "sales", 7, "week")
    post_results(api, ("r1", "sales", 3, at("2025-03-04")), ("r2", "sales", 9, at("2025-03-11")))
    for params in ({}, {"channel": "slack"}, {"campaign": "camp"}):
        for interval in ("day", "week", "month"):
            doc = series(api, interval=interval, **params,
                         **{"from": "2025-02-26", "to": "2025-03-12"})
            assert doc["interval"] == interval
            assert doc["channel"] == params.get("channel")
            assert doc["campaign"] == params.get("campaign")
            for b in doc["buckets"]:
                alone = indicators(api, **params, **{"from": b["window"]["from"],
                                                     "to": b["window"]["to"]})
                assert alone["timezone"] == doc["timezone"] == "UTC"
                del alone["channel"], alone["campaign"], alone["timezone"]
                flag = b.pop("divergence")
                assert b.pop("divergence_explanation")
                assert isinstance(flag, bool)
                assert b == alone


# --- divergence ---------------------------------------------------------------

def weekly(api, weeks, target=7):
    """weeks: (monday, self-initiated of 20 reacts, result that week). Events
    fall on the Monday, so each bucket's AMP is its autonomy alone."""
    ev = Ev()
    put_kpi(api, "sales", target, "week")
    events, results = [], []
    for i, (monday, self_n, result) in enumerate(weeks):
        events += [ev("m%d" % j, monday, initiative="self" if j < self_n else "prompted")
                   for j in range(20)]
        results.append((f"r{i}", "sales", result, at(days_after(monday, 1))))
    store_events(api, events)
    post_results(api, *results)


def flags(doc):
    return [b["divergence"] for b in doc["buckets"]]


def test_divergence_flagged_when_results_rise_and_amp_falls(api):
    weekly(api, [("2025-03-03", 18, 3.5),    # R 0.5,  AMP 0.9
                 ("2025-03-10", 16, 5.6),    # R 0.8,  AMP 0.8:  diverges
                 ("2025-03-17", 18, 7),      # R 1.0,  AMP 0.9:  both rise
                 ("2025-03-24", 17, 8.4)])   # R 1.2,  AMP 0.85: falls exactly 0.05
    doc = series(api, interval="week", **{"from": "2025-03-03", "to": "2025-03-30"})
    got = [(round(b["results"]["value"], 6), round(b["amp"]["value"], 6), b["divergence"])
           for b in doc["buckets"]]
    assert got == [(0.5, 0.9, False), (0.8, 0.8, True), (1.0, 0.9, False), (1.2, 0.85, True)]
    words = [b["divergence_explanation"] for b in doc["buckets"]]
    assert words[0].startswith("No divergence: this is the first bucket")
    assert words[1] == ("Divergence: AMP fell from 0.900 to 0.800 while results did not "
                        "fall (from 50% to 80% of target, before the 150% cap), a sign that "
                        "results may be bought at purpose's expense.")
    assert words[2] == "No divergence: AMP held or rose (from 0.800 to 0.900)."


def test_divergence_flagged_above_the_cap(api):
    """Results far above target and still rising while AMP falls: R sits at
    its 1.5 cap every week, the uncapped attainment goes 2 -> 3 -> 4, and
    AMP falls 0.7 -> 0.5 -> 0.25 (the pattern of issue #11)."""
    weekly(api, [("2025-03-03", 14, 14),     # 200% of target
                 ("2025-03-10", 10, 21),     # 300%
                 ("2025-03-17", 5, 28)])     # 400%
    doc = series(api, interval="week", **{"from": "2025-03-03", "to": "2025-03-23"})
    got = [(b["results"]["value"], round(b["results"]["value_uncapped"], 6),
            round(b["amp"]["value"], 6)) for b in doc["buckets"]]
    assert got == [(1.5, 2.0, 0.7), (1.5, 3.0, 0.5), (1.5, 4.0, 0.25)]
    assert [approx(b["results"]["kpis"][0]["attainment_uncapped"], u)
            for b, u in zip(doc["buckets"], (2, 3, 4))] == [True] * 3
    assert flags(doc) == [False, True, True]
    assert [b["state"] for b in doc["buckets"]] == ["thriving", "thriving", "results_chasing"]
    assert "from 300% to 400% of target" in doc["buckets"][2]["divergence_explanation"]
    assert "(each counted up to 150%)" in doc["buckets"][2]["state_explanation"]


def test_divergence_above_the_cap_not_flagged_when_results_fall(api):
    """Uncapped results 4 -> 2 (R 1.5 both weeks) while AMP falls: results
    fell, so no divergence, though the capped R is flat."""
    weekly(api, [("2025-03-03", 18, 28), ("2025-03-10", 4, 14)])
    doc = series(api, interval="week", **{"from": "2025-03-03", "to": "2025-03-16"})
    assert [b["results"]["value"] for b in doc["buckets"]] == [1.5, 1.5]
    assert flags(doc) == [False, False]
    assert doc["buckets"][1]["divergence_explanation"].startswith(
        "No divergence: AMP fell (from 0.900 to 0.200) but results fell too")


def test_divergence_not_flagged_when_both_rise(api):
    weekly(api, [("2025-03-03", 10, 3.5),    # R 0.5, AMP 0.5
                 ("2025-03-10", 12, 5.6),    # R 0.8, AMP 0.6
                 ("2025-03-17", 15, 7)])     # R 1.0, AMP 0.75
    doc = series(api, interval="week", **{"from": "2025-03-03", "to": "2025-03-23"})
    assert flags(doc) == [False, False, False]
    assert doc["buckets"][2]["state"] == "thriving"


def test_divergence_needs_a_drop_of_005_and_results_not_falling(api):
    # AMP falls only 0.04 (0.92 -> 0.88 of 25); then R falls while AMP
    # falls; then R flat while AMP falls: results did not fall.
    ev = Ev()
    put_kpi(api, "sales", 7, "week")
    events = []
    for monday, self_n in (("2025-03-03", 23), ("2025-03-10", 22), ("2025-03-17", 12),
                           ("2025-03-24", 2)):
        events += [ev("m%d" % j, monday, initiative="self" if j < self_n else "prompted")
                   for j in range(25)]
    store_events(api, events)
    post_results(api, ("r1", "sales", 3.5, at("2025-03-04")),
                 ("r2", "sales", 5.6, at("2025-03-11")),
                 ("r3", "sales", 4.2, at("2025-03-18")),
                 ("r4", "sales", 4.2, at("2025-03-25")))
    doc = series(api, interval="week", **{"from": "2025-03-03", "to": "2025-03-30"})
    assert flags(doc) == [False, False, False, True]
    assert doc["buckets"][1]["divergence_explanation"] == (
        "No divergence: AMP fell by less than 0.05 (from 0.920 to 0.880).")


def test_divergence_ignores_rounding_of_equal_attainment(api):
    """100 a week: 56 in a 7-day bucket and 8 in the next 1-day bucket are
    both 0.56 of expected (in floating point 0.56 and 0.5599999999999999):
    results did not fall, so AMP's fall is a divergence."""
    ev = Ev()
    put_kpi(api, "sales", 100, "week")
    store_events(api, [ev("m%d" % j, "2025-03-03", initiative="self" if j < 9 else "prompted")
                      for j in range(10)] +
                [ev("m%d" % j, "2025-03-10", initiative="self" if j < 1 else "prompted")
                 for j in range(10)])
    post_results(api, ("r1", "sales", 56, at("2025-03-05")), ("r2", "sales", 8, at("2025-03-10")))
    doc = series(api, interval="week", **{"from": "2025-03-03", "to": "2025-03-10"})
    assert bucket_windows(doc) == [("2025-03-03", "2025-03-10", 7), ("2025-03-10", "2025-03-11", 1)]
    assert [approx(b["results"]["value"], 0.56) for b in doc["buckets"]] == [True, True]
    assert flags(doc) == [False, True]


def test_divergence_explained_when_it_cannot_be_judged(api):
    """No KPI with a target: AMP falls, but results cannot be compared."""
    ev = Ev()
    store_events(api, [ev("a", "2025-03-03"), ev("b", "2025-03-04", initiative="prompted")])
    doc = series(api, **{"from": "2025-03-03", "to": "2025-03-05"})
    assert flags(doc) == [False, False, False]
    words = [b["divergence_explanation"] for b in doc["buckets"]]
    assert words[1] == ("Divergence cannot be judged: no KPI has a target, so results "
                        "cannot be compared.")
    assert words[2].startswith("Divergence cannot be judged: this bucket has no active")
    assert doc["buckets"][2]["state_explanation"].startswith(
        "Not enough data: there are no events in this window")


# --- auth, methods, tenants -----------------------------------------------------

@pytest.mark.parametrize("path", ["/v1/indicators", "/v1/indicators/series"])
def test_scopes_and_methods(api, anon, org, path):
    r = anon.get(path)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    for scopes, status in (("events:read events:write surveys:write", 403),
                           ("indicators:read", 200), ("admin", 200)):
        assert api.as_org(org, scopes=scopes).get(path).status_code == status
    r = api.post(path, json={})
    assert r.status_code == 405 and h.allowed(r) == h.allows("GET")


def test_tenant_isolation(api, service, spec):
    a, b = api, Client(service.url, spec, make_token(org="t-" + uuid.uuid4().hex[:12]))
    basic_fixture(b)
    put_kpi(b, "sales", 7, "week")
    post_results(b, ("r1", "sales", 100, at("2025-03-04")))
    window = {"from": "2025-03-03", "to": "2025-03-06"}
    # A sees nothing of B: no events, no KPI, no campaign.
    doc = indicators(a, **window)
    assert doc["counts"]["events"] == 0 and doc["results"]["kpis"] == []
    assert doc["state"] == "insufficient_data"
    assert all(bk["counts"]["events"] == 0 and bk["results"]["kpis"] == []
               for bk in series(a, **window)["buckets"])
    problem(a.get(query("/v1/indicators", campaign="camp", **window)), "campaign")
    problem(a.get(query("/v1/indicators/series", campaign="camp", **window)), "campaign")
    # With the same event ids and members, A counts only its own.
    ev = Ev()
    store_events(a, [ev("m1", "2025-03-03", "create", beneficiary="community")])
    doc = indicators(a, **window)
    assert doc["counts"] == {"events": 1, "active": 1, "contributions": 1, "free_choice": 1}
    assert indicators(b, **window)["counts"]["events"] == 11


# --- property: rollups stay exact and match a reference -------------------------

ACTIVE = {"react", "create", "contribute"}
CONTRIBUTION = {"create", "contribute"}
DEPTH = {"convert": 0, "consume": 1, "react": 2, "create": 3, "contribute": 4}
PERIOD_DAYS = {"day": 1, "week": 7, "month": 30.4375, "quarter": 91.3125, "year": 365.25}
EPS = 1e-9
MEMBERS = ["m1", "m2", "m3"]
CHANNELS = ["forum", "slack"]
CAMPAIGNS = {"cpoints": "points", "cnone": "none"}
SPAN = 14
# 14 days across a month boundary and DST changes: Los Angeles springs
# forward on 2025-03-09; Berlin on 2025-03-30; Lord Howe moves back half
# an hour on 2025-04-06; Kathmandu is UTC+05:45 all year.
STARTS = [dt.date(2025, 2, 24), dt.date(2025, 3, 25)]
ZONES = ["UTC", "America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe",
         "Asia/Kathmandu"]


def day_start(day, zone):
    """The instant local day `day` starts in `zone`."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(zone))


def local_day(instant, zone):
    return instant.astimezone(ZoneInfo(zone)).date()


def signal(e):
    if e.get("quality") is not None:
        return e["quality"]
    if e.get("level") is not None:
        return (e["level"] - 1) / 4
    return None


def resolve(e):
    """The defaults ingestion resolves, as openapi.yaml documents them."""
    incentive = CAMPAIGNS.get(e.get("campaign"))
    s = dict(e)
    if "initiative" not in s:
        s["initiative"] = ("self" if incentive is None else
                           "prompted" if incentive in ("none", "recognition") else "incentivized")
    if "rewarded" not in s:
        s["rewarded"] = incentive is not None and incentive not in ("none", "recognition")
    s.setdefault("beneficiary", "self")
    s["instant"] = dt.datetime.fromisoformat(e["occurred_at"])
    return s


def ref_share(num, den, events):
    if den == 0:
        return {"value": None, "reason": "no_data" if events == 0 else "insufficient_data",
                "numerator": num, "denominator": den}
    return {"value": num / den, "numerator": num, "denominator": den}


def ref_mean(parts, events):
    vals = [p["value"] for p in parts if p["value"] is not None]
    if not vals:
        return None, "no_data" if events == 0 else "insufficient_data"
    return sum(vals) / len(vals), None


def reference(stored, start, days, channel=None, campaign=None, kpis=None, zone="UTC"):
    """shared/INDICATORS.md over the events the test knows are stored: the
    window is `days` local days of `zone` from local day `start`."""
    end, mid = start + dt.timedelta(days=days), start + dt.timedelta(days=days // 2)
    t0, t1 = day_start(start, zone), day_start(end, zone)
    # Real elapsed time: aware datetimes of one zone subtract as wall time.
    elapsed = (t1.astimezone(dt.timezone.utc) - t0.astimezone(dt.timezone.utc)
               ).total_seconds() / 86400
    for e in stored:
        e["day"] = local_day(e["instant"], zone)
    w = [e for e in stored if start <= e["day"] < end
         and (channel is None or e["channel"] == channel)
         and (campaign is None or e.get("campaign") == campaign)]
    n = len(w)
    active = [e for e in w if e["kind"] in ACTIVE]
    contrib = [e for e in w if e["kind"] in CONTRIBUTION]
    a = ref_share(sum(e["initiative"] == "self" for e in active), len(active), n)
    p = ref_share(sum(e["beneficiary"] != "self" and not e["rewarded"] for e in contrib),
                  len(contrib), n)
    x = ref_share(sum(e["initiative"] == "incentivized" or e["rewarded"] for e in active),
                  len(active), n)
    q_members = q_up = l_members = l_up = 0
    for m in {e["member"] for e in w}:
        h1 = [e for e in w if e["member"] == m and e["day"] < mid]
        h2 = [e for e in w if e["member"] == m and e["day"] >= mid]
        s1 = [signal(e) for e in h1 if signal(e) is not None]
        s2 = [signal(e) for e in h2 if signal(e) is not None]
        if len(s1) >= 2 and len(s2) >= 2:
            q_members += 1
            q_up += sum(s2) / len(s2) - sum(s1) / len(s1) > 0.05 + EPS
        if h1 and h2:
            l_members += 1
            l_up += max(DEPTH[e["kind"]] for e in h2) > max(DEPTH[e["kind"]] for e in h1)
    q, l_ = ref_share(q_up, q_members, n), ref_share(l_up, l_members, n)
    mv, mr = ref_mean([q, l_], n)
    amp, ampr = ref_mean([a, {"value": mv}, p], n)
    parts = [name for name, v in (("autonomy", a["value"]), ("mastery", mv),
                                  ("purpose", p["value"])) if v is not None]
    r = r_uncapped = None
    if kpis:
        ratios = []
        for target, period, direction, values in kpis:
            actual = sum(v for v, t in values if t0 <= t < t1)
            expected = target * elapsed / PERIOD_DAYS[period]
            if direction == "higher":
                ratios.append(actual / expected)
            else:
                ratios.append(math.inf if actual <= 0 else expected / actual)
        r = sum(min(u, 1.5) for u in ratios) / len(ratios)
        r_uncapped = sum(ratios) / len(ratios)
        if math.isinf(r_uncapped):
            r_uncapped = None
    if amp is None:
        state = "insufficient_data"
    elif r is None:
        state = ("results_chasing" if x["value"] is not None and x["value"] > 0.5 + EPS else
                 "purpose_led" if amp >= 0.5 - EPS else "disengaged")
    elif r >= 1 - EPS:
        state = "thriving" if amp >= 0.5 - EPS else "results_chasing"
    else:
        state = "purpose_led" if amp >= 0.5 - EPS else "disengaged"
    return {"a": a, "p": p, "x": x, "q": q, "l": l_, "m": (mv, mr), "amp": (amp, ampr, parts),
            "r": r, "r_uncapped": r_uncapped, "state": state, "zone": zone,
            "elapsed": elapsed, "window": (t0, t1),
            "counts": {"events": n, "active": len(active), "contributions": len(contrib),
                       "free_choice": sum(e["initiative"] == "self" and not e["rewarded"]
                                          and e.get("campaign") is None for e in active)}}


def same_share(got, want):
    assert got["numerator"] == want["numerator"] and got["denominator"] == want["denominator"], (
        got, want)
    assert approx(got["value"], want["value"]) and got.get("reason") == want.get("reason"), (
        got, want)


def assert_matches(doc, ref):
    assert doc["timezone"] == ref["zone"]
    # Answers print numbers to 10 significant digits.
    assert abs(doc["window"]["days"] - ref["elapsed"]) < 1e-8, (doc["window"], ref["elapsed"])
    assert [dt.datetime.fromisoformat(doc["window"][k]) for k in ("from", "to")] == list(
        ref["window"])
    assert doc["counts"] == ref["counts"]
    for key, name in (("a", "autonomy"), ("p", "purpose"), ("x", "extrinsic_pressure")):
        same_share(doc[name], ref[key])
    same_share(doc["mastery"]["quality_growth"], ref["q"])
    same_share(doc["mastery"]["ladder_climb"], ref["l"])
    assert approx(doc["mastery"]["value"], ref["m"][0])
    assert doc["mastery"].get("reason") == ref["m"][1]
    amp, reason, parts = ref["amp"]
    assert approx(doc["amp"]["value"], amp) and doc["amp"].get("reason") == reason
    assert doc["amp"]["parts"] == parts
    assert approx(doc["results"]["value"], ref["r"])
    assert approx(doc["results"]["value_uncapped"], ref["r_uncapped"])
    assert doc["state"] == ref["state"]
    assert doc["state_explanation"]


def assert_channels(api, events):
    """GET /v1/channels against the events stored: count, first, last."""
    want = {}
    for e in events:
        at_ = e["occurred_at"][:-1] + ".000000Z"
        n, lo, hi = want.get(e["channel"], (0, at_, at_))
        want[e["channel"]] = (n + 1, min(lo, at_), max(hi, at_))
    r = api.get("/v1/channels")
    assert r.status_code == 200, r.text
    assert r.json() == {"next_cursor": None, "data": [
        {"channel": c, "events": n, "first_event_at": lo, "last_event_at": hi}
        for c, (n, lo, hi) in sorted(want.items())]}


# Pairs 0.05 apart, to land on the quality-growth threshold.
QUALITIES = [0.25, 0.3, 0.35, 0.5, 0.55, 0.6]

event_strategy = st.fixed_dictionaries(
    {"member": st.sampled_from(MEMBERS), "channel": st.sampled_from(CHANNELS),
     "kind": st.sampled_from(sorted(DEPTH)), "day": st.integers(0, SPAN - 1),
     "hour": st.integers(0, 23)},
    optional={"initiative": st.sampled_from(["self", "prompted", "incentivized"]),
              "rewarded": st.booleans(),
              "beneficiary": st.sampled_from(["self", "others", "community"]),
              "quality": st.sampled_from(QUALITIES), "level": st.integers(1, 5),
              "campaign": st.sampled_from(sorted(CAMPAIGNS))})

# A batch of new events plus resends of ids sent before (each resend
# carrying new content, which must not replace a stored event).
ingest_strategy = st.tuples(
    st.just("ingest"), st.lists(event_strategy, min_size=3, max_size=25),
    st.lists(st.tuples(st.integers(0, 10 ** 6), event_strategy), max_size=4))
step_strategy = st.one_of(
    ingest_strategy, st.tuples(st.just("erase"), st.sampled_from(MEMBERS + ["ghost"])),
    st.tuples(st.just("zone"), st.sampled_from(ZONES)))

view_strategy = st.tuples(st.integers(0, SPAN - 1), st.integers(1, SPAN),
                          st.sampled_from([None] + CHANNELS),
                          st.sampled_from([None] + sorted(CAMPAIGNS)))


def payload(eid, e, start):
    day = start + dt.timedelta(days=e["day"])
    out = {k: v for k, v in e.items() if k not in ("day", "hour")}
    out.update(id=eid, action="act", occurred_at=f"{day.isoformat()}T{e['hour']:02d}:17:00Z")
    return out


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(first=ingest_strategy, steps=st.lists(step_strategy, min_size=1, max_size=5),
       view=view_strategy, start_day=st.sampled_from(STARTS), zone=st.sampled_from(ZONES),
       kpi=st.one_of(st.none(), st.tuples(st.sampled_from(sorted(PERIOD_DAYS)),
                                          st.sampled_from(["higher", "lower"]),
                                          st.lists(st.tuples(st.integers(0, 20),
                                                             st.integers(-2, SPAN + 1)),
                                                   max_size=3))))
def test_property_rollups_and_indicators_match_a_reference(service, spec, db, first, steps,
                                                            view, start_day, zone, kpi):
    """Any mix of batches, resends, erasures and changes of the org's time
    zone keeps the rollups exact, and the indicators of any window equal
    the reference's over the org's local days."""
    START = start_day
    org = "p-" + uuid.uuid4().hex[:12]
    api = Client(service.url, spec, make_token(org=org))
    if zone != "UTC":
        assert api.put("/v1/settings", json={"timezone": zone}).json()["timezone"] == zone
    for cid, incentive in CAMPAIGNS.items():
        put_campaign(api, cid, incentive)
    kpis = None
    if kpi is not None:
        period, direction, obs = kpi
        put_kpi(api, "k", 10, period, direction)
        values = [(v, dt.datetime.combine(START + dt.timedelta(days=d), dt.time(6),
                                          tzinfo=dt.timezone.utc)) for v, d in obs]
        if values:
            post_results(api, *[(f"r{i}", "k", v, t.isoformat().replace("+00:00", "Z"))
                                for i, (v, t) in enumerate(values)])
        kpis = [(10, period, direction, values)]

    stored, sent, fresh = {}, [], 0
    start, length, channel, campaign = view
    length = min(length, SPAN - start)
    for step in [first] + steps:
        if step[0] == "ingest":
            _, new, resends = step
            batch, ids = [], set()
            for index, e in resends:
                if sent and sent[index % len(sent)] not in ids:
                    eid = sent[index % len(sent)]
                    ids.add(eid)
                    batch.append(payload(eid, e, START))
            for e in new:
                fresh += 1
                sent.append(f"x{fresh}")
                batch.append(payload(f"x{fresh}", e, START))
            accepted = 0
            for item in batch:
                if item["id"] not in stored:
                    stored[item["id"]] = resolve(item)
                    accepted += 1
            r = api.post("/v1/events", json={"events": batch})
            assert r.status_code == 200, r.text
            assert r.json() == {"accepted": accepted, "duplicates": len(batch) - accepted}
        elif step[0] == "zone":
            zone = step[1]
            r = api.put("/v1/settings", json={"timezone": zone})
            assert r.status_code == 200 and r.json()["timezone"] == zone, r.text
        else:
            member = step[1]
            assert api.delete(f"/v1/members/{member}").status_code == 204
            stored = {k: v for k, v in stored.items() if v["member"] != member}
            assert api.get(f"/v1/members/{member}").status_code == 404
        rollups_consistent(db, org)
        events = list(stored.values())
        assert_channels(api, events)
        doc = indicators(api, **{"from": START.isoformat(),
                                 "to": (START + dt.timedelta(days=SPAN - 1)).isoformat()})
        assert_matches(doc, reference(events, START, SPAN, kpis=kpis, zone=zone))
        f = START + dt.timedelta(days=start)
        doc = indicators(api, channel=channel, campaign=campaign,
                         **{"from": f.isoformat(),
                            "to": (f + dt.timedelta(days=length - 1)).isoformat()})
        assert_matches(doc, reference(events, f, length, channel, campaign, kpis, zone))
