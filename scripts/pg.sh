#!/usr/bin/env bash
# A private PostgreSQL 15 cluster in a directory of ours.
#   scripts/pg.sh start DIR PORT [fast]   create if needed, start, bootstrap
#   scripts/pg.sh stop DIR
#   scripts/pg.sh restart DIR             (used by the outage test)
# It listens on 127.0.0.1 only, with trust auth: a development cluster.
# Roles: amp_owner owns the database and runs migrations; amp_app is the
# service's login and owns nothing.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=$1 dir=$2

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case "$cmd" in
start)
	port=$3 mode=${4:-}
	if [ ! -f "$dir/PG_VERSION" ]; then
		mkdir -p "$dir"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
		chmod 700 "$dir"
		as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust \
		    -E UTF8 --no-locale >"$dir.initdb.log" 2>&1 ||
		    { cat "$dir.initdb.log" >&2; exit 1; }
	fi
	opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200"
	if [ "$mode" != fast ]; then
		# A durable cluster sized for ingest: a quarter of the memory
		# (at most 4 GB) for shared buffers, so the events' indexes
		# stay in them as the table grows, and checkpoints far enough
		# apart that each index page is written whole to the WAL (a
		# full-page write) once per checkpoint, not on every few
		# batches (issue #13).
		mem_kb=$(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/meminfo)
		sb_mb=$(( mem_kb / 4 / 1024 ))
		[ "$sb_mb" -gt 4096 ] && sb_mb=4096
		[ "$sb_mb" -lt 128 ] && sb_mb=128
		opts="$opts -c shared_buffers=${sb_mb}MB -c max_wal_size=8GB"
		opts="$opts -c checkpoint_timeout=15min -c wal_compression=lz4"
	fi
	if [ "$mode" = fast ]; then
		# Throwaway test clusters: durability buys nothing there.
		opts="$opts -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
	fi
	if ! as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
		as_pg "$bin/pg_ctl" -D "$dir" -w -t 60 -l "$dir/server.log" \
		    -o "$opts" start >/dev/null
	fi
	psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
	    -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SELECT 'CREATE ROLE amp_owner LOGIN'
    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'amp_owner') \gexec
SELECT 'CREATE ROLE amp_app LOGIN'
    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'amp_app') \gexec
SELECT 'CREATE DATABASE ampmeter OWNER amp_owner'
    WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'ampmeter') \gexec
SQL
	;;
stop)
	if [ -f "$dir/PG_VERSION" ]; then
		as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
restart)
	as_pg "$bin/pg_ctl" -D "$dir" -m fast -w -l "$dir/server.log" restart >/dev/null
	;;
*)
	echo "usage: pg.sh start DIR PORT [fast] | stop DIR | restart DIR" >&2
	exit 2
	;;
esac
