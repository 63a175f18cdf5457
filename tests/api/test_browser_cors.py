"""CORS as a browser enforces it: headless Chromium loads a page from
another origin (tests/browser/cors.html, served here) that calls the API
with a bearer token — reads, a JSON write with its preflight, an error —
and shows what the browser let it read. A page of a listed origin reads
every answer and the exposed headers; a page of an unlisted origin reads
nothing."""
import http.server
import json
import os
import subprocess
import threading

import pytest

from conftest import ROOT, Service, free_port, make_token

PAGE = (ROOT / "tests/browser/cors.html").read_bytes()


class PageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/cors.html":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def page_servers():
    """Two origins serving the page: the first is listed, the second not."""
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), PageHandler)
               for _ in range(2)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
    for s in servers:
        s.shutdown()
        s.server_close()


def test_a_browser_on_a_listed_origin_reads_the_api_and_others_do_not(
        workdir, cluster, org, page_servers):
    listed, stranger = page_servers
    service = Service(workdir, cluster.app_url, AMP_CORS_ORIGINS=f"https://other.example, {listed}")
    try:
        env = dict(os.environ, API_URL=service.url, TOKEN=make_token(org=org),
                   PAGE_URLS=f"{listed}/cors.html {stranger}/cors.html")
        p = subprocess.run(["node", str(ROOT / "tests/browser/cors.mjs")], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
        results = json.loads(p.stdout)
    finally:
        service.stop()

    seen = results[f"{listed}/cors.html"]["seen"]
    assert seen["indicators"]["status"] == 200, seen
    assert seen["indicators"]["body"]["state"] == "insufficient_data"
    # Readable only because they are exposed.
    assert seen["indicators"]["etag"].startswith('"')
    assert seen["indicators"]["ratelimit"].startswith('"org";r=')
    # A JSON POST needs a preflight for Authorization and Content-Type.
    assert seen["ingest"]["status"] == 200, seen["ingest"]
    assert seen["ingest"]["body"] == {"accepted": 1, "duplicates": 0}
    assert seen["notFound"]["status"] == 404
    assert seen["notFound"]["body"]["type"] == "urn:ampmeter:problem:not-found"
    assert seen["noToken"]["status"] == 401
    assert seen["noToken"]["body"]["type"] == "urn:ampmeter:problem:unauthorized"

    refused = results[f"{stranger}/cors.html"]
    for name, call in refused["seen"].items():
        assert set(call) == {"error"}, (name, call)
        assert "Failed to fetch" in call["error"]
    assert any("CORS policy" in line for line in refused["console"]), refused["console"]
