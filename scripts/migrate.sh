#!/usr/bin/env bash
# Brings a database to the schema of this tree, in ONE transaction under
# an advisory lock (replicas starting together wait for each other):
#   1. sql/migrations/NNN_*.sql, each once, in order, recorded in
#      amp.schema_migrations: tables, types, indexes, policies, grants, data.
#      A migration never calls a function of sql/functions/.
#   2. sql/functions/NN_*.sql, every function's one current definition
#      (CREATE OR REPLACE), re-applied when the file's sha256 differs from
#      the one recorded in amp.schema_functions, and all of them after any
#      migration. A signature that goes away is dropped by a migration.
#   3. On a database with the citus extension, sql/citus.sql: tenant
#      tables distributed by org, entry points routed to the org's worker
#      (idempotent, so it runs every time; not part of the version). It
#      is a second transaction: Citus deadlocks on itself distributing a
#      table with a serial column in the transaction that created a type
#      it uses (the sequence goes through a connection of its own). A
#      failure there leaves the version unwritten, /readyz says 503, and
#      the next run finishes the job.
#   4. The schema version (scripts/schema-version.sh) into
#      amp.schema_version, which /readyz compares with the build's.
# Anything failing rolls all of it back. A tiny runner on psql: it needs
# nothing that the PostgreSQL client does not already bring.
#   scripts/migrate.sh OWNER_DATABASE_URL
set -euo pipefail
cd "$(dirname "$0")/.."
url=$1

version=$(scripts/schema-version.sh)
mapfile -t files < <(scripts/schema-version.sh files)

script=$(mktemp)
trap 'rm -f "$script"' EXIT
{
	cat <<'SQL'
SET client_min_messages = warning;
BEGIN;
SELECT pg_advisory_xact_lock(7245001);
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')
    AS citus \gset
\if :citus
-- Citus: one connection per worker for the whole transaction, so that
-- each step on a worker sees the ones before it (objects created here);
-- new objects reach the workers when sql/citus.sql distributes them.
SET LOCAL citus.multi_shard_modify_mode = 'sequential';
SET LOCAL citus.create_object_propagation = 'deferred';
\endif
CREATE SCHEMA IF NOT EXISTS amp;
CREATE TABLE IF NOT EXISTS amp.schema_migrations (
	version		text PRIMARY KEY,
	applied_at	timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS amp.schema_functions (
	file		text PRIMARY KEY,
	checksum	text NOT NULL,
	applied_at	timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS amp.schema_version (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	version		text NOT NULL,
	applied_at	timestamptz NOT NULL DEFAULT now()
);
\set migrated false
SQL
	for file in "${files[@]}"; do
		name=$(basename "$file")
		if [[ ! "$name" =~ ^[0-9]+_[a-z0-9_]+\.sql$ ]]; then
			echo "migrate: bad file name $file" >&2
			exit 1
		fi
		case "$file" in
		sql/migrations/*)
			cat <<SQL
SELECT NOT EXISTS (SELECT 1 FROM amp.schema_migrations
    WHERE version = '${name%.sql}') AS pending \gset
\if :pending
\echo migrated: ${name%.sql}
\i $file
INSERT INTO amp.schema_migrations (version) VALUES ('${name%.sql}');
\set migrated true
\endif
SQL
			;;
		sql/functions/*)
			sum=$(sha256sum "$file" | cut -c1-64)
			cat <<SQL
SELECT :'migrated'::boolean OR NOT EXISTS (SELECT 1
    FROM amp.schema_functions WHERE file = '$name'
    AND checksum = '$sum') AS pending \gset
\if :pending
\echo functions: $name
\i $file
INSERT INTO amp.schema_functions AS f (file, checksum)
VALUES ('$name', '$sum')
ON CONFLICT (file) DO UPDATE SET checksum = excluded.checksum,
    applied_at = now();
\endif
SQL
			;;
		esac
	done
	names=$(printf "'%s'," "${files[@]##*/}")
	cat <<SQL
DELETE FROM amp.schema_functions WHERE file NOT IN (${names%,});
\if :citus
COMMIT;
BEGIN;
SELECT pg_advisory_xact_lock(7245001);
SET LOCAL citus.multi_shard_modify_mode = 'sequential';
\i sql/citus.sql
\endif
INSERT INTO amp.schema_version AS v (version) VALUES ('$version')
ON CONFLICT (one) DO UPDATE SET version = excluded.version,
    applied_at = now()
WHERE v.version IS DISTINCT FROM excluded.version;
COMMIT;
SQL
} >"$script"

# Query results go nowhere; \echo lines (what was applied) to stdout.
out=$(psql -X -q -t -A -o /dev/null -v ON_ERROR_STOP=1 -f "$script" "$url")
if [ -z "$out" ]; then
	echo "nothing to do: schema $version is current"
	exit 0
fi
echo "$out"
migrations=$(grep -c '^migrated:' <<<"$out" || true)
functions=$(grep -c '^functions:' <<<"$out" || true)
echo "schema $version is current ($migrations migrations, $functions" \
    "function files applied now)"
