"""The TypeScript client (clients/typescript) against the real service: its
example, compiled with tsc and run with Node, ingests events, reads the
indicators and their series, and reports an invalid batch's problem."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, make_token

TSC = ROOT / "node_modules" / ".bin" / "tsc"
OUT = ROOT / "build" / "ts-client"


@pytest.fixture(scope="module")
def example_js():
    if not TSC.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(OUT, ignore_errors=True)
    r = subprocess.run([str(TSC), "-p", "clients/typescript/tsconfig.example.json"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, "tsc failed:\n" + r.stdout + r.stderr
    return OUT / "example.js"


def run_example(example_js, url, token):
    env = dict(os.environ, AMPMETER_URL=url, AMPMETER_TOKEN=token)
    return subprocess.run(["node", str(example_js)], env=env, capture_output=True,
                          text=True, timeout=60)


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


def test_example_ingests_reads_and_handles_a_422(example_js, service, api, org):
    r = run_example(example_js, service.url, make_token(org=org))
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()

    ingested = next(x for x in lines if x.startswith("ingested:"))
    assert fields(ingested) == {"accepted": "6", "duplicates": "0"}

    ind = fields(next(x for x in lines if x.startswith("indicators:")))
    assert ind["events"] == "6"
    series = fields(next(x for x in lines if x.startswith("series:")))
    assert series["interval"] == "day" and series["buckets"] == "7"
    days = [fields(x) for x in lines if re.match(r"^  \d{4}-\d{2}-\d{2} events=", x)]
    assert len(days) == int(series["with_events"]) >= 1
    assert sum(int(d["events"]) for d in days) == 6

    # What the example printed is what the API answers for its window.
    got = api.get(f"/v1/indicators?from={ind['from']}&to={ind['to']}").json()
    assert got["counts"]["events"] == 6
    for name in ("autonomy", "mastery", "purpose", "amp", "extrinsic_pressure", "results"):
        value = got[name]["value"]
        expected = "null" if value is None else f"{value:.3f}"
        assert ind[name] == expected, (name, ind[name], value)
    assert ind["state"] == got["state"]

    # The invalid batch: a 422 problem naming both events, nothing stored.
    at = lines.index(next(x for x in lines if x.startswith("invalid batch:")))
    assert fields(lines[at]) == {"status": "422", "type": "urn:ampmeter:problem:validation"}
    pointers = [x.split()[1].rstrip(":") for x in lines[at + 1:] if x.startswith("  pointer ")]
    assert pointers == ["/events/1/quality", "/events/2/occurred_at"]
    stored = api.get("/v1/events?limit=500").json()["data"]
    assert len(stored) == 6
    assert {e["member"] for e in stored} == {"m-ada", "m-bo", "m-cy"}
    assert next(e for e in stored if e["id"].endswith("-2"))["properties"] == {
        "thread": "t-4821", "tags": ["howto", "api"], "upvotes": 4}


def test_example_reports_a_refused_token(example_js, service, org):
    # Without events:write the first call is a 403 problem, which the
    # client's unwrap() throws and the example reports.
    r = run_example(example_js, service.url, make_token(org=org, scopes="indicators:read"))
    assert r.returncode == 1
    assert "example: 403 " in r.stderr
    assert "ingested:" not in r.stdout


def test_example_sends_the_bearer_token(example_js, service, org):
    r = run_example(example_js, service.url, make_token(org=org, secret="x" * 48))
    assert r.returncode == 1
    assert "example: 401 " in r.stderr
