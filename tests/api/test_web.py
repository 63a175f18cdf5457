"""The web assets: the dashboard at /app/ and the API reference at /docs,
served from the binary; and the dashboard itself in headless Chromium
(tests/web/run.mjs, playwright-core on Debian's chromium) against a seeded
org: every view renders cleanly, the overview shows the API's numbers,
filters change the requests, beliefs are stated through the form, tokens
and scopes are handled, and /docs loads nothing from another host.
Screenshots of each view are written to build/screenshots/."""
import datetime as dt
import gzip
import json
import os
import random
import subprocess

import pytest
import requests

import indicator_helpers as ih
from conftest import ROOT, make_token

CHECKS = [
    "views render without errors",
    "overview numbers equal the API's",
    "changing a filter changes the request",
    "a belief stated in the form appears with a verdict",
    "an expired token leads to the token form",
    "a missing scope is named",
    "a busy service gets a banner and a retry",
    "an empty org gets the first-events guide",
    "docs render the reference from this host only",
]


def seed(api):
    """Two months of a small community: two channels, a points campaign
    three weeks ago, a KPI with a target and its results, survey answers."""
    rng = random.Random(7)
    today = dt.datetime.now(dt.timezone.utc).date()
    start = today - dt.timedelta(days=60)
    camp_from = today - dt.timedelta(days=24)
    camp_to = today - dt.timedelta(days=14)
    r = api.put("/v1/campaigns/spring-points", json={
        "name": "Spring points", "incentive": "points", "contingency": "engagement",
        "starts_at": f"{camp_from}T00:00:00Z", "ends_at": f"{camp_to}T23:00:00Z"})
    assert r.status_code in (200, 201), r.text
    ev = ih.Ev("w")
    events = []
    for n in range(40):
        member = f"m-{n:02d}"
        for _ in range(rng.randint(3, 30)):
            d = start + dt.timedelta(days=rng.randint(0, 60))
            if d > today:
                continue
            kind = rng.choice(["consume", "react", "react", "create", "contribute"])
            extra = {"initiative": rng.choice(["self", "self", "prompted"]),
                     "beneficiary": rng.choice(["others", "community", "self"]),
                     "quality": round(rng.random(), 2)}
            if camp_from <= d <= camp_to and rng.random() < 0.5:
                extra.update(campaign="spring-points", initiative="incentivized", rewarded=True)
            hour = rng.randint(0, 23) if d < today else 0
            events.append(ev(member, d.isoformat(), kind=kind,
                             channel=rng.choice(["forum", "chat"]), hour=hour, **extra))
    ih.store_events(api, events)
    ih.put_kpi(api, "signups", target=20, period="week")
    # Today's result at midnight, like today's events: whatever the time
    # the test runs, nothing is in the future.
    ih.post_results(api, *[(f"r{i}", "signups", rng.randint(1, 6),
                            f"{today - dt.timedelta(days=i)}T{8 if i else 0:02d}:00:00Z")
                           for i in range(60)])
    answers = {}
    for sub in ("aut", "mas", "pur"):
        answers.update({sub + "1": 5, sub + "2": 4, sub + "3": 3})
    for p in ("int", "ide", "inj", "ext"):
        answers.update({p + "1": 4, p + "2": 3})
    r = api.post("/v1/surveys/responses", json={"responses": [
        {"id": f"s{n}", "member": f"m-{n:02d}", "instrument": "amp-pulse-1",
         "submitted_at": f"{today - dt.timedelta(days=3)}T10:00:00Z",
         "answers": {k: max(1, min(7, v + (n % 3) - 1)) for k, v in answers.items()}}
        for n in range(8)]})
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def browser_run(service, spec):
    from conftest import Client
    org = "web-" + os.urandom(4).hex()
    seed(Client(service.url, spec, make_token(org=org)))
    env = dict(os.environ,
               AMP_URL=service.url,
               AMP_TOKEN=make_token(org=org),
               AMP_EMPTY_TOKEN=make_token(org="web-empty-" + os.urandom(4).hex()),
               AMP_EXPIRED_TOKEN=make_token(org=org, iat=None, exp=int(dt.datetime.now().timestamp()) - 60),
               AMP_EVENTS_ONLY_TOKEN=make_token(org=org, scopes="events:read"),
               AMP_SCREENSHOTS=str(ROOT / "build" / "screenshots"))
    r = subprocess.run(["node", str(ROOT / "tests/web/run.mjs")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    results = {}
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            results[d["check"]] = d
    assert results, "tests/web/run.mjs reported nothing:\n" + r.stdout + r.stderr
    return results


@pytest.mark.parametrize("name", CHECKS)
def test_dashboard_in_chromium(browser_run, name):
    got = browser_run.get(name)
    assert got is not None, f"{name}: not run"
    assert got["ok"], got.get("error")


def test_screenshots_of_every_view_are_written(browser_run):
    for view in ("overview", "trends", "campaigns", "beliefs", "surveys", "members", "docs"):
        png = ROOT / "build" / "screenshots" / f"{view}.png"
        assert png.exists() and png.read_bytes()[:4] == b"\x89PNG", view


def test_pages_revalidate_and_hashed_files_are_cached_for_good(service):
    page = requests.get(service.url + "/app/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["content-encoding"] == "gzip"
    assert page.headers["vary"] == "Accept-Encoding"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    script = page.text.split('<script type="module" src="')[1].split('"')[0]
    js = requests.get(service.url + "/app/" + script)
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert js.headers["cache-control"] == "public, max-age=31536000, immutable"
    # The same ETag gets a 304 without a body; a changed one the file.
    again = requests.get(service.url + "/app/", headers={
        "Accept-Encoding": "gzip", "If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == page.headers["etag"]
    other = requests.get(service.url + "/app/", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200 and other.text == page.text


def test_gzip_only_when_accepted_and_both_decode_to_the_same_bytes(service):
    url = service.url + "/docs"
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, stream=True)
    raw_plain = plain.raw.read()
    zipped = requests.get(url, headers={"Accept-Encoding": "gzip;q=1"}, stream=True)
    raw_zipped = zipped.raw.read()
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw_zipped) == raw_plain
    assert zipped.headers["etag"] != plain.headers["etag"]
    refused = requests.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_head_and_unknown_asset_names(service):
    head = requests.head(service.url + "/docs", headers={"Accept-Encoding": "identity"})
    get = requests.get(service.url + "/docs", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(get.content)
    missing = requests.get(service.url + "/app/app-000000000000.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert requests.post(service.url + "/app/").status_code == 405
    moved = requests.get(service.url + "/app", allow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/app/"
