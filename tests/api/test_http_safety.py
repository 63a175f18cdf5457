"""The HTTP layer, over raw sockets: request smuggling, framing errors,
problem+json answers from the framework itself, and bodies refused before
they are buffered (issue #10). The framework (patched Kore, patches/kore/)
refuses these before routing, answers an RFC 9457 problem with
Connection: close, and closes the connection: nothing after the refused
request is read as another request."""
import collections
import copy
import json
import select
import socket
import time
import uuid

import pytest
from jsonschema import Draft202012Validator

import helpers as h
from conftest import make_token

MIB = h.MIB
BODY_READERS_MAX = 64       # per worker (patches/kore/03-body-admission.patch)
WORKERS = 2                 # the service fixture's AMP_WORKERS


# --- raw HTTP/1.1 --------------------------------------------------------

def read_response(sock, buf=b""):
    """One response from sock: (status, headers, body, bytes after it)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before a response: {buf[:200]!r}"
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed inside a response body"
        rest += chunk
    return status, headers, rest[:length], rest[length:]


def read_to_close(sock, buf=b""):
    """Everything the server still sends until it closes (socket.timeout
    when it keeps the connection open)."""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return buf
        buf += chunk


def exchange(port, *parts, pause=0.3):
    """Sends parts over one connection (pausing between them, so that the
    server reads them apart) and returns the first response and whatever
    came after it until the server closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        for i, part in enumerate(parts):
            if i:
                time.sleep(pause)
            try:
                s.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
        status, headers, body, rest = read_response(s)
        after = read_to_close(s, rest)
    return status, headers, body, after


def request(method, path, headers=(), body=b"", token=None, length=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.extend(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# Problem types of the HTTP layer that openapi.yaml does not list yet.
FRAMEWORK_TYPES = {"length-required", "uri-too-long", "request-header-fields-too-large",
                   "http-version-not-supported"}


def problem_schema(spec, kind):
    """The spec's Problem schema; for the framework's own types (not yet in
    its enum of types) the same schema without that enum."""
    schema = spec._problem_schema()
    if kind in FRAMEWORK_TYPES:
        schema = copy.deepcopy(schema)
        schema["properties"]["type"].pop("enum")
    return schema


def refused(result, status, kind, spec):
    """The framework's answer: a problem with this status, Connection:
    close, and nothing more before the connection closed (recv gave b"")."""
    got, headers, body, after = result
    assert got == status, (got, body[:300])
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    doc = json.loads(body)
    errors = list(Draft202012Validator(problem_schema(spec, kind)).iter_errors(doc))
    assert not errors, errors[0].message
    assert doc["type"] == f"urn:ampmeter:problem:{kind}"
    assert doc["status"] == status and doc["title"] and doc["detail"]
    assert after == b"", f"more came after the refusal: {after[:200]!r}"
    return doc


# --- a victim the smuggled requests aim at -----------------------------

@pytest.fixture
def victim(api, org):
    """Member `victim` of the test's org, with an event; the smuggled
    request is an erasure of that member with the org's admin token."""
    h.ingest(api, [h.event(1, member="victim")])
    assert api.get("/v1/members/victim").status_code == 200
    erase = request("DELETE", "/v1/members/victim", token=api.token,
                    headers=["Content-Length: 0"])
    yield erase
    r = api.get("/v1/members/victim")
    assert r.status_code == 200, "the smuggled erasure ran"
    assert r.json()["events"] == 1


@pytest.fixture
def other():
    """Another org's admin token: the attacker's own requests."""
    return make_token(org="t-" + uuid.uuid4().hex[:12])


# --- smuggling: a body where none belongs -----------------------------

@pytest.mark.parametrize("method", ["GET", "DELETE", "HEAD", "OPTIONS"])
@pytest.mark.parametrize("split", [False, True], ids=["one-send", "two-sends"])
def test_a_body_on_a_method_without_one_is_refused(service, spec, victim, other, method,
                                                   split):
    head = request(method, "/v1/members/nobody", token=other, length=len(victim))
    parts = (head, victim) if split else (head + victim,)
    refused(exchange(service.port, *parts), 400, "bad-request", spec)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_request_right_behind_a_request_without_body_is_refused(service, spec, victim,
                                                                  other, method):
    """Kore has no pipelining: it dropped such bytes silently. They are
    refused, never run."""
    head = request(method, "/v1/members/nobody", token=other, headers=["Content-Length: 0"])
    refused(exchange(service.port, head + victim), 400, "bad-request", spec)


def test_headers_ended_by_bare_newlines_then_a_request_is_refused(service, spec, victim,
                                                                  other):
    head = f"GET /healthz HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer {other}\n\n"
    refused(exchange(service.port, head.encode() + victim), 400, "bad-request", spec)


# --- smuggling: Content-Length ---------------------------------------

@pytest.mark.parametrize("value", ["+146", "-1", "1 46", "146a", "a146", "0x92", "146,146",
                                   "1e3", " ", "\t+0"])
def test_a_malformed_content_length_is_refused(service, spec, victim, api, db, org, value):
    body = json.dumps({"events": [h.event(2, member="probe")]}).encode()
    head = request("POST", "/v1/events", token=api.token,
                   headers=["Content-Type: application/json", f"Content-Length: {value}"])
    refused(exchange(service.port, head + body + victim), 400, "bad-request", spec)
    assert api.get("/v1/members/probe").status_code == 404


@pytest.mark.parametrize("first, second", [(2, 2), (2, 146), (146, 2)],
                         ids=["identical", "shorter-first", "longer-first"])
def test_content_length_given_twice_is_refused(service, spec, victim, api, first, second):
    body = b"{}" + victim
    head = request("POST", "/v1/events", token=api.token,
                   headers=["Content-Type: application/json", f"Content-Length: {first}",
                            f"Content-Length: {second}"])
    refused(exchange(service.port, head + body), 400, "bad-request", spec)


def test_a_request_after_the_declared_body_is_refused(service, spec, victim, api):
    """More bytes than Content-Length in the first read: Kore read on
    without end (31 MB seen); now the whole exchange is refused and the
    first request does not run either. (Bytes that arrive after the body,
    in a later read, are the next request of a keep-alive connection.)"""
    body = json.dumps({"events": [h.event(3, member="probe")]}).encode()
    head = request("POST", "/v1/events", token=api.token, length=len(body),
                   headers=["Content-Type: application/json"])
    refused(exchange(service.port, head + body + victim), 400, "bad-request", spec)
    assert api.get("/v1/members/probe").status_code == 404


def test_content_length_10_with_far_more_bytes_is_refused_at_once(service, spec, api):
    head = request("POST", "/v1/events", token=api.token, length=10,
                   headers=["Content-Type: application/json"])
    refused(exchange(service.port, head + b"x" * 12000), 400, "bad-request", spec)


# --- smuggling: Transfer-Encoding ------------------------------------

@pytest.mark.parametrize("method, te, length", [
    ("POST", "chunked", None),
    ("POST", "chunked", 5),
    ("POST", "identity", 2),
    ("POST", "gzip, chunked", None),
    ("GET", "chunked", None),
    ("DELETE", "chunked", None),
], ids=["chunked", "chunked-and-length", "identity", "list", "get", "delete"])
def test_any_transfer_encoding_is_refused(service, spec, victim, api, method, te, length):
    chunk = b"2\r\n{}\r\n0\r\n\r\n"
    head = request(method, "/v1/events" if method == "POST" else "/v1/members/nobody",
                   token=api.token, length=length,
                   headers=["Content-Type: application/json", f"tRaNsFeR-eNcOdInG: {te}"])
    refused(exchange(service.port, head + chunk + victim), 400, "bad-request", spec)


def test_transfer_encoding_past_the_header_lines_kore_reads_is_refused(service, spec,
                                                                      victim, api):
    """Kore kept 24 lines and dropped the rest silently, a Transfer-Encoding
    among them."""
    filler = [f"X-Filler-{i}: {i}" for i in range(30)]
    head = request("POST", "/v1/events", token=api.token, length=5,
                   headers=["Content-Type: application/json"] + filler +
                   ["Transfer-Encoding: chunked"])
    refused(exchange(service.port, head + b"0\r\n\r\n" + victim), 400, "bad-request", spec)


def test_more_header_lines_than_read_are_refused_and_fewer_pass(service, spec):
    # The request line, Host and 22 more: 24 lines, all read.
    ok = request("GET", "/healthz", headers=[f"X-{i}: {i}" for i in range(21)] +
                 ["Connection: close"])
    status, _, body, _ = exchange(service.port, ok)
    assert status == 200, body
    many = request("GET", "/healthz", headers=[f"X-{i}: {i}" for i in range(22)] +
                   ["Connection: close"])
    refused(exchange(service.port, many), 400, "bad-request", spec)


@pytest.mark.parametrize("raw", [
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\rTransfer-Encoding: chunked\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x00\r\nContent-Length: 5\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding : chunked\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n",
], ids=["bare-cr", "nul", "space-before-colon", "folded-line"])
def test_ambiguous_header_lines_are_refused(service, spec, raw):
    refused(exchange(service.port, raw), 400, "bad-request", spec)


# --- errors the HTTP layer answers by itself -------------------------

def test_411_body_without_content_length(service, spec, api):
    head = request("POST", "/v1/events", token=api.token,
                   headers=["Content-Type: application/json"])
    refused(exchange(service.port, head), 411, "length-required", spec)


def test_413_declared_body_over_1_mib_refused_before_it_is_read(service, spec, api):
    head = request("POST", "/v1/events", token=api.token, length=MIB + 1,
                   headers=["Content-Type: application/json"])
    doc = refused(exchange(service.port, head + b'{"events":['), 413, "payload-too-large",
                  spec)
    assert "1048576" in doc["detail"]


def test_413_while_the_client_sends_the_whole_body(service, spec, api):
    """The answer reaches a client that is still sending (no reset)."""
    head = request("POST", "/v1/events", token=api.token, length=2 * MIB,
                   headers=["Content-Type: application/json"])
    refused(exchange(service.port, head, b" " * (2 * MIB)), 413, "payload-too-large", spec)


def test_414_uri_too_long(service, spec):
    raw = request("GET", "/v1/members/" + "a" * 3000)
    refused(exchange(service.port, raw), 414, "uri-too-long", spec)


def test_431_headers_larger_than_read(service, spec):
    raw = request("GET", "/healthz", headers=["X-Big: " + "a" * 20000])
    refused(exchange(service.port, raw), 431, "request-header-fields-too-large", spec)


@pytest.mark.parametrize("line", [b"GET /healthz HTTP/2.0", b"GET /healthz HTTP/9"])
def test_505_unsupported_version(service, spec, line):
    refused(exchange(service.port, line + b"\r\nHost: 127.0.0.1\r\n\r\n"), 505,
            "http-version-not-supported", spec)


@pytest.mark.parametrize("line", [b"GET /healthz", b"BREW /healthz HTTP/1.1",
                                  b"GET  /healthz HTTP/1.1 x"])
def test_400_malformed_request_line(service, spec, line):
    refused(exchange(service.port, line + b"\r\nHost: 127.0.0.1\r\n\r\n"), 400,
            "bad-request", spec)


# --- bodies refused before they are buffered -------------------------

@pytest.mark.parametrize("auth", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer "])
def test_a_body_without_a_bearer_token_is_refused_before_it_is_read(service, spec, auth):
    """Only the headers are sent: the 401 comes without waiting for the
    1 MiB body."""
    headers = ["Content-Type: application/json"] + ([f"Authorization: {auth}"] if auth else [])
    head = request("POST", "/v1/events", length=MIB, headers=headers)
    result = exchange(service.port, head)
    refused(result, 401, "unauthorized", spec)
    assert result[1]["www-authenticate"] == "Bearer"


def test_401_reaches_a_client_sending_its_whole_body(service, spec):
    head = request("POST", "/v1/events", length=MIB, headers=["Content-Type: application/json"])
    result = exchange(service.port, head, b" " * MIB)
    refused(result, 401, "unauthorized", spec)


@pytest.mark.parametrize("path", ["/healthz", "/metrics", "/openapi.yaml", "/nowhere"])
def test_a_body_on_a_path_outside_v1_is_refused(service, spec, api, path):
    head = request("POST", path, token=api.token, length=2,
                   headers=["Content-Type: application/json"])
    refused(exchange(service.port, head + b"{}"), 400, "bad-request", spec)


def test_bodies_arriving_at_once_are_capped_per_worker(service, spec):
    """200 connections start a 100 kB body with a (fake) token and stop:
    a worker buffers at most 64 at once, the others get 503 with
    Retry-After before anything is buffered. Once the accepted bodies are
    complete (then 401: the token is fake) the count is back to zero."""
    n, size = 200, 100_000
    head = request("POST", "/v1/events", token="fake.token.here", length=size,
                   headers=["Content-Type: application/json"])
    socks = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", service.port), timeout=10)
            s.sendall(head + b"{")
            socks.append(s)
        # Wait for the refusals: at least n - 2 * 64 come before any body
        # is complete.
        answers = {}
        must = n - WORKERS * BODY_READERS_MAX
        deadline = time.time() + 30
        while len(answers) < must and time.time() < deadline:
            ready, _, _ = select.select([s for s in socks if s not in answers], [], [], 1)
            for s in ready:
                answers[s] = read_response(s)
        assert len(answers) >= must, len(answers)
        # The others complete their bodies. Each is answered either the
        # API's 401 (its body was read; the token is fake) or, when its
        # headers were read after the count above, the 503 before its body.
        for s in socks:
            if s not in answers:
                s.sendall(b" " * (size - 1))
                answers[s] = read_response(s)
        statuses = collections.Counter(status for status, _, _, _ in answers.values())
        assert set(statuses) == {401, 503} and statuses[503] >= must, statuses
        for s, (status, headers, body, rest) in answers.items():
            if status == 503:
                assert headers["retry-after"].isdigit()
                refused((status, headers, body, read_to_close(s, rest)), 503,
                        "unavailable", spec)
            else:
                assert json.loads(body)["type"] == "urn:ampmeter:problem:unauthorized"
    finally:
        for s in socks:
            s.close()

    # Every body slot is free again: 60 bodies at once are all accepted,
    # even if one worker takes them all.
    socks = []
    try:
        for _ in range(BODY_READERS_MAX - 4):
            s = socket.create_connection(("127.0.0.1", service.port), timeout=10)
            s.sendall(head + b"{")
            socks.append(s)
        for s in socks:
            s.sendall(b" " * (size - 1))
        for s in socks:
            status, _, body, _ = read_response(s)
            assert status == 401, body
    finally:
        for s in socks:
            s.close()


# --- what still works ------------------------------------------------

def test_keep_alive_sequence_on_one_connection(service, api, org):
    """Requests one after another on one connection, bodies and DELETE with
    Content-Length: 0 included, all answered, and the connection stays."""
    body = json.dumps({"events": [h.event(1, member="ka"), h.event(2, member="ka")]}).encode()
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as s:
        steps = [
            (request("GET", "/healthz"), 200),
            (request("POST", "/v1/events", token=api.token, length=len(body),
                     headers=["Content-Type: application/json"], body=body), 200),
            (request("GET", "/v1/members/ka", token=api.token), 200),
            (request("GET", "/v1/members/ka", token=api.token, length=0), 200),
            (request("DELETE", "/v1/members/ka", token=api.token, length=0), 204),
            (request("GET", "/v1/members/ka", token=api.token), 404),
            (request("POST", "/v1/events", token=api.token, length=len(body),
                     headers=["Content-Type: application/json"], body=body), 200),
        ]
        for raw, expected in steps:
            s.sendall(raw)
            status, headers, payload, rest = read_response(s)
            assert rest == b""
            assert status == expected, (raw[:40], status, payload[:200])
            assert headers.get("connection", "keep-alive") != "close"
    assert api.get("/v1/members/ka").json()["events"] == 2
