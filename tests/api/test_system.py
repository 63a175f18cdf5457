"""Liveness, readiness, metrics and the published contract."""
import yaml

import helpers as h


def test_healthz_answers_ok(anon):
    r = anon.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_readyz_reports_current_schema(anon):
    r = anon.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "ready"
    assert r.json()["schema_version"] >= 1


def test_openapi_is_served_and_is_the_repository_spec(anon, spec):
    r = anon.get("/openapi.yaml")
    assert r.status_code == 200
    assert yaml.safe_load(r.text) == spec.doc


def test_metrics_count_requests_by_route(anon):
    anon.get("/healthz")
    r = anon.get("/metrics")
    assert r.status_code == 200
    assert 'ampmeter_http_requests_total{route="healthz",status="2xx"}' in r.text


def test_unknown_path_is_a_problem_404(anon):
    r = anon.get("/v2/nothing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404


def test_wrong_method_is_405_with_allow(api):
    r = api.delete("/v1/events")
    assert r.status_code == 405
    assert h.allowed(r) == h.allows("GET", "POST")
