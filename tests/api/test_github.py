"""GitHub connector: signed webhook deliveries become events, with the
community's real example payloads (npm @octokit/webhooks-examples, pinned
in package.json; `npm ci` installs it)."""
import copy
import datetime as dt
import hashlib
import hmac
import json
import re
import urllib.parse
import uuid

import pytest

import helpers as h
from conftest import ROOT, count

EXAMPLES = ROOT / "node_modules/@octokit/webhooks-examples/api.github.com/index.json"
SECRET = "it's-a-secret-to-everybody-0123"
SINCE = {"from": "2015-01-01", "limit": 500}


@pytest.fixture(scope="module")
def examples():
    assert EXAMPLES.is_file(), "run npm ci: the example payloads are a devDependency"
    return {e["name"]: e["examples"] for e in json.loads(EXAMPLES.read_text())}


def example(examples, event, action=None):
    for e in examples[event]:
        if e.get("action") == action:
            return copy.deepcopy(e)
    raise LookupError((event, action))


def sign(body, secret=SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(client, org, event, payload, secret=SECRET, delivery=None, form=False,
            signature=..., headers=None):
    """POSTs one delivery as GitHub does: returns (response, delivery id)."""
    delivery = delivery or str(uuid.uuid4())
    text = json.dumps(payload)
    if form:
        body = ("payload=" + urllib.parse.quote_plus(text)).encode()
        ctype = "application/x-www-form-urlencoded"
    else:
        body = text.encode()
        ctype = "application/json"
    hdrs = {"Content-Type": ctype, "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
            "User-Agent": "GitHub-Hookshot/test"}
    if signature is ...:
        signature = sign(body, secret)
    if signature is not None:
        hdrs["X-Hub-Signature-256"] = signature
    hdrs.update(headers or {})
    return client.post(f"/v1/hooks/github/{org}", data=body, headers=hdrs, token=None), delivery


@pytest.fixture
def connected(api):
    r = api.put("/v1/connectors/github", json={"secret": SECRET})
    assert r.status_code == 201, r.text
    return api


def stored(api, **params):
    r = api.get("/v1/events", params=dict(SINCE, **params))
    assert r.status_code == 200
    return r.json()["data"]


# --- the connector ---------------------------------------------------------

def test_connector_is_configured_shown_without_its_secret_and_removed(api, org, service):
    assert h.problem(api.get("/v1/connectors/github"), 404)
    r = api.put("/v1/connectors/github", json={"secret": SECRET, "staff": ["octocat"]})
    assert r.status_code == 201
    doc = r.json()
    assert SECRET not in r.text
    assert doc["staff"] == ["octocat"]
    assert doc["path"] == f"/v1/hooks/github/{org}"
    port = service.url.rsplit(":", 1)[1]
    assert doc["url"] == f"http://127.0.0.1:{port}/v1/hooks/github/{org}"

    r = api.get("/v1/connectors/github", headers={"X-Forwarded-Proto": "https",
                                                   "Host": "ampmeter.example.org"})
    assert r.status_code == 200 and SECRET not in r.text
    assert r.json()["url"] == f"https://ampmeter.example.org/v1/hooks/github/{org}"

    r = api.put("/v1/connectors/github", json={"secret": "another-secret-of-20-chars"})
    assert r.status_code == 200 and r.json()["staff"] == []
    assert api.delete("/v1/connectors/github").status_code == 204
    assert h.problem(api.get("/v1/connectors/github"), 404)
    assert h.problem(api.delete("/v1/connectors/github"), 404)


@pytest.mark.parametrize("body,pointer", [
    ({"secret": "too-short"}, "/secret"),
    ({}, "/secret"),
    ({"secret": SECRET, "staff": ["not a login"]}, "/staff/0"),
    ({"secret": SECRET, "staff": "octocat"}, "/staff"),
    ({"secret": SECRET, "owner": "x"}, "/owner"),
])
def test_connector_input_is_checked(api, body, pointer):
    assert pointer in h.pointers(api.put("/v1/connectors/github", json=body))


def test_connector_needs_the_admin_scope(api, org):
    reader = api.as_org(org, scopes="events:read")
    assert h.problem(reader.get("/v1/connectors/github"), 403)
    assert h.problem(reader.put("/v1/connectors/github", json={"secret": SECRET}), 403)


def test_the_service_role_cannot_read_a_secret(connected, cluster, org):
    import psycopg2
    conn = psycopg2.connect(cluster.app_url)
    try:
        with conn.cursor() as cur:
            # SET LOCAL, also propagated to Citus workers (a plain query
            # through a coordinator is not routed; on plain PostgreSQL the
            # citus setting is an inert placeholder).
            cur.execute("SET LOCAL citus.propagate_set_commands = 'local'")
            cur.execute("SELECT format('SET LOCAL amp.org = %%L', %s)", (org,))
            cur.execute(cur.fetchone()[0])
            cur.execute("SELECT staff FROM amp.connectors WHERE org_id = %s", (org,))
            assert cur.fetchall() == [([],)]
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("SELECT secret FROM amp.connectors WHERE org_id = %s", (org,))
    finally:
        conn.close()


# --- the mapping -------------------------------------------------------------

# (event, action, kind, beneficiary, time field in the payload or None for
# the receipt, expected properties keys)
MAPPED = [
    ("star", "created", "react", "self", ("starred_at",), set()),
    ("watch", "started", "react", "self", None, set()),
    ("fork", None, "react", "self", ("forkee", "created_at"), {"url"}),
    ("issues", "opened", "create", "community", ("issue", "created_at"), {"number", "url"}),
    ("issue_comment", "created", "create", "others", ("comment", "created_at"),
     {"number", "url"}),
    ("discussion", "created", "create", "community", ("discussion", "created_at"),
     {"number", "url"}),
    ("discussion_comment", "created", "create", "others", ("comment", "created_at"),
     {"number", "url"}),
    ("pull_request", "opened", "contribute", "community", ("pull_request", "created_at"),
     {"number", "url"}),
    ("pull_request", "reopened", "contribute", "community", ("pull_request", "updated_at"),
     {"number", "url"}),
    ("pull_request_review", "submitted", "contribute", "others", ("review", "submitted_at"),
     {"number", "url"}),
    ("pull_request_review_comment", "created", "create", "others", ("comment", "created_at"),
     {"number", "url"}),
    ("release", "published", "contribute", "community", ("release", "published_at"), {"url"}),
]


def instant(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def dig(payload, path):
    for key in path:
        payload = payload[key]
    return payload


@pytest.mark.parametrize("event,action,kind,beneficiary,when,props", MAPPED,
                         ids=[f"{m[0]}.{m[1]}" for m in MAPPED])
def test_each_engagement_event_becomes_the_expected_event(connected, org, examples, event,
                                                          action, kind, beneficiary, when,
                                                          props):
    payload = example(examples, event, action)
    before = h.now()
    r, delivery = deliver(connected, org, event, payload)
    assert r.status_code == 201, r.text
    assert r.json() == {"stored": True, "id": f"github:{delivery}", "staff": False}

    [e] = stored(connected)
    assert e["id"] == f"github:{delivery}"
    assert e["member"] == "github:" + payload["sender"]["login"]
    assert e["channel"] == "github:" + payload["repository"]["full_name"]
    assert e["action"] == event + ("." + action if action else "")
    assert (e["kind"], e["beneficiary"]) == (kind, beneficiary)
    assert (e["initiative"], e["rewarded"]) == ("self", False)
    if when is None:
        assert instant(e["occurred_at"]) >= before.replace(microsecond=0)
    else:
        assert instant(e["occurred_at"]) == instant(dig(payload, when))
    assert set(e["properties"]) == props
    if "number" in props:
        assert isinstance(e["properties"]["number"], int)


def test_a_merge_counts_for_whoever_merged_and_a_close_does_not(connected, org, examples):
    closed = example(examples, "pull_request", "closed")
    closed["pull_request"]["merged"] = False
    r, _ = deliver(connected, org, "pull_request", closed)
    assert r.status_code == 200 and r.json()["stored"] is False

    merged = copy.deepcopy(closed)
    merged["pull_request"].update(merged=True, merged_at="2019-05-15T15:21:00Z")
    merged["sender"] = dict(merged["sender"], login="maintainer")
    r, _ = deliver(connected, org, "pull_request", merged)
    assert r.status_code == 201
    [e] = stored(connected)
    assert (e["member"], e["action"], e["kind"]) == ("github:maintainer", "pull_request.closed",
                                                     "contribute")
    assert instant(e["occurred_at"]) == instant("2019-05-15T15:21:00Z")


def test_an_accepted_answer_counts_for_its_author(connected, org, examples):
    payload = example(examples, "discussion", "answered")
    r, _ = deliver(connected, org, "discussion", payload)
    assert r.status_code == 201
    [e] = stored(connected)
    assert e["member"] == "github:" + payload["answer"]["user"]["login"]
    assert e["member"] != "github:" + payload["sender"]["login"]
    assert (e["kind"], e["beneficiary"]) == ("contribute", "others")
    assert instant(e["occurred_at"]) == instant(payload["discussion"]["answer_chosen_at"])
    assert e["properties"]["url"] == payload["answer"]["html_url"]


def test_a_push_with_commits_is_a_contribution_and_one_without_is_not(connected, org, examples):
    pushes = examples["push"]
    with_commits = next(p for p in pushes if p["commits"])
    without = next(p for p in pushes if not p["commits"])
    r, _ = deliver(connected, org, "push", without)
    assert r.status_code == 200 and r.json()["stored"] is False
    r, _ = deliver(connected, org, "push", with_commits)
    assert r.status_code == 201
    [e] = stored(connected)
    assert (e["action"], e["kind"], e["beneficiary"]) == ("push", "contribute", "community")
    assert e["properties"]["commits"] == len(with_commits["commits"])
    assert instant(e["occurred_at"]) == instant(with_commits["head_commit"]["timestamp"])


def test_every_example_of_every_event_type_is_answered_without_a_5xx(connected, org, examples,
                                                                     db):
    answers = {}
    for event, payloads in examples.items():
        for payload in payloads:
            r, _ = deliver(connected, org, event, payload)
            assert r.status_code < 500, (event, payload.get("action"), r.text)
            answers.setdefault(r.status_code, set()).add(event)
    # Every example is what GitHub sends: stored, or acknowledged.
    assert set(answers) == {200, 201}, answers
    assert answers[201] == {m[0] for m in MAPPED} | {"push"}
    assert count(db, "events", org) == len(stored(connected))


def test_ping_and_what_is_not_engagement_are_acknowledged_and_not_stored(connected, org,
                                                                          examples, db):
    r, _ = deliver(connected, org, "ping", examples["ping"][0])
    assert r.status_code == 200 and r.json()["reason"] == "ping"
    r, _ = deliver(connected, org, "issues", example(examples, "issues", "labeled"))
    assert r.status_code == 200
    assert r.json()["reason"] == "not engagement: issues.labeled"
    r, _ = deliver(connected, org, "star", example(examples, "star", "deleted"))
    assert r.status_code == 200 and r.json()["stored"] is False
    assert count(db, "events", org) == 0


# --- signatures ----------------------------------------------------------------

def test_deliveries_without_a_valid_signature_are_refused_and_store_nothing(
        connected, anon, org, examples, db):
    payload = example(examples, "issues", "opened")
    body = json.dumps(payload).encode()
    cases = {
        "missing": None,
        "malformed": "sha256=xyz",
        "sha1": "sha1=" + hashlib.sha1(body).hexdigest(),
        "wrong": "sha256=" + "0" * 64,
        "another body": sign(b'{"zen": "Design for failure."}'),
        "another secret": sign(body, "another-secret-of-20-chars"),
    }
    for name, signature in cases.items():
        r, _ = deliver(anon, org, "issues", payload, signature=signature)
        assert h.problem(r, 401), name
    # A valid signature over one body does not cover another.
    r, _ = deliver(anon, org, "issues", payload,
                   signature=sign(json.dumps(payload, indent=1).encode()))
    assert h.problem(r, 401)
    assert count(db, "events", org) == 0
    r, _ = deliver(anon, org, "issues", payload)
    assert r.status_code == 201


def test_the_signature_is_checked_before_anything_else_is_said(connected, anon, org):
    """An unsigned body that is not JSON is a 401, not a 400: only the
    secret's holder learns what is wrong with a delivery."""
    r = anon.post(f"/v1/hooks/github/{org}", data=b"not json", token=None, headers={
        "Content-Type": "application/json", "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": "sha256=" + "a" * 64})
    assert h.problem(r, 401)
    r = anon.post(f"/v1/hooks/github/{org}", data=b"not json", token=None, headers={
        "Content-Type": "application/json", "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": sign(b"not json")})
    assert h.problem(r, 400)


def test_an_org_without_a_connector_refuses_every_delivery(anon, api, org, examples, db):
    r, _ = deliver(anon, org, "issues", example(examples, "issues", "opened"))
    assert h.problem(r, 401)
    assert count(db, "events", org) == 0


def test_another_orgs_secret_and_path_are_of_no_use(connected, org, examples, db):
    other = "t-" + uuid.uuid4().hex[:12]
    b = connected.as_org(other)
    assert b.put("/v1/connectors/github",
                 json={"secret": "bs-secret-is-not-a-secret"}).status_code == 201
    payload = example(examples, "issues", "opened")
    # Signed with B's secret, sent to A: refused; with A's secret to B: refused.
    r, _ = deliver(connected, org, "issues", payload, secret="bs-secret-is-not-a-secret")
    assert h.problem(r, 401)
    r, _ = deliver(connected, other, "issues", payload)
    assert h.problem(r, 401)
    r, _ = deliver(connected, other, "issues", payload, secret="bs-secret-is-not-a-secret")
    assert r.status_code == 201
    assert count(db, "events", org) == 0
    assert stored(connected) == []
    assert len(stored(b)) == 1


# --- redelivery, bots, staff, forms ---------------------------------------------

def test_a_redelivery_stores_nothing_new(connected, org, examples, db):
    payload = example(examples, "issue_comment", "created")
    r, delivery = deliver(connected, org, "issue_comment", payload)
    assert r.status_code == 201
    r, _ = deliver(connected, org, "issue_comment", payload, delivery=delivery)
    assert r.status_code == 200
    assert r.json() == {"stored": False, "id": f"github:{delivery}",
                        "reason": "a redelivery: stored already"}
    assert count(db, "events", org) == 1
    profile = connected.get("/v1/members/github:" + payload["sender"]["login"]).json()
    assert profile["events"] == 1 and profile["by_kind"]["create"] == 1


@pytest.mark.parametrize("sender", [
    {"login": "dependabot[bot]", "type": "Bot"},
    {"login": "renovate", "type": "Bot"},
    {"login": "some-app[bot]", "type": "User"},
])
def test_bots_are_acknowledged_and_not_members(connected, org, examples, db, sender):
    payload = example(examples, "pull_request", "opened")
    payload["sender"] = dict(payload["sender"], **sender)
    r, _ = deliver(connected, org, "pull_request", payload)
    assert r.status_code == 200
    assert r.json()["stored"] is False and "bot" in r.json()["reason"]
    assert count(db, "events", org) == 0


def test_staff_activity_is_marked_paid(api, org, examples):
    assert api.put("/v1/connectors/github", json={
        "secret": SECRET, "staff": ["CODERTOCAT"]}).status_code == 201
    staff = example(examples, "issues", "opened")
    volunteer = copy.deepcopy(staff)
    volunteer["sender"] = dict(volunteer["sender"], login="volunteer")
    r, _ = deliver(api, org, "issues", staff)
    assert r.status_code == 201 and r.json()["staff"] is True
    r, _ = deliver(api, org, "issues", volunteer)
    assert r.status_code == 201 and r.json()["staff"] is False
    events = {e["member"]: e for e in stored(api)}
    assert (events["github:Codertocat"]["initiative"],
            events["github:Codertocat"]["rewarded"]) == ("incentivized", True)
    assert (events["github:volunteer"]["initiative"],
            events["github:volunteer"]["rewarded"]) == ("self", False)


def test_form_encoded_deliveries_are_read_like_json_ones(connected, org, examples):
    payload = example(examples, "release", "published")
    r, delivery = deliver(connected, org, "release", payload, form=True)
    assert r.status_code == 201, r.text
    [e] = stored(connected)
    assert e["id"] == f"github:{delivery}" and e["action"] == "release.published"
    assert e["properties"]["url"] == payload["release"]["html_url"]


def test_a_signed_form_without_a_payload_is_a_bad_request(connected, anon, org):
    body = b"zen=Design+for+failure."
    r = anon.post(f"/v1/hooks/github/{org}", data=body, token=None, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-GitHub-Event": "ping",
        "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": sign(body)})
    assert h.problem(r, 400)


# --- limits ------------------------------------------------------------------------

def test_a_body_over_1_mib_is_refused(connected, anon, org, db):
    payload = {"zen": "x" * (h.MIB + 10)}
    r, _ = deliver(anon, org, "ping", payload)
    assert h.problem(r, 413)


def test_a_body_that_is_not_utf8_is_a_bad_request(connected, anon, org):
    body = b'{"zen": "\xff"}'
    r = anon.post(f"/v1/hooks/github/{org}", data=body, token=None, headers={
        "Content-Type": "application/json", "X-GitHub-Event": "ping",
        "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": sign(body)})
    assert h.problem(r, 400)


def test_a_signed_delivery_missing_its_headers_is_a_bad_request(connected, anon, org, examples):
    body = json.dumps(examples["ping"][0]).encode()
    r = anon.post(f"/v1/hooks/github/{org}", data=body, token=None, headers={
        "Content-Type": "application/json", "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(body)})
    assert "X-GitHub-Event" in h.parameters(r)


def test_a_payload_that_maps_to_an_unstorable_event_is_422(connected, org, examples, db):
    payload = example(examples, "issues", "opened")
    payload["repository"]["full_name"] = "octo-org/" + "r" * 80
    r, _ = deliver(connected, org, "issues", payload)
    assert "/events/0/channel" in h.pointers(r)
    assert count(db, "events", org) == 0


# --- metrics -------------------------------------------------------------------------

def deliveries(anon, event, outcome):
    text = anon.get("/metrics").text
    m = re.search(r'^ampmeter_github_deliveries_total\{event="%s",outcome="%s"\} (\d+)$'
                  % (event, outcome), text, re.M)
    assert m, text
    return int(m.group(1))


def test_metrics_count_deliveries_by_event_type_and_outcome(connected, anon, org, examples):
    """Other tests may deliver meanwhile: counts only grow, by at least ours."""
    outcomes = ("received", "stored", "ignored", "refused")
    before = {o: deliveries(anon, "issues", o) for o in outcomes}
    deliver(connected, org, "issues", example(examples, "issues", "opened"))
    deliver(connected, org, "issues", example(examples, "issues", "labeled"))
    deliver(connected, org, "issues", example(examples, "issues", "opened"), signature=None)
    after = {o: deliveries(anon, "issues", o) for o in outcomes}
    assert after["received"] - before["received"] >= 3
    for o in ("stored", "ignored", "refused"):
        assert after[o] - before[o] >= 1, o
