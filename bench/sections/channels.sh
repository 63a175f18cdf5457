# channels: GET /v1/channels p50/p95/p99 at growing numbers of stored
# events of one org (the reads section's tenant "reads": 5 channels), and
# the erasure of its busiest member, whose events reach the first and last
# day of most channels so the first and last times are looked up again.
# A list should cost its page, not the events: its latency should not grow
# with them. BENCH_CHANNEL_LEVELS overrides the sizes (100000 1000000).

section_channels() {
	local levels=(${BENCH_CHANNEL_LEVELS:-100000 1000000}) n lat erase member
	local own
	for n in "${levels[@]}"; do
		reads_load "$n"
		# reads_load rolls up through rollup_apply alone, as a bulk load
		# that bypasses ingestion would: channel_stats is rebuilt for it.
		sql_owner -c "SELECT amp.rebuild_channels('reads')" >/dev/null
		lat=$(reads_latency "/v1/channels")
		read -r member own < <(sql_owner -F ' ' -c "SELECT member, count(*)
		    FROM amp.events WHERE org_id = 'reads' GROUP BY member
		    ORDER BY count(*) DESC, member LIMIT 1")
		# Timed inside a transaction that is rolled back, so the data
		# stays as loaded for the next size and for other sections.
		erase=$(sql_owner <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
BEGIN;
\timing on
SELECT status FROM amp.erase_member('reads', '$member');
\timing off
ROLLBACK;
SQL
)
		log "channels at $n events: list $lat (p50 p95 p99 ms), erasure of $member $erase ms"
		row "GET /v1/channels, $(fmt_int "$n") events" \
		    "p50 $(cut -d' ' -f1 <<<"$lat") · p95 $(cut -d' ' -f2 <<<"$lat") · p99 $(cut -d' ' -f3 <<<"$lat") ms" \
		    "${BENCH_READ_REQUESTS:-200} sequential requests on one connection after 20 warm-up ones; 5 channels"
		row "erasure of the busiest member, $(fmt_int "$n") events" \
		    "$erase ms" \
		    "amp.erase_member('reads', '$member'), $(fmt_int "$own") events, in a transaction rolled back afterwards: events, rollups and channel_stats"
	done
}
ALL_SECTIONS+=(channels)
