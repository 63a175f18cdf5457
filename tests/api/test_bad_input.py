"""Client mistakes that used to reach PostgreSQL and come back as 500 (which
a client retrying 5xx repeats forever) are 4xx problems naming the field or
parameter, and nothing of the request is written."""
from urllib.parse import quote

import pytest

import helpers as h
from conftest import count
from indicator_helpers import member_path, put_kpi, store_events


def bad_request(r, parameter):
    """A 400 problem naming `parameter`."""
    body = h.problem(r, 400)
    assert parameter in [e.get("parameter") for e in body.get("errors", [])], body
    return body


def ev(i, member="m", **extra):
    return h.event(i, member=member, **extra)


# --- '+' in a path is a plus (RFC 3986), only %20 is a space -----------------

def test_plus_in_a_member_path_is_a_plus(api, org, db):
    store_events(api, [ev(1, member="a+b"), ev(2, member="a b"), ev(3, member="a b")])
    r = api.get("/v1/members/a%2Bb")
    assert r.status_code == 200, r.text
    assert r.json()["events"] == 1
    r = api.get("/v1/members/a+b")
    assert r.status_code == 200 and r.json()["events"] == 1

    assert api.delete("/v1/members/a+b").status_code == 204
    assert api.get("/v1/members/a%2Bb").status_code == 404
    r = api.get("/v1/members/a%20b")
    assert r.status_code == 200, r.text
    assert r.json()["events"] == 2
    with db.cursor() as cur:
        cur.execute("SELECT member, count(*) FROM amp.events WHERE org_id = %s "
                    "GROUP BY 1 ORDER BY 1", (org,))
        assert cur.fetchall() == [("a b", 2)]


def test_plus_in_a_query_is_a_space(api):
    """Query strings are form-encoded: '+' is a space there, %2B a plus."""
    store_events(api, [ev(1, member="a+b"), ev(2, member="a b")])
    r = api.get("/v1/events?member=a+b")
    assert r.status_code == 200, r.text
    assert [e["member"] for e in r.json()["data"]] == ["a b"]
    r = api.get("/v1/events?member=a%2Bb")
    assert [e["member"] for e in r.json()["data"]] == ["a+b"]


# --- member ids that are not UTF-8 --------------------------------------------

@pytest.mark.parametrize("raw", ["%FF", "a%C0%AF", "%ED%A0%80", "%F4%90%80%80", "a%E2%82"])
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_member_id_not_utf8(api, org, raw, method):
    store_events(api, [ev(1)])
    bad_request(api.request(method, "/v1/members/" + raw), "id")
    assert api.get(member_path("m")).json()["events"] == 1


# --- timestamps PostgreSQL refuses --------------------------------------------

OFFSET_16 = "2000-01-01T00:00:00+16:00"
YEAR_10000 = "9999-12-31T23:00:00-05:00"   # 10000-01-01T04:00:00Z


def test_event_offset_beyond_15_59(api, org, db):
    r = api.post("/v1/events", json={"events": [
        ev(1), ev(2, at=None) | {"occurred_at": OFFSET_16},
        ev(3) | {"occurred_at": "2000-01-01T00:00:00-23:00"}]})
    assert h.pointers(r) == ["/events/1/occurred_at", "/events/2/occurred_at"]
    assert count(db, "events", org) == 0


def test_event_offset_15_59_is_accepted(api, org, db):
    r = api.post("/v1/events", json={"events": [
        ev(1) | {"occurred_at": "2000-01-01T00:00:00+15:59"},
        ev(2) | {"occurred_at": "2000-01-01T00:00:00-15:59"}]})
    assert r.status_code == 200, r.text
    assert count(db, "events", org) == 2


def test_result_offset_beyond_15_59(api, org, db):
    put_kpi(api, "signups")
    r = api.post("/v1/results", json={"results": [
        {"id": "r1", "metric": "signups", "value": 1, "observed_at": h.iso(h.now())},
        {"id": "r2", "metric": "signups", "value": 1, "observed_at": OFFSET_16}]})
    assert h.pointers(r) == ["/results/1/observed_at"]
    assert count(db, "results", org) == 0


@pytest.mark.parametrize("field,value", [
    ("starts_at", OFFSET_16), ("ends_at", OFFSET_16), ("ends_at", YEAR_10000)])
def test_campaign_times(api, org, db, field, value):
    body = {"name": "c", "incentive": "points", "starts_at": "2026-01-01T00:00:00Z"}
    body[field] = value
    r = api.put("/v1/campaigns/c1", json=body)
    assert h.pointers(r) == ["/" + field]
    assert count(db, "campaigns", org) == 0


def test_campaign_may_end_in_9999(api):
    r = api.put("/v1/campaigns/c1", json={"name": "c", "incentive": "points",
                                         "starts_at": "2026-01-01T00:00:00Z",
                                         "ends_at": "9999-12-31T23:59:59.999999Z"})
    assert r.status_code in (200, 201), r.text
    assert r.json()["ends_at"].startswith("9999-12-31T23:59:59")


@pytest.mark.parametrize("value", [OFFSET_16, YEAR_10000])
def test_belief_at(api, org, db, value):
    r = api.post("/v1/beliefs", json={"statement": "s", "indicator": "autonomy",
                                      "at": value, "expect": "increase"})
    assert h.pointers(r) == ["/at"]
    assert count(db, "beliefs", org) == 0


def test_survey_submitted_at(api, org, db):
    r = api.post("/v1/surveys/responses", json={"responses": [
        {"id": "s1", "member": "m", "instrument": "pulse", "submitted_at": OFFSET_16,
         "answers": {"q1": 1}}]})
    assert h.pointers(r) == ["/responses/0/submitted_at"]
    assert count(db, "survey_responses", org) == 0


# --- numbers PostgreSQL's double precision refuses ----------------------------

def test_number_that_underflows_a_double(api, org, db):
    body = ('{"events":[%s,%s]}' % (
        '{"id":"e1","member":"m","channel":"c","action":"a","kind":"create",'
        '"occurred_at":"2026-01-01T00:00:00Z","quality":1e-400}',
        '{"id":"e2","member":"m","channel":"c","action":"a","kind":"create",'
        '"occurred_at":"2026-01-01T00:00:00Z","value":-2.5E-999}'))
    r = api.post("/v1/events", data=body, headers={"Content-Type": "application/json"})
    assert h.pointers(r) == ["/events/0/quality", "/events/1/value"]
    assert count(db, "events", org) == 0


def test_result_value_that_underflows_a_double(api, org, db):
    put_kpi(api, "signups")
    body = ('{"results":[{"id":"r1","metric":"signups","value":1e-400,'
            '"observed_at":"%s"}]}' % h.iso(h.now()))
    r = api.post("/v1/results", data=body, headers={"Content-Type": "application/json"})
    assert h.pointers(r) == ["/results/0/value"]
    assert count(db, "results", org) == 0


def test_huge_kpi_target_and_results_are_read_back(api):
    """numeric prints 1e300 with all its digits; the indicators still render."""
    put_kpi(api, "signups", target=1e300, period="day")
    r = api.post("/v1/results", json={"results": [
        {"id": "r1", "metric": "signups", "value": 1e20, "observed_at": h.iso(h.now())}]})
    assert r.status_code == 200, r.text
    r = api.get("/v1/indicators")
    assert r.status_code == 200, r.text
    kpi = r.json()["results"]["kpis"][0]
    assert kpi["target"] == pytest.approx(1e300)
    assert kpi["actual"] == pytest.approx(1e20)
    assert api.get("/v1/indicators/series?interval=week").status_code == 200


# --- windows PostgreSQL or the renderers refuse -------------------------------

@pytest.mark.parametrize("path", ["/v1/indicators", "/v1/indicators/series?interval=day",
                                  "/v1/events"])
@pytest.mark.parametrize("query,parameter", [
    ("to=9999-12-31", "to"),                                   # the next midnight is 10000
    ("to=" + quote(YEAR_10000), "to"),
    ("from=9999-12-01&to=" + quote("9999-12-31T23:00:00-01:00"), "to"),
    ("from=9999-12-01&to=9999-12-31T23:59:59.999999Z", "to"),  # rounded up to 10000
    ("from=9999-12-01&to=9999-12-31T00:00:01Z", "to"),
    ("from=" + quote(OFFSET_16), "from"),
    ("to=0001-01-05", "from"),                                 # default from is year 0
    ("from=0000-12-31&to=0001-01-05", "from"),
    ("from=" + quote("0001-01-01T00:00:00+01:00") + "&to=0001-01-05", "from"),
])
def test_window_out_of_range(api, path, query, parameter):
    sep = "&" if "?" in path else "?"
    body = bad_request(api.get(path + sep + query), parameter)
    assert body["status"] == 400


@pytest.mark.parametrize("query", ["from=9999-12-01&to=9999-12-30",
                                   "from=9999-12-01&to=9999-12-31T00:00:00Z",
                                   "from=0001-01-01&to=0001-01-05"])
def test_window_at_the_edges_of_the_range(api, query):
    r = api.get("/v1/indicators?" + query)
    assert r.status_code == 200, r.text
    w = r.json()["window"]
    assert len(w["from"].split("-")[0]) == 4 and len(w["to"].split("-")[0]) == 4
