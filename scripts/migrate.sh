#!/usr/bin/env bash
# Apply sql/NNN_*.sql in order, each once, in its own transaction, under an
# advisory lock so that replicas starting together cannot race. A tiny
# runner on psql: the rules fit in a page, and it needs nothing that the
# PostgreSQL client does not already bring.
#   scripts/migrate.sh OWNER_DATABASE_URL
set -euo pipefail
cd "$(dirname "$0")/.."
url=$1

psql_run() {
	psql -X -q -v ON_ERROR_STOP=1 "$url" "$@"
}

psql_run >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT pg_advisory_lock(7245001);
CREATE SCHEMA IF NOT EXISTS amp;
CREATE TABLE IF NOT EXISTS amp.schema_migrations (
	version		text PRIMARY KEY,
	applied_at	timestamptz NOT NULL DEFAULT now()
);
SELECT pg_advisory_unlock(7245001);
SQL

applied=0
for file in sql/[0-9]*.sql; do
	version=$(basename "$file" .sql)
	out=$(psql_run -t -A <<SQL
SET client_min_messages = warning;
BEGIN;
SELECT pg_advisory_xact_lock(7245001);
SELECT EXISTS (SELECT 1 FROM amp.schema_migrations
    WHERE version = '$version') AS done \gset
\if :done
\else
\i $file
INSERT INTO amp.schema_migrations (version) VALUES ('$version');
SELECT 'applied';
\endif
COMMIT;
SQL
)
	if [[ "$out" == *applied* ]]; then
		echo "migrated: $version"
		applied=$((applied + 1))
	fi
done
echo "schema is current ($applied applied now)"
