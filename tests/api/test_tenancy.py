"""The token's org is the tenant: org A can neither see, fetch, overwrite
nor reference org B's events, campaigns, KPIs or results."""
import uuid

import pytest

import helpers as h
from conftest import count
from helpers import event


@pytest.fixture
def other(api):
    """A second org, B, with data of its own; `api` is org A."""
    b_org = "t-" + uuid.uuid4().hex[:12]
    b = api.as_org(b_org)
    assert b.put("/v1/campaigns/shared", json=h.campaign("points", name="B's campaign")).status_code \
        == 201
    assert b.put("/v1/campaigns/b-only", json=h.campaign("none", name="B only")).status_code == 201
    assert b.put("/v1/kpis/signups", json=h.kpi("B's KPI", target=5, period="day")).status_code \
        == 201
    assert b.put("/v1/kpis/b-kpi", json=h.kpi("B only")).status_code == 201
    h.ingest(b, [event(i, member="b-member", campaign="shared") for i in range(5)])
    b.org = b_org
    return b


def test_a_lists_none_of_b_events(api, other):
    assert api.get("/v1/events").json() == {"data": [], "next_cursor": None}
    assert api.get("/v1/events", params={"member": "b-member"}).json()["data"] == []
    assert api.get("/v1/events", params={"campaign": "shared"}).json()["data"] == []
    assert len(other.get("/v1/events").json()["data"]) == 5


def test_a_lists_none_of_b_campaigns_and_kpis(api, other):
    assert api.get("/v1/campaigns").json() == {"data": [], "next_cursor": None}
    assert api.get("/v1/kpis").json() == {"data": [], "next_cursor": None}
    assert len(other.get("/v1/campaigns").json()["data"]) == 2


@pytest.mark.parametrize("path", ["/v1/campaigns/shared", "/v1/campaigns/b-only",
                                  "/v1/kpis/signups", "/v1/kpis/b-kpi"])
def test_an_id_of_b_answers_404_to_a(api, other, path):
    r = api.get(path)
    assert h.problem(r, 404)["type"] == "urn:ampmeter:problem:not-found"
    assert "B" not in r.json()["detail"]
    assert other.get(path).status_code == 200


def test_a_cursor_of_b_shows_a_nothing_of_b(api, other):
    page = other.get("/v1/events", params={"limit": 2}).json()
    r = api.get("/v1/events", params={"limit": 2, "cursor": page["next_cursor"]})
    assert r.status_code == 200 and r.json()["data"] == []


def test_a_put_of_the_same_campaign_id_creates_a_own(api, other, db, org):
    before = other.get("/v1/campaigns/shared").json()
    r = api.put("/v1/campaigns/shared", json=h.campaign("recognition", name="A's campaign"))
    assert r.status_code == 201, "A's PUT must create A's campaign, not replace B's"
    assert api.get("/v1/campaigns/shared").json()["name"] == "A's campaign"
    assert other.get("/v1/campaigns/shared").json() == before
    assert count(db, "campaigns", org) == 1
    assert count(db, "campaigns", other.org) == 2
    # B's events keep B's campaign defaults; A's events get A's.
    h.ingest(api, [event(1, campaign="shared")])
    a_event = api.get("/v1/events").json()["data"][0]
    assert (a_event["initiative"], a_event["rewarded"]) == ("prompted", False)
    b_event = other.get("/v1/events").json()["data"][0]
    assert (b_event["initiative"], b_event["rewarded"]) == ("incentivized", True)


def test_a_put_of_the_same_kpi_creates_a_own(api, other, db, org):
    before = other.get("/v1/kpis/signups").json()
    r = api.put("/v1/kpis/signups", json=h.kpi("A's KPI"))
    assert r.status_code == 201
    assert api.get("/v1/kpis/signups").json()["name"] == "A's KPI"
    assert other.get("/v1/kpis/signups").json() == before
    assert count(db, "kpis", org) == 1


def test_same_event_id_in_two_orgs_is_two_events(api, other, db, org):
    r = h.post_events(api, [event(0, member="a-member"), event(1, member="a-member")])
    assert r.json() == {"accepted": 2, "duplicates": 0}, "idempotency is per org"
    assert count(db, "events", org) == 2
    assert count(db, "events", other.org) == 5
    assert {e["member"] for e in api.get("/v1/events").json()["data"]} == {"a-member"}
    assert {e["member"] for e in other.get("/v1/events").json()["data"]} == {"b-member"}


def test_same_result_id_in_two_orgs_is_two_results(api, other, db, org):
    assert other.post("/v1/results", json={"results": [h.result(1)]}).json()["accepted"] == 1
    assert api.put("/v1/kpis/signups", json=h.kpi()).status_code == 201
    assert api.post("/v1/results", json={"results": [h.result(1)]}).json() == \
        {"accepted": 1, "duplicates": 0}
    assert count(db, "results", org) == 1 and count(db, "results", other.org) == 1


def test_a_cannot_reference_b_campaign_in_an_event(api, other, db, org):
    r = h.post_events(api, [event(0), event(1, campaign="b-only")])
    assert h.pointers(r) == ["/events/1/campaign"]
    assert count(db, "events", org) == 0


def test_a_cannot_reference_b_metric_or_campaign_in_a_result(api, other, db, org):
    r = api.post("/v1/results", json={"results": [h.result(0, metric="b-kpi"),
                                                  h.result(1, metric="signups", campaign="b-only")]})
    assert sorted(h.pointers(r)) == ["/results/0/metric", "/results/1/campaign",
                                     "/results/1/metric"]
    assert count(db, "results", org) == 0


def test_nothing_but_the_token_selects_the_org(api, other, db, org):
    r = api.get("/v1/events", params={"org": other.org})
    assert "org" in h.parameters(r)
    r = api.get("/v1/events", headers={"X-Org": other.org, "X-Tenant": other.org})
    assert r.json()["data"] == []
    r = h.post_events(api, [event(9, org=other.org)])
    assert h.pointers(r) == ["/events/0/org"]
    assert count(db, "events", org) == 0 and count(db, "events", other.org) == 5
