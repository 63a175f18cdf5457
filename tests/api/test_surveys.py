"""Survey instruments, responses, the anonymous summary and settings."""
import datetime as dt
import math
import statistics
import uuid

from conftest import count
from helpers import event, iso, now

PULSE = "amp-pulse-1"
SUBSCALES = ["autonomy", "mastery", "purpose", "intrinsic", "identified",
             "introjected", "external"]

TEAM = {
    "name": "Team pulse",
    "scale": {"min": 1, "max": 5},
    "items": [
        {"id": "q1", "subscale": "autonomy", "text": "I choose how I contribute."},
        {"id": "q2", "subscale": "autonomy", "reverse": True,
         "text": "Others decide what I work on."},
        {"id": "q3", "subscale": "belonging"},
    ],
}


def pulse_answers(needs=5, intrinsic=5, identified=5, introjected=5, external=5):
    """Answers to every amp-pulse-1 item; reversed need items get 8 - x so
    that each need subscale scores `needs`."""
    a = {}
    for sub, v in (("aut", needs), ("mas", needs), ("pur", needs)):
        a[sub + "1"], a[sub + "2"], a[sub + "3"] = v, v, 8 - v
    for prefix, v in (("int", intrinsic), ("ide", identified),
                      ("inj", introjected), ("ext", external)):
        a[prefix + "1"], a[prefix + "2"] = v, v
    return a


def response(rid, member, answers, instrument=PULSE, at=None):
    return {"id": rid, "member": member, "instrument": instrument,
            "submitted_at": iso(at or now() - dt.timedelta(hours=2)),
            "answers": answers}


def post(api, *responses):
    return api.post("/v1/surveys/responses", json={"responses": list(responses)})


def respond(api, members, **kw):
    """One full amp-pulse-1 response per member."""
    r = post(api, *[response("r-" + m, m, pulse_answers(**kw)) for m in members])
    assert r.status_code == 200, r.text
    return r


def summary(api, **params):
    r = api.get("/v1/surveys/summary", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def sub(doc, name):
    return next(s for s in doc["subscales"] if s["subscale"] == name)


def pointers(r):
    return [e["pointer"] for e in r.json()["errors"]]


def visit(api, members, channel="forum", campaign=None):
    evs = [event(uuid.uuid4().hex, member=m, channel=channel,
                 **({"campaign": campaign} if campaign else {})) for m in members]
    r = api.post("/v1/events", json={"events": evs})
    assert r.status_code == 200, r.text


# Instruments ------------------------------------------------------------

def test_builtin_pulse_exists_for_every_org(api):
    r = api.get("/v1/instruments/" + PULSE)
    assert r.status_code == 200
    ins = r.json()
    assert ins["builtin"] and ins["locked"]
    assert ins["scale"] == {"min": 1, "max": 7}
    assert ins["subscales"] == SUBSCALES
    for name in SUBSCALES:
        n = sum(1 for i in ins["items"] if i["subscale"] == name)
        assert 2 <= n <= 3, name
    assert sum(1 for i in ins["items"] if i["reverse"]) >= 2
    assert all(i["text"] for i in ins["items"])
    assert ins["index"] == {"intrinsic": 2, "identified": 1,
                            "introjected": -1, "external": -2}
    listed = api.get("/v1/instruments").json()["data"]
    assert [i["id"] for i in listed] == [PULSE]


def test_instruments_readable_by_survey_forms_summary_is_not(api, org):
    form = api.as_org(org, scopes="surveys:write")
    assert form.get("/v1/instruments/" + PULSE).status_code == 200
    assert form.get("/v1/instruments").status_code == 200
    assert form.get("/v1/surveys/summary").status_code == 403
    assert form.put("/v1/instruments/mine", json=TEAM).status_code == 403
    reader = api.as_org(org, scopes="indicators:read")
    assert reader.get("/v1/surveys/summary").status_code == 200
    assert reader.post("/v1/surveys/responses", json={"responses": [
        response("r1", "m1", pulse_answers())]}).status_code == 403


def test_put_instrument_creates_then_replaces_and_pages(api):
    r = api.put("/v1/instruments/team-pulse", json=TEAM)
    assert r.status_code == 201
    created = r.json()
    assert created["builtin"] is False and created["locked"] is False
    assert created["items"][1] == {"id": "q2", "subscale": "autonomy",
                                   "reverse": True,
                                   "text": "Others decide what I work on."}
    assert created["items"][2]["reverse"] is False
    assert created["items"][2]["text"] is None
    assert created["subscales"] == ["autonomy", "belonging"]
    assert created["index"] is None

    again = dict(TEAM, name="Team pulse v1", index={"autonomy": 1})
    r = api.put("/v1/instruments/team-pulse", json=again)
    assert r.status_code == 200
    assert r.json()["name"] == "Team pulse v1"
    assert r.json()["index"] == {"autonomy": 1}
    assert r.json()["created_at"] == created["created_at"]
    assert api.get("/v1/instruments/team-pulse").json() == r.json()

    assert api.put("/v1/instruments/a-first", json=TEAM).status_code == 201
    seen, cursor = [], None
    while True:
        page = api.get("/v1/instruments", params={"limit": 1, **(
            {"cursor": cursor} if cursor else {})}).json()
        seen += [i["id"] for i in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["a-first", PULSE, "team-pulse"]


def test_put_instrument_validation(api):
    cases = [
        (dict(TEAM, scale={"min": 3, "max": 3}), "/scale/max"),
        (dict(TEAM, scale={"min": 0, "max": 11}), "/scale"),
        (dict(TEAM, scale={"min": 1.5, "max": 7}), "/scale/min"),
        (dict(TEAM, items=[]), "/items"),
        (dict(TEAM, items=TEAM["items"] + [{"id": "q1", "subscale": "x"}]),
         "/items/3/id"),
        (dict(TEAM, items=[{"id": "q 1", "subscale": "x"}]), "/items/0/id"),
        (dict(TEAM, items=[{"id": f"q{i}", "subscale": "s"} for i in range(201)]),
         "/items"),
        (dict(TEAM, index={"relatedness": 1}), "/index/relatedness"),
        (dict(TEAM, index={"autonomy": 0}), "/index"),
        (dict(TEAM, colour="blue"), "/colour"),
    ]
    for body, pointer in cases:
        r = api.put("/v1/instruments/bad", json=body)
        assert r.status_code == 422, (body, r.text)
        assert pointer in pointers(r), (pointer, r.text)
    assert api.get("/v1/instruments/bad").status_code == 404


def test_builtin_and_reserved_ids_cannot_be_defined(api):
    r = api.put("/v1/instruments/" + PULSE, json=TEAM)
    assert r.status_code == 409
    assert r.json()["type"] == "urn:ampmeter:problem:conflict"
    assert api.get("/v1/instruments/" + PULSE).json()["scale"]["max"] == 7
    r = api.put("/v1/instruments/AMP-pulse-2", json=TEAM)
    assert r.status_code == 400
    assert r.json()["errors"][0]["parameter"] == "id"


def test_instrument_with_responses_keeps_its_scale_and_items(api):
    assert api.put("/v1/instruments/team", json=TEAM).status_code == 201
    assert post(api, response("r1", "m1", {"q1": 4, "q2": 2},
                              instrument="team")).status_code == 200
    assert api.get("/v1/instruments/team").json()["locked"] is True

    items = TEAM["items"]
    changed = [
        dict(TEAM, scale={"min": 1, "max": 7}),
        dict(TEAM, items=items[:2]),
        dict(TEAM, items=items + [{"id": "q4", "subscale": "belonging"}]),
        dict(TEAM, items=[dict(items[0], reverse=True)] + items[1:]),
        dict(TEAM, items=[dict(items[0], text="Reworded.")] + items[1:]),
    ]
    for body in changed:
        r = api.put("/v1/instruments/team", json=body)
        assert r.status_code == 409, body
        assert r.json()["type"] == "urn:ampmeter:problem:conflict"
    assert api.get("/v1/instruments/team").json()["items"] == [
        {"id": "q1", "subscale": "autonomy", "reverse": False,
         "text": "I choose how I contribute."},
        {"id": "q2", "subscale": "autonomy", "reverse": True,
         "text": "Others decide what I work on."},
        {"id": "q3", "subscale": "belonging", "reverse": False, "text": None}]

    # Name, index and the order of the items are not what was answered.
    same = dict(TEAM, name="Renamed", index={"autonomy": 1},
                items=list(reversed(items)))
    r = api.put("/v1/instruments/team", json=same)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Renamed"


# Responses --------------------------------------------------------------

def test_responses_are_idempotent(api, db, org):
    batch = [response(f"r{i}", f"m{i}", pulse_answers()) for i in range(3)]
    r = post(api, *batch)
    assert r.json() == {"accepted": 3, "duplicates": 0}
    changed = dict(batch[0], answers=pulse_answers(needs=1))
    r = post(api, changed, *batch[1:], response("r9", "m9", pulse_answers()))
    assert r.json() == {"accepted": 1, "duplicates": 3}
    assert count(db, "survey_responses", org) == 4
    with db.cursor() as cur:
        cur.execute("SELECT answers->>'aut1' FROM amp.survey_responses "
                    "WHERE org_id = %s AND id = 'r0'", (org,))
        assert cur.fetchone()[0] == "5"


def test_response_validation_writes_nothing(api, db, org):
    assert api.put("/v1/instruments/team", json=TEAM).status_code == 201
    good = response("ok", "m0", pulse_answers())
    cases = [
        (response("a", "m1", {"q1": 3}, instrument="nope"),
         "/responses/1/instrument"),
        (response("a", "m1", dict(pulse_answers(), q7=3)), "/responses/1/answers/q7"),
        (response("a", "m1", dict(pulse_answers(), aut1=8)),
         "/responses/1/answers/aut1"),
        (response("a", "m1", dict(pulse_answers(), aut1=0)),
         "/responses/1/answers/aut1"),
        (response("a", "m1", dict(pulse_answers(), aut1=4.5)),
         "/responses/1/answers/aut1"),
        (response("a", "m1", dict(pulse_answers(), aut1="4")),
         "/responses/1/answers/aut1"),
        (response("a", "m1", {"q1": 6, "q3": 2}, instrument="team"),
         "/responses/1/answers/q1"),
        # One of three items of each need: no subscale has half of its
        # items answered.
        (response("a", "m1", {"aut1": 5, "mas1": 5, "pur1": 5}),
         "/responses/1/answers"),
        (response("a", "m1", {}), "/responses/1/answers"),
        (dict(response("a", "m1", pulse_answers()), mood="good"),
         "/responses/1/mood"),
        (response("a", "m1", pulse_answers(),
                  at=now() + dt.timedelta(hours=1)), "/responses/1/submitted_at"),
        (response("ok", "m1", pulse_answers()), "/responses/1/id"),
    ]
    for bad, pointer in cases:
        r = post(api, good, bad)
        assert r.status_code == 422, (bad, r.text)
        assert pointer in pointers(r), (pointer, r.text)
    assert count(db, "survey_responses", org) == 0

    # Half of a subscale is enough: one of two intrinsic items.
    assert post(api, response("half", "m1", {"int1": 6})).status_code == 200
    # Two of three on the custom instrument: q1 and q2 cover autonomy.
    assert post(api, response("t", "m1", {"q1": 5, "q2": 1},
                              instrument="team")).status_code == 200


def test_response_batch_size(api, db, org):
    many = [response(f"r{i}", f"m{i}", {"int1": 5, "int2": 5}) for i in range(501)]
    r = post(api, *many)
    assert r.status_code == 422
    assert pointers(r) == ["/responses"]
    assert post(api).status_code == 422
    r = post(api, *many[:500])
    assert r.json() == {"accepted": 500, "duplicates": 0}
    assert count(db, "survey_responses", org) == 500


def test_latest_response_in_the_window_wins(api):
    t = now()
    members = [f"m{i}" for i in range(5)]
    first = [response(f"old-{m}", m, pulse_answers(needs=2),
                      at=t - dt.timedelta(days=3)) for m in members]
    latest = [response(f"new-{m}", m, pulse_answers(needs=6),
                       at=t - dt.timedelta(days=1)) for m in members]
    # Sent newest first: arrival order must not matter.
    assert post(api, *latest, *first).status_code == 200
    doc = summary(api)
    assert doc["respondents"] == {"count": 5, "fewer_than": None}
    assert sub(doc, "autonomy")["mean"] == 6
    assert sub(doc, "autonomy")["n"] == 5

    # A window that ends before the newer answers counts the older ones.
    doc = summary(api, to=iso(t - dt.timedelta(days=2)))
    assert doc["respondents"]["count"] == 5
    assert sub(doc, "autonomy")["mean"] == 2


# Summary and anonymity ---------------------------------------------------

def test_summary_suppressed_at_4_shown_at_5(api):
    respond(api, [f"m{i}" for i in range(4)], needs=6)
    doc = summary(api)
    assert doc["min_group"] == 5
    assert doc["suppression"] == "small_group"
    assert doc["respondents"] == {"count": None, "fewer_than": 5}
    assert doc["participation"] == {"value": None, "members": None,
                                    "reason": "suppressed"}
    for s in doc["subscales"]:
        assert s["mean"] is None and s["sd"] is None and s["n"] is None
        assert s["reason"] == "suppressed"
        assert s["reliability"]["value"] is None
    assert doc["index"]["mean"] is None
    assert doc["index"]["reason"] == "suppressed"

    respond(api, ["m4"], needs=6)
    doc = summary(api)
    assert doc["suppression"] is None
    assert doc["respondents"] == {"count": 5, "fewer_than": None}
    assert [s["subscale"] for s in doc["subscales"]] == SUBSCALES
    autonomy = sub(doc, "autonomy")
    assert autonomy["mean"] == 6 and autonomy["sd"] == 0 and autonomy["n"] == 5
    assert autonomy["reason"] is None
    # Every answer alike: no variance, so no reliability either.
    assert autonomy["reliability"]["reason"] == "insufficient_data"
    assert doc["index"]["mean"] == 0 and doc["index"]["n"] == 5


def test_empty_org_reveals_nothing(api):
    doc = summary(api)
    assert doc["respondents"] == {"count": None, "fewer_than": 5}
    assert doc["suppression"] == "small_group"


def test_summary_scores_reliability_and_rai(api):
    t = now() - dt.timedelta(hours=3)
    rows = [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5], [5, 5, 4]]
    batch = []
    for i, (a, b, c) in enumerate(rows):
        # aut3 is reverse keyed: send 8 - c so that it scores c.
        answers = dict(pulse_answers(intrinsic=7, identified=7, introjected=1,
                                     external=1), aut1=a, aut2=b, aut3=8 - c)
        batch.append(response(f"r{i}", f"m{i}", answers, at=t))
    assert post(api, *batch).status_code == 200
    visit(api, [f"m{i}" for i in range(8)])

    doc = summary(api)
    autonomy = sub(doc, "autonomy")
    means = [sum(r) / 3 for r in rows]
    assert math.isclose(autonomy["mean"], statistics.mean(means), rel_tol=1e-9)
    assert math.isclose(autonomy["sd"], statistics.stdev(means), rel_tol=1e-9)
    rel = autonomy["reliability"]
    assert rel["method"] == "cronbach_alpha"
    assert abs(rel["value"] - 0.928571) < 1e-6
    assert rel["low"] is False and rel["n"] == 5
    assert sub(doc, "intrinsic")["reliability"]["method"] == "spearman_brown"
    assert doc["index"]["mean"] == 18 and doc["index"]["sd"] == 0
    # Eight members with events, five of them answered.
    assert doc["participation"] == {"value": 5 / 8, "members": 8, "reason": None}


def test_min_group_setting(api, org):
    r = api.get("/v1/settings")
    assert r.json() == {"survey_min_group": 5, "timezone": "UTC", "updated_at": None}
    for bad in (2, 0, 4.5, "5"):
        r = api.put("/v1/settings", json={"survey_min_group": bad})
        assert r.status_code == 422
        assert pointers(r) == ["/survey_min_group"]
    assert api.get("/v1/settings").json()["survey_min_group"] == 5

    respond(api, ["m1", "m2", "m3"])
    assert summary(api)["respondents"]["fewer_than"] == 5
    r = api.put("/v1/settings", json={"survey_min_group": 3})
    assert r.status_code == 200
    assert r.json()["survey_min_group"] == 3 and r.json()["updated_at"]
    doc = summary(api)
    assert doc["min_group"] == 3 and doc["respondents"]["count"] == 3

    # PUT replaces the whole: a missing field is back to its default.
    assert api.put("/v1/settings", json={}).json()["survey_min_group"] == 5
    assert summary(api)["respondents"]["count"] is None
    assert api.as_org(org, scopes="indicators:read").get(
        "/v1/settings").status_code == 403


def test_subtraction_across_a_filter_is_prevented(api):
    """Seven respondents, five of them active on the forum. If the forum
    summary were shown next to the unfiltered one, the other two's scores
    would follow by subtraction; so the forum summary is hidden."""
    forum = [f"f{i}" for i in range(5)]
    respond(api, forum, needs=6)
    respond(api, ["x1", "x2"], needs=1)
    visit(api, forum, channel="forum")
    visit(api, ["x1", "x2"], channel="slack")

    whole = summary(api)
    assert whole["respondents"]["count"] == 7
    assert sub(whole, "autonomy")["mean"] is not None

    doc = summary(api, channel="forum")
    assert doc["suppression"] == "small_complement"
    assert doc["respondents"] == {"count": None, "fewer_than": None}
    assert all(s["mean"] is None for s in doc["subscales"])
    assert doc["index"]["mean"] is None
    assert doc["participation"]["value"] is None
    # The two outside the forum are a small group on their own as well.
    assert summary(api, channel="slack")["suppression"] == "small_group"

    # With five outside the forum the difference describes five people.
    others = [f"y{i}" for i in range(3)]
    respond(api, others, needs=1)
    visit(api, others, channel="slack")
    doc = summary(api, channel="forum")
    assert doc["suppression"] is None
    assert doc["respondents"]["count"] == 5
    assert sub(doc, "autonomy")["mean"] == 6
    assert doc["participation"] == {"value": 1, "members": 5, "reason": None}
    assert summary(api)["respondents"]["count"] == 10


def test_subtraction_between_two_filters_is_prevented(api):
    """Channel and campaign together are compared with the channel alone
    and the campaign alone, not only with the unfiltered summary."""
    start = now() - dt.timedelta(days=20)
    assert api.put("/v1/campaigns/spring", json={
        "name": "Spring", "incentive": "points",
        "starts_at": iso(start)}).status_code == 201
    both = [f"b{i}" for i in range(5)]
    forum_only = ["c1", "c2"]
    campaign_only = [f"d{i}" for i in range(5)]
    neither = [f"e{i}" for i in range(5)]
    respond(api, both + forum_only + campaign_only + neither)
    visit(api, both, channel="forum", campaign="spring")
    visit(api, forum_only, channel="forum")
    visit(api, campaign_only, channel="slack", campaign="spring")
    visit(api, neither, channel="slack")

    # Each filter alone is far enough from the 17 of the whole.
    assert summary(api)["respondents"]["count"] == 17
    assert summary(api, campaign="spring")["respondents"]["count"] == 10
    assert summary(api, channel="forum")["respondents"]["count"] == 7
    # Both: 5, against the campaign alone (10) and the whole (17) fine,
    # but the forum alone (7) holds only two more.
    doc = summary(api, channel="forum", campaign="spring")
    assert doc["suppression"] == "small_complement"
    assert doc["respondents"] == {"count": None, "fewer_than": None}

    # Three more forum respondents outside the campaign: shown.
    more = ["c3", "c4", "c5"]
    respond(api, more)
    visit(api, more, channel="forum")
    doc = summary(api, channel="forum", campaign="spring")
    assert doc["suppression"] is None
    assert doc["respondents"]["count"] == 5


def test_summary_parameters(api):
    assert api.get("/v1/surveys/summary",
                   params={"instrument": "nope"}).status_code == 404
    assert api.get("/v1/surveys/summary",
                   params={"campaign": "nope"}).status_code == 404
    r = api.get("/v1/surveys/summary", params={"from": "2024-01-01",
                                               "to": "2025-06-01"})
    assert r.status_code == 400
    r = api.get("/v1/surveys/summary", params={"member": "m1"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["parameter"] == "member"
    assert api.put("/v1/instruments/team", json=TEAM).status_code == 201
    doc = summary(api, instrument="team")
    assert doc["instrument"] == "team" and doc["index"] is None
    assert [s["subscale"] for s in doc["subscales"]] == ["autonomy", "belonging"]


def test_tenant_isolation(api, org, db):
    other = api.as_org("x-" + uuid.uuid4().hex[:12])
    assert api.put("/v1/instruments/team", json=TEAM).status_code == 201
    respond(api, [f"m{i}" for i in range(6)], needs=6)
    assert api.put("/v1/settings", json={"survey_min_group": 3}).status_code == 200

    assert other.get("/v1/instruments/team").status_code == 404
    assert [i["id"] for i in other.get("/v1/instruments").json()["data"]] == [PULSE]
    r = post(other, response("r1", "m1", {"q1": 3, "q2": 3}, instrument="team"))
    assert r.status_code == 422
    assert pointers(r) == ["/responses/0/instrument"]
    assert other.get("/v1/instruments/team").status_code == 404
    assert other.get("/v1/settings").json()["survey_min_group"] == 5
    doc = summary(other)
    assert doc["respondents"] == {"count": None, "fewer_than": 5}

    # The same response ids in another org are other responses.
    r = respond(other, [f"m{i}" for i in range(6)], needs=2)
    assert r.json() == {"accepted": 6, "duplicates": 0}
    assert sub(summary(other), "autonomy")["mean"] == 2
    assert sub(summary(api), "autonomy")["mean"] == 6
    # Another org may define its own "team": a different instrument.
    assert other.put("/v1/instruments/team", json=dict(
        TEAM, scale={"min": 0, "max": 10})).status_code == 201
    assert api.get("/v1/instruments/team").json()["scale"]["max"] == 5
    assert count(db, "survey_responses", org) == 6
