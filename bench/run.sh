#!/usr/bin/env bash
# make bench: measure ampmeter against baselines taken in the same run on the
# same machine (these machines are shared and noisy, so ratios are what
# count). Starts its own PostgreSQL 15 with durable settings (fsync,
# synchronous_commit and full_page_writes on, as in production) and its own
# service on free ports, and tears both down at the end, even on failure.
#
#   bench/run.sh [SECTION...]        SECTION: one of ALL_SECTIONS, or all
#                                    (the default: all but citus)
#
#   ingest  events/s through POST /v1/events (batches of 500 over several
#           connections; each answer is sent after commit) and events/s of
#           \copy of as many same-shape events into the same table; their
#           ratio against the target; peak RSS per worker under that load.
#           Alternating rounds (COPY, ingest, COPY, ingest, ...), each into
#           a fresh tenant; the medians are compared.
#   http    GET /healthz requests/s (what the framework allows)
#   reads   GET /v1/indicators (90-day window) and /v1/indicators/series
#           (daily, 90 days) p50/p95/p99 at 10^5 events of 1 000 members,
#           10^6 of 10 000 and 10^7 of 100 000 (long tail, 5 channels, one
#           year), loaded with SQL (generate_series) and rolled up through
#           the same rollup_apply as ingestion; the p95 ratio largest /
#           smallest against the target (<= 2, <= 50 ms). At the largest:
#           the read right after a write, weekly and monthly series over
#           397 days and a page of 50 beliefs against the 90-day read
#           (<= 5), each once it answers 200 (the cold phase before is
#           reported), then the same first reads right after an erasure.
#           BENCH_READ_LEVELS (EVENTS:MEMBERS ...) overrides sizes.
#   soak, noisy, http_cache: see bench/sections/NAME.sh.
#
# A new section is a function section_NAME that uses the shared cluster and
# service ($owner_url, $app_url, $base, token_for ORG, $svc_pid, sql_owner,
# sql_super) and calls `row MEASURE VALUE HOW` for each line of the table;
# add NAME to ALL_SECTIONS (a new section goes in bench/sections/NAME.sh).
# Sections run in the order given.
#
# Tunables (environment): BENCH_EVENTS (events per round, 200000),
# BENCH_BATCH (500), BENCH_ROUNDS (5), BENCH_CONNS (client connections for
# the ingest, 8), BENCH_HTTP_CONNS (32), BENCH_HTTP_SECS (10), AMP_WORKERS
# (2) and AMP_DB_CONNS (4 per worker): the service's defaults. BENCH_KEEP=1
# keeps the work directory (data, logs, wrk output) for a look afterwards.
# BENCH_RESULTS: where the table goes (bench/results.md).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

ALL_SECTIONS=(ingest http reads)
# More sections live one per file in bench/sections/NAME.sh: each defines
# section_NAME and adds NAME to ALL_SECTIONS.
for f in bench/sections/*.sh; do
	[ -e "$f" ] && . "$f"
done

EVENTS=${BENCH_EVENTS:-200000}
BATCH=${BENCH_BATCH:-500}
ROUNDS=${BENCH_ROUNDS:-5}
CONNS=${BENCH_CONNS:-8}
HTTP_CONNS=${BENCH_HTTP_CONNS:-32}
HTTP_SECS=${BENCH_HTTP_SECS:-10}
WORKERS=${AMP_WORKERS:-2}
DB_CONNS=${AMP_DB_CONNS:-4}
# The service's own default unless set in the environment (it inherits it).
DEADLINE_MS=${AMP_REQUEST_DEADLINE_MS:-10000}
# Signs the bench's own short-lived tokens; used for nothing else.
SECRET="ampmeter-bench-secret-only-for-bench-run-0123456789"
PY=/usr/bin/python3

sections=()
for s in "${@:-all}"; do
	if [ "$s" = all ]; then
		# citus builds Citus and starts three more servers: asked by name
		# (make bench-citus).
		for a in "${ALL_SECTIONS[@]}"; do
			[ "$a" = citus ] || sections+=("$a")
		done
	elif [[ " ${ALL_SECTIONS[*]} " == *" $s "* ]]; then
		sections+=("$s")
	else
		echo "bench: unknown section $s (have: ${ALL_SECTIONS[*]} all)" >&2
		exit 2
	fi
done

for tool in wrk psql curl "$PY"; do
	command -v "$tool" >/dev/null || {
		echo "bench: $tool is missing (scripts/deps.sh build db bench)" >&2
		exit 1
	}
done
[ -x ./ampmeter ] || { echo "bench: ./ampmeter is not built (make build)" >&2; exit 1; }

# The work directory is on disk under var/ (git-ignored), not in a tmpfs:
# the database's fsyncs must be real ones.
mkdir -p var
work=$(mktemp -d "$top/var/bench.XXXXXX")
chmod 755 "$work"		# the postgres user must reach its data directory
svc_pid=""
pg_started=""
# Functions a section adds to stop what it started itself.
cleanups=()

teardown() {
	local rc=$? c
	trap - EXIT INT TERM
	for c in "${cleanups[@]}"; do
		"$c" || true
	done
	if [ -n "$svc_pid" ] && kill -0 "$svc_pid" 2>/dev/null; then
		kill -TERM "$svc_pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$svc_pid" 2>/dev/null || break
			sleep 0.1
		done
		# The service leads its own process group (setsid).
		kill -KILL -- "-$svc_pid" 2>/dev/null || true
	fi
	[ -n "$pg_started" ] && scripts/pg.sh stop "$work/pg"
	if [ "${BENCH_KEEP:-}" = 1 ]; then
		echo "bench: kept $work" >&2
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
now_ns() { date +%s%N; }
calc() { "$PY" -c "import statistics as st; print($1)"; }
# 12345.6 -> "12 346"
fmt_int() { "$PY" -c 'import sys; print(f"{round(float(sys.argv[1])):,}".replace(",", " "))' "$1"; }
# 1 2.5 3 -> "1, 3, 3" (rounded, grouped like fmt_int)
fmt_list() { "$PY" -c 'import sys; print(", ".join(f"{round(float(x)):,}".replace(",", " ") for x in sys.argv[1:]))' "$@"; }

# Table rows, printed at the end and written to bench/results.md.
rows=()
row() { rows+=("| $1 | $2 | $3 |"); }

# field NAME "a=1 NAME=2.5 c=3" -> 2.5
field() { grep -o "$1=[0-9.]*" <<<"$2" | cut -d= -f2; }
join_comma() { local out="" v; for v in "$@"; do out+="${out:+, }$v"; done; echo "$out"; }
med() { local IFS=,; calc "st.median([$*])"; }
# CPU seconds of each round -> microseconds per event, median of the rounds.
us_per_event() { local IFS=,; calc "round(st.median([$*]) * 1e6 / $EVENTS, 1)"; }

sql_owner() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$owner_url" "$@"; }
sql_super() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" \
	    -U postgres -d ampmeter "$@"
}

start_cluster() {
	pgport=$(free_port)
	scripts/pg.sh start "$work/pg" "$pgport"	# not "fast": durable
	pg_started=1
	owner_url="postgresql://amp_owner@127.0.0.1:$pgport/ampmeter"
	app_url="postgresql://amp_app@127.0.0.1:$pgport/ampmeter"
	scripts/migrate.sh "$owner_url" >/dev/null
	pg_settings=$(sql_super -c "SELECT 'fsync=' || current_setting('fsync')
	    || ', synchronous_commit=' || current_setting('synchronous_commit')
	    || ', full_page_writes=' || current_setting('full_page_writes')
	    || ', shared_buffers=' || current_setting('shared_buffers')
	    || ', max_wal_size=' || current_setting('max_wal_size')")
	pg_version=$(sql_super -c "SELECT current_setting('server_version')" |
	    cut -d' ' -f1)
	log "PostgreSQL $pg_version on 127.0.0.1:$pgport ($pg_settings)"
}

# Like tests/api/conftest.py's Service: the binary as `make run` starts it.
start_service() {
	port=$(free_port)
	base="http://127.0.0.1:$port"
	DATABASE_URL=$app_url PORT=$port AMP_BIND=127.0.0.1 \
	    AMP_JWT_ALG=HS256 AMP_JWT_SECRET=$SECRET AMP_WORKERS=$WORKERS \
	    AMP_DB_CONNS=$DB_CONNS \
	    setsid stdbuf -oL -eL ./ampmeter -f -n -r >"$work/service.log" 2>&1 &
	svc_pid=$!
	for _ in $(seq 200); do
		curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && break
		kill -0 "$svc_pid" 2>/dev/null ||
		    { cat "$work/service.log" >&2; die "ampmeter exited"; }
		sleep 0.1
	done
	curl -fsS -o /dev/null "$base/readyz" ||
	    { cat "$work/service.log" >&2; die "ampmeter is not ready"; }
	log "ampmeter on $base (pid $svc_pid, AMP_WORKERS=$WORKERS, AMP_DB_CONNS=$DB_CONNS)"
}

token_for() {
	AMP_JWT_SECRET=$SECRET scripts/token.sh "$1" \
	    "events:write events:read indicators:read admin" 3600 bench
}

worker_pids() { ps -o pid= --ppid "$svc_pid" | tr -d ' '; }
kib() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }

# CPU time (user + system, in clock ticks) of a process, its live children
# and the children it has reaped: the difference of two reads is what the
# whole service, or the whole PostgreSQL cluster, spent in between.
tree_ticks() {
	local pid=$1 total c
	total=$(awk '{sub(/^.*\) /, ""); print $12 + $13 + $14 + $15}' \
	    "/proc/$pid/stat")
	for c in $(ps -o pid= --ppid "$pid"); do
		total=$((total + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' \
		    "/proc/$c/stat" 2>/dev/null || echo 0)))
	done
	echo "$total"
}
pg_ticks() { tree_ticks "$(head -1 "$work/pg/postmaster.pid")"; }
svc_ticks() { tree_ticks "$svc_pid"; }
ticks_s() { calc "($2 - $1) / $(getconf CLK_TCK)"; }

# A backend that just ended is counted once the postmaster has reaped it.
pg_settle() {
	local n
	for _ in $(seq 50); do
		n=$(sql_super -c "SELECT count(*) FROM pg_stat_activity
		    WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
		    AND usename = 'amp_owner'")
		[ "$n" -eq 0 ] && break
		sleep 0.05
	done
	sleep 0.1
}

# The data, generated once per run and shared by the sections needing it.
data=""
orgs=()
gen_data() {
	[ -n "$data" ] && return
	data=$work/data
	local r list=""
	for r in $(seq "$ROUNDS"); do
		orgs+=("bench-$r")
		list+="${list:+,}bench-$r"
	done
	log "generating $EVENTS events for POST and as many for COPY"
	"$PY" bench/gen.py "$data" --events "$EVENTS" --batch "$BATCH" \
	    --orgs "$list" >&2
	put_campaigns "$base"
}

# The generated campaigns of every bench org, PUT to the service at $1.
put_campaigns() {
	local org tok id body code
	for org in "${orgs[@]}"; do
		tok=$(token_for "$org")
		while IFS=$'\t' read -r id body; do
			code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT \
			    -H "Authorization: Bearer $tok" \
			    -H 'Content-Type: application/json' \
			    --data-binary "$body" "$1/v1/campaigns/$id")
			[[ "$code" == 20[01] ]] ||
			    die "PUT campaign $id for $org at $1: $code"
		done <"$data/campaigns.tsv"
	done
}

# The live load (soak, noisy, http_cache): new events built by wrk as it
# sends them (bench/live.lua) from templates made once (bench/fragments.py).
fragments=""
live_fragments() {
	[ -n "$fragments" ] && return
	fragments=$work/fragments.txt
	"$PY" bench/fragments.py "$fragments"
}

# live_ingest CONNS SECS EPS SPAN_S BATCHES TOKEN...: wrk with bench/live.lua
# (one connection per thread, thread k sending as the org of token k mod
# their count), for SECS seconds or until each thread sent BATCHES batches;
# prints its LIVE line and any first error. EPS 0: as fast as it can.
live_ingest() {
	local conns=$1 secs=$2 eps=$3 span=$4 batches=$5 tokens out done_file
	shift 5
	tokens=$(IFS=,; echo "$*")
	done_file=$(mktemp "$work/live.XXXXXX")
	out=$(wrk -t "$conns" -c "$conns" -d "${secs}s" --timeout 60s \
	    -s bench/live.lua "$base" -- "$fragments" "$tokens" "$span" "$eps" \
	    "$BATCH" "$batches" "l$(date +%s%N | cut -c1-13)-" "$DEADLINE_MS" \
	    "$conns" "$done_file")
	echo "$out" >>"$work/wrk-live.txt"
	grep '^LIVE' <<<"$out" || { echo "$out" >&2; die "wrk live.lua failed"; }
}

# live_preload SPAN_DAYS EVENTS ORG...: EVENTS new events into each ORG
# (one connection each), spread over the SPAN_DAYS days before now, all
# stored (checked); then the database settled as for the reads section.
live_preload() {
	local days=$1 events=$2 org tokens=() line got
	shift 2
	live_fragments
	for org in "$@"; do
		tokens+=("$(token_for "$org")")
	done
	log "preload: $events events over $days days into each of $*"
	line=$(live_ingest "$#" 600 0 "$((days * 86400))" \
	    "$(((events + BATCH - 1) / BATCH))" "${tokens[@]}")
	got=$(field events "$line")
	[ "$got" -eq "$(((events + BATCH - 1) / BATCH * BATCH * $#))" ] ||
	    die "preload stored $got events: $line"
	reads_quiesce
}

# statuses "200:5,429:3" 5 -> the count of 5xx, "5xx" -> their sum
status_count() {
	"$PY" -c 'import sys
n = 0
for kv in filter(None, sys.argv[1].split(",")):
    code, c = kv.split(":")
    if code == sys.argv[2] or (sys.argv[2] == "5xx" and code.startswith("5")):
        n += int(c)
print(n)' "$1" "$2"
}
# jq-like: jget FILE 'd["indicators"]["p99"]'
jget() { "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

meta() { "$PY" -c 'import json, sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]; print(", ".join(v) if isinstance(v, list) else v)' "$data/meta.json" "$1"; }

count_events() {
	sql_owner -c "SELECT count(*) FROM amp.events
	    WHERE org_id = '$1' AND id LIKE '$2%'"
}

# One COPY round into tenant $1: sets copy_eps, copy_cpu.
copy_round() {
	local org=$1 cols t0 t1 pg0 pg1 stored
	cols=$(meta copy_columns)
	sql_super -c CHECKPOINT
	pg0=$(pg_ticks)
	t0=$(now_ns)
	sql_owner -c "\\copy amp.events ($cols) FROM '$data/copy.$org.csv' WITH (FORMAT csv)"
	t1=$(now_ns)
	pg_settle
	pg1=$(pg_ticks)
	stored=$(count_events "$org" c)
	[ "$stored" -eq "$EVENTS" ] || die "COPY stored $stored of $EVENTS rows"
	copy_eps=$(calc "$EVENTS / (($t1 - $t0) / 1e9)")
	copy_cpu=$(ticks_s "$pg0" "$pg1")
}

# One ingest round into tenant $1: sets ingest_eps, ingest_pg_cpu,
# ingest_svc_cpu, ingest_p50, ingest_p99.
ingest_round() {
	local org=$1 nbatches out line us pg0 pg1 svc0 svc1 stored
	nbatches=$(meta batches)
	[ "$CONNS" -le "$nbatches" ] || die "BENCH_CONNS is above the $nbatches batches"
	sql_super -c CHECKPOINT
	rm -f "$work/ingest.done"
	pg0=$(pg_ticks) svc0=$(svc_ticks)
	out=$(wrk -t "$CONNS" -c "$CONNS" -d 240s --timeout 60s \
	    -s bench/ingest.lua "$base" -- "$data/batches" "$nbatches" \
	    "$(token_for "$org")" "$CONNS" "$work/ingest.done")
	pg1=$(pg_ticks) svc1=$(svc_ticks)
	echo "$out" >>"$work/wrk-ingest.txt"
	line=$(grep '^INGEST ok=' <<<"$out") || { echo "$out" >&2; die "wrk failed"; }
	grep '^INGEST' <<<"$out" | sed 's/^/bench:   /' >&2
	stored=$(count_events "$org" e)
	[ "$stored" -eq "$EVENTS" ] || die "the ingest stored $stored of $EVENTS events"
	us=$(field duration_us "$line")
	ingest_eps=$(calc "$EVENTS / ($us / 1e6)")
	ingest_p50=$(field p50_ms "$line")
	ingest_p99=$(field p99_ms "$line")
	ingest_pg_cpu=$(ticks_s "$pg0" "$pg1")
	ingest_svc_cpu=$(ticks_s "$svc0" "$svc1")
}

section_ingest() {
	gen_data
	local r org copies=() ingests=() ratios=() cpu_copy=() cpu_pg=() cpu_svc=()
	local p50s=() p99s=() copy_med ingest_med ratio verdict pid hwm mem=""
	local maxhwm=0 i=0 cpu_pg_us cpu_svc_us cpu_copy_us cpu_ingest_us
	for r in $(seq "$ROUNDS"); do
		org=bench-$r
		log "round $r/$ROUNDS: COPY of $EVENTS rows into tenant $org"
		copy_round "$org"
		log "round $r/$ROUNDS: POST $(meta batches) batches of $BATCH over $CONNS connections, tenant $org"
		ingest_round "$org"
		log "round $r/$ROUNDS: COPY $(fmt_int "$copy_eps")/s, ingest $(fmt_int "$ingest_eps")/s"
		copies+=("$copy_eps") ingests+=("$ingest_eps")
		ratios+=("$(calc "'%.2f' % ($ingest_eps / $copy_eps)")")
		cpu_copy+=("$copy_cpu") cpu_pg+=("$ingest_pg_cpu")
		cpu_svc+=("$ingest_svc_cpu") p50s+=("$ingest_p50") p99s+=("$ingest_p99")
	done
	copy_med=$(med "${copies[@]}")
	ingest_med=$(med "${ingests[@]}")
	ratio=$(calc "'%.2f' % ($ingest_med / $copy_med)")
	verdict=$(calc "'met' if $ingest_med / $copy_med >= 0.5 else 'NOT met'")

	# Peak resident set of each worker since it started. The ingest is the
	# heaviest load so far when this section runs first (the default).
	for pid in $(worker_pids); do
		i=$((i + 1))
		hwm=$(kib "$pid" VmHWM)
		mem+="${mem:+, }worker $i: $(calc "round($hwm / 1024, 1)")"
		[ "$hwm" -gt "$maxhwm" ] && maxhwm=$hwm
	done

	row "ingest: POST /v1/events" "$(fmt_int "$ingest_med") events/s" \
	    "median of $ROUNDS rounds ($(fmt_list "${ingests[@]}")); $EVENTS events a round, $(meta batches) batches of $BATCH over $CONNS connections, all stored (counted); batch latency p50 $(med "${p50s[@]}") ms, p99 $(med "${p99s[@]}") ms"
	row "COPY baseline" "$(fmt_int "$copy_med") events/s" \
	    "median of $ROUNDS rounds ($(fmt_list "${copies[@]}")); psql \`\\copy\` of $EVENTS same-shape rows a round into amp.events as the owner: same table, indexes and foreign key"
	row "**ingest / COPY**" "**$ratio**" \
	    "target ≥ 0.5: **$verdict** (rounds: $(join_comma "${ratios[@]}"))"
	cpu_pg_us=$(us_per_event "${cpu_pg[@]}")
	cpu_svc_us=$(us_per_event "${cpu_svc[@]}")
	cpu_copy_us=$(us_per_event "${cpu_copy[@]}")
	cpu_ingest_us=$(calc "round($cpu_pg_us + $cpu_svc_us, 1)")
	row "CPU per event" "ingest $cpu_ingest_us µs, COPY $cpu_copy_us µs" \
	    "$(calc "round($cpu_ingest_us / $cpu_copy_us, 1)")× the work: PostgreSQL $cpu_pg_us µs + ampmeter $cpu_svc_us µs against PostgreSQL $cpu_copy_us µs (user + system time of the server processes, median of the rounds); COPY runs on one core, the ingest can use all of them"
	row "memory: peak RSS per worker" "$(calc "round($maxhwm / 1024, 1)") MiB" \
	    "VmHWM after the ingest rounds ($mem MiB)"
}

section_http() {
	local out rps p99
	log "HTTP ceiling: GET /healthz, wrk -t2 -c$HTTP_CONNS -d${HTTP_SECS}s"
	out=$(wrk -t 2 -c "$HTTP_CONNS" -d "${HTTP_SECS}s" --latency "$base/healthz")
	echo "$out" >"$work/wrk-healthz.txt"
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		echo "$out" >&2
		die "errors during the /healthz run"
	fi
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	row "HTTP ceiling: GET /healthz" "$(fmt_int "$rps") requests/s" \
	    "wrk -t2 -c$HTTP_CONNS -d${HTTP_SECS}s from the same machine; p99 $p99"
}

# Events for the reads section, added to tenant "reads" up to $1 in total,
# of $2 members (default 1 000): deterministic (setseed), spread like the
# generator's: a long tail of members (member floor(M * r^2): a few very
# active, most with few events), five channels, the year 2024, all kinds;
# then rolled up day by day through amp.rollup_apply (what ingestion calls).
reads_load() {
	local want=$1 members=${2:-1000} have step
	have=$(sql_owner -c "SELECT count(*) FROM amp.events WHERE org_id = 'reads'")
	step=$((want - have))
	[ "$step" -gt 0 ] || return 0
	log "reads: adding $step events (to $want) of $members members"
	sql_owner >/dev/null <<SQL
SELECT setseed(0.$want);
SET max_parallel_workers_per_gather = 0;
SET work_mem = '1GB';
-- In time order, as events arrive: each day's events sit together, so
-- the day-by-day rollup below reads them without a random read each.
-- Each names its transaction, as ingestion's do (amp.read_mastery).
INSERT INTO amp.events (org_id, id, member, channel, action, kind,
    occurred_at, initiative, rewarded, beneficiary, quality, level, xact)
SELECT *, pg_current_xact_id()::text::bigint FROM (
SELECT 'reads', 'r$want-' || i,
    'm' || lpad((floor($members * random() ^ 2))::int::text, 6, '0'),
    (ARRAY['web', 'app', 'email', 'forum', 'chat'])[1 + floor(random() * 5)::int],
    'act', k.kind,
    timestamptz '2024-01-01 00:00:00+00' + random() * interval '366 days' AS at,
    (ARRAY['self', 'self', 'self', 'prompted', 'incentivized'])[1 + floor(random() * 5)::int],
    random() < 0.1,
    (ARRAY['self', 'others', 'community'])[1 + floor(random() * 3)::int],
    CASE WHEN random() < 0.3 THEN round(random()::numeric, 3) END,
    CASE WHEN random() < 0.2 THEN 1 + floor(random() * 5)::int END
FROM generate_series(1, $step) i,
    LATERAL (SELECT (ARRAY['consume', 'consume', 'react', 'react', 'create',
	'contribute', 'convert'])[1 + floor(random() * 7 + i * 0)::int] AS kind) k
) g ORDER BY g.at;
-- Statistics of the table as it is now: planned with those of the last
-- size, the day-by-day reads below took the primary key's id prefix and
-- read every event of the org for each day (10^7: hours, not minutes).
ANALYZE amp.events;
DO \$\$
DECLARE
	d date;
BEGIN
	PERFORM amp.tenant('reads');
	FOR d IN SELECT g::date FROM generate_series(date '2024-01-01',
	    date '2024-12-31', interval '1 day') g LOOP
		PERFORM amp.rollup_apply('reads', ARRAY(SELECT e FROM amp.events e
		    WHERE e.org_id = 'reads' AND e.id LIKE 'r$want-%'
		    AND e.occurred_at >= d::timestamp AT TIME ZONE 'UTC'
		    AND e.occurred_at < (d + 1)::timestamp AT TIME ZONE 'UTC'), 1);
	END LOOP;
END
\$\$;
VACUUM ANALYZE amp.events, amp.day_stats;
SQL
	reads_quiesce
}

# After a bulk load, the database is busy for minutes: the checkpointer
# writes and fsyncs the gigabytes the load dirtied and autovacuum visits the
# tables. A read measured meanwhile measures that aftermath, not the data
# size, so each size is measured once the writes are checkpointed and no
# autovacuum worker is running.
reads_quiesce() {
	local n
	sql_super -c CHECKPOINT
	for _ in $(seq 600); do
		n=$(sql_super -c "SELECT count(*) FROM pg_stat_activity
		    WHERE backend_type = 'autovacuum worker'")
		[ "$n" -eq 0 ] && break
		sleep 0.5
	done
	sleep 1
}

# p50 p95 p99 (ms) of N sequential GETs of PATH on one keep-alive
# connection, as ORG (default reads), of the service at BASE (default ours),
# then how many of them and of the 19 warm-up ones were not 200, the time
# of the first request (the one that finds nothing kept), and the cold
# phase: how many answers came before the first 200 (a 503 while what the
# read needs is computed over requests, each followed by the Retry-After
# wait a client keeps) and the seconds until that 200. The warm-up and
# measured requests follow the first 200, so the p95 is that of the page
# once computed and the cold phase is reported on its own, however many
# requests it takes (it varies with the machine's speed at the moment).
# An answer that is not 200 counts with the time it took.
#   reads_latency PATH [ORG [BASE]]
reads_latency() {
	"$PY" - "${3:-$base}$1" "$(token_for "${2:-reads}")" \
	    "${BENCH_READ_REQUESTS:-200}" <<'PY'
import http.client, statistics, sys, time, urllib.parse
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlsplit(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
path = u.path + "?" + u.query
hdr = {"Authorization": "Bearer " + token}
def get():
    t = time.perf_counter()
    conn.request("GET", path, headers=hdr)
    r = conn.getresponse()
    r.read()
    return (time.perf_counter() - t) * 1000, r.status, r.getheader("Retry-After")
start = time.perf_counter()
first, status, retry = get()
cold = 0
while status != 200 and cold < 1000:
    cold += 1
    if status == 503 and retry and retry.isdigit():
        time.sleep(int(retry))
    _, status, retry = get()
cold_s = time.perf_counter() - start
failed = 0
for _ in range(19):
    failed += get()[1] != 200
ms = []
for _ in range(n):
    t, status, _ = get()
    ms.append(t)
    failed += status != 200
ms.sort()
q = lambda p: ms[min(len(ms) - 1, int(round(p / 100 * len(ms))) - 1)]
print(f"{q(50):.1f} {q(95):.1f} {q(99):.1f} {failed} {first:.1f} {cold} {cold_s:.1f}")
PY
}

# The 50 beliefs the reads section pages through: every indicator, change
# points through 2024, 28 days on each side (the default).
reads_beliefs() {
	# Stored as POST /v1/beliefs stores them, without their evaluation,
	# so that the page's GETs compute it cold, which is what the section
	# measures (a POST would compute a belief's days, over retries at
	# 10^7 events, before the page is read).
	sql_owner -c "INSERT INTO amp.beliefs (org_id, id, statement, indicator,
	    at, expect, window_days)
	SELECT 'reads', 'b-bench' || lpad(i::text, 2, '0'), 'bench belief ' || i,
	    (ARRAY['autonomy', 'mastery', 'purpose', 'amp',
		'extrinsic_pressure', 'results'])[i % 6 + 1],
	    make_timestamptz(2024, 2 + i % 10, 1 + i % 27, 0, 0, 0, 'UTC'),
	    'increase', 28
	FROM generate_series(0, 49) i
	ON CONFLICT DO NOTHING" >/dev/null
}

# p50 p95 p99 (ms) of GET PATH as org reads, each right after a write of
# one new event inside the window: what a dashboard sees while events
# arrive (the mastery kept from before the write is brought up to date).
reads_after_write() {
	"$PY" - "$base$1" "$(token_for reads)" "${BENCH_READ_AFTER_WRITE:-30}" <<'PY'
import http.client, json, sys, time, urllib.parse
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlsplit(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
ms = []
for i in range(n):
    ev = {"events": [{"id": "aw-%d-%d" % (time.time_ns(), i), "member": "m%06d" % i,
                      "channel": "web", "action": "act", "kind": "react",
                      "occurred_at": "2024-10-15T12:00:00Z", "quality": 0.5}]}
    conn.request("POST", "/v1/events", json.dumps(ev), hdr)
    r = conn.getresponse(); r.read()
    if r.status != 200:
        sys.exit("POST /v1/events: %d" % r.status)
    t = time.perf_counter()
    conn.request("GET", u.path + "?" + u.query, headers=hdr)
    r = conn.getresponse(); r.read()
    if r.status != 200:
        sys.exit("GET: %d" % r.status)
    ms.append((time.perf_counter() - t) * 1000)
ms.sort()
q = lambda p: ms[min(len(ms) - 1, int(round(p / 100 * len(ms))) - 1)]
print(f"{q(50):.1f} {q(95):.1f} {q(99):.1f}")
PY
}

# Levels are EVENTS:MEMBERS; the data of a level is that of the one
# before plus the events it adds, of its own member count.
section_reads() {
	local levels=(${BENCH_READ_LEVELS:-100000:1000 1000000:10000 10000000:100000})
	local lv n m ind ser first_ind="" last_ind="" last_n last_m
	local window="from=2024-09-01&to=2024-11-29"
	p95() { cut -d' ' -f2 <<<"$1"; }
	lat() {
		local p50 p95 p99 failed first cold cold_s
		read -r p50 p95 p99 failed first cold cold_s <<<"$1"
		echo -n "p50 $p50 · p95 $p95 · p99 $p99 ms${first:+; first read $first ms}"
		[ "${cold:-0}" = 0 ] || echo -n "; **cold phase: $cold answers not 200 (503 while computing) before the first 200, after $cold_s s**"
		echo "${failed:+; not 200 after it: $failed}"
	}
	for lv in "${levels[@]}"; do
		n=${lv%%:*} m=${lv#*:}
		[ "$m" != "$lv" ] || m=1000
		reads_load "$n" "$m"
		ind=$(reads_latency "/v1/indicators?$window")
		ser=$(reads_latency "/v1/indicators/series?interval=day&$window")
		log "reads at $n events, $m members: indicators $ind, series $ser (p50 p95 p99 ms)"
		row "GET /v1/indicators, 90 days, $(fmt_int "$n") events, $(fmt_int "$m") members" \
		    "$(lat "$ind")" \
		    "${BENCH_READ_REQUESTS:-200} sequential requests on one connection after the first 200 and 19 warm-up ones, once the load is checkpointed and autovacuum idle (quiet)"
		row "GET /v1/indicators/series, daily, 90 days, $(fmt_int "$n") events" \
		    "$(lat "$ser")" "the same; 90 daily buckets"
		[ -n "$first_ind" ] || first_ind=$ind
		last_ind=$ind last_n=$n last_m=$m
	done
	local r
	r=$(calc "'%.2f' % ($(p95 "$last_ind") / $(p95 "$first_ind"))")
	row "**indicators p95 at $(fmt_int "$last_n") ÷ p95 at $(fmt_int "${levels[0]%%:*}")**" \
	    "**$r** ($(p95 "$last_ind") ms)" \
	    "target ≤ 2 and ≤ 50 ms: **$(calc "'met' if $r <= 2 and $(p95 "$last_ind") <= 50 else 'NOT met'")**"

	# At the largest level: what the read costs while events arrive, the
	# long series and a page of beliefs, against the 90-day read.
	local aw week month bel
	aw=$(reads_after_write "/v1/indicators?$window")
	row "GET /v1/indicators, 90 days, right after a write, $(fmt_int "$last_n") events" \
	    "$(lat "$aw")" \
	    "${BENCH_READ_AFTER_WRITE:-30} times: POST one event inside the window, then the read (the kept mastery is brought up to date by the member the write changed)"
	week=$(reads_latency "/v1/indicators/series?interval=week&from=2023-12-01&to=2024-12-31")
	month=$(reads_latency "/v1/indicators/series?interval=month&from=2023-12-01&to=2024-12-31")
	reads_beliefs
	bel=$(reads_latency "/v1/beliefs?limit=50")
	for x in "weekly series, 397 days:$week" "monthly series, 397 days:$month" \
	    "a page of 50 beliefs (9 of mastery):$bel"; do
		row "${x%%:*}, $(fmt_int "$last_n") events" "$(lat "${x#*:}"); p95 = $(calc "'%.2f' % ($(p95 "${x#*:}") / $(p95 "$last_ind"))") × the 90-day read" \
		    "p95 against the quiet 90-day indicators p95 at the same size; target ≤ 5 (measured once the page answers 200: the first reads compute what later ones take again, the cold phase is reported in the row)"
	done

	# Then one member with events in the window is erased, and the same
	# reads come first again: what a dashboard sees after an erasure.
	local who gone del ind2 bel2
	who=$(sql_owner -c "SELECT member FROM amp.events WHERE org_id = 'reads'
	    AND occurred_at >= '2024-10-01' ORDER BY id LIMIT 1")
	gone=$(sql_owner -c "SELECT count(*) FROM amp.events
	    WHERE org_id = 'reads' AND member = '$who'")
	del=$(reads_erase "$who")
	ind2=$(BENCH_READ_REQUESTS=20 reads_latency "/v1/indicators?$window")
	bel2=$(BENCH_READ_REQUESTS=20 reads_latency "/v1/beliefs?limit=50")
	row "right after erasing one member ($gone events), $(fmt_int "$last_n") events" \
	    "DELETE $del ms; then 90-day indicators: $(lat "$ind2"); the page of 50 beliefs: $(lat "$bel2")" \
	    "DELETE /v1/members/{member} once the reads above are done, then 20 requests of each after the first 200: the erased events are taken out of every kept window (amp.erase_kept) instead of the windows being counted again"
}

# ms of DELETE /v1/members/MEMBER as org reads (204 or the bench stops).
reads_erase() {
	"$PY" - "$base/v1/members/$1" "$(token_for reads)" <<'PY'
import http.client, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
t = time.perf_counter()
conn.request("DELETE", u.path, headers={"Authorization": "Bearer " + sys.argv[2]})
r = conn.getresponse()
r.read()
if r.status != 204:
    sys.exit("DELETE %s: %d" % (u.path, r.status))
print(f"{(time.perf_counter() - t) * 1000:.1f}")
PY
}

start_cluster
start_service
for s in "${sections[@]}"; do
	"section_$s"
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src sql conf 2>/dev/null || commit+=" with local changes"
{
	echo "# ampmeter benchmark"
	echo
	echo "\`bench/run.sh $(IFS=' '; echo "${sections[*]}")\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit:"
	echo "$(nproc) CPUs shared by client, service and database; PostgreSQL $pg_version"
	echo "($pg_settings); ampmeter with AMP_WORKERS=$WORKERS, AMP_DB_CONNS=$DB_CONNS."
	echo
	echo "| measure | value | how |"
	echo "| --- | --- | --- |"
	printf '%s\n' "${rows[@]}"
} >"$work/results.md"
results=${BENCH_RESULTS:-bench/results.md}
cp "$work/results.md" "$results"
echo
cat "$results"
