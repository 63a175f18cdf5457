# soak (issue #10): minutes of mixed load from several orgs at once, as in
# production: collectors ingesting (batches of BENCH_BATCH new events over a
# few connections, at a steady rate, events of many members with few events
# each, occurred in the last hour) while dashboards of every org read
# (/v1/indicators over 90 days, /v1/indicators/series weekly, two pages of
# /v1/events, then a pause). Each org first gets 90 days of history.
# Reports 5xx by status, p99 per operation, answers slower than
# AMP_REQUEST_DEADLINE_MS (target 0) and each worker's VmRSS at the end of
# the first minute against the end (target: grows < 10%).
#
# Tunables: BENCH_SOAK_SECS (600), BENCH_SOAK_ORGS (3), BENCH_SOAK_CONNS
# (ingest connections in all, 6), BENCH_SOAK_EPS (events/s in all, 20000;
# 0 for as fast as the answers come), BENCH_SOAK_READERS (dashboards per
# org, 2), BENCH_SOAK_THINK (seconds between a dashboard's rounds, 0.2),
# BENCH_SOAK_HISTORY (events of history per org, 50000).
ALL_SECTIONS+=(soak)

# "pid:kib pid:kib ..." of the workers now.
soak_rss() {
	local pid out=""
	for pid in $(worker_pids); do
		out+="${out:+ }$pid:$(kib "$pid" VmRSS)"
	done
	echo "$out"
}

section_soak() {
	local secs=${BENCH_SOAK_SECS:-600} norgs=${BENCH_SOAK_ORGS:-3}
	local conns=${BENCH_SOAK_CONNS:-6} eps=${BENCH_SOAK_EPS:-20000}
	local readers=${BENCH_SOAK_READERS:-2} think=${BENCH_SOAK_THINK:-0.2}
	local history=${BENCH_SOAK_HISTORY:-50000}
	local orgs=() tokens=() dash_args=() i first rss0 rss1 live_pid dash_pid
	local line got_eps statuses s5xx dash n5xx by_status over verdict
	local drift worst p pid k0 k1 mem="" op reads nreads p99s="" restarted=""
	local slow

	[ "$secs" -ge 20 ] || die "BENCH_SOAK_SECS must be at least 20"
	for i in $(seq "$norgs"); do
		orgs+=("soak-$i")
		tokens+=("$(token_for "soak-$i")")
		dash_args+=(--org "${tokens[-1]}")
	done
	live_preload 90 "$history" "${orgs[@]}"

	# The first RSS sample: at the end of the first minute, or halfway
	# through a shorter run.
	first=$((secs >= 120 ? 60 : secs / 2))
	log "soak: $secs s, $norgs orgs; ingest $eps events/s over $conns connections, $readers dashboards per org"
	live_ingest "$conns" "$secs" "$eps" 3600 0 "${tokens[@]}" \
	    >"$work/soak.live" &
	live_pid=$!
	"$PY" bench/dash.py "$base" "${dash_args[@]}" --sessions "$readers" \
	    --secs "$secs" --think "$think" --deadline-ms "$DEADLINE_MS" \
	    >"$work/soak.dash" &
	dash_pid=$!
	sleep "$first"
	rss0=$(soak_rss)
	sleep $((secs - first - 2))
	rss1=$(soak_rss)
	wait "$live_pid" || die "soak: the ingest failed"
	wait "$dash_pid" || die "soak: the dashboards failed"

	line=$(grep '^LIVE requests' "$work/soak.live")
	sed 's/^/bench:   /' "$work/soak.live" >&2
	dash=$work/soak.dash
	log "soak: dashboards $(cat "$dash")"
	got_eps=$(calc "$(field events "$line") / ($(field duration_us "$line") / 1e6)")
	statuses=$(grep -o 'statuses=[0-9:,]*' <<<"$line" | cut -d= -f2)

	# Answers by status, ingest and reads together.
	by_status=$("$PY" - "$dash" "$statuses" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
total = {}
for kv in filter(None, sys.argv[2].split(",")):
    code, n = kv.split(":")
    total[code] = total.get(code, 0) + int(n)
for o in d.values():
    for code, n in o["statuses"].items():
        total[code] = total.get(code, 0) + n
print(", ".join(f"{c}: {n}" for c, n in sorted(total.items())))
PY
)
	n5xx=$(( $(status_count "$statuses" 5xx) + $(jget "$dash" \
	    'sum(n for o in d.values() for c, n in o["statuses"].items() if c.startswith("5"))') ))
	over=$(( $(field over_deadline "$line") + $(jget "$dash" \
	    'sum(n for o in d.values() for n in o["over_deadline"].values())') ))
	slow=$(jget "$dash" '", ".join(f"{op} {c}: {n}" for op, o in sorted(d.items()) for c, n in sorted(o["over_deadline"].items()))')
	[ "$(field over_deadline "$line")" -eq 0 ] ||
	    slow="ingest: $(field over_deadline "$line")${slow:+, }$slow"
	nreads=$(jget "$dash" 'sum(o["n"] for o in d.values())')
	for op in indicators series events; do
		p99s+=" · $op $(jget "$dash" "d['$op']['p99']")"
	done

	# RSS drift of each worker, from the first sample to the last.
	worst=-1000
	for p in $rss0; do
		pid=${p%%:*} k0=${p#*:}
		k1=$(tr ' ' '\n' <<<"$rss1" | sed -n "s/^$pid://p")
		if [ -z "$k1" ]; then
			restarted+=" $pid"
			continue
		fi
		drift=$(calc "round(100 * ($k1 - $k0) / $k0, 1)")
		mem+="${mem:+, }$(calc "round($k0 / 1024, 1)") → $(calc "round($k1 / 1024, 1)") MiB ($drift%)"
		worst=$(calc "max($worst, $drift)")
	done
	[ -z "$restarted" ] || mem+="; worker(s)$restarted gone before the end"

	row "soak: load" "$(fmt_int "$got_eps") events/s + $(fmt_int "$(calc "$nreads / $secs")") reads/s" \
	    "$secs s, $norgs orgs with $(fmt_int "$history") events of 90-day history each; ingest paced at $eps events/s (0: unpaced) over $conns connections, batches of $BATCH new events (200 000 members, long tail) from the last hour; $readers dashboards per org, each round indicators 90 d + weekly series 90 d + 2 pages of /v1/events then ${think} s pause; $(fmt_int "$(field requests "$line")") batches, $(fmt_int "$nreads") reads"
	row "soak: p99 per operation" \
	    "ingest $(field p99_ms "$line")$p99s ms" \
	    "from sending to the last byte of the answer; p50 ingest $(field p50_ms "$line") · indicators $(jget "$dash" "d['indicators']['p50']") · series $(jget "$dash" "d['series']['p50']") · events $(jget "$dash" "d['events']['p50']") ms; max ingest $(field max_ms "$line") ms"
	verdict=$([ "$n5xx" -eq 0 ] && echo met || echo "NOT met")
	row "soak: 5xx answers" "$n5xx" \
	    "target 0: **$verdict**; every answer by status: $by_status"
	verdict=$([ "$over" -eq 0 ] && echo met || echo "NOT met")
	row "soak: answers over the deadline" "$over" \
	    "slower than AMP_REQUEST_DEADLINE_MS = $DEADLINE_MS ms, from the client${slow:+ (by operation and status: $slow)}; slowest read $(jget "$dash" 'max(o["max"] for o in d.values())') ms, ingest $(field max_ms "$line") ms; target 0: **$verdict**"
	verdict=$(calc "'met' if $worst < 10 and not '$restarted' else 'NOT met'")
	row "soak: RSS drift per worker" "$worst% at most" \
	    "VmRSS at $first s vs at $((secs - 2)) s, under load: $mem; target < 10%: **$verdict**"
}
