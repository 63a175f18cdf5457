#!/usr/bin/env bash
# The container's entrypoint.
#   (no argument)  serve: apply the migrations first when MIGRATE_DATABASE_URL
#                  (the owner role's URL) is set, then run ampmeter in the
#                  foreground (-f), without chroot (-n) or user switch (-r):
#                  the image already runs as an unprivileged user
#   migrate        apply the migrations with MIGRATE_DATABASE_URL and exit
#                  (compose's one-shot `migrate` service)
#   anything else  run it (e.g. `bash`)
set -euo pipefail
cd "$(dirname "$0")/.."

migrate() {
	: "${MIGRATE_DATABASE_URL:?MIGRATE_DATABASE_URL must be set to the URL of the owner role}"
	scripts/migrate.sh "$MIGRATE_DATABASE_URL"
}

case "${1:-serve}" in
serve)
	[ -n "${MIGRATE_DATABASE_URL:-}" ] && migrate
	# Line-buffered logs under a pipe; exec keeps ampmeter as PID 1, so
	# `docker stop` (SIGTERM) reaches it directly.
	exec stdbuf -oL -eL ./ampmeter -f -n -r
	;;
migrate)
	migrate
	;;
*)
	exec "$@"
	;;
esac
