# http_cache (issue #11): what gzip and ETags save.
#  - GET /v1/indicators/series?interval=day over the last 400 days (the
#    longest window allowed, 400 buckets, every day with data): body bytes
#    as sent and time to the last byte, with Accept-Encoding: gzip and with
#    identity (BENCH_CACHE_REQUESTS sequential requests on one connection
#    each); the gzip body is checked to unpack to the identity one.
#  - GET /v1/indicators (90 days) requests/s answered 304 (If-None-Match
#    with the answer's ETag) against 200 (none), and 200 with gzip; wrk,
#    one connection per org over BENCH_CACHE_ORGS orgs, so that no org
#    comes near the per-org rate limit (any 429 stops the section).
# The ETag is a hash of the answer (src/respond.c): a 304 saves the body's
# bytes (and its compression), not the query, so its requests/s are those
# of a 200 at best. Targets, proposed here as the repository states none:
# the gzip body ≤ 25% of the identity one; 304s/s ≥ 200s/s.
#
# Tunables: BENCH_CACHE_ORGS (8), BENCH_CACHE_HISTORY (events per org over
# 400 days, 40000), BENCH_CACHE_REQUESTS (50), BENCH_CACHE_SECS (10).
ALL_SECTIONS+=(http_cache)

# http_cache_rps NAME ETAGS [ENCODING]: wrk over every org; sets rps_NAME,
# p99_NAME, and checks that every answer has the status expected.
http_cache_rps() {
	local name=$1 etags=$2 enc=${3:-} want out line st
	want=$([ "$etags" = - ] && echo 200 || echo 304)
	out=$(wrk -t "${#cache_tokens[@]}" -c "${#cache_tokens[@]}" \
	    -d "${BENCH_CACHE_SECS:-10}s" --timeout 60s -s bench/count.lua \
	    "$base" -- "$cache_path" "$(IFS=,; echo "${cache_tokens[*]}")" \
	    "$etags" ${enc:+"$enc"})
	echo "$out" >>"$work/wrk-cache.txt"
	line=$(grep '^GET requests' <<<"$out") ||
	    { echo "$out" >&2; die "http_cache: wrk count.lua failed"; }
	log "http_cache: $name: $line"
	st=$(grep -o 'statuses=[0-9:,]*' <<<"$line" | cut -d= -f2)
	[ "$st" = "$want:$(field requests "$line")" ] ||
	    die "http_cache: $name: answers $st, all $want expected (a 429: raise BENCH_CACHE_ORGS)"
	printf -v "rps_$name" %s "$(field requests_per_s "$line")"
	printf -v "p99_$name" %s "$(field p99_ms "$line")"
}

section_http_cache() {
	local norgs=${BENCH_CACHE_ORGS:-8} history=${BENCH_CACHE_HISTORY:-40000}
	local n=${BENCH_CACHE_REQUESTS:-50} orgs=() etags=() i tok series gz id
	local kib_gz kib_id share verdict rps_200 rps_304 rps_gzip p99_200
	local p99_304 p99_gzip hdr etag url
	cache_tokens=()
	for i in $(seq "$norgs"); do
		orgs+=("cache-$i")
		cache_tokens+=("$(token_for "cache-$i")")
	done
	live_preload 400 "$history" "${orgs[@]}"
	tok=${cache_tokens[0]}

	# The 400-day daily series, gzip and identity.
	series="/v1/indicators/series?interval=day&from=$(date -u -d '399 days ago' +%F)&to=$(date -u +%F)"
	curl -sS -f -H "Authorization: Bearer $tok" -H 'Accept-Encoding: gzip' \
	    -D "$work/cache.gz.headers" "$base$series" >"$work/cache.gz"
	curl -sS -f -H "Authorization: Bearer $tok" \
	    -H 'Accept-Encoding: identity' "$base$series" >"$work/cache.id"
	grep -qi '^content-encoding: gzip' "$work/cache.gz.headers" ||
	    die "http_cache: the series came back without gzip"
	gunzip -c "$work/cache.gz" | cmp -s - "$work/cache.id" ||
	    die "http_cache: the gzip series does not unpack to the identity one"
	[ "$(jget "$work/cache.id" 'len(d["buckets"])')" -eq 400 ] ||
	    die "http_cache: the series does not have 400 buckets"
	log "http_cache: 400-day daily series, $n requests each way"
	gz=$work/cache.series.gz
	id=$work/cache.series.id
	"$PY" bench/dash.py "$base" --org "$tok" --ops series400 --count "$n" \
	    --warmup 3 --header 'Accept-Encoding: gzip' >"$gz"
	"$PY" bench/dash.py "$base" --org "$tok" --ops series400 --count "$n" \
	    --warmup 3 --header 'Accept-Encoding: identity' >"$id"
	kib_gz=$(jget "$gz" 'round(d["series400"]["bytes"] / 1024, 1)')
	kib_id=$(jget "$id" 'round(d["series400"]["bytes"] / 1024, 1)')
	share=$(calc "round(100 * $kib_gz / $kib_id, 1)")
	verdict=$(calc "'met' if $share <= 25 else 'NOT met'")
	row "http_cache: GET /v1/indicators/series, daily, 400 days" \
	    "gzip $kib_gz KiB, p50 $(jget "$gz" 'd["series400"]["p50"]') ms · identity $kib_id KiB, p50 $(jget "$id" 'd["series400"]["p50"]') ms" \
	    "body bytes as sent (400 buckets, $(fmt_int "$history") events over 400 days); $n sequential requests each way on one connection after 3 warm-up ones, to the last byte on 127.0.0.1 (p95 gzip $(jget "$gz" 'd["series400"]["p95"]'), identity $(jget "$id" 'd["series400"]["p95"]') ms); gzip is $share% of the bytes, target ≤ 25%: **$verdict**"

	# Indicator reads: 304 against 200.
	cache_path="/v1/indicators?from=$(date -u -d '89 days ago' +%F)&to=$(date -u +%F)"
	for tok in "${cache_tokens[@]}"; do
		hdr=$(curl -sS -f -o /dev/null -D - \
		    -H "Authorization: Bearer $tok" "$base$cache_path")
		etag=$(tr -d '\r' <<<"$hdr" | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p')
		[ -n "$etag" ] || die "http_cache: no ETag on $cache_path"
		etags+=("$etag")
	done
	http_cache_rps 200 -
	http_cache_rps 304 "$(IFS=,; echo "${etags[*]}")"
	http_cache_rps gzip - gzip
	verdict=$(calc "'met' if $rps_304 >= $rps_200 else 'NOT met'")
	row "http_cache: GET /v1/indicators (90 days), 304 vs 200" \
	    "304: $(fmt_int "$rps_304")/s · 200: $(fmt_int "$rps_200")/s · 200 gzip: $(fmt_int "$rps_gzip")/s" \
	    "wrk -t$norgs -c$norgs -d${BENCH_CACHE_SECS:-10}s, one org per connection ($(fmt_int "$history") events over 400 days each), If-None-Match with the org's ETag or none; every answer as expected; p99 $p99_304 · $p99_200 · $p99_gzip ms; 304 ÷ 200 = $(calc "'%.2f' % ($rps_304 / $rps_200)"), target ≥ 1: **$verdict** (a 304 still runs the query: the ETag is a hash of the answer)"
}
