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

token=$(scripts/token.sh demo "events:write events:read indicators:read surveys:write admin")
cat <<MSG

ampmeter serves on http://${AMP_BIND:-127.0.0.1}:$PORT  (Ctrl-C stops it)
Development token for org "demo", every scope, valid 24 h:

  export TOKEN=$token
  curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$PORT/v1/events

Dashboard (the token rides in the fragment, never sent in a URL):

  http://127.0.0.1:$PORT/app/#token=$token

API reference: http://127.0.0.1:$PORT/docs

MSG
exec stdbuf -oL -eL ./ampmeter -f -n -r
