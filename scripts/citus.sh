#!/usr/bin/env bash
# Citus: a coordinator and two workers on loopback, private clusters like
# scripts/pg.sh makes, for `make test-citus`, `make bench-citus` and
# compose's citus profile (which runs the `setup` part against its nodes).
#   scripts/citus.sh build                  build + install Citus if missing
#   scripts/citus.sh start DIR PORT [fast]  nodes on PORT (coordinator),
#                                           PORT+1 and PORT+2 (workers)
#   scripts/citus.sh setup COORD W1 W2      extension everywhere, workers
#                                           added; each arg host:port; as
#                                           postgres (PGPASSWORD if any)
#   scripts/citus.sh stop DIR
# Debian has no Citus package: it is built from ../shared/vendor (or
# $CITUS_TARBALL) with patches/citus/ applied, against the installed
# server; a rerun finds citus.so of the right version, built with these
# patches, in the server's library directory and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
citus_version=13.2.2
cmd=${1:-}

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# The version of the citus.so the server loads, as citus_version() says it.
installed_version() {
	local so
	so=$(pg_config --pkglibdir)/citus.so
	[ -f "$so" ] && [ -f "$(pg_config --sharedir)/extension/citus.control" ] &&
	    grep -ao 'Citus [0-9][0-9.]*[0-9]' "$so" | head -1 | cut -d' ' -f2
}

build() {
	scripts/deps.sh citus
	# The installed build is this version with these patches, as
	# recorded next to citus.control when it was installed.
	local stamp patched
	stamp=$(pg_config --sharedir)/extension/citus.ampmeter-patches
	patched="$citus_version $(cat patches/citus/*.patch | sha256sum | cut -d' ' -f1)"
	if [ "$(installed_version || true)" = "$citus_version" ] &&
	    [ "$(cat "$stamp" 2>/dev/null)" = "$patched" ]; then
		return 0
	fi
	local tarball=${CITUS_TARBALL:-$top/../shared/vendor/citus-$citus_version.tar.gz}
	local src=$top/build/citus-$citus_version
	if [ ! -f "$tarball" ]; then
		echo "citus.sh: $tarball not found (set CITUS_TARBALL)" >&2
		exit 1
	fi
	echo "building Citus $citus_version (a few minutes; build/citus-build.log)"
	rm -rf "$src"
	mkdir -p build
	tar -xzf "$tarball" -C build
	for p in patches/citus/*.patch; do
		patch -d "$src" -p1 -s --no-backup-if-mismatch <"$p"
	done
	(
		cd "$src"
		# libcurl only serves Citus' usage statistics; no LLVM bitcode.
		./configure --without-libcurl
		make -j"$(nproc)" with_llvm=no
		make with_llvm=no install
	) >build/citus-build.log 2>&1 || {
		tail -30 build/citus-build.log >&2
		echo "citus.sh: build failed (build/citus-build.log)" >&2
		exit 1
	}
	[ "$(installed_version)" = "$citus_version" ]
	echo "$patched" >"$stamp"
	echo "Citus $citus_version installed in $(pg_config --pkglibdir)"
}

# One node: a private cluster of scripts/pg.sh, with Citus preloaded by
# its postgresql.conf (written once, then a restart), so that pg.sh
# stop/start/restart of a node (the outage tests) keep it a Citus node.
start_node() {
	local dir=$1 port=$2 mode=$3
	scripts/pg.sh start "$dir" "$port" $mode
	if ! grep -q '^shared_preload_libraries = .citus.' "$dir/postgresql.conf"; then
		as_pg tee -a "$dir/postgresql.conf" >/dev/null <<'CONF'
# A Citus node (scripts/citus.sh). 8 shards per table: small shards for
# tests, still spread over both workers.
shared_preload_libraries = 'citus'
citus.shard_count = 8
max_worker_processes = 16
citus.max_shared_pool_size = 40
citus.enable_statistics_collection = off
CONF
		scripts/pg.sh restart "$dir"
	fi
}

case "$cmd" in
build)
	build
	;;
start)
	dir=$2 port=$3 mode=${4:-}
	build
	start_node "$dir/coordinator" "$port" "$mode"
	start_node "$dir/worker1" $((port + 1)) "$mode"
	start_node "$dir/worker2" $((port + 2)) "$mode"
	"$0" setup "127.0.0.1:$port" "127.0.0.1:$((port + 1))" \
	    "127.0.0.1:$((port + 2))"
	;;
setup)
	coord=$2
	shift 2
	for node in "$coord" "$@"; do
		psql -X -q -v ON_ERROR_STOP=1 -h "${node%:*}" -p "${node##*:}" \
		    -U postgres -d ampmeter -c 'CREATE EXTENSION IF NOT EXISTS citus' \
		    >/dev/null
	done
	for node in "$@"; do
		psql -X -q -v ON_ERROR_STOP=1 -h "${coord%:*}" -p "${coord##*:}" \
		    -U postgres -d ampmeter >/dev/null <<SQL
SELECT citus_set_coordinator_host('${coord%:*}', ${coord##*:})
    WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE groupid = 0);
SELECT citus_add_node('${node%:*}', ${node##*:})
    WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node
    WHERE nodename = '${node%:*}' AND nodeport = ${node##*:});
SQL
	done
	# Where the nodes ask for passwords (compose), Citus' own connections
	# between nodes (as the session's role) take them from
	# pg_dist_authinfo; loopback test clusters trust.
	for pair in "postgres:${POSTGRES_PASSWORD:-}" \
	    "amp_owner:${AMP_OWNER_PASSWORD:-}" "amp_app:${AMP_APP_PASSWORD:-}"; do
		[ -n "${pair#*:}" ] || continue
		psql -X -q -v ON_ERROR_STOP=1 -h "${coord%:*}" -p "${coord##*:}" \
		    -U postgres -d ampmeter -v role="${pair%%:*}" \
		    -v info="password=${pair#*:}" >/dev/null <<'SQL'
DELETE FROM pg_dist_authinfo WHERE nodeid = 0 AND rolename = :'role';
INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo)
VALUES (0, :'role', :'info');
SQL
	done
	# Citus copies a role to the workers, and records that it did, the
	# first time an object owned by the role is distributed, with an ALTER
	# ROLE that only a superuser may run; the migrator (amp_owner) is
	# none. So the superuser has it done here for both roles, through a
	# throwaway type owned by each.
	psql -X -q -v ON_ERROR_STOP=1 -h "${coord%:*}" -p "${coord##*:}" \
	    -U postgres -d ampmeter >/dev/null <<'SQL'
DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['amp_owner', 'amp_app'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_dist_object
		    WHERE classid = 'pg_authid'::regclass AND objid = r::regrole)
		THEN
			CREATE TYPE public.amp_role_copy AS (x int);
			EXECUTE format('ALTER TYPE public.amp_role_copy OWNER TO %I', r);
			DROP TYPE public.amp_role_copy;
		END IF;
	END LOOP;
END
$$;
SQL
	;;
stop)
	dir=$2
	for node in worker2 worker1 coordinator; do
		scripts/pg.sh stop "$dir/$node"
	done
	;;
*)
	echo "usage: citus.sh build | start DIR PORT [fast] |" \
	    "setup COORD W1 W2 | stop DIR" >&2
	exit 2
	;;
esac
