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

# Kore's seccomp sandbox kills a worker that resolves a host name through
# DNS (glibc's resolver calls sendmmsg, which the filter does not allow),
# and libpq connects from the workers. So resolve the host of a
# postgres:// URL here, once, and pass the address to libpq as `hostaddr`
# (the name stays as `host` for messages and TLS). Addresses, socket
# paths, multi-host URLs and URLs that already carry hostaddr pass as they
# are. The address is fixed for the life of the process: restart the
# service if the database moves.
with_hostaddr() {
	local url=$1 authority host ip
	case "$url" in
	postgres://* | postgresql://*) ;;
	*) printf '%s\n' "$url"; return ;;
	esac
	case "$url" in
	*hostaddr=*) printf '%s\n' "$url"; return ;;
	esac
	authority=${url#*://}
	authority=${authority%%[/?]*}
	host=${authority##*@}
	case "$host" in
	'' | \[* | *,*) printf '%s\n' "$url"; return ;;
	esac
	host=${host%%:*}
	if [[ "$host" =~ ^[0-9.]+$ ]] || [ -z "$host" ]; then
		printf '%s\n' "$url"
		return
	fi
	ip=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')
	if [ -z "$ip" ]; then
		echo "ampmeter: configuration: DATABASE_URL host $host does not resolve" >&2
		exit 1
	fi
	case "$url" in
	*\?*) printf '%s&hostaddr=%s\n' "$url" "$ip" ;;
	*) printf '%s?hostaddr=%s\n' "$url" "$ip" ;;
	esac
}

case "${1:-serve}" in
serve)
	[ -n "${MIGRATE_DATABASE_URL:-}" ] && migrate
	if [ -n "${DATABASE_URL:-}" ]; then
		DATABASE_URL=$(with_hostaddr "$DATABASE_URL")
		export DATABASE_URL
	fi
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
