# web: the dashboard's JavaScript and CSS gzipped (what web/build.mjs
# embedded; budget 300 KiB), and the time from navigation to the
# overview's numbers in headless Chromium, over the reads section's org
# (BENCH_WEB_EVENTS events, default 10^6; one year, 1 000 members) with a
# 90-day window. Needs `scripts/deps.sh web` (chromium) and npm ci.
ALL_SECTIONS+=(web)

section_web() {
	local kib times n
	kib=$(calc "'%.1f' % ($(sed -n 's/.*"app_gzip_bytes": \([0-9]*\).*/\1/p' build/web/sizes.json) / 1024)")
	row "dashboard JS + CSS, gzipped" "$kib KiB" \
	    "what src/gen/assets.c embeds for /app/ (gzip -9); budget 300 KiB"
	reads_load "${BENCH_WEB_EVENTS:-1000000}"
	n=$(sql_owner -c "SELECT count(*) FROM amp.events WHERE org_id = 'reads'")
	times=$(node bench/sections/web.mjs "$base" "$(token_for reads)" \
	    "days=custom&from=2024-09-01&to=2024-11-29" "${BENCH_WEB_RUNS:-7}")
	log "web: navigation to overview numbers, ms: $times"
	row "dashboard: navigation → overview numbers, 90 days, $(fmt_int "$n") events" \
	    "median $(med ${times// /,}) ms" \
	    "headless Chromium, fresh context per run (nothing cached), ${BENCH_WEB_RUNS:-7} runs: $times ms"
}
