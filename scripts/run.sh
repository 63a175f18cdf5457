#!/usr/bin/env bash
# make run: packages, a private PostgreSQL under var/pg (unless DATABASE_URL
# is given), migrations, build, then serve in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build db
if [ -z "${DATABASE_URL:-}" ]; then
	scripts/pg.sh start "$PWD/var/pg" "$PGPORT"
	export DATABASE_URL="postgresql://amp_app@127.0.0.1:$PGPORT/ampmeter"
	migrate_url="postgresql://amp_owner@127.0.0.1:$PGPORT/ampmeter"
	echo "private PostgreSQL on 127.0.0.1:$PGPORT (data in var/pg; stop it with: make stop)"
else
	migrate_url=${MIGRATE_DATABASE_URL:-$DATABASE_URL}
fi
scripts/migrate.sh "$migrate_url"
scripts/build.sh

# DEVELOPMENT DEFAULT ONLY: a front end's dev server on port 5173 (Vite's)
# may call the API from the browser. Set AMP_CORS_ORIGINS to change it
# (empty: no origin).
export AMP_CORS_ORIGINS=${AMP_CORS_ORIGINS-http://localhost:5173,http://127.0.0.1:5173}

token=$(scripts/token.sh demo "events:write events:read indicators:read surveys:write admin")
cat <<MSG

ampmeter serves on http://${AMP_BIND:-127.0.0.1}:$PORT  (Ctrl-C stops it)
Browsers may call it from: ${AMP_CORS_ORIGINS:-no other origin}
Development token for org "demo", every scope, valid 24 h:

  export TOKEN=$token
  curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$PORT/v1/events

MSG
exec stdbuf -oL -eL ./ampmeter -f -n -r
