# shellcheck shell=bash
# Section citus (make bench-citus): the same API on a Citus coordinator
# with two workers (scripts/citus.sh, durable settings, Citus built from
# ../shared/vendor when missing) against the plain PostgreSQL of run.sh, on
# the same machine, in alternating rounds (plain, Citus, plain, ...):
#   - ingest: events/s through POST /v1/events and CPU per event (user +
#     system time of every database process, all three nodes on Citus,
#     plus the service, and each part of it: coordinator, workers,
#     service), target: Citus ≤ 1.5 × the CPU per event of plain;
#   - reads: GET /v1/indicators over 90 days p95 of an org holding one
#     round's events, target: Citus ≤ 1.5 × plain.
# Each round ingests into a fresh tenant, the same tenant on both; the
# tenants spread over the two workers.

ALL_SECTIONS+=(citus)

citus_dir=""
citus_svc_pid=""

citus_teardown() {
	if [ -n "$citus_svc_pid" ] && kill -0 "$citus_svc_pid" 2>/dev/null; then
		kill -TERM "$citus_svc_pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$citus_svc_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$citus_svc_pid" 2>/dev/null || true
	fi
	[ -n "$citus_dir" ] && scripts/citus.sh stop "$citus_dir"
}

citus_start() {
	local p
	scripts/citus.sh build >&2
	# Three consecutive free ports: the coordinator, then the workers.
	citus_port=$("$PY" -c '
import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    try:
        for q in (p + 1, p + 2):
            t = socket.socket(); t.bind(("127.0.0.1", q)); t.close()
        print(p); break
    except OSError:
        pass')
	citus_dir=$work/citus
	cleanups+=(citus_teardown)
	scripts/citus.sh start "$citus_dir" "$citus_port"	# not "fast": durable
	scripts/migrate.sh "postgresql://amp_owner@127.0.0.1:$citus_port/ampmeter" >/dev/null
	p=$(free_port)
	citus_base="http://127.0.0.1:$p"
	DATABASE_URL="postgresql://amp_app@127.0.0.1:$citus_port/ampmeter" PORT=$p \
	    AMP_BIND=127.0.0.1 AMP_JWT_ALG=HS256 AMP_JWT_SECRET=$SECRET \
	    AMP_WORKERS=$WORKERS AMP_DB_CONNS=$DB_CONNS \
	    setsid stdbuf -oL -eL ./ampmeter -f -n -r >"$work/service-citus.log" 2>&1 &
	citus_svc_pid=$!
	for _ in $(seq 200); do
		curl -fsS -o /dev/null "$citus_base/readyz" 2>/dev/null && break
		sleep 0.1
	done
	curl -fsS -o /dev/null "$citus_base/readyz" ||
	    { cat "$work/service-citus.log" >&2; die "ampmeter on Citus is not ready"; }
	log "Citus coordinator on 127.0.0.1:$citus_port, workers on $((citus_port + 1)) and $((citus_port + 2)); ampmeter on $citus_base"
}

# The CPU ticks of the Citus nodes: the coordinator's, then both workers'
# together.
citus_pg_ticks() {
	local w=0 n
	for n in worker1 worker2; do
		w=$((w + $(tree_ticks "$(head -1 "$citus_dir/$n/postmaster.pid")")))
	done
	echo "$(tree_ticks "$(head -1 "$citus_dir/coordinator/postmaster.pid")") $w"
}

# citus_round BASE DB_TICKS SVC_PID OWNER_URL ORG: one ingest of the
# generated batches into ORG; sets round_eps, round_cpu (s, database and
# service together), round_svc (s, the service) and round_db (s, each
# part DB_TICKS names: the database, or the coordinator and the workers).
citus_round() {
	local base=$1 ticks=$2 pid=$3 url=$4 org=$5 out line us db0 db1 s0 s1 n i
	rm -f "$work/ingest.done"
	read -ra db0 <<<"$($ticks)"
	s0=$(tree_ticks "$pid")
	out=$(wrk -t "$CONNS" -c "$CONNS" -d 240s --timeout 60s \
	    -s bench/ingest.lua "$base" -- "$data/batches" "$(meta batches)" \
	    "$(token_for "$org")" "$CONNS" "$work/ingest.done")
	read -ra db1 <<<"$($ticks)"
	s1=$(tree_ticks "$pid")
	line=$(grep '^INGEST ok=' <<<"$out") || { echo "$out" >&2; die "wrk failed"; }
	n=$(psql -X -q -A -t "$url" -c "SELECT count(*) FROM amp.events
	    WHERE org_id = '$org' AND id LIKE 'e%'")
	[ "$n" -eq "$EVENTS" ] || die "the ingest into $org stored $n of $EVENTS events"
	us=$(field duration_us "$line")
	round_eps=$(calc "$EVENTS / ($us / 1e6)")
	round_svc=$(calc "($s1 - $s0) / $(getconf CLK_TCK)")
	round_db=()
	for i in "${!db0[@]}"; do
		round_db+=("$(calc "(${db1[i]} - ${db0[i]}) / $(getconf CLK_TCK)")")
	done
	round_cpu=$(calc "$(IFS=+; echo "${round_db[*]}") + $round_svc")
}

section_citus() {
	local r org plain_eps=() citus_eps=() plain_cpu=() plain_db=()
	local plain_svc=() citus_cpu=() citus_coord=() citus_workers=()
	local citus_svc=() pe ce pc cc ratio window p q
	gen_data
	citus_start
	put_campaigns "$citus_base"
	for r in $(seq "$ROUNDS"); do
		org=bench-$r
		log "citus round $r/$ROUNDS: $EVENTS events into $org on plain PostgreSQL"
		citus_round "$base" pg_ticks "$svc_pid" "$owner_url" "$org"
		plain_eps+=("$round_eps") plain_cpu+=("$round_cpu")
		plain_db+=("${round_db[0]}") plain_svc+=("$round_svc")
		log "citus round $r/$ROUNDS: the same on Citus"
		citus_round "$citus_base" citus_pg_ticks "$citus_svc_pid" \
		    "postgresql://amp_owner@127.0.0.1:$citus_port/ampmeter" "$org"
		citus_eps+=("$round_eps") citus_cpu+=("$round_cpu")
		citus_coord+=("${round_db[0]}") citus_workers+=("${round_db[1]}")
		citus_svc+=("$round_svc")
		log "citus round $r/$ROUNDS: plain $(fmt_int "${plain_eps[-1]}")/s, Citus $(fmt_int "$round_eps")/s"
	done
	pe=$(med "${plain_eps[@]}") ce=$(med "${citus_eps[@]}")
	pc=$(us_per_event "${plain_cpu[@]}") cc=$(us_per_event "${citus_cpu[@]}")
	row "Citus ingest: POST /v1/events" \
	    "$(fmt_int "$ce") events/s (plain $(fmt_int "$pe"))" \
	    "median of $ROUNDS alternating rounds (Citus: $(fmt_list "${citus_eps[@]}"); plain: $(fmt_list "${plain_eps[@]}")); $EVENTS events a round in batches of $BATCH over $CONNS connections, all stored (counted)"
	ratio=$(calc "'%.2f' % ($cc / $pc)")
	row "**Citus CPU per event ÷ plain**" "**$ratio** ($cc µs against $pc µs)" \
	    "user + system time of every database process (the coordinator and both workers on Citus) and of the service, median of the rounds; target ≤ 1.5: **$(calc "'met' if $cc / $pc <= 1.5 else 'NOT met'")**. Each part's median: Citus coordinator $(us_per_event "${citus_coord[@]}"), workers $(us_per_event "${citus_workers[@]}"), service $(us_per_event "${citus_svc[@]}") µs; plain database $(us_per_event "${plain_db[@]}"), service $(us_per_event "${plain_svc[@]}") µs"

	# Reads alternate too (plain, Citus, plain, ...), ROUNDS of each: a
	# single run's p95 moves by a third on this shared machine.
	window="from=2024-09-01&to=2024-11-29"
	sql_super -c CHECKPOINT >/dev/null
	local pr=() qr=() i
	for r in $(seq "$ROUNDS"); do
		pr+=("$(reads_latency "/v1/indicators?$window" bench-1)")
		qr+=("$(reads_latency "/v1/indicators?$window" bench-1 "$citus_base")")
		log "indicators, 90 days, round $r: plain ${pr[-1]}, Citus ${qr[-1]} (p50 p95 p99 ms)"
	done
	p="" q=""
	for i in 1 2 3; do
		p+="$(med $(for x in "${pr[@]}"; do cut -d' ' -f$i <<<"$x"; done)) "
		q+="$(med $(for x in "${qr[@]}"; do cut -d' ' -f$i <<<"$x"; done)) "
	done
	row "GET /v1/indicators, 90 days, $(fmt_int "$EVENTS") events: plain" \
	    "p50 $(cut -d' ' -f1 <<<"$p") · p95 $(cut -d' ' -f2 <<<"$p") · p99 $(cut -d' ' -f3 <<<"$p") ms" \
	    "medians of $ROUNDS alternating rounds of ${BENCH_READ_REQUESTS:-200} sequential requests on one connection after the first 200 and 19 warm-up ones (p95s: $(for x in "${pr[@]}"; do cut -d' ' -f2 <<<"$x"; done | paste -sd' ')); tenant bench-1"
	row "GET /v1/indicators, 90 days, $(fmt_int "$EVENTS") events: Citus" \
	    "p50 $(cut -d' ' -f1 <<<"$q") · p95 $(cut -d' ' -f2 <<<"$q") · p99 $(cut -d' ' -f3 <<<"$q") ms" \
	    "the same through the coordinator, routed to bench-1's worker (p95s: $(for x in "${qr[@]}"; do cut -d' ' -f2 <<<"$x"; done | paste -sd' '))"
	ratio=$(calc "'%.2f' % ($(cut -d' ' -f2 <<<"$q") / $(cut -d' ' -f2 <<<"$p"))")
	row "**Citus p95 ÷ plain p95**" "**$ratio**" \
	    "target ≤ 1.5: **$(calc "'met' if $ratio <= 1.5 else 'NOT met'")**"
}
