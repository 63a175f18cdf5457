"""POST /v1/events: every bad input is refused with nothing written, resent
events are never stored twice, and defaults are resolved at ingestion."""
import datetime as dt
import json
import threading

import pytest

import helpers as h
from conftest import count, make_token
from helpers import event, iso, now
from indicator_helpers import rollups_consistent


def events_json(events):
    return json.dumps({"events": events})


def nothing_written(db, org):
    assert count(db, "events", org) == 0


# --- the body cannot be read -------------------------------------------------

@pytest.mark.parametrize("body", [
    '{"events": [',
    '{"events": [{"id": "e1",}]}',
    "not json at all",
    '{"events": [] ',
    "{'events': []}",
    '{"events": [{"id": "e1"}]} trailing',
])
def test_malformed_json_is_400_saying_where(api, db, org, body):
    r = api.post("/v1/events", data=body.encode(), headers={"Content-Type": "application/json"})
    p = h.problem(r, 400)
    assert p["type"] == "urn:ampmeter:problem:bad-request"
    assert "line" in p["detail"] and "column" in p["detail"], p["detail"]
    nothing_written(db, org)


def test_malformed_json_names_the_line_of_the_mistake(api, db, org):
    good = json.dumps(event(1))[1:-1]
    body = '{\n  "events": [\n    {' + good + '},\n    {"id": "e2" "member": "m"}\n  ]\n}\n'
    r = api.post("/v1/events", data=body.encode(), headers={"Content-Type": "application/json"})
    assert "line 4" in h.problem(r, 400)["detail"]
    nothing_written(db, org)


def test_empty_body_is_400(api, db, org):
    r = api.post("/v1/events", data=b"", headers={"Content-Type": "application/json"})
    h.problem(r, 400)
    nothing_written(db, org)


@pytest.mark.parametrize("ctype", [
    None,
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/jsonp",
    "application/json-patch+json",
    "multipart/form-data; boundary=x",
])
def test_wrong_content_type_is_415(api, db, org, ctype):
    headers = {"Content-Type": ctype} if ctype else {}
    r = api.post("/v1/events", data=events_json([event(1)]).encode(), headers=headers)
    assert h.problem(r, 415)["type"] == "urn:ampmeter:problem:unsupported-media-type"
    nothing_written(db, org)


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "Application/JSON"])
def test_json_content_type_with_parameters_or_other_case_is_accepted(api, db, org, ctype):
    r = api.post("/v1/events", data=events_json([event(1)]).encode(),
                 headers={"Content-Type": ctype})
    assert r.status_code == 200
    assert count(db, "events", org) == 1


def padded(events, size):
    """A valid batch body padded with whitespace to exactly `size` bytes."""
    text = events_json(events)
    assert len(text) <= size
    return (text[:-1] + " " * (size - len(text)) + "}").encode()


def test_body_of_exactly_1_mib_is_accepted(api, db, org):
    r = api.post("/v1/events", data=padded([event(1)], h.MIB),
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text[:300]
    assert count(db, "events", org) == 1


@pytest.mark.parametrize("size", [h.MIB + 1, 2 * h.MIB])
def test_body_over_1_mib_is_413(api, db, org, size):
    r = api.post("/v1/events", data=padded([event(1)], size),
                 headers={"Content-Type": "application/json"})
    assert h.problem(r, 413)["type"] == "urn:ampmeter:problem:payload-too-large"
    nothing_written(db, org)


def test_body_far_over_the_framework_cap_is_refused_before_reading(service, db, org):
    """Beyond 1 MiB the HTTP layer (patched Kore, http_body_max) refuses the
    request from its Content-Length alone, before reading the body, with the
    same problem+json 413 the API gives."""
    head = ("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {make_token(org=org)}\r\n"
            "Content-Type: application/json\r\nConnection: close\r\n"
            f"Content-Length: {5 * h.MIB}\r\n\r\n")
    status, headers, payload = h.raw_http(service.port, head.encode() + b'{"events": [',
                                          timeout=10)
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    body = json.loads(payload)
    assert body["type"] == "urn:ampmeter:problem:payload-too-large"
    assert body["status"] == 413
    nothing_written(db, org)


def chunked_request(token, body, content_length=False, finish=True):
    chunk = f"{len(body):x}\r\n".encode() + body + b"\r\n"
    head = ("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n")
    if content_length:
        head += f"Content-Length: {len(chunk) + 5}\r\n"
    return head.encode() + b"\r\n" + chunk + (b"0\r\n\r\n" if finish else b"")


@pytest.mark.parametrize("content_length, finish", [
    (False, True),    # a complete chunked body
    (False, False),   # the client is still sending chunks
    (True, True),     # both framings at once (request smuggling)
], ids=["chunked", "chunked-unfinished", "chunked-and-content-length"])
def test_transfer_encoding_is_refused_without_hanging(service, db, org, content_length, finish):
    body = events_json([event(1)]).encode()
    status, headers, payload = h.raw_http(
        service.port, chunked_request(make_token(org=org), body, content_length, finish),
        timeout=10)
    assert status in (400, 411), (status, payload[:300])
    if status == 400:
        assert headers["content-type"] == "application/problem+json"
        assert json.loads(payload)["status"] == 400
    nothing_written(db, org)


# --- well-formed JSON that breaks a rule: 422 with a pointer per problem ----

def one(**changes):
    e = event(0)
    for k, v in changes.items():
        if v is DROP:
            del e[k]
        else:
            e[k] = v
    return {"events": [e]}


DROP = object()
AHEAD = dt.timedelta(minutes=10)

INVALID = {
    "unknown field": (one(colour="red"), ["/events/0/colour"]),
    "typo of a field": (one(ocurred_at=iso(now())), ["/events/0/ocurred_at"]),
    "quality above 1": (one(quality=1.5), ["/events/0/quality"]),
    "quality below 0": (one(quality=-0.01), ["/events/0/quality"]),
    "quality as a string": (one(quality="0.5"), ["/events/0/quality"]),
    "level 0": (one(level=0), ["/events/0/level"]),
    "level 6": (one(level=6), ["/events/0/level"]),
    "level not whole": (one(level=2.5), ["/events/0/level"]),
    "kind not in the enum": (one(kind="shout"), ["/events/0/kind"]),
    "initiative not in the enum": (one(initiative="forced"), ["/events/0/initiative"]),
    "beneficiary not in the enum": (one(beneficiary="world"), ["/events/0/beneficiary"]),
    "rewarded not a boolean": (one(rewarded="yes"), ["/events/0/rewarded"]),
    "occurred_at 10 minutes ahead": (one(occurred_at=iso(now() + AHEAD)),
                                     ["/events/0/occurred_at"]),
    "occurred_at without offset": (one(occurred_at="2026-01-01T10:00:00"),
                                   ["/events/0/occurred_at"]),
    "occurred_at not a time": (one(occurred_at="yesterday"), ["/events/0/occurred_at"]),
    "occurred_at impossible date": (one(occurred_at="2025-02-30T10:00:00Z"),
                                    ["/events/0/occurred_at"]),
    "id too long": (one(id="x" * 65), ["/events/0/id"]),
    "id empty": (one(id=""), ["/events/0/id"]),
    "member too long": (one(member="m" * 129), ["/events/0/member"]),
    "member missing": (one(member=DROP), ["/events/0/member"]),
    "occurred_at missing": (one(occurred_at=DROP), ["/events/0/occurred_at"]),
    "channel null": (one(channel=None), ["/events/0/channel"]),
    "properties over 4 KiB": (one(properties={"x": "y" * 4100}), ["/events/0/properties"]),
    "properties not an object": (one(properties=[1, 2]), ["/events/0/properties"]),
    "event not an object": ({"events": [42]}, ["/events/0"]),
    "two problems in one event": (one(quality=2, level=9),
                                  ["/events/0/level", "/events/0/quality"]),
    "same id twice in one batch": ({"events": [event(1), event(2), event(1)]},
                                   ["/events/2/id"]),
    "1001 events": ({"events": [event(i) for i in range(1001)]}, ["/events"]),
    "empty batch": ({"events": []}, ["/events"]),
    "events not an array": ({"events": {"id": "e1"}}, ["/events"]),
    "no events": ({}, ["/events"]),
    "unknown top-level field": ({"events": [event(1)], "dry_run": True}, ["/dry_run"]),
    "body not an object": ([event(1)], [""]),
}


@pytest.mark.parametrize("body, expected", INVALID.values(), ids=INVALID.keys())
def test_invalid_batch_is_422_with_a_pointer_per_problem(api, db, org, body, expected):
    r = api.post("/v1/events", json=body)
    p = h.problem(r, 422)
    assert p["type"] == "urn:ampmeter:problem:validation"
    assert sorted(h.pointers(r)) == sorted(expected), p
    assert all(e["detail"] for e in p["errors"])
    nothing_written(db, org)


def test_unknown_campaign_is_422(api, db, org):
    assert api.put("/v1/campaigns/known", json=h.campaign()).status_code == 201
    r = h.post_events(api, [event(0, campaign="known"), event(1, campaign="nope"),
                            event(2), event(3, campaign="Known")])
    assert h.pointers(r) == ["/events/1/campaign", "/events/3/campaign"]
    h.no_internals(r)
    nothing_written(db, org)


def test_a_retry_naming_an_unknown_campaign_is_422_and_adds_nothing(api, db, org):
    # Stored ids and an unknown campaign in one batch: the insert meets the
    # stored ids first, and the problems are still listed.
    assert h.post_events(api, [event(0), event(1)]).status_code == 200
    r = h.post_events(api, [event(0), event(1, campaign="nope"), event(2)])
    assert h.pointers(r) == ["/events/1/campaign"]
    h.no_internals(r)
    assert count(db, "events", org) == 2


@pytest.mark.parametrize("key", ["id", "quality", "events"])
def test_duplicate_keys_are_422(api, db, org, key):
    e = json.dumps(event(1))[1:-1]
    bodies = {
        "id": '{"events": [{' + e + ', "id": "e2"}]}',
        "quality": '{"events": [{' + e + ', "quality": 0.1, "quality": 0.9}]}',
        "events": '{"events": [{' + e + '}], "events": []}',
    }
    r = api.post("/v1/events", data=bodies[key].encode(),
                 headers={"Content-Type": "application/json"})
    p = h.problem(r, 422)
    assert p["errors"] and all("pointer" in x for x in p["errors"])
    nothing_written(db, org)


def test_one_bad_event_in_ten_names_it_and_writes_nothing(api, db, org):
    events = [event(i) for i in range(10)]
    events[7]["quality"] = 7
    r = h.post_events(api, events)
    assert h.pointers(r) == ["/events/7/quality"]
    nothing_written(db, org)


def test_bad_event_at_the_end_of_a_full_batch_writes_nothing(api, db, org):
    events = [event(i) for i in range(1000)]
    events[999]["occurred_at"] = iso(now() + AHEAD)
    r = h.post_events(api, events)
    assert h.pointers(r) == ["/events/999/occurred_at"]
    nothing_written(db, org)


def test_more_than_100_problems_lists_exactly_100(api, db, org):
    events = [event(i, kind="shout", level=9) for i in range(150)]
    r = h.post_events(api, events)
    ptrs = h.pointers(r)
    assert len(ptrs) == 100
    assert len(set(ptrs)) == 100
    assert all(p.startswith("/events/") for p in ptrs)
    nothing_written(db, org)


def test_edge_values_are_accepted(api, db, org):
    events = [
        event(0, quality=0, level=1, beneficiary="others", initiative="prompted"),
        event(1, quality=1, level=5, beneficiary="community", rewarded=True),
        event(2, occurred_at=iso(now() + dt.timedelta(minutes=2))),
        event(3, occurred_at=(now() - dt.timedelta(days=2)).astimezone(
            dt.timezone(dt.timedelta(hours=5, minutes=30))).isoformat()),
        dict(event(4), id="i" * 64, member="é" * 128, channel="c" * 64, action="a" * 64),
        event(5, properties={"x": "y" * 4000}, kind="convert", value=-12.5),
        event(6, properties={}, occurred_at="2025-06-01T00:00:00-11:00"),
    ]
    r = h.post_events(api, events)
    assert r.status_code == 200, r.text[:500]
    assert r.json() == {"accepted": 7, "duplicates": 0}
    assert count(db, "events", org) == 7


def test_events_are_stored_as_sent(api, org):
    sent = event("x", member="m-7f3a9c21", channel="slack", action="answer", kind="contribute",
                 occurred_at="2026-01-01T10:30:00.123456+01:00", beneficiary="community",
                 quality=0.8, level=3, value=2.5, properties={"thread": "t-1", "n": [1, 2]})
    h.ingest(api, [sent])
    r = api.get("/v1/events", params={"from": "2026-01-01", "to": "2026-01-01"})
    (got,) = r.json()["data"]
    assert got["occurred_at"] == "2026-01-01T09:30:00.123456Z"
    for k in ("id", "member", "channel", "action", "kind", "beneficiary", "quality", "level",
              "value", "properties"):
        assert got[k] == sent[k], k
    assert got["initiative"] == "self" and got["rewarded"] is False
    assert got["campaign"] is None


# --- idempotency -------------------------------------------------------------

def listed(api, **params):
    items, _ = h.walk(api, "/v1/events", dict(params, limit=500))
    return {e["id"]: e for e in items}


def test_resending_a_batch_stores_nothing_twice(api, db, org):
    batch = [event(i) for i in range(20)]
    h.ingest(api, batch)
    r = h.post_events(api, batch)
    assert r.status_code == 200
    assert r.json() == {"accepted": 0, "duplicates": 20}
    assert count(db, "events", org) == 20


def test_the_first_version_of_a_resent_event_stays(api, db, org):
    h.ingest(api, [event(1, member="alice", quality=0.2)])
    changed = event(1, member="bob", quality=0.9, action="edited", kind="react")
    r = h.post_events(api, [changed, event(2)])
    assert r.json() == {"accepted": 1, "duplicates": 1}
    stored = listed(api)
    assert stored["e1"]["member"] == "alice"
    assert stored["e1"]["quality"] == 0.2
    assert stored["e1"]["action"] == "post" and stored["e1"]["kind"] == "create"
    assert count(db, "events", org) == 2


def test_partial_overlap_counts_right(api, db, org):
    h.ingest(api, [event(i) for i in range(1, 6)])
    r = h.post_events(api, [event(i) for i in range(4, 9)])
    assert r.json() == {"accepted": 3, "duplicates": 2}
    r = h.post_events(api, [event(i) for i in range(0, 10)])
    assert r.json() == {"accepted": 2, "duplicates": 8}
    assert count(db, "events", org) == 10
    assert sorted(listed(api)) == sorted(f"e{i}" for i in range(10))
    # Only the new events of a partly resent batch reach the rollups.
    rollups_consistent(db, org)


def send_together(api, org, batches):
    """POSTs each batch from its own thread, all at once: [(status, body)]."""
    results, errors = [], []
    start = threading.Barrier(len(batches))

    def send(batch):
        client = api.as_org(org, scopes="events:write")
        try:
            start.wait(10)
            r = client.post("/v1/events", json={"events": batch})
            results.append((r.status_code, r.json()))
        except Exception as e:  # reported below, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_concurrent_sends_of_one_batch_store_it_once(api, db, org):
    batch = [event(i, member=f"m{i % 13}") for i in range(200)]
    results = send_together(api, org, [batch] * 8)
    assert [s for s, _ in results] == [200] * 8, results
    assert sum(b["accepted"] for _, b in results) == 200
    assert sum(b["duplicates"] for _, b in results) == 7 * 200
    assert count(db, "events", org) == 200
    # The sends that lost the race fell back from the plain insert: the
    # rollups hold each event once.
    rollups_consistent(db, org)


def test_concurrent_batches_sharing_ids_in_other_orders_all_succeed(api, db, org):
    # Each sender has the same new ids in its own order. Inserted in the
    # order sent, two batches could each wait for an id the other holds (a
    # deadlock, answered 503); stored in id order, they cannot.
    events = [event(i, member=f"m{i % 7}") for i in range(1000)]
    orders = [events[k:] + events[:k] for k in range(0, 1000, 250)]
    orders += [list(reversed(o)) for o in orders]
    results = send_together(api, org, orders)
    assert [s for s, _ in results] == [200] * len(orders), results
    assert sum(b["accepted"] for _, b in results) == 1000
    assert count(db, "events", org) == 1000
    rollups_consistent(db, org)


def test_events_and_results_are_separate_key_spaces(api, db, org):
    assert api.put("/v1/kpis/signups", json=h.kpi()).status_code == 201
    h.ingest(api, [event(1)])
    r = api.post("/v1/results", json={"results": [h.result(1) | {"id": "e1"}]})
    assert r.json() == {"accepted": 1, "duplicates": 0}


# --- defaults ------------------------------------------------------------------

INCENTIVES = {
    "none": ("prompted", False),
    "recognition": ("prompted", False),
    "points": ("incentivized", True),
    "tangible": ("incentivized", True),
    "monetary": ("incentivized", True),
    "contest": ("incentivized", True),
    "quota": ("incentivized", True),
}


@pytest.mark.parametrize("incentive", INCENTIVES)
def test_campaign_decides_initiative_and_rewarded(api, org, incentive):
    assert api.put("/v1/campaigns/c1", json=h.campaign(incentive)).status_code == 201
    h.ingest(api, [event(1, campaign="c1")])
    got = listed(api)["e1"]
    assert (got["initiative"], got["rewarded"]) == INCENTIVES[incentive]
    assert got["campaign"] == "c1"
    assert got["beneficiary"] == "self"


def test_explicit_values_win_over_the_campaign(api, org):
    assert api.put("/v1/campaigns/pts", json=h.campaign("points")).status_code == 201
    assert api.put("/v1/campaigns/rec", json=h.campaign("recognition")).status_code == 201
    h.ingest(api, [
        event(1, campaign="pts", initiative="self", rewarded=False, beneficiary="community"),
        event(2, campaign="pts", initiative="prompted"),
        event(3, campaign="pts", rewarded=False),
        event(4, campaign="rec", initiative="incentivized", rewarded=True),
    ])
    got = listed(api)
    assert (got["e1"]["initiative"], got["e1"]["rewarded"], got["e1"]["beneficiary"]) == \
        ("self", False, "community")
    assert (got["e2"]["initiative"], got["e2"]["rewarded"]) == ("prompted", True)
    assert (got["e3"]["initiative"], got["e3"]["rewarded"]) == ("incentivized", False)
    assert (got["e4"]["initiative"], got["e4"]["rewarded"]) == ("incentivized", True)


def test_without_campaign_defaults_are_self_and_not_rewarded(api, org):
    h.ingest(api, [event(1), event(2, initiative="incentivized", rewarded=True)])
    got = listed(api)
    assert (got["e1"]["initiative"], got["e1"]["rewarded"], got["e1"]["beneficiary"]) == \
        ("self", False, "self")
    assert got["e1"]["quality"] is None and got["e1"]["level"] is None
    assert got["e1"]["campaign"] is None and got["e1"]["value"] is None
    assert got["e1"]["properties"] is None
    assert (got["e2"]["initiative"], got["e2"]["rewarded"]) == ("incentivized", True)


def test_defaults_are_fixed_at_ingestion(api, org):
    assert api.put("/v1/campaigns/c1", json=h.campaign("points")).status_code == 201
    h.ingest(api, [event(1, campaign="c1")])
    assert api.put("/v1/campaigns/c1", json=h.campaign("none")).status_code == 200
    h.ingest(api, [event(2, campaign="c1")])
    got = listed(api)
    assert (got["e1"]["initiative"], got["e1"]["rewarded"]) == ("incentivized", True)
    assert (got["e2"]["initiative"], got["e2"]["rewarded"]) == ("prompted", False)
