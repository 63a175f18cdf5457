#!/usr/bin/env bash
# make run: packages, a private PostgreSQL under var/pg (unless DATABASE_URL
# is given), migrations, build, the demo community in org "demo" when the
# org is empty, then serve in the foreground.
#   AMP_DEMO=0       no demo
#   AMP_DEMO=reload  erase org "demo" and load the demo again (make demo);
#                    with ampmeter already serving on PORT, into that one,
#                    and stop there
set -euo pipefail
cd "$(dirname "$0")/.."
demo=${AMP_DEMO:-1}

groups=(build db)
[ "$demo" != 0 ] && groups+=(demo)
scripts/deps.sh "${groups[@]}"
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

serving() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The demo goes in through the public API (scripts/demo/load.py): through
# the service already serving on PORT, else through one started for the
# load alone on a free port (its log: var/demo-service.log), so that the
# service below starts as it always does.
load_demo() {
	local url port pid=
	if [ "$demo" = reload ] && serving "$PORT"; then
		url=http://127.0.0.1:$PORT
	else
		port=$(/usr/bin/python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		mkdir -p var
		PORT=$port AMP_BIND=127.0.0.1 ./ampmeter -f -n -r \
		    >var/demo-service.log 2>&1 &
		pid=$!
		trap 'kill -TERM $pid 2>/dev/null' EXIT
		url=http://127.0.0.1:$port
	fi
	if [ "$demo" = reload ]; then
		psql -X -q -v ON_ERROR_STOP=1 -v org=demo \
		    -f scripts/demo/erase.sql "$migrate_url"
		echo "demo: org demo erased"
	fi
	/usr/bin/python3 scripts/demo/load.py --url "$url" --org demo --if-needed
	if [ -n "$pid" ]; then
		kill -TERM "$pid"
		wait "$pid" || true
		trap - EXIT
	elif [ "$demo" = reload ]; then
		echo "demo: reloaded into the ampmeter serving on port $PORT"
		exit 0
	fi
}
[ "$demo" != 0 ] && load_demo

token=$(scripts/token.sh demo "events:write events:read indicators:read surveys:write admin")
cat <<MSG

ampmeter serves on http://${AMP_BIND:-127.0.0.1}:$PORT  (Ctrl-C stops it)
Browsers may call it from: ${AMP_CORS_ORIGINS:-no other origin}
Development token for org "demo", every scope, valid 24 h:

  export TOKEN=$token
  curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$PORT/v1/indicators

Dashboard for org "demo" (the token rides in the fragment, never sent in
a URL):

  http://127.0.0.1:$PORT/app/#token=$token

API reference: http://127.0.0.1:$PORT/docs

MSG
exec stdbuf -oL -eL ./ampmeter -f -n -r
