# shellcheck shell=bash
# sustained: ingest flat out while dashboards poll, in one run (issue #13).
#
# One org with a realistic community: BENCH_SUST_MEMBERS members (5 000)
# with long-tail activity (bench/gen.py --tail 4), BENCH_SUST_EVENTS events
# (300 000) over the last 90 days loaded first by COPY and rolled up
# (amp.rebuild_rollups), then bench/sustained.py: BENCH_SUST_DASHBOARDS
# dashboards (4) each refresh every BENCH_SUST_POLL seconds (1) a GET
# /v1/indicators of those 90 days and their weekly series (every new event
# falls in both, as on a dashboard of the last days), quiet for
# BENCH_SUST_QUIET seconds (60: some 480 reads, so that the p95 the reads
# during ingest are held to is not that of a handful), then while
# BENCH_SUST_CONNS connections (4) post those events again and again in
# batches of BENCH_BATCH, under new ids each pass (the community keeps on
# engaging in the same days), for BENCH_SUST_SECS seconds (600, as issue
# #13 asks), then after. The
# ingest's clock stops at the last answer: every batch's rollups are
# written in its own transaction. The COPY ceiling is a COPY of the same rows into
# another tenant of the same table, in the same run. After it, the same
# connections post the same batches for BENCH_SUST_BARE_SECS seconds (60)
# into a third tenant with the same base that no dashboard reads, so no
# window of it is followed: what following the dashboards' windows exactly
# costs ingestion. Last, the same COPY into a fourth tenant, with
# amp.events as large as the ingest left it: the ceiling at the size the
# ingest ended at, as context (the target is against the first COPY,
# taken before the base was loaded).
ALL_SECTIONS+=(sustained)

section_sustained() {
	local members=${BENCH_SUST_MEMBERS:-5000} n=${BENCH_SUST_EVENTS:-300000}
	local secs=${BENCH_SUST_SECS:-600} conns=${BENCH_SUST_CONNS:-4}
	local dashboards=${BENCH_SUST_DASHBOARDS:-4} dir=$work/sustained
	local poll=${BENCH_SUST_POLL:-1} quiet=${BENCH_SUST_QUIET:-60}
	local cols copy_eps line nb
	log "sustained: generating $n events of $members members (long tail)"
	"$PY" bench/gen.py "$dir" --events "$n" --batch "$BATCH" \
	    --members "$members" --channels 7 --tail 4 --days 90 \
	    --orgs sus,sus-copy,sus-bare,sus-end >&2
	cols=$("$PY" -c 'import json, sys; print(", ".join(json.load(open(sys.argv[1]))["copy_columns"]))' "$dir/meta.json")
	local tok id body code
	tok=$(token_for sus)
	while IFS=$'\t' read -r id body; do
		for org in sus sus-copy sus-bare sus-end; do
			code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT \
			    -H "Authorization: Bearer $(token_for "$org")" \
			    -H 'Content-Type: application/json' \
			    --data-binary "$body" "$base/v1/campaigns/$id")
			[[ "$code" == 20[01] ]] || die "PUT campaign $id: $code"
		done
	done <"$dir/campaigns.tsv"

	local rows_start copied
	# copy_timed ORG: the \copy of ORG's rows after a checkpoint, in
	# events/s, into $copied.
	copy_timed() {
		local t0 t1
		sql_super -c CHECKPOINT
		t0=$(now_ns)
		sql_owner -c "\\copy amp.events ($cols) FROM '$dir/copy.$1.csv' WITH (FORMAT csv)"
		t1=$(now_ns)
		copied=$(calc "$n / (($t1 - $t0) / 1e9)")
	}
	rows_start=$(sql_super -c "SELECT count(*) FROM amp.events")
	copy_timed sus-copy
	copy_eps=$copied
	log "sustained: COPY $(fmt_int "$copy_eps") events/s; loading the base"
	for org in sus sus-bare; do
		sql_owner -c "\\copy amp.events ($cols) FROM '$dir/copy.$org.csv' WITH (FORMAT csv)"
		sql_owner -c "SELECT amp.rebuild_rollups('$org')" >/dev/null
	done
	sql_super -c "VACUUM ANALYZE amp.events, amp.day_stats" \
	    >/dev/null
	sql_super -c CHECKPOINT

	nb=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["batches"])' "$dir/meta.json")
	log "sustained: quiet reads, then $conns connections ingest for up to ${secs}s with $dashboards dashboards"
	line=$("$PY" bench/sustained.py "$base" "$tok" "$dir/batches" "$nb" \
	    --conns "$conns" --dashboards "$dashboards" --poll "$poll" \
	    --quiet "$quiet" --from 2024-10-03 --to 2024-12-31 \
	    --secs "$secs") || die "bench/sustained.py failed"
	log "$line"
	local bare bare_eps
	sql_super -c CHECKPOINT
	log "sustained: $conns connections ingest for ${BENCH_SUST_BARE_SECS:-60}s, nobody reading"
	bare=$("$PY" bench/sustained.py "$base" "$(token_for sus-bare)" \
	    "$dir/batches" "$nb" --conns "$conns" --dashboards 0 \
	    --secs "${BENCH_SUST_BARE_SECS:-60}") || die "bench/sustained.py failed"
	log "$bare"
	bare_eps=$(field eps "$bare")
	local rows_end end_eps
	rows_end=$(sql_super -c "SELECT count(*) FROM amp.events")
	copy_timed sus-end
	end_eps=$copied
	log "sustained: COPY into $(fmt_int "$rows_end") rows: $(fmt_int "$end_eps") events/s"
	local eps q50 q95 i50 i95 failed settle accepted secs_run
	eps=$(field eps "$line") accepted=$(field accepted "$line")
	secs_run=$(field post_secs "$line")
	q50=$(field quiet_p50 "$line") q95=$(field quiet_p95 "$line")
	i50=$(field ingest_p50 "$line") i95=$(field ingest_p95 "$line")
	failed=$(field failed_reads "$line") settle=$(field settle_secs "$line")
	row "sustained: community" "$(fmt_int "$members") members (long tail), $(fmt_int "$n") events loaded, $(fmt_int "$accepted") ingested" "BENCH_SUST_*; $dashboards dashboards refreshing every ${poll}s (0: flat out), $conns connections; events over 2024-10-03 to 2024-12-31, the dashboards' window"
	row "sustained: COPY ceiling" "$(fmt_int "$copy_eps") events/s" "\\copy of $(fmt_int "$n") rows into amp.events"
	row "sustained: COPY at the end (context)" "$(fmt_int "$end_eps") events/s; ingest = $(calc "'%.2f' % ($eps / $end_eps)") × this" "the same \\copy into a fourth tenant after the ingest, amp.events holding $(fmt_int "$rows_end") rows (the ceiling above was taken with it holding $(fmt_int "$rows_start"); the target stays against that one)"
	row "sustained: ingest, rollups included" "$(fmt_int "$eps") events/s = $(calc "'%.2f' % ($eps / $copy_eps)") × COPY" "$(fmt_int "$accepted") events in ${secs_run} s; the clock stops at the last answer (rollups are written in each batch's transaction); target ≥ 0.5"
	row "sustained: ingest, nobody reading" "$(fmt_int "$bare_eps") events/s = $(calc "'%.2f' % ($bare_eps / $copy_eps)") × COPY" "$(fmt_int "$(field accepted "$bare")") events in $(field post_secs "$bare") s into a tenant with the same base that no dashboard reads (no window followed): what following the dashboards' windows exactly costs ingestion"
	row "sustained: reads quiet p50 / p95" "$q50 / $q95 ms" "90-day indicators and weekly series, $(field quiet_n "$line") reads over ${quiet}s"
	row "sustained: reads during ingest p50 / p95" "$i50 / $i95 ms ($failed failed)" "p95 ratio $(calc "'%.1f' % ($i95 / $q95)") (target ≤ 2, no failure)"
	row "sustained: settle after ingest" "$settle s" "until a read is under the quiet p95 (target ≤ 5)"
}
