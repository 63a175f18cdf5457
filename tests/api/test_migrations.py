"""scripts/migrate.sh: migrations once each, function files re-applied when
they change, all in one transaction, and the schema version /readyz checks.

Each test migrates databases of its own in the session's cluster, from the
repository's sql/ or from a copy of it that the test changes."""
import re
import shutil
import subprocess
import uuid

import psycopg2
import pytest

from conftest import ROOT, Client, Service

PG_BIN = "/usr/lib/postgresql/15/bin"


def tree(base, migrations=None, functions=True):
    """A copy of the scripts and sql/ that migrate.sh needs, optionally with
    only the first `migrations` migrations and only the first function file,
    of utilities (today's functions need today's schema: a deployment
    applies them after all of its migrations, never over an older one)."""
    top = base / ("tree-" + uuid.uuid4().hex[:8])
    (top / "scripts").mkdir(parents=True)
    for name in ("migrate.sh", "schema-version.sh"):
        shutil.copy2(ROOT / "scripts" / name, top / "scripts" / name)
    shutil.copytree(ROOT / "sql", top / "sql")
    if migrations is not None:
        for f in sorted((top / "sql/migrations").glob("*.sql"))[migrations:]:
            f.unlink()
    if not functions:
        for f in sorted((top / "sql/functions").glob("*.sql"))[1:]:
            f.unlink()
    return top


def new_database(db):
    name = "m_" + uuid.uuid4().hex[:10]
    with db.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} OWNER amp_owner")
    return name


def migrate(cluster, name, top=ROOT):
    r = subprocess.run([str(top / "scripts/migrate.sh"),
                        f"postgresql://amp_owner@127.0.0.1:{cluster.port}/{name}"],
                       check=True, capture_output=True, text=True)
    return r.stdout


def version(top=ROOT):
    return subprocess.run([str(top / "scripts/schema-version.sh")], check=True,
                          capture_output=True, text=True).stdout.strip()


def schema(cluster, name):
    """pg_dump --schema-only, without the random \\restrict key it prints."""
    out = subprocess.run([f"{PG_BIN}/pg_dump", "--schema-only", "-h", "127.0.0.1",
                          "-p", str(cluster.port), "-U", "postgres", name],
                         check=True, capture_output=True, text=True).stdout
    return re.sub(r"^\\(un)?restrict .*$", "", out, flags=re.M)


def rows(cluster, name, sql):
    conn = psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres",
                            dbname=name)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def applied(cluster, name):
    return rows(cluster, name, """
        SELECT 'migration', version, applied_at FROM amp.schema_migrations
        UNION ALL SELECT 'functions', file || ' ' || checksum, applied_at
        FROM amp.schema_functions
        UNION ALL SELECT 'version', version, applied_at FROM amp.schema_version
        ORDER BY 1, 2""")


def function_files(output):
    return re.findall(r"^functions: (\S+)$", output, flags=re.M)


def test_a_second_run_changes_nothing(cluster, db):
    name = new_database(db)
    first = migrate(cluster, name)
    files = sorted(p.name for p in (ROOT / "sql/functions").glob("*.sql"))
    assert function_files(first) == files
    assert re.findall(r"^migrated: (\S+)$", first, flags=re.M) == sorted(
        p.stem for p in (ROOT / "sql/migrations").glob("*.sql"))
    before = (schema(cluster, name), applied(cluster, name))

    second = migrate(cluster, name)

    assert second.strip() == f"nothing to do: schema {version()} is current"
    assert (schema(cluster, name), applied(cluster, name)) == before
    assert rows(cluster, name, "SELECT version FROM amp.schema_version") == \
        [(version(),)]


def test_migrating_step_by_step_gives_the_schema_of_one_go(cluster, db, workdir):
    n = len(list((ROOT / "sql/migrations").glob("*.sql")))
    assert n >= 1
    stepwise = new_database(db)
    for k in range(1, n + 1):
        top = tree(workdir, migrations=k, functions=k == n)
        out = migrate(cluster, stepwise, top)
        assert f"schema {version(top)} is current" in out
    at_once = new_database(db)
    migrate(cluster, at_once)
    assert schema(cluster, stepwise) == schema(cluster, at_once)
    assert rows(cluster, stepwise, "SELECT version FROM amp.schema_version") == \
        rows(cluster, at_once, "SELECT version FROM amp.schema_version")


def test_a_changed_function_file_alone_is_reapplied_and_changes_the_version(
        cluster, db, workdir):
    top = tree(workdir)
    name = new_database(db)
    migrate(cluster, name, top)
    old = version(top)
    events = top / "sql/functions/40_events.sql"
    events.write_text(events.read_text().replace(
        "'names no existing ' || p_field", "'names no ' || p_field"))

    out = migrate(cluster, name, top)

    assert function_files(out) == ["40_events.sql"]
    assert "migrated:" not in out
    new = version(top)
    assert new != old and new.split("-")[0] == old.split("-")[0]
    assert rows(cluster, name, "SELECT version FROM amp.schema_version") == [(new,)]
    assert "'names no ' || p_field" in rows(
        cluster, name, "SELECT prosrc FROM pg_proc WHERE proname = 'missing_refs'")[0][0]
    assert rows(cluster, name, f"SELECT status FROM amp.ready('{new}')") == [(200,)]
    assert rows(cluster, name, f"SELECT status FROM amp.ready('{old}')") == [(503,)]


def test_a_new_migration_is_applied_once_and_every_function_file_after_it(
        cluster, db, workdir):
    top = tree(workdir)
    name = new_database(db)
    migrate(cluster, name, top)
    (top / "sql/migrations/999_test_note.sql").write_text(
        "ALTER TABLE amp.campaigns ADD COLUMN note text;\n")

    out = migrate(cluster, name, top)

    assert re.findall(r"^migrated: (\S+)$", out, flags=re.M) == ["999_test_note"]
    assert len(function_files(out)) == len(list((top / "sql/functions").glob("*.sql")))
    assert version(top).split("-")[0] == str(len(list(
        (top / "sql/migrations").glob("*.sql"))))
    assert "nothing to do" in migrate(cluster, name, top)


def test_a_failing_file_leaves_the_database_as_it_was(cluster, db, workdir):
    top = tree(workdir)
    name = new_database(db)
    migrate(cluster, name, top)
    before = (schema(cluster, name), applied(cluster, name))
    (top / "sql/migrations/999_test_note.sql").write_text(
        "ALTER TABLE amp.campaigns ADD COLUMN note text;\n")
    util = top / "sql/functions/10_util.sql"
    util.write_text(util.read_text() + "\nSELECT no_such_function();\n")

    with pytest.raises(subprocess.CalledProcessError):
        migrate(cluster, name, top)

    assert (schema(cluster, name), applied(cluster, name)) == before


def test_readyz_is_503_until_the_schema_is_the_one_the_service_was_built_for(
        cluster, db, workdir, spec):
    top = tree(workdir)
    name = new_database(db)
    changed = top / "sql/functions/70_evidence.sql"
    changed.write_text(changed.read_text() + "\n-- another version\n")
    migrate(cluster, name, top)
    service = Service(workdir, f"postgresql://amp_app@127.0.0.1:{cluster.port}/{name}")
    try:
        client = Client(service.url, spec)
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == "urn:ampmeter:problem:unavailable"
        assert r.json()["title"] == "Service Unavailable"
        assert "run the migrations" in r.json()["detail"]

        migrate(cluster, name)
        r = client.get("/readyz")
        assert r.status_code == 200
        assert r.json() == {"status": "ready", "schema_version": len(list(
            (ROOT / "sql/migrations").glob("*.sql")))}
    finally:
        service.stop()
