"""POST /v1/results: KPI observations under the same batch rules as events."""
import datetime as dt
import threading

import pytest

import helpers as h
from conftest import count
from helpers import now, result


@pytest.fixture
def kpis(api):
    assert api.put("/v1/kpis/signups", json=h.kpi("Sign-ups", target=120, period="month"))\
        .status_code == 201
    assert api.put("/v1/kpis/tickets", json=h.kpi("Tickets", direction="lower")).status_code == 201
    assert api.put("/v1/campaigns/spring", json=h.campaign()).status_code == 201
    return api


def post(api, results, **kw):
    return api.post("/v1/results", json={"results": results}, **kw)


def stored(db, org):
    with db.cursor() as cur:
        cur.execute("SELECT id, metric, value, observed_at, channel, campaign FROM amp.results "
                    "WHERE org_id = %s ORDER BY id", (org,))
        return {row[0]: row[1:] for row in cur.fetchall()}


def test_results_for_existing_metrics_are_accepted(kpis, db, org):
    batch = [result(1, value=7, channel="forum"),
             result(2, metric="tickets", value=3.5, campaign="spring",
                    at=dt.datetime(2026, 1, 1, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))),
             result(3, value=-2, observed_at="2026-01-01T00:00:00Z")]
    r = post(kpis, batch)
    assert r.status_code == 200
    assert r.json() == {"accepted": 3, "duplicates": 0}
    rows = stored(db, org)
    assert rows["r1"][:2] == ("signups", 7.0) and rows["r1"][3:] == ("forum", None)
    assert rows["r2"][:2] == ("tickets", 3.5) and rows["r2"][4] == "spring"
    assert rows["r2"][2] == dt.datetime(2026, 1, 1, 22, 0, tzinfo=dt.timezone.utc)


def test_unknown_metric_is_422_with_its_pointer(kpis, db, org):
    r = post(kpis, [result(0), result(1, metric="revenue"), result(2), result(3, metric="Signups")])
    assert h.pointers(r) == ["/results/1/metric", "/results/3/metric"]
    h.no_internals(r)
    assert count(db, "results", org) == 0


def test_unknown_campaign_is_422(kpis, db, org):
    r = post(kpis, [result(0, campaign="spring"), result(1, campaign="autumn")])
    assert h.pointers(r) == ["/results/1/campaign"]
    assert count(db, "results", org) == 0


def test_unknown_metric_and_campaign_are_both_listed(kpis, db, org):
    r = post(kpis, [result(0, metric="nope", campaign="nope")])
    assert sorted(h.pointers(r)) == ["/results/0/campaign", "/results/0/metric"]
    assert count(db, "results", org) == 0


def test_resending_results_counts_duplicates_and_keeps_the_first(kpis, db, org):
    batch = [result(i, value=i) for i in range(5)]
    assert post(kpis, batch).json() == {"accepted": 5, "duplicates": 0}
    assert post(kpis, batch).json() == {"accepted": 0, "duplicates": 5}
    changed = [result(4, value=99, metric="tickets"), result(5, value=5)]
    assert post(kpis, changed).json() == {"accepted": 1, "duplicates": 1}
    rows = stored(db, org)
    assert len(rows) == 6
    assert rows["r4"][:2] == ("signups", 4.0)


def test_concurrent_resends_of_results_store_them_once(kpis, db, org):
    batch = {"results": [result(i, value=i) for i in range(100)]}
    answers = []
    barrier = threading.Barrier(4)

    def send():
        client = kpis.as_org(org, scopes="events:write")
        barrier.wait(10)
        answers.append(client.post("/v1/results", json=batch).json())

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 4
    assert sum(a["accepted"] for a in answers) == 100
    assert count(db, "results", org) == 100


INVALID = {
    "unknown field": (result(0, unit="x"), ["/results/0/unit"]),
    "value missing": ({k: v for k, v in result(0).items() if k != "value"}, ["/results/0/value"]),
    "value a string": (result(0, value="7"), ["/results/0/value"]),
    "metric missing": ({k: v for k, v in result(0).items() if k != "metric"},
                       ["/results/0/metric"]),
    "observed_at ahead": (result(0, at=now() + dt.timedelta(minutes=10)),
                          ["/results/0/observed_at"]),
    "observed_at no offset": (result(0, observed_at="2026-01-01T00:00:00"),
                              ["/results/0/observed_at"]),
    "id too long": (result(0, id="r" * 65), ["/results/0/id"]),
    "channel empty": (result(0, channel=""), ["/results/0/channel"]),
}


@pytest.mark.parametrize("item, expected", INVALID.values(), ids=INVALID.keys())
def test_invalid_result_is_422(kpis, db, org, item, expected):
    r = post(kpis, [result(9), item])
    assert sorted(p.replace("/results/1/", "/results/0/") for p in h.pointers(r)) == expected
    assert all(p.startswith("/results/1") for p in h.pointers(r))
    assert count(db, "results", org) == 0


@pytest.mark.parametrize("body, expected", [
    ({"results": []}, ["/results"]),
    ({"results": [result(i) for i in range(1001)]}, ["/results"]),
    ({"results": [result(1), result(1)]}, ["/results/1/id"]),
    ({"events": [result(1)]}, ["/events", "/results"]),
])
def test_invalid_result_batch_is_422(kpis, db, org, body, expected):
    r = kpis.post("/v1/results", json=body)
    assert sorted(h.pointers(r)) == expected
    assert count(db, "results", org) == 0


def test_results_body_rules(kpis, db, org):
    r = kpis.post("/v1/results", data=b'{"results": [', headers={"Content-Type": "application/json"})
    assert "line" in h.problem(r, 400)["detail"]
    r = kpis.post("/v1/results", data=b'{"results": []}', headers={"Content-Type": "text/plain"})
    h.problem(r, 415)
    big = ('{"results": [' + " " * (h.MIB) + "]}").encode()
    r = kpis.post("/v1/results", data=big, headers={"Content-Type": "application/json"})
    h.problem(r, 413)
    assert count(db, "results", org) == 0
