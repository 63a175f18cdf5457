"""Evidence: campaign impact (crowding-out) and beliefs, end to end.

The impact tests simulate communities with a known truth. A member's
outcome U is free-choice events per day in a window. Each member has a
personal base rate lambda ~ Gamma(shape 2, mean MU), and free-choice events
arrive as a Poisson process at that rate, so U in a window of L days has,
across members, variance Var(lambda) + MU / L (a mixed Poisson): SIGMA
below, the population value of the pooled pre-window sd the service
standardizes by. After the campaign the exposed members' rates are
multiplied by 1 + effect * SIGMA / MU, so the expected difference in
differences is exactly effect * SIGMA: a standardized effect of `effect`.
The comparison group keeps its rates. Every member also has one prompted
(not free-choice) active event before the campaign, so nobody drops out
of the comparison group for having had no free-choice event by chance.

Every generator is seeded, and the simulations run in orgs with fixed
names (the bootstrap is seeded from org and campaign): the data and the
service's answers are the same on every run.
"""
import datetime as dt
import itertools
import math
import random

import pytest

import helpers as h
from helpers import iso, now

DAY = dt.timedelta(days=1)
L = 28                       # days of the pre and post windows
MU = 0.25                    # mean free-choice events per member-day
SHAPE = 2.0                  # Gamma shape of the base rates: sd MU / sqrt(2)
SIGMA = math.sqrt(MU ** 2 / SHAPE + MU / L)


def today():
    """The start of the current UTC day."""
    return now().replace(hour=0, minute=0, second=0, microsecond=0)


def day_ts(t):
    return t.strftime("%Y-%m-%dT00:00:00Z")


EVENT_IDS = itertools.count()


class Batch:
    """Events collected, then sent in batches of at most 1000."""

    def __init__(self, client):
        self.client = client
        self.events = []

    def add(self, member, at, kind="create", channel="forum", **extra):
        e = {"id": f"e{next(EVENT_IDS)}", "member": member, "channel": channel,
             "action": "post", "kind": kind, "occurred_at": iso(at)}
        e.update(extra)
        self.events.append(e)

    def send(self):
        for i in range(0, len(self.events), 1000):
            chunk = self.events[i:i + 1000]
            r = self.client.post("/v1/events", json={"events": chunk})
            assert r.status_code == 200, r.text
            assert r.json()["accepted"] == len(chunk)
        self.events = []


def put_campaign(client, cid, starts_at, ends_at, incentive="points", contingency="engagement"):
    body = {"name": f"campaign {cid}", "incentive": incentive, "contingency": contingency,
            "starts_at": iso(starts_at), "ends_at": iso(ends_at) if ends_at else None}
    r = client.put(f"/v1/campaigns/{cid}", json=body)
    assert r.status_code in (200, 201), r.text
    return r.json()


def poisson_times(rng, rate, start, days):
    """Arrival times of a Poisson process of `rate` per day on [start, start + days)."""
    out, t = [], 0.0
    if rate <= 0:
        return out
    while True:
        t += rng.expovariate(rate)
        if t >= days:
            return out
        out.append(start + dt.timedelta(days=t))


def community(client, seed, n_exposed, n_comparison, effect, incentive="points",
              contingency="engagement", attributed_rate=0.05, busy=False, cid="camp"):
    """A 4-week campaign that ended 6 weeks ago (so its 4-week post window
    ended 2 weeks ago), with the truth described in the module docstring.
    `busy` adds what a real campaign has but the analysis does not read:
    free-choice events during the campaign, and a higher rate of
    attributed ones (for the lift)."""
    rng = random.Random(seed)
    s = today() - 70 * DAY
    e = s + 28 * DAY
    put_campaign(client, cid, s, e, incentive, contingency)
    b = Batch(client)
    factor = 1 + effect * SIGMA / MU
    assert factor > 0
    for i in range(n_exposed + n_comparison):
        exposed = i < n_exposed
        m = f"{'x' if exposed else 'c'}{i:04d}"
        lam = rng.gammavariate(SHAPE, MU / SHAPE)
        for t in poisson_times(rng, lam, s - L * DAY, L):
            b.add(m, t)
        b.add(m, s - L * DAY + rng.random() * L * DAY, kind="react", initiative="prompted")
        for t in poisson_times(rng, lam * factor if exposed else lam, e, L):
            b.add(m, t)
        if busy:
            for t in poisson_times(rng, lam * factor if exposed else lam, s, 28):
                b.add(m, t)
        if exposed:
            times = poisson_times(rng, attributed_rate, s, 28) or [s + rng.random() * 28 * DAY]
            for t in times:
                b.add(m, t, kind="contribute", campaign=cid)
        if len(b.events) >= 1000:
            b.send()
    b.send()
    return s, e


def impact(client, cid="camp", query=""):
    r = client.get(f"/v1/campaigns/{cid}/impact{query}")
    assert r.status_code == 200, r.text
    return r


def small_groups(client, n_exposed, n_comparison, cid="camp", s=None, e=..., shift=-0.1,
                 post=True):
    """A few members with hand-placed events: exposed members have one
    attributed event, every member a free-choice rate of 0.1-0.5 a day
    before; exposed members change it by `shift` after (events after the
    campaign only with `post`). `e` None: an open-ended campaign."""
    s = s or today() - 70 * DAY
    e = s + 28 * DAY if e is ... else e
    put_campaign(client, cid, s, e)
    b = Batch(client)
    for i in range(n_exposed + n_comparison):
        exposed = i < n_exposed
        m = f"{'x' if exposed else 'c'}{i:03d}"
        rate = 0.1 * (1 + i % 5)
        rate_after = rate + shift if exposed else rate
        for k in range(round(rate * L)):
            b.add(m, s - (k + 0.5) * DAY)
        if post:
            for k in range(round(rate_after * L)):
                b.add(m, e + (k + 0.5) * DAY)
        if exposed:
            b.add(m, s + 0.5 * DAY, campaign=cid)
    b.send()
    return s, e


# Campaign impact: the simulations ----------------------------------------

def test_crowding_out_is_found_and_the_interval_covers_the_true_effect(api):
    """Engagement-contingent points lower the exposed members' free choice
    by 0.4 pre-window sd after the campaign (the size seen for such rewards
    in the lab); the comparison group is unchanged."""
    api = api.as_org("evidence-sim-crowding-out")
    s, e = community(api, seed=20261125, n_exposed=150, n_comparison=150, effect=-0.40,
                     attributed_rate=0.4, busy=True)
    r = impact(api)
    d = r.json()
    assert d["verdict"] == "crowding_out", d
    eff = d["effect"]
    assert eff["standardized_available"] is True
    assert eff["interval"]["scale"] == "standardized"
    assert eff["interval"]["resamples"] == 2000 and eff["interval"]["level"] == 0.95
    assert eff["interval"]["low"] <= -0.40 <= eff["interval"]["high"], eff
    assert eff["interval"]["high"] < 0
    assert eff["interval"]["low"] <= eff["standardized"] <= eff["interval"]["high"]
    assert eff["standardized"] == pytest.approx(eff["raw"] / eff["sd_pre"])
    # The sd the effect is measured in is the one the simulation built in.
    assert eff["sd_pre"] == pytest.approx(SIGMA, rel=0.15)
    g = d["groups"]
    assert g["exposed"]["members"] == 150 and g["comparison"]["members"] == 150
    assert eff["raw"] == pytest.approx(
        (g["exposed"]["post"]["mean"] - g["exposed"]["pre"]["mean"])
        - (g["comparison"]["post"]["mean"] - g["comparison"]["pre"]["mean"]), abs=1e-9)
    assert d["window_days"] == 28 and d["post_complete"] is True
    assert d["windows"] == {
        "pre": {"from": day_ts(s - 28 * DAY), "to": day_ts(s)},
        "during": {"from": day_ts(s), "to": day_ts(e), "days": 28},
        "post": {"from": day_ts(e), "to": day_ts(e + 28 * DAY)}}
    assert d["campaign"]["id"] == "camp" and d["campaign"]["incentive"] == "points"
    # The campaign bought volume: more activity during it, much of it paid.
    assert d["lift"]["value"] > 0.5
    assert d["lift"]["value"] == pytest.approx(
        d["lift"]["exposed_active_per_member_day_during"]
        / d["lift"]["exposed_active_per_member_day_pre"] - 1)
    share = d["incentivized_share"]
    assert 0.3 < share["value"] < 0.9
    assert share["value"] == pytest.approx(share["incentivized"] / share["active"])
    assert d["reference"]["tangible_engagement_contingent"] == -0.4
    assert "crowded out" in d["explanation"] and "standard deviations less" in d["explanation"]
    # The same data give the same answer, byte for byte.
    assert impact(api).content == r.content


def test_no_effect_is_not_crowding_out_in_at_least_19_of_20_seeds(api):
    verdicts, covered = [], 0
    for seed in range(20):
        client = api.as_org(f"evidence-sim-null-{seed}")
        community(client, seed=seed, n_exposed=100, n_comparison=100, effect=0.0)
        d = impact(client).json()
        assert d["groups"]["exposed"]["members"] == 100
        assert d["groups"]["comparison"]["members"] == 100
        verdicts.append(d["verdict"])
        covered += d["effect"]["interval"]["low"] <= 0 <= d["effect"]["interval"]["high"]
    assert set(verdicts) <= {"inconclusive", "crowding_in", "crowding_out"}, verdicts
    assert verdicts.count("crowding_out") <= 1, verdicts
    # And the 95% interval is about as often right as it claims.
    assert covered >= 17, verdicts


def test_praise_crowding_in_is_found_at_a_large_sample(api):
    """Verbal praise raises free choice by 0.33 sd (Deci, Koestner & Ryan
    1999); with 300 members a group the interval excludes 0."""
    api = api.as_org("evidence-sim-crowding-in")
    community(api, seed=7, n_exposed=300, n_comparison=300, effect=0.33,
              incentive="recognition", contingency="none")
    d = impact(api).json()
    assert d["verdict"] == "crowding_in", d
    assert d["effect"]["interval"]["low"] > 0
    assert d["effect"]["interval"]["low"] <= 0.33 <= d["effect"]["interval"]["high"]
    assert "more than comparable members" in d["explanation"]
    # Recognition is neither incentivized nor rewarded.
    assert d["incentivized_share"]["value"] == 0


# Campaign impact: verdict rules and edges ----------------------------------

def test_pending_while_the_campaign_runs_or_has_no_end(api):
    # Running: started 10 days ago, ends in 10 days.
    s = today() - 10 * DAY
    small_groups(api, 6, 6, cid="running", s=s, e=now() + 10 * DAY, post=False)
    d = impact(api, "running").json()
    assert d["post_complete"] is False
    assert d["verdict"] == "pending"
    assert d["groups"]["exposed"]["members"] == 6
    assert d["explanation"].startswith("Wait")

    # Open-ended: during runs to today, windows of 10 days, never complete.
    put_campaign(api, "running", s, None)
    d = impact(api, "running").json()
    assert d["campaign"]["ends_at"] is None
    assert d["windows"]["during"] == {"from": day_ts(s), "to": day_ts(today()), "days": 10}
    assert d["window_days"] == 10
    assert d["post_complete"] is False and d["verdict"] == "pending"

    # Ended 5 days ago: its 28-day post window is not over.
    s2 = today() - 33 * DAY
    small_groups(api, 6, 6, cid="recent", s=s2, post=False)
    d = impact(api, "recent").json()
    assert d["windows"]["post"]["to"] == day_ts(today() + 23 * DAY)
    assert d["post_complete"] is False and d["verdict"] == "pending"
    # A shorter window that has ended can be judged.
    d = impact(api, "recent", "?window_days=5").json()
    assert d["post_complete"] is True and d["verdict"] != "pending"


def test_insufficient_data_with_fewer_than_5_members_in_a_group(api):
    small_groups(api, 4, 10, cid="few-exposed", shift=-0.1)
    d = impact(api, "few-exposed").json()
    assert d["groups"]["exposed"]["members"] == 4
    assert d["groups"]["comparison"]["members"] == 10
    assert d["verdict"] == "insufficient_data"
    assert "at least 5" in d["explanation"]
    # The figures are still shown.
    assert d["effect"]["raw"] is not None


def test_five_members_a_group_are_enough(api):
    small_groups(api, 5, 5, cid="five", shift=-0.1)
    d = impact(api, "five").json()
    assert d["groups"]["exposed"]["members"] == 5
    assert d["verdict"] == "crowding_out"
    assert d["effect"]["raw"] == pytest.approx(-0.1, abs=1e-9)


def test_comparison_needs_activity_before_and_no_attribution(api):
    s, e = small_groups(api, 5, 5, cid="camp")
    b = Batch(api)
    b.add("late", e + 2 * DAY)                          # not active before: neither group
    b.add("passive", s - 3 * DAY, kind="consume")        # consume is not active
    b.add("after", s - 3 * DAY)                         # active before, attributed after it
    b.add("after", e + 3 * DAY, campaign="camp")
    b.send()
    d = impact(api).json()
    assert d["groups"]["exposed"]["members"] == 5
    assert d["groups"]["comparison"]["members"] == 5


def test_sd_pre_zero_gives_the_raw_scale(api):
    """Nobody chose to engage before (only prompted activity): no sd to
    standardize by; the effect and its interval are raw rates."""
    s = today() - 70 * DAY
    e = s + 28 * DAY
    put_campaign(api, "camp", s, e)
    b = Batch(api)
    for i in range(12):
        m = f"m{i}"
        b.add(m, s - 5 * DAY, kind="react", initiative="prompted")
        if i < 6:
            b.add(m, s + DAY, campaign="camp")
        else:
            for k in range(1 + i % 3):
                b.add(m, e + (k + 1) * DAY)
    b.send()
    d = impact(api).json()
    eff = d["effect"]
    assert eff["sd_pre"] == 0
    assert eff["standardized"] is None and eff["standardized_available"] is False
    assert eff["interval"]["scale"] == "raw"
    assert eff["raw"] == pytest.approx(-(12 / 6) / 28)
    assert eff["interval"]["high"] < 0
    assert d["verdict"] == "crowding_out"
    assert "free-choice events per member-day less" in d["explanation"]
    assert "nan" not in d["explanation"]


def test_default_window_is_the_campaign_length_up_to_28_days(api):
    s = today() - 200 * DAY
    put_campaign(api, "short", s, s + 10 * DAY - dt.timedelta(hours=1))
    d = impact(api, "short").json()
    assert d["window_days"] == 10
    assert d["windows"]["during"]["days"] == 10
    assert d["windows"]["pre"]["from"] == day_ts(s - 10 * DAY)
    put_campaign(api, "long", s, s + 60 * DAY)
    d = impact(api, "long").json()
    assert d["window_days"] == 28
    assert d["windows"]["post"] == {"from": day_ts(s + 60 * DAY), "to": day_ts(s + 88 * DAY)}
    d = impact(api, "long", "?window_days=180").json()
    assert d["window_days"] == 180
    assert d["windows"]["pre"]["from"] == day_ts(s - 180 * DAY)
    # A campaign with no member is not judged; nothing is made up.
    assert d["verdict"] == "insufficient_data"
    assert d["groups"]["exposed"] == {"members": 0, "pre": {"mean": None, "sd": None},
                                      "post": {"mean": None, "sd": None}}
    assert d["effect"]["raw"] is None and d["lift"]["value"] is None
    assert d["incentivized_share"] == {"value": None, "incentivized": 0, "active": 0}


@pytest.mark.parametrize("value", ["0", "181", "abc", "-1", "1.5", "", "1000"])
def test_window_days_must_be_1_to_180(api, value):
    put_campaign(api, "camp", today() - 70 * DAY, today() - 42 * DAY)
    r = api.get(f"/v1/campaigns/camp/impact?window_days={value}")
    assert r.status_code == 400
    assert [x["parameter"] for x in r.json()["errors"]] == ["window_days"]


def test_impact_unknown_parameter_and_bad_id_are_400(api):
    put_campaign(api, "camp", today() - 70 * DAY, today() - 42 * DAY)
    r = api.get("/v1/campaigns/camp/impact?window=7")
    assert r.status_code == 400
    assert r.json()["errors"][0]["parameter"] == "window"
    r = api.get("/v1/campaigns/bad%20id/impact")
    assert r.status_code == 400
    assert r.json()["errors"][0]["parameter"] == "id"


def test_impact_of_an_unknown_or_another_orgs_campaign_is_404(api, org):
    r = api.get("/v1/campaigns/nope/impact")
    assert r.status_code == 404
    other = api.as_org(org + "-other")
    put_campaign(other, "theirs", today() - 70 * DAY, today() - 42 * DAY)
    assert impact(other, "theirs").json()["campaign"]["id"] == "theirs"
    r = api.get("/v1/campaigns/theirs/impact")
    assert r.status_code == 404


def test_impact_sees_only_its_own_orgs_members(api, org):
    small_groups(api, 5, 6, cid="camp")
    other = api.as_org(org + "-other")
    small_groups(other, 9, 7, cid="camp")
    d = impact(api).json()
    assert (d["groups"]["exposed"]["members"], d["groups"]["comparison"]["members"]) == (5, 6)
    d = impact(other).json()
    assert (d["groups"]["exposed"]["members"], d["groups"]["comparison"]["members"]) == (9, 7)


def test_impact_needs_indicators_read(api, anon, org):
    put_campaign(api, "camp", today() - 70 * DAY, today() - 42 * DAY)
    assert anon.get("/v1/campaigns/camp/impact").status_code == 401
    r = api.as_org(org, scopes="events:read events:write").get("/v1/campaigns/camp/impact")
    assert r.status_code == 403
    r = api.as_org(org, scopes="indicators:read").get("/v1/campaigns/camp/impact")
    assert r.status_code == 200
    r = api.post("/v1/campaigns/camp/impact", json={})
    assert r.status_code == 405
    assert h.allowed(r) == h.allows("GET")


# Beliefs -------------------------------------------------------------------

def daily(batch, counts, channel="forum", **extra):
    """counts: {day offset from today: free-choice events that day}."""
    for offset, k in counts.items():
        start = today() + offset * DAY
        for j in range(k):
            # Spread over the day; today's stay in the past.
            at = start + dt.timedelta(seconds=1 + j) if offset == 0 else \
                start + dt.timedelta(minutes=7 + 37 * j)
            batch.add(f"m{j % 7}", at, channel=channel, **extra)


def believe(client, status=201, **body):
    body.setdefault("statement", "We think it changed.")
    body.setdefault("indicator", "free_choice_rate")
    body.setdefault("expect", "increase")
    r = client.post("/v1/beliefs", json=body)
    assert r.status_code == status, r.text
    return r.json()


def step_series(client, seed, before, after, days=14):
    """Free-choice events a day: `before` +- 2 for `days` days up to
    `days` days ago, then `after` +- 2 up to yesterday."""
    rng = random.Random(seed)
    b = Batch(client)
    daily(b, {-d: rng.randint(before - 2, before + 2) for d in range(days + 1, 2 * days + 1)})
    daily(b, {-d: rng.randint(after - 2, after + 2) for d in range(1, days + 1)})
    b.send()
    return today() - days * DAY


def test_belief_step_up_is_supported_for_increase_and_contradicted_for_decrease(api):
    at = step_series(api, seed=1, before=5, after=15)
    up = believe(api, at=iso(at + 9 * dt.timedelta(hours=1)), window_days=14,
                 statement="The new onboarding makes people help on their own.")
    ev = up["evaluation"]
    assert ev["verdict"] == "supported", ev
    assert ev["before"]["days"] == 14 and ev["after"]["days"] == 14
    assert ev["before"]["mean"] == pytest.approx(5, abs=1.5)
    assert ev["after"]["mean"] == pytest.approx(15, abs=1.5)
    assert ev["difference"] == pytest.approx(ev["after"]["mean"] - ev["before"]["mean"])
    assert ev["interval"]["low"] > 0 and ev["p"] < 0.001 and ev["t"] > 0
    assert ev["hedges_g"] > 2
    assert up["change_point"] == day_ts(at)
    assert up["at"] == iso(at + 9 * dt.timedelta(hours=1))
    assert up["campaign"] is None and up["channel"] is None and up["window_days"] == 14
    assert up["id"].startswith("b-")

    down = believe(api, at=iso(at), window_days=14, expect="decrease")
    assert down["evaluation"]["verdict"] == "contradicted"
    assert down["evaluation"]["p"] == up["evaluation"]["p"]

    # Read back: the same belief, evaluated the same way.
    r = api.get(f"/v1/beliefs/{up['id']}")
    assert r.status_code == 200
    assert r.json() == up


def test_belief_flat_noisy_series_is_inconclusive(api):
    at = step_series(api, seed=3, before=10, after=10)
    ev = believe(api, at=iso(at), window_days=14)["evaluation"]
    assert ev["before"]["days"] == 14 and ev["after"]["days"] == 14
    assert ev["p"] >= 0.05
    assert ev["interval"]["low"] < 0 < ev["interval"]["high"]
    assert ev["verdict"] == "inconclusive"
    ev = believe(api, at=iso(at), window_days=14, expect="decrease")["evaluation"]
    assert ev["verdict"] == "inconclusive"


def test_belief_with_fewer_than_3_days_on_a_side_is_insufficient(api):
    step_series(api, seed=5, before=5, after=15)
    # Change point tomorrow: no day after it has happened yet.
    ev = believe(api, at=iso(today() + DAY + dt.timedelta(hours=3)))["evaluation"]
    assert ev["after"] == {"days": 0, "mean": None, "sd": None}
    assert ev["before"]["days"] == 27            # the 28th is today, not over yet
    assert ev["verdict"] == "insufficient_data"
    assert ev["difference"] is None and ev["t"] is None and ev["p"] is None
    # Two days after it: still too few.
    ev = believe(api, at=iso(today() - 2 * DAY))["evaluation"]
    assert ev["after"]["days"] == 2
    assert ev["verdict"] == "insufficient_data"
    # Three are enough to judge.
    ev = believe(api, at=iso(today() - 3 * DAY))["evaluation"]
    assert ev["after"]["days"] == 3
    assert ev["verdict"] != "insufficient_data"
    # A window without any data is no data, not a rate of 0.
    for indicator in ("free_choice_rate", "autonomy", "mastery"):
        ev = believe(api, at=iso(today() - 200 * DAY), indicator=indicator)["evaluation"]
        assert ev["before"]["days"] == 0 and ev["after"]["days"] == 0, indicator
        assert ev["verdict"] == "insufficient_data"


def test_belief_leaves_out_today_and_days_without_events(api):
    b = Batch(api)
    daily(b, {-6: 4, -5: 5, -4: 4, -3: 9, -2: 8, -1: 10, 0: 1})
    b.send()
    ev = believe(api, at=iso(today() - 3 * DAY), window_days=5)["evaluation"]
    # Before: days -8..-4, of which -8 and -7 have no event at all.
    assert ev["before"] == {"days": 3, "mean": pytest.approx(13 / 3), "sd": pytest.approx(
        math.sqrt(((4 - 13 / 3) ** 2 * 2 + (5 - 13 / 3) ** 2) / 2))}
    # After: days -3..-1; today's partial day is not one of them.
    assert ev["after"]["days"] == 3 and ev["after"]["mean"] == pytest.approx(9)
    assert ev["verdict"] == "supported"


def test_belief_on_a_campaign_uses_its_start(api):
    start = today() - 14 * DAY + dt.timedelta(hours=15)
    put_campaign(api, "mentors", start, start + 7 * DAY, incentive="recognition",
                 contingency="none")
    step_series(api, seed=9, before=4, after=12)
    bel = believe(api, campaign="mentors", window_days=14, channel="forum")
    assert bel["at"] is None and bel["campaign"] == "mentors" and bel["channel"] == "forum"
    assert bel["change_point"] == day_ts(today() - 14 * DAY)
    assert bel["evaluation"]["verdict"] == "supported"
    # The campaign moved later: so did the belief's change point.
    put = api.put("/v1/campaigns/mentors", json={
        "name": "m", "incentive": "recognition", "starts_at": iso(start + 7 * DAY)})
    assert put.status_code == 200
    again = api.get(f"/v1/beliefs/{bel['id']}").json()
    assert again["change_point"] == day_ts(today() - 7 * DAY)
    assert again["evaluation"]["after"]["days"] == 7


def test_belief_channel_counts_only_that_channel(api):
    rng = random.Random(11)
    b = Batch(api)
    daily(b, {-d: rng.randint(4, 6) for d in range(1, 21)}, channel="forum")
    daily(b, {-d: rng.randint(14, 16) for d in range(1, 11)}, channel="slack")
    b.send()
    at = iso(today() - 10 * DAY)
    assert believe(api, at=at, window_days=10)["evaluation"]["verdict"] == "supported"
    forum = believe(api, at=at, window_days=10, channel="forum")["evaluation"]
    assert forum["verdict"] == "inconclusive"
    slack = believe(api, at=at, window_days=10, channel="slack")["evaluation"]
    assert slack["before"]["days"] == 0 and slack["verdict"] == "insufficient_data"


def test_belief_every_indicator_has_a_daily_value(api):
    r = api.put("/v1/kpis/signups", json={"name": "Sign-ups", "target": 10, "period": "day"})
    assert r.status_code == 201
    rng = random.Random(13)
    b = Batch(api)
    results = []
    for d in range(1, 31):
        day = today() - d * DAY
        for j in range(6):
            b.add(f"m{j}", day + dt.timedelta(hours=1 + 3 * j), kind=rng.choice(
                ["react", "create", "contribute", "consume"]),
                initiative=rng.choice(["self", "self", "prompted"]),
                beneficiary=rng.choice(["self", "community"]), quality=rng.random())
        results.append({"id": f"r{d}", "metric": "signups", "value": rng.randint(5, 15),
                        "observed_at": iso(day + 12 * dt.timedelta(hours=1))})
    b.send()
    r = api.post("/v1/results", json={"results": results})
    assert r.status_code == 200, r.text
    at = iso(today() - 15 * DAY)
    for indicator in ("autonomy", "mastery", "purpose", "amp", "extrinsic_pressure", "results",
                      "free_choice_rate"):
        ev = believe(api, at=at, window_days=15, indicator=indicator)["evaluation"]
        assert ev["before"]["days"] >= 3 and ev["after"]["days"] >= 3, (indicator, ev)
        assert ev["verdict"] in {"supported", "contradicted", "inconclusive"}, (indicator, ev)
    # Listing validates every one of them against the contract too.
    assert len(api.get("/v1/beliefs").json()["data"]) == 7


def test_a_kept_evaluation_is_answered_only_while_its_inputs_are_unchanged(api, org, db):
    """What a read evaluated is kept and answered again (a marker written
    into the kept answers shows through) until any input of the belief
    changes: then every belief answers what a new belief with the same
    terms answers, never the marker."""
    r = api.put("/v1/kpis/signups", json={"name": "Sign-ups", "target": 10, "period": "day"})
    assert r.status_code == 201
    rng = random.Random(17)
    b = Batch(api)
    for d in range(1, 41):
        for j in range(5):
            b.add(f"m{(d + j) % 9}", today() - d * DAY + dt.timedelta(hours=2 + 4 * j),
                  kind=rng.choice(["react", "create", "contribute", "consume"]),
                  initiative=rng.choice(["self", "prompted"]), quality=rng.random())
    b.send()
    results = [{"id": f"r{d}", "metric": "signups", "value": rng.randint(5, 15),
                "observed_at": iso(today() - d * DAY + 12 * dt.timedelta(hours=1))}
               for d in range(1, 41)]
    assert api.post("/v1/results", json={"results": results}).status_code == 200
    terms = [dict(statement="It changed.", indicator=i, at=iso(today() - 15 * DAY),
                  window_days=12, expect="increase")
             for i in ("mastery", "results", "free_choice_rate", "purpose")]
    ids = [believe(api, **t)["id"] for t in terms]

    def mark():
        with db.cursor() as cur:
            cur.execute("UPDATE amp.belief_memo SET doc = doc || '{\"statement\": \"kept\"}' "
                        "WHERE org_id = %s AND belief = ANY (%s)", (org, ids))
            return cur.rowcount

    def answers():
        page = {x["id"]: x for x in api.get("/v1/beliefs?limit=100").json()["data"]}
        return [page[i] for i in ids]

    def same_as_new(got):
        for t, a in zip(terms, got):
            new = believe(api, **t)
            assert a["statement"] == "It changed.", a
            assert a["evaluation"] == new["evaluation"], (t, a, new)
            assert a["change_point"] == new["change_point"] and a["timezone"] == new["timezone"]

    first = answers()
    same_as_new(first)
    assert [api.get(f"/v1/beliefs/{i}").json() for i in ids] == first
    assert mark() == len(ids)
    assert all(a["statement"] == "kept" for a in answers())

    def event(at, member="m1", **extra):
        b.add(member, at, **extra)
        r = api.post("/v1/events", json={"events": b.events})
        b.events = []
        return r

    changes = [
        ("an event on one of the days",
         lambda: event(today() - 20 * DAY + dt.timedelta(hours=5), kind="contribute",
                       quality=0.9)),
        ("a result on one of the days",
         lambda: api.post("/v1/results", json={"results": [
             {"id": "late", "metric": "signups", "value": 40,
              "observed_at": iso(today() - 5 * DAY)}]})),
        ("a KPI's target", lambda: api.put("/v1/kpis/signups", json={
            "name": "Sign-ups", "target": 20, "period": "day"})),
        ("the KPI's target back", lambda: api.put("/v1/kpis/signups", json={
            "name": "Sign-ups", "target": 10, "period": "day"})),
        ("the org's time zone", lambda: api.put("/v1/settings", json={
            "timezone": "America/Los_Angeles"})),
        ("a member erased", lambda: api.delete("/v1/members/m3")),
    ]
    for what, change in changes:
        assert change().status_code < 300, what
        got = answers()
        assert all(a["statement"] == "It changed." for a in got), what
        same_as_new(got)
        mark()
    # An event outside every belief's days changes nothing they answer.
    assert event(today() - 60 * DAY).status_code == 200
    assert all(a["statement"] == "kept" for a in answers())


VALID = {"statement": "It goes up.", "indicator": "autonomy", "at": "2026-01-01T00:00:00Z",
         "expect": "increase"}


@pytest.mark.parametrize("change, pointers", [
    ({"campaign": "camp"}, ["/campaign"]),
    ({"at": None}, ["/at"]),
    ({"indicator": "happiness"}, ["/indicator"]),
    ({"window_days": 2}, ["/window_days"]),
    ({"window_days": 181}, ["/window_days"]),
    ({"window_days": 28.5}, ["/window_days"]),
    ({"window_days": "28"}, ["/window_days"]),
    ({"statement": "x" * 501}, ["/statement"]),
    ({"statement": ""}, ["/statement"]),
    ({"statement": "two\nlines"}, ["/statement"]),
    ({"expect": "up"}, ["/expect"]),
    ({"at": "yesterday"}, ["/at"]),
    ({"channel": ""}, ["/channel"]),
    ({"colour": "blue"}, ["/colour"]),
])
def test_belief_validation_is_422_with_pointers(api, change, pointers):
    put_campaign(api, "camp", today() - 70 * DAY, today() - 42 * DAY)
    body = dict(VALID, **change)
    r = api.post("/v1/beliefs", json=body)
    assert r.status_code == 422, r.text
    assert [e["pointer"] for e in r.json()["errors"]] == pointers
    assert api.get("/v1/beliefs").json()["data"] == []


def test_belief_needs_at_or_campaign_and_the_required_fields(api):
    r = api.post("/v1/beliefs", json={"statement": "s", "indicator": "amp", "expect": "increase"})
    assert r.status_code == 422
    assert [e["pointer"] for e in r.json()["errors"]] == ["/at"]
    r = api.post("/v1/beliefs", json={"at": "2026-01-01T00:00:00Z"})
    assert r.status_code == 422
    assert sorted(e["pointer"] for e in r.json()["errors"]) == ["/expect", "/indicator",
                                                                 "/statement"]
    # A campaign the org does not have.
    body = {k: v for k, v in VALID.items() if k != "at"}
    r = api.post("/v1/beliefs", json=dict(body, campaign="nope"))
    assert r.status_code == 422
    assert [e["pointer"] for e in r.json()["errors"]] == ["/campaign"]
    assert api.get("/v1/beliefs").json()["data"] == []


def test_belief_limits_are_inclusive(api):
    bel = believe(api, **dict(VALID, statement="é" * 500, window_days=3))
    assert bel["statement"] == "é" * 500 and bel["window_days"] == 3
    assert believe(api, **dict(VALID, window_days=180))["window_days"] == 180
    assert believe(api, **VALID)["window_days"] == 28


def test_belief_body_must_be_json_and_at_most_1_mib(api):
    r = api.post("/v1/beliefs", data="{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = api.post("/v1/beliefs", data="statement=x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = api.post("/v1/beliefs", json=dict(VALID, statement="x" * (1024 * 1024)))
    assert r.status_code == 413
    assert api.get("/v1/beliefs").json()["data"] == []


def test_belief_of_another_org_or_unknown_is_404(api, org):
    bel = believe(api, **VALID)
    other = api.as_org(org + "-other")
    assert other.get(f"/v1/beliefs/{bel['id']}").status_code == 404
    assert api.get("/v1/beliefs/b-0123456789abcdef0123456789abcdef").status_code == 404
    assert api.get("/v1/beliefs/bad%20id").status_code == 400
    assert api.get(f"/v1/beliefs/{bel['id']}").status_code == 200


def test_belief_list_pages_by_id(api, org):
    ids = sorted(believe(api, **dict(VALID, statement=f"belief {i}"))["id"] for i in range(5))
    seen, cursor, pages = [], None, 0
    while True:
        r = api.get("/v1/beliefs?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200
        page = r.json()
        assert len(page["data"]) <= 2
        seen += [b["id"] for b in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids and pages == 3
    assert api.get("/v1/beliefs?cursor=not-a-cursor").status_code == 400
    assert api.get("/v1/beliefs?limit=0").status_code == 400
    assert api.get("/v1/beliefs?limit=501").status_code == 400
    # Another org sees none of them.
    assert api.as_org(org + "-other").get("/v1/beliefs").json() == {"data": [],
                                                                     "next_cursor": None}


def test_beliefs_are_judged_on_their_own_orgs_data(api, org):
    at = step_series(api, seed=17, before=5, after=15)
    other = api.as_org(org + "-other")
    mine = believe(api, at=iso(at), window_days=14)
    theirs = believe(other, at=iso(at), window_days=14)
    assert mine["evaluation"]["verdict"] == "supported"
    assert theirs["evaluation"]["verdict"] == "insufficient_data"
    assert theirs["evaluation"]["before"]["days"] == 0


def test_beliefs_need_indicators_read(api, anon, org):
    assert anon.get("/v1/beliefs").status_code == 401
    assert anon.post("/v1/beliefs", json=VALID).status_code == 401
    writer = api.as_org(org, scopes="events:write events:read")
    assert writer.get("/v1/beliefs").status_code == 403
    assert writer.post("/v1/beliefs", json=VALID).status_code == 403
    reader = api.as_org(org, scopes="indicators:read")
    bel = believe(reader, **VALID)
    assert reader.get(f"/v1/beliefs/{bel['id']}").status_code == 200
    r = api.delete(f"/v1/beliefs/{bel['id']}")
    assert r.status_code == 405 and h.allowed(r) == h.allows("GET")
    r = api.put("/v1/beliefs", json=VALID)
    assert r.status_code == 405 and h.allowed(r) == h.allows("GET", "POST")

