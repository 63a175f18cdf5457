"""Builders and checks shared by the indicator and member tests."""
import datetime as dt

import helpers as h
import math
from urllib.parse import quote, urlencode


def at(day, hour=12, minute=0):
    """`day` is 'YYYY-MM-DD'; an RFC 3339 instant on it (UTC)."""
    return f"{day}T{hour:02d}:{minute:02d}:00Z"


def days_after(day, n):
    return (dt.date.fromisoformat(day) + dt.timedelta(days=n)).isoformat()


class Ev:
    """Numbers event ids per test, so fixtures read as data."""

    def __init__(self, prefix="e"):
        self.prefix = prefix
        self.n = 0

    def __call__(self, member, day, kind="react", channel="forum", hour=12, **extra):
        self.n += 1
        e = {"id": f"{self.prefix}{self.n}", "member": member, "channel": channel,
             "action": "act", "kind": kind, "occurred_at": at(day, hour)}
        e.update(extra)
        return e


def store_events(api, events):
    """Stores any number of events, in batches of the API's largest size."""
    for i in range(0, len(events), 1000):
        r = h.post_events(api, events[i:i + 1000])
        assert r.status_code == 200, r.text
    return r.json()


def put_kpi(api, metric, target=None, period=None, direction="higher", unit=None):
    body = {"name": metric, "direction": direction}
    if unit is not None:
        body["unit"] = unit
    if target is not None:
        body.update(target=target, period=period)
    r = api.put(f"/v1/kpis/{metric}", json=body)
    assert r.status_code in (200, 201), r.text


def post_results(api, *items):
    """items: (id, metric, value, observed_at)."""
    r = api.post("/v1/results", json={"results": [
        {"id": i, "metric": m, "value": v, "observed_at": t} for i, m, v, t in items]})
    assert r.status_code == 200, r.text


def put_campaign(api, cid, incentive="points", starts="2024-01-01T00:00:00Z"):
    r = api.put(f"/v1/campaigns/{cid}", json={"name": cid, "incentive": incentive,
                                              "starts_at": starts})
    assert r.status_code in (200, 201), r.text


def query(path, **params):
    params = {k: v for k, v in params.items() if v is not None}
    return path + ("?" + urlencode(params) if params else "")


def indicators(api, **params):
    r = api.get(query("/v1/indicators", **params))
    assert r.status_code == 200, r.text
    return r.json()


def series(api, **params):
    r = api.get(query("/v1/indicators/series", **params))
    assert r.status_code == 200, r.text
    return r.json()


def member_path(member):
    return "/v1/members/" + quote(member, safe="")


def approx(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def share(doc, value, num, den, reason=None):
    """doc is {value, reason?, numerator, denominator} as hand-computed."""
    assert doc["numerator"] == num, doc
    assert doc["denominator"] == den, doc
    if value is None:
        assert doc["value"] is None and doc["reason"] == reason, doc
    else:
        assert "reason" not in doc, doc
        assert approx(doc["value"], value), doc


def null(doc, reason):
    assert doc["value"] is None, doc
    assert doc["reason"] == reason, doc


def rollups_consistent(db, org):
    with db.cursor() as cur:
        cur.execute("SELECT amp.check_rollups(%s)", (org,))
        report = cur.fetchone()[0]
    assert report["consistent"], report
    return report
