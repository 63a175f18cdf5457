"""PUT/GET of campaigns and KPIs: create then replace, defaults, validation
with nothing written, 404s, and paged lists."""
import datetime as dt
import json
import time

import pytest

import helpers as h
from conftest import count


def ts(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- campaigns -----------------------------------------------------------------

def test_put_creates_201_then_replaces_200(api, db, org):
    first = h.campaign("points", name="Spring points drive", contingency="engagement",
                       starts_at="2026-03-01T00:00:00Z", ends_at="2026-04-01T00:00:00+02:00",
                       channel="slack")
    r = api.put("/v1/campaigns/spring-points", json=first)
    assert r.status_code == 201
    created = r.json()
    assert created == created | {
        "id": "spring-points", "name": "Spring points drive", "incentive": "points",
        "contingency": "engagement", "starts_at": "2026-03-01T00:00:00.000000Z",
        "ends_at": "2026-03-31T22:00:00.000000Z", "channel": "slack"}
    assert created["created_at"] == created["updated_at"]

    time.sleep(0.01)  # so that updated_at can move on
    second = h.campaign("recognition", name="Spring kudos", starts_at="2026-03-02T00:00:00Z")
    r = api.put("/v1/campaigns/spring-points", json=second)
    assert r.status_code == 200
    replaced = r.json()
    assert replaced["name"] == "Spring kudos" and replaced["incentive"] == "recognition"
    # A PUT replaces the whole resource: left-out fields take their defaults.
    assert replaced["contingency"] == "none"
    assert replaced["ends_at"] is None and replaced["channel"] is None
    assert replaced["created_at"] == created["created_at"]
    assert ts(replaced["updated_at"]) > ts(created["updated_at"])

    got = api.get("/v1/campaigns/spring-points")
    assert got.status_code == 200
    assert got.json() == replaced
    assert count(db, "campaigns", org) == 1


def test_repeating_a_put_gives_the_same_campaign(api, org):
    body = h.campaign("contest", starts_at="2026-05-01T00:00:00Z")
    a = api.put("/v1/campaigns/c1", json=body).json()
    r = api.put("/v1/campaigns/c1", json=body)
    assert r.status_code == 200
    b = r.json()
    a.pop("updated_at"), b.pop("updated_at")
    assert a == b


def test_campaign_defaults(api, org):
    r = api.put("/v1/campaigns/c1", json={"name": "n", "incentive": "none",
                                          "starts_at": "2026-05-04T00:00:00Z"})
    assert r.status_code == 201
    assert (r.json()["contingency"], r.json()["ends_at"], r.json()["channel"]) == \
        ("none", None, None)
    r = api.put("/v1/campaigns/c2", json={"name": "n", "incentive": "none", "ends_at": None,
                                          "channel": None, "starts_at": "2026-05-04T00:00:00Z"})
    assert r.status_code == 201


def test_concurrent_puts_of_a_new_campaign_create_it_once(api, db, org):
    import threading
    statuses = []

    def put():
        statuses.append(api.as_org(org, scopes="admin").put("/v1/campaigns/race",
                                                            json=h.campaign()).status_code)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200] * 7 + [201]
    assert count(db, "campaigns", org) == 1


@pytest.mark.parametrize("method, path, allow", [
    ("POST", "/v1/campaigns/c1", {"GET", "PUT"}),
    ("DELETE", "/v1/campaigns/c1", {"GET", "PUT"}),
    ("PUT", "/v1/campaigns", {"GET"}),
    ("POST", "/v1/kpis", {"GET"}),
    ("PATCH", "/v1/kpis/k1", {"GET", "PUT"}),
    ("GET", "/v1/results", {"POST"}),
])
def test_wrong_method_is_405_with_allow(api, method, path, allow):
    # GET and DELETE carry no body (one is a 400 from the HTTP layer).
    body = {} if method in ("GET", "DELETE") else {"json": {}}
    r = api.request(method, path, **body)
    h.problem(r, 405)
    assert h.allowed(r) == h.allows(*allow)


def test_unknown_campaign_is_404(api):
    r = api.get("/v1/campaigns/nope")
    assert h.problem(r, 404)["type"] == "urn:ampmeter:problem:not-found"


@pytest.mark.parametrize("ends", ["2026-02-28T23:59:59Z", "2026-03-01T00:00:00Z",
                                  "2026-03-01T01:00:00+02:00"])
def test_ends_at_not_after_starts_at_is_422(api, db, org, ends):
    body = h.campaign(starts_at="2026-03-01T00:00:00Z", ends_at=ends)
    r = api.put("/v1/campaigns/c1", json=body)
    assert h.pointers(r) == ["/ends_at"]
    assert count(db, "campaigns", org) == 0


def test_ends_at_before_starts_at_does_not_change_an_existing_campaign(api, org):
    good = api.put("/v1/campaigns/c1", json=h.campaign(starts_at="2026-03-01T00:00:00Z")).json()
    r = api.put("/v1/campaigns/c1", json=h.campaign(starts_at="2026-03-01T00:00:00Z",
                                                    ends_at="2026-01-01T00:00:00Z", name="x"))
    assert r.status_code == 422
    assert api.get("/v1/campaigns/c1").json() == good


INVALID_CAMPAIGNS = {
    "unknown field": ({"incentives": "points"}, ["/incentives"]),
    "bad incentive": ({"incentive": "cash"}, ["/incentive"]),
    "bad contingency": ({"contingency": "always"}, ["/contingency"]),
    "name null": ({"name": None}, ["/name"]),
    "empty name": ({"name": ""}, ["/name"]),
    "name too long": ({"name": "n" * 201}, ["/name"]),
    "bad starts_at": ({"starts_at": "2026-03-01"}, ["/starts_at"]),
    "channel too long": ({"channel": "c" * 65}, ["/channel"]),
    "channel not a string": ({"channel": 3}, ["/channel"]),
}


@pytest.mark.parametrize("change, expected", INVALID_CAMPAIGNS.values(),
                         ids=INVALID_CAMPAIGNS.keys())
def test_invalid_campaign_is_422(api, db, org, change, expected):
    body = h.campaign()
    body.update(change)
    r = api.put("/v1/campaigns/c1", json=body)
    assert sorted(h.pointers(r)) == expected
    assert count(db, "campaigns", org) == 0


def test_campaign_missing_everything_lists_each_field(api, db, org):
    r = api.put("/v1/campaigns/c1", json={})
    assert sorted(h.pointers(r)) == ["/incentive", "/name", "/starts_at"]
    assert count(db, "campaigns", org) == 0


@pytest.mark.parametrize("path_id", ["bad%20id", "x" * 65, "a%2Fb", "%C3%A9t%C3%A9", "a!b"])
def test_invalid_campaign_id_in_the_path_is_400(api, db, org, path_id):
    r = api.put(f"/v1/campaigns/{path_id}", json=h.campaign())
    assert r.status_code in (400, 404), r.text
    if r.status_code == 400:
        assert h.parameters(r) == ["id"]
    assert count(db, "campaigns", org) == 0
    r = api.get(f"/v1/campaigns/{path_id}")
    assert r.status_code in (400, 404)


@pytest.mark.parametrize("path_id", ["A", "a.b_c:d-e", "x" * 64])
def test_every_legal_campaign_id_works(api, path_id):
    assert api.put(f"/v1/campaigns/{path_id}", json=h.campaign()).status_code == 201
    assert api.get(f"/v1/campaigns/{path_id}").json()["id"] == path_id


def test_put_campaign_bad_body_transport(api, db, org):
    r = api.put("/v1/campaigns/c1", data=json.dumps(h.campaign()),
                headers={"Content-Type": "text/plain"})
    h.problem(r, 415)
    r = api.put("/v1/campaigns/c1", data=b'{"name": ', headers={"Content-Type": "application/json"})
    assert "line" in h.problem(r, 400)["detail"]
    r = api.put("/v1/campaigns/c1", data=b'{"name": "a", "name": "b", "incentive": "none", '
                b'"starts_at": "2026-01-01T00:00:00Z"}', headers={"Content-Type": "application/json"})
    h.problem(r, 422)
    assert count(db, "campaigns", org) == 0


def test_campaign_list_pages_in_id_order(api, org):
    ids = ["spring", "Summer", "a", "a.1", "a-1", "b", "Z", "z", "0", "m:1", "m_1", "q"]
    for i in ids:
        assert api.put(f"/v1/campaigns/{i}", json=h.campaign(name=f"n-{i}")).status_code == 201
    want = sorted(ids, key=lambda s: s.encode())
    items, pages = h.walk(api, "/v1/campaigns", {"limit": 5})
    assert pages == 3
    assert [c["id"] for c in items] == want
    assert all(c["name"] == "n-" + c["id"] for c in items)
    items, pages = h.walk(api, "/v1/campaigns", {})
    assert pages == 1 and [c["id"] for c in items] == want
    items, pages = h.walk(api, "/v1/campaigns", {"limit": 12})
    assert pages == 1 and len(items) == 12


def test_campaign_list_empty(api):
    assert api.get("/v1/campaigns").json() == {"data": [], "next_cursor": None}


@pytest.mark.parametrize("params, parameter", [
    ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "x"}, "limit"),
    ({"cursor": "zzz"}, "cursor"), ({"from": "2026-01-01"}, "from"), ({"channel": "x"}, "channel"),
])
@pytest.mark.parametrize("path", ["/v1/campaigns", "/v1/kpis"])
def test_list_query_errors(api, path, params, parameter):
    r = api.get(path, params=params)
    assert parameter in h.parameters(r)


# --- KPIs ------------------------------------------------------------------------

def test_put_kpi_creates_201_then_replaces_200(api, db, org):
    r = api.put("/v1/kpis/signups", json=h.kpi("Sign-ups", unit="accounts", target=120,
                                                period="month", direction="higher"))
    assert r.status_code == 201
    created = r.json()
    assert created == created | {"metric": "signups", "name": "Sign-ups", "unit": "accounts",
                                 "target": 120, "period": "month", "direction": "higher"}
    time.sleep(0.01)
    r = api.put("/v1/kpis/signups", json=h.kpi("Tickets"))
    assert r.status_code == 200
    replaced = r.json()
    assert (replaced["name"], replaced["unit"], replaced["target"], replaced["period"],
            replaced["direction"]) == ("Tickets", None, None, None, "higher")
    assert replaced["created_at"] == created["created_at"]
    assert ts(replaced["updated_at"]) > ts(created["updated_at"])
    got = api.get("/v1/kpis/signups")
    assert got.status_code == 200 and got.json() == replaced
    assert count(db, "kpis", org) == 1


def test_kpi_with_lower_direction_and_fractional_target(api):
    r = api.put("/v1/kpis/support.tickets",
                json=h.kpi(target=0.5, period="quarter", direction="lower"))
    assert r.status_code == 201
    assert (r.json()["target"], r.json()["direction"]) == (0.5, "lower")


def test_unknown_kpi_is_404(api):
    assert h.problem(api.get("/v1/kpis/nope"), 404)["type"] == "urn:ampmeter:problem:not-found"


INVALID_KPIS = {
    "target without period": ({"target": 10}, ["/period"]),
    "target zero": ({"target": 0, "period": "day"}, ["/target"]),
    "target negative": ({"target": -3, "period": "day"}, ["/target"]),
    "bad period": ({"period": "decade"}, ["/period"]),
    "bad direction": ({"direction": "up"}, ["/direction"]),
    "unit too long": ({"unit": "u" * 33}, ["/unit"]),
    "unknown field": ({"goal": 3}, ["/goal"]),
    "empty name": ({"name": ""}, ["/name"]),
}


@pytest.mark.parametrize("change, expected", INVALID_KPIS.values(), ids=INVALID_KPIS.keys())
def test_invalid_kpi_is_422(api, db, org, change, expected):
    body = h.kpi(**change) if "name" not in change else dict(change)
    r = api.put("/v1/kpis/signups", json=body)
    assert sorted(h.pointers(r)) == expected
    assert count(db, "kpis", org) == 0


def test_kpi_without_name_is_422(api, db, org):
    r = api.put("/v1/kpis/signups", json={"unit": "accounts"})
    assert h.pointers(r) == ["/name"]
    assert count(db, "kpis", org) == 0


def test_invalid_metric_in_the_path_is_400(api, db, org):
    r = api.put("/v1/kpis/sign%20ups", json=h.kpi())
    assert h.parameters(r)
    assert count(db, "kpis", org) == 0


def test_kpi_list_pages_in_metric_order(api, org):
    metrics = [f"k{i}" for i in range(11)] + ["K", "a.b"]
    for m in metrics:
        assert api.put(f"/v1/kpis/{m}", json=h.kpi(f"n-{m}")).status_code == 201
    items, pages = h.walk(api, "/v1/kpis", {"limit": 4})
    assert pages == 4
    assert [k["metric"] for k in items] == sorted(metrics, key=lambda s: s.encode())
    assert all(k["name"] == "n-" + k["metric"] for k in items)
