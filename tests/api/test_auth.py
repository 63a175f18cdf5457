"""Bearer tokens: every way a token can be wrong is a 401 with a
WWW-Authenticate challenge; a token without the scope an operation needs is
a 403; start-up refuses a bad configuration with one line naming it."""
import os
import signal
import subprocess
import time

import jwt
import pytest
import requests

import helpers as h
from conftest import ALL_SCOPES, ROOT, SECRET, Client, Service, count, free_port, make_token

OTHER_SECRET = "another-secret-that-is-long-enough-0123456789"


def unauthorized(r, had_token=True):
    body = h.problem(r, 401)
    assert body["type"] == "urn:ampmeter:problem:unauthorized"
    challenge = r.headers.get("WWW-Authenticate", "")
    assert challenge.split(" ")[0] == "Bearer", challenge
    if had_token:
        assert 'error="invalid_token"' in challenge
    return body


def get_events(client, token, **kw):
    return client.get("/v1/events", token=token, **kw)


# --- the request carries no usable token ---------------------------------

def test_no_authorization_header(anon):
    r = anon.get("/v1/events")
    unauthorized(r, had_token=False)
    assert r.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", [
    "Basic dXNlcjpwYXNzd29yZA==",
    "Token {token}",
    "Bearer",
    "Bearer ",
    "{token}",
])
def test_authorization_not_a_bearer_token(anon, org, header):
    header = header.format(token=make_token(org=org))
    r = anon.get("/v1/events", headers={"Authorization": header})
    unauthorized(r, had_token=False)


def test_bearer_scheme_is_case_insensitive(anon, org):
    r = anon.get("/v1/events", headers={"Authorization": "bearer " + make_token(org=org)})
    assert r.status_code == 200


@pytest.mark.parametrize("token", [
    "garbage",
    "not.a.jwt",
    "a.b.c.d",
    "eyJhbGciOiJIUzI1NiJ9.%%%%.abc",
    "eyJhbGciOiJIUzI1NiJ9..",
])
def test_garbage_token(anon, token):
    unauthorized(get_events(anon, token))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_token(anon, org, alg):
    token = h.hand_token({"alg": alg, "typ": "JWT"}, h.claims(org=org, scope=ALL_SCOPES))
    assert token.endswith(".")
    unauthorized(get_events(anon, token))


def test_alg_none_token_with_a_valid_signature_appended(anon, org):
    """A none header cannot borrow the HS256 signature of the same claims."""
    good = make_token(org=org)
    header, payload, sig = good.split(".")
    token = h.b64url('{"alg":"none","typ":"JWT"}') + "." + payload + "." + sig
    unauthorized(get_events(anon, token))


def test_token_signed_with_another_secret(anon, org):
    unauthorized(get_events(anon, make_token(org=org, secret=OTHER_SECRET)))


def test_token_with_a_tampered_payload(anon, org):
    header, _, sig = make_token(org=org, scopes="events:read").split(".")
    forged = h.b64url('{"org":"%s","sub":"x","scope":"admin","exp":%d}'
                      % (org, int(time.time()) + 3600))
    unauthorized(get_events(anon, header + "." + forged + "." + sig))


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_hmac_algorithm_with_the_right_secret(anon, org, alg):
    """The algorithm is pinned: the right secret under another HMAC is refused."""
    unauthorized(get_events(anon, make_token(org=org, alg=alg)))


def test_a_valid_token_is_accepted(anon, org):
    r = get_events(anon, make_token(org=org))
    assert r.status_code == 200
    assert r.json() == {"data": [], "next_cursor": None}


# --- claims -----------------------------------------------------------------

def test_missing_exp(anon, org):
    token = make_token(org=org, exp=None)
    assert "exp" not in jwt.decode(token, options={"verify_signature": False})
    unauthorized(get_events(anon, token))


@pytest.mark.parametrize("exp", ["tomorrow", [4102444800], None])
def test_exp_not_a_number(anon, org, exp):
    token = h.hand_token({"alg": "HS256", "typ": "JWT"},
                         dict(h.claims(org=org), exp=exp), hmac_key=SECRET.encode())
    unauthorized(get_events(anon, token))


def test_exp_past_beyond_the_leeway(anon, org):
    unauthorized(get_events(anon, make_token(org=org, ttl=-120)))


def test_exp_within_the_60s_leeway_is_still_accepted(anon, org):
    assert get_events(anon, make_token(org=org, ttl=-30)).status_code == 200


def test_nbf_in_the_future(anon, org):
    unauthorized(get_events(anon, make_token(org=org, nbf=int(time.time()) + 300)))


def test_nbf_within_the_leeway_and_in_the_past_are_accepted(anon, org):
    assert get_events(anon, make_token(org=org, nbf=int(time.time()) + 20)).status_code == 200
    assert get_events(anon, make_token(org=org, nbf=int(time.time()) - 600)).status_code == 200


def test_iat_in_the_future(anon, org):
    unauthorized(get_events(anon, make_token(org=org, iat=int(time.time()) + 300)))


def test_missing_org(anon):
    unauthorized(get_events(anon, make_token(org=None)))


@pytest.mark.parametrize("bad_org", ["a b", 42, "", "x" * 65, "a/b", "ä", ["demo"], None, True])
def test_malformed_org(anon, bad_org):
    token = h.hand_token({"alg": "HS256", "typ": "JWT"},
                         dict(h.claims(), org=bad_org), hmac_key=SECRET.encode())
    unauthorized(get_events(anon, token))


def test_missing_sub(anon, org):
    unauthorized(get_events(anon, make_token(org=org, sub=None)))


def big_token_request(anon, token):
    try:
        return get_events(anon, token, timeout=10)
    except requests.ConnectionError as e:
        error = e
    pytest.fail(f"a {len(token)}-byte token got no HTTP answer ({error})", pytrace=False)


@pytest.mark.parametrize("scope", [None, ["admin"], 1])
def test_missing_or_malformed_scope_claim(anon, org, scope):
    token = h.hand_token({"alg": "HS256", "typ": "JWT"},
                         dict(h.claims(org=org), scope=scope), hmac_key=SECRET.encode())
    unauthorized(get_events(anon, token))


def test_token_over_8_kib(anon, org):
    token = make_token(org=org, pad="x" * 6300)
    assert 8192 < len(token) < 9000
    unauthorized(big_token_request(anon, token))


def test_token_of_6_kib_is_accepted(anon, org):
    """The limit is 8 KiB: a large but legal token (many claims) still works."""
    token = make_token(org=org, pad="x" * 4400)
    assert 6000 < len(token) < 8192
    assert big_token_request(anon, token).status_code == 200


# --- iss and aud, when the deployment configures them ------------------------

ISSUER = "https://issuer.test"
AUDIENCE = "ampmeter"


@pytest.fixture(scope="module")
def strict(workdir, cluster, spec):
    s = Service(workdir, cluster.app_url, AMP_JWT_ISSUER=ISSUER, AMP_JWT_AUDIENCE=AUDIENCE)
    yield Client(s.url, spec)
    s.stop()


@pytest.mark.parametrize("extra", [
    {"aud": AUDIENCE},                                    # no iss
    {"iss": "https://evil.test", "aud": AUDIENCE},
    {"iss": ISSUER + "/", "aud": AUDIENCE},
    {"iss": ISSUER},                                      # no aud
    {"iss": ISSUER, "aud": "ampmeter-staging"},
    {"iss": ISSUER, "aud": ["other", "ampmeter2"]},
    {"iss": ISSUER, "aud": []},
])
def test_wrong_or_missing_iss_aud_is_refused_when_configured(strict, org, extra):
    unauthorized(strict.get("/v1/events", token=make_token(org=org, **extra)))


@pytest.mark.parametrize("aud", [AUDIENCE, ["other", AUDIENCE]])
def test_right_iss_and_aud_are_accepted(strict, org, aud):
    r = strict.get("/v1/events", token=make_token(org=org, iss=ISSUER, aud=aud))
    assert r.status_code == 200


def test_iss_aud_are_not_required_when_not_configured(api, org):
    assert api.get("/v1/events", token=make_token(org=org, iss="anyone", aud="x")).status_code == 200


# --- RS256 pinning -----------------------------------------------------------

@pytest.fixture(scope="module")
def rsa_keys(workdir):
    d = workdir / "rsa"
    d.mkdir(exist_ok=True)
    keys = {}
    for name in ("good", "other"):
        priv, pub = d / f"{name}.pem", d / f"{name}.pub.pem"
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", str(priv)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["openssl", "pkey", "-in", str(priv), "-pubout", "-out", str(pub)],
                       check=True)
        keys[name] = (priv.read_bytes(), pub)
    return keys


@pytest.fixture(scope="module")
def rs256(workdir, cluster, spec, rsa_keys):
    s = Service(workdir, cluster.app_url, AMP_JWT_ALG="RS256",
                AMP_JWT_PUBLIC_KEY_FILE=str(rsa_keys["good"][1]))
    yield Client(s.url, spec)
    s.stop()


def test_rs256_token_is_accepted(rs256, rsa_keys, org):
    token = make_token(org=org, secret=rsa_keys["good"][0], alg="RS256")
    r = rs256.get("/v1/events", token=token)
    assert r.status_code == 200


def test_rs256_token_of_another_key_is_refused(rs256, rsa_keys, org):
    token = make_token(org=org, secret=rsa_keys["other"][0], alg="RS256")
    unauthorized(rs256.get("/v1/events", token=token))


def test_hs256_with_the_public_key_as_secret_is_refused(rs256, rsa_keys, org):
    """The classic key-confusion attack: HMAC keyed with the public PEM."""
    pem = rsa_keys["good"][1].read_bytes()
    token = h.hand_token({"alg": "HS256", "typ": "JWT"}, h.claims(org=org, scope=ALL_SCOPES),
                         hmac_key=pem)
    unauthorized(rs256.get("/v1/events", token=token))
    token = h.hand_token({"alg": "HS256", "typ": "JWT"}, h.claims(org=org, scope=ALL_SCOPES),
                         hmac_key=pem.strip())
    unauthorized(rs256.get("/v1/events", token=token))


def test_hs256_token_is_refused_by_an_rs256_deployment(rs256, org):
    unauthorized(rs256.get("/v1/events", token=make_token(org=org)))


def test_alg_none_is_refused_by_an_rs256_deployment(rs256, org):
    token = h.hand_token({"alg": "none"}, h.claims(org=org, scope=ALL_SCOPES))
    unauthorized(rs256.get("/v1/events", token=token))


def test_rs256_token_is_refused_by_an_hs256_deployment(api, rsa_keys, org):
    token = make_token(org=org, secret=rsa_keys["good"][0], alg="RS256")
    unauthorized(api.get("/v1/events", token=token))


# --- configuration errors stop start-up ------------------------------------

def run_binary(env, timeout=20):
    """Runs ampmeter in the foreground; returns (exit code, output). A
    process that is still running after `timeout` is killed and reported
    as exit code None."""
    proc = subprocess.Popen([str(ROOT / "ampmeter"), "-f", "-n", "-r"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return None, out.decode(errors="replace")


def base_env(cluster):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AMP_", "PG")) and k not in ("DATABASE_URL", "PORT")}
    env.update(DATABASE_URL=cluster.app_url, PORT=str(free_port()),
               AMP_JWT_SECRET=SECRET, AMP_WORKERS="1")
    return env


@pytest.mark.parametrize("change, setting", [
    ({"AMP_JWT_SECRET": "too-short"}, "AMP_JWT_SECRET"),
    ({"AMP_JWT_SECRET": None}, "AMP_JWT_SECRET"),
    ({"AMP_JWT_ALG": "XX"}, "AMP_JWT_ALG"),
    ({"AMP_JWT_ALG": "none"}, "AMP_JWT_ALG"),
    ({"AMP_JWT_ALG": "RS256"}, "AMP_JWT_PUBLIC_KEY_FILE"),
    ({"AMP_JWT_ALG": "RS256", "AMP_JWT_PUBLIC_KEY_FILE": "/nonexistent/key.pem"},
     "AMP_JWT_PUBLIC_KEY_FILE"),
    ({"AMP_JWT_ALG": "RS256", "AMP_JWT_PUBLIC_KEY_FILE": "/etc/hostname"},
     "AMP_JWT_PUBLIC_KEY_FILE"),
    ({"PORT": "abc"}, "PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"AMP_WORKERS": "0"}, "AMP_WORKERS"),
    ({"DATABASE_URL": None}, "DATABASE_URL"),
])
def test_bad_configuration_stops_start_up_naming_the_setting(cluster, change, setting):
    env = base_env(cluster)
    for k, v in change.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    code, out = run_binary(env)
    assert code is not None, "ampmeter started despite a bad " + setting + ":\n" + out
    assert code != 0
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert setting in lines[0], out
    if setting == "AMP_JWT_SECRET":
        assert SECRET not in out


# --- scopes ------------------------------------------------------------------

SCOPES = set(ALL_SCOPES.split())
READ = {"events:read", "indicators:read"}

# (method, path, body, scopes that are each enough besides admin)
ROUTES = [
    ("POST", "/v1/events", lambda: {"events": [h.event(1)]}, {"events:write"}),
    ("POST", "/v1/results", lambda: {"results": [h.result(1, metric="signups")]},
     {"events:write"}),
    ("GET", "/v1/events", None, {"events:read"}),
    ("PUT", "/v1/campaigns/spring", lambda: h.campaign(), set()),
    ("PUT", "/v1/kpis/signups2", lambda: h.kpi(), set()),
    ("GET", "/v1/campaigns", None, READ),
    ("GET", "/v1/campaigns/spring", None, READ),
    ("GET", "/v1/kpis", None, READ),
    ("GET", "/v1/kpis/signups", None, READ),
]
ROUTE_IDS = [f"{m} {p}" for m, p, _, _ in ROUTES]


@pytest.fixture
def seeded(api):
    """The org has the campaign and KPI the routes above name."""
    assert api.put("/v1/campaigns/spring", json=h.campaign()).status_code == 201
    assert api.put("/v1/kpis/signups", json=h.kpi()).status_code == 201
    return api


def call(client, method, path, body, scopes, org):
    return client.request(method, path, token=make_token(org=org, scopes=scopes),
                          json=body() if body else None)


def forbidden(r):
    body = h.problem(r, 403)
    assert body["type"] == "urn:ampmeter:problem:forbidden"


@pytest.mark.parametrize("method, path, body, enough", ROUTES, ids=ROUTE_IDS)
def test_missing_scope_is_403(seeded, org, db, method, path, body, enough):
    others = " ".join(sorted(SCOPES - enough - {"admin"}))
    before = {t: count(db, t, org) for t in ("events", "results", "campaigns", "kpis")}
    for scopes in (others, "", "events:write:x events admin:all ADMIN"):
        forbidden(call(seeded, method, path, body, scopes, org))
    after = {t: count(db, t, org) for t in ("events", "results", "campaigns", "kpis")}
    assert after == before


@pytest.mark.parametrize("method, path, body, enough", ROUTES, ids=ROUTE_IDS)
def test_each_granting_scope_is_enough(seeded, org, method, path, body, enough):
    for scope in enough:
        r = call(seeded, method, path, body, scope, org)
        assert r.status_code in (200, 201), (scope, r.status_code, r.text[:300])


@pytest.mark.parametrize("method, path, body, enough", ROUTES, ids=ROUTE_IDS)
def test_admin_implies_every_scope(seeded, org, method, path, body, enough):
    r = call(seeded, method, path, body, "admin", org)
    assert r.status_code in (200, 201), (r.status_code, r.text[:300])


def test_scope_list_may_carry_unknown_scopes_and_extra_spaces(api, org):
    token = make_token(org=org, scopes="  profile  events:read   openid ")
    assert api.get("/v1/events", token=token).status_code == 200



# --- NumericDates out of range and critical header extensions (issue #10) ---

@pytest.mark.parametrize("claim,value", [
    ("nbf", 2.0 ** 63), ("nbf", 9.3e18), ("iat", 2.0 ** 64), ("iat", 1e300),
    ("exp", 2.0 ** 63), ("exp", 1e300), ("nbf", -1), ("exp", 253402300800)])
def test_numeric_date_out_of_range(anon, org, claim, value):
    """2^63 and more used to wrap to a date far in the past and pass."""
    body = dict(h.claims(org=org, scope=ALL_SCOPES))
    body[claim] = value
    token = h.hand_token({"alg": "HS256", "typ": "JWT"}, body, hmac_key=SECRET.encode())
    unauthorized(get_events(anon, token))


def test_numeric_dates_up_to_9999_are_accepted(anon, org):
    token = make_token(org=org, exp=253402300799, nbf=0)
    assert get_events(anon, token).status_code == 200


@pytest.mark.parametrize("crit", [["exp"], [], ["b64"], "exp", None])
def test_crit_header_is_refused(anon, org, crit):
    """RFC 7515 4.1.11: we understand no extension, so any crit is refused."""
    headers = {"crit": crit, "exp": 1} if crit != ["b64"] else {"crit": crit, "b64": True}
    token = h.hand_token({"alg": "HS256", "typ": "JWT", **headers},
                         h.claims(org=org, scope=ALL_SCOPES), hmac_key=SECRET.encode())
    body = unauthorized(get_events(anon, token))
    assert "crit" in body["detail"]


def test_crit_header_through_pyjwt(anon, org):
    token = make_token(org=org, headers={"crit": ["exp"], "exp": 1})
    assert jwt.get_unverified_header(token)["crit"] == ["exp"]
    unauthorized(get_events(anon, token))
