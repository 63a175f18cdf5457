# noisy: does one org flooding the service hurt another? The p99 of another
# org's dashboard read (GET /v1/indicators, 90 days, one connection,
# BENCH_NOISY_THINK s between reads) while nothing else runs, then while
# the flooding org sends new ingest batches as fast as the answers come over
# BENCH_NOISY_CONNS connections and floods its own /v1/indicators over
# BENCH_NOISY_READ_CONNS more. Target: flooded p99 ≤ 2 × quiet p99. The
# service's per-org token bucket is left at its defaults (AMP_ORG_RATE 1000
# requests/s, AMP_ORG_BURST 2000) unless they are set in the environment; the
# 429s the flooding org gets are counted. What keeps the victim's reads
# fast is the fair share of statements (AMP_FAIR_CONNS, src/share.c). Both orgs first get 90 days of
# history (BENCH_NOISY_HISTORY events each).
#
# Tunables: BENCH_NOISY_SECS (30 per phase), BENCH_NOISY_CONNS (6),
# BENCH_NOISY_READ_CONNS (8), BENCH_NOISY_THINK (0.02), BENCH_NOISY_HISTORY
# (100000).
ALL_SECTIONS+=(noisy)

section_noisy() {
	local secs=${BENCH_NOISY_SECS:-30} conns=${BENCH_NOISY_CONNS:-6}
	local rconns=${BENCH_NOISY_READ_CONNS:-8} think=${BENCH_NOISY_THINK:-0.02}
	local history=${BENCH_NOISY_HISTORY:-100000}
	local victim flood quiet loud live_pid read_pid line rline p_quiet p_loud
	local ratio verdict window st
	local rate=${AMP_ORG_RATE:-1000} burst=${AMP_ORG_BURST:-2000}

	victim=$(token_for noisy-victim)
	flood=$(token_for noisy-flood)
	live_preload 90 "$history" noisy-victim noisy-flood
	window="from=$(date -u -d '89 days ago' +%F)&to=$(date -u +%F)"

	log "noisy: victim alone, $secs s"
	quiet=$work/noisy.quiet
	"$PY" bench/dash.py "$base" --org "$victim" --ops indicators \
	    --secs "$secs" --think "$think" --warmup 20 \
	    --deadline-ms "$DEADLINE_MS" >"$quiet" ||
	    die "noisy: the victim's reads failed"

	log "noisy: victim with the flood ($conns ingest + $rconns read connections), $secs s"
	live_ingest "$conns" "$((secs + 8))" 0 3600 0 "$flood" \
	    >"$work/noisy.live" &
	live_pid=$!
	wrk -t "$rconns" -c "$rconns" -d "$((secs + 8))s" --timeout 60s \
	    -s bench/count.lua "$base" -- "/v1/indicators?$window" "$flood" \
	    >"$work/noisy.reads" &
	read_pid=$!
	sleep 4			# the flood at full strength first
	loud=$work/noisy.loud
	"$PY" bench/dash.py "$base" --org "$victim" --ops indicators \
	    --secs "$secs" --think "$think" \
	    --deadline-ms "$DEADLINE_MS" >"$loud" ||
	    die "noisy: the victim's reads failed"
	wait "$live_pid" || die "noisy: the ingest flood failed"
	wait "$read_pid" || die "noisy: the read flood failed"
	line=$(grep '^LIVE requests' "$work/noisy.live")
	rline=$(grep '^GET requests' "$work/noisy.reads") ||
	    { cat "$work/noisy.reads" >&2; die "noisy: wrk count.lua failed"; }
	log "noisy: quiet $(cat "$quiet")"
	log "noisy: flooded $(cat "$loud")"
	sed 's/^/bench:   /' "$work/noisy.live" "$work/noisy.reads" >&2

	for f in "$quiet" "$loud"; do
		st=$(jget "$f" '",".join(f"{c}:{n}" for c, n in d["indicators"]["statuses"].items())')
		[ "$st" = "200:$(jget "$f" 'd["indicators"]["n"]')" ] ||
		    die "noisy: the victim got answers other than 200 ($st)"
	done
	p_quiet=$(jget "$quiet" 'd["indicators"]["p99"]')
	p_loud=$(jget "$loud" 'd["indicators"]["p99"]')
	ratio=$(calc "'%.2f' % ($p_loud / $p_quiet)")
	verdict=$(calc "'met' if $p_loud <= 2 * $p_quiet else 'NOT met'")
	st=$(grep -o 'statuses=[0-9:,]*' <<<"$line" | cut -d= -f2)

	row "noisy: another org's GET /v1/indicators (90 days), quiet" \
	    "p99 $p_quiet ms" \
	    "one connection, $(jget "$quiet" 'd["indicators"]["n"]') reads in $secs s with $think s between them (p50 $(jget "$quiet" 'd["indicators"]["p50"]') ms), nothing else running; $(fmt_int "$history") events of 90-day history"
	row "noisy: the same, one org flooding" "p99 $p_loud ms" \
	    "$(jget "$loud" 'd["indicators"]["n"]') reads (p50 $(jget "$loud" 'd["indicators"]["p50"]') ms), all 200, while org noisy-flood sends new batches of $BATCH unpaced over $conns connections and reads its own /v1/indicators over $rconns more"
	row "**noisy: flooded p99 ÷ quiet p99**" "**$ratio**" \
	    "target ≤ 2: **$verdict**"
	row "noisy: the flooding org's answers" \
	    "$(fmt_int "$(( $(status_count "$st" 429) + $(status_count "$(grep -o 'statuses=[0-9:,]*' <<<"$rline" | cut -d= -f2)" 429) ))") × 429" \
	    "per-org token bucket at AMP_ORG_RATE $rate requests/s, AMP_ORG_BURST $burst, and fair shares of AMP_FAIR_CONNS ${AMP_FAIR_CONNS:-4} statements (the service's defaults unless set); ingest: $(fmt_int "$(field requests "$line")") batches ($st; $(fmt_int "$(calc "$(field events "$line") / ($(field duration_us "$line") / 1e6)")") events/s stored, p99 $(field p99_ms "$line") ms); reads: $(fmt_int "$(field requests "$rline")") ($(grep -o 'statuses=[0-9:,]*' <<<"$rline" | cut -d= -f2), $(fmt_int "$(field requests_per_s "$rline")")/s)"
}
