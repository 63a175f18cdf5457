"""The API tests run against a real PostgreSQL cluster and a real ampmeter
process, both started here on free ports and torn down at the end.

AMP_TEST_CLUSTER=citus (make test-citus) runs the same tests against a
Citus coordinator with two workers (scripts/citus.sh) instead, plus
test_citus.py, which only applies there."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import jwt
import psycopg2
import pytest
import requests

from spec import Spec

ROOT = Path(__file__).resolve().parents[2]
SECRET = "ampmeter-test-secret-only-for-the-test-suite-0123"
ALL_SCOPES = "events:write events:read indicators:read surveys:write admin"


CITUS = os.environ.get("AMP_TEST_CLUSTER", "plain") == "citus"
if os.environ.get("AMP_TEST_CLUSTER", "plain") not in ("plain", "citus"):
    raise RuntimeError("AMP_TEST_CLUSTER must be plain or citus")

# Tests of where data lives on a Citus cluster: nothing to test without one.
collect_ignore = [] if CITUS else ["test_citus.py"]


def pytest_configure(config):
    config.addinivalue_line("markers", "fault: stops or breaks the shared cluster; runs last")
    config.addinivalue_line("markers", "last: looks at what the whole run stored; runs at the end")


def pytest_collection_modifyitems(items):
    """Fault tests run after every other test, whatever their file names,
    and tests of what the whole run stored after them."""
    items.sort(key=lambda item: (item.get_closest_marker("last") is not None,
                                 item.get_closest_marker("fault") is not None))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n):
    """The first of n consecutive free ports."""
    while True:
        first = free_port()
        if first + n > 65535:
            continue
        try:
            for p in range(first + 1, first + n):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return first
        except OSError:
            continue


class Cluster:
    """A throwaway PostgreSQL cluster (scripts/pg.sh), fsync off."""

    def __init__(self, base):
        self.dir = str(base / "pg")
        self.port = free_port()
        subprocess.run([str(ROOT / "scripts/pg.sh"), "start", self.dir, str(self.port), "fast"],
                       check=True)
        self.owner_url = f"postgresql://amp_owner@127.0.0.1:{self.port}/ampmeter"
        self.app_url = f"postgresql://amp_app@127.0.0.1:{self.port}/ampmeter"
        subprocess.run([str(ROOT / "scripts/migrate.sh"), self.owner_url], check=True,
                       stdout=subprocess.DEVNULL)

    def restart(self):
        subprocess.run([str(ROOT / "scripts/pg.sh"), "restart", self.dir], check=True)

    def stop(self):
        subprocess.run([str(ROOT / "scripts/pg.sh"), "stop", self.dir], check=False)

    def connect(self):
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres",
                                dbname="ampmeter")
        conn.autocommit = True
        return conn


class CitusCluster(Cluster):
    """A throwaway Citus coordinator (port) with two workers (port + 1,
    port + 2), fsync off (scripts/citus.sh). The migrator, the service and
    the tests connect to the coordinator, whose directory is `dir`, so the
    outage tests stop and start it as they would a plain cluster."""

    def __init__(self, base):
        self.base = str(base / "citus")
        self.dir = self.base + "/coordinator"
        self.port = free_ports(3)
        self.workers = [self.port + 1, self.port + 2]
        subprocess.run([str(ROOT / "scripts/citus.sh"), "start", self.base, str(self.port),
                        "fast"], check=True)
        self.owner_url = f"postgresql://amp_owner@127.0.0.1:{self.port}/ampmeter"
        self.app_url = f"postgresql://amp_app@127.0.0.1:{self.port}/ampmeter"
        subprocess.run([str(ROOT / "scripts/migrate.sh"), self.owner_url], check=True,
                       stdout=subprocess.DEVNULL)

    def stop(self):
        subprocess.run([str(ROOT / "scripts/citus.sh"), "stop", self.base], check=False)


class Service:
    """The ampmeter binary, as `make run` starts it."""

    def __init__(self, base, database_url, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = base / f"service-{self.port}.log"
        environ = dict(os.environ, DATABASE_URL=database_url, PORT=str(self.port),
                       AMP_JWT_SECRET=SECRET, AMP_WORKERS="2")
        environ.update(env)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([str(ROOT / "ampmeter"), "-f", "-n", "-r"], env=environ,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("ampmeter exited: " + self.log_path.read_text())
            try:
                requests.get(self.url + "/healthz", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("ampmeter did not start: " + self.log_path.read_text())

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def make_token(org="demo", scopes=ALL_SCOPES, ttl=3600, secret=SECRET, alg="HS256",
               headers=None, **claims):
    now = int(time.time())
    body = {"org": org, "sub": "test", "scope": scopes, "iat": now, "exp": now + ttl}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, secret, algorithm=alg, headers=headers)


class Client:
    """HTTP client that checks every response against openapi.yaml."""

    def __init__(self, base_url, spec, token=None):
        self.base = base_url
        self.spec = spec
        self.token = token
        self.session = requests.Session()

    def as_org(self, org, scopes=ALL_SCOPES, **claims):
        return Client(self.base, self.spec, make_token(org=org, scopes=scopes, **claims))

    def request(self, method, path, token=..., check=True, **kw):
        headers = dict(kw.pop("headers", {}) or {})
        tok = self.token if token is ... else token
        if tok is not None and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {tok}"
        kw.setdefault("timeout", 30)
        r = self.session.request(method, self.base + path, headers=headers, **kw)
        if check:
            self.spec.check(method, path, r)
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)


@pytest.fixture(scope="session")
def workdir():
    base = Path(tempfile.mkdtemp(prefix="ampmeter-test-"))
    base.chmod(0o755)  # the postgres user must reach its data directory
    yield base
    if os.environ.get("AMP_TEST_KEEP") != "1":
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster(workdir):
    c = CitusCluster(workdir) if CITUS else Cluster(workdir)
    yield c
    c.stop()


@pytest.fixture(scope="session")
def service(workdir, cluster):
    s = Service(workdir, cluster.app_url)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def spec():
    return Spec()


@pytest.fixture
def org():
    """A fresh tenant per test, so tests never see each other's data."""
    return "t-" + uuid.uuid4().hex[:12]


@pytest.fixture
def api(service, spec, org):
    return Client(service.url, spec, make_token(org=org))


@pytest.fixture
def anon(service, spec):
    return Client(service.url, spec, None)


@pytest.fixture(scope="session")
def db(cluster):
    conn = cluster.connect()
    yield conn
    conn.close()


def count(db, table, org):
    with db.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM amp.{table} WHERE org_id = %s", (org,))
        return cur.fetchone()[0]
