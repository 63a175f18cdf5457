# GitHub deliveries/s through POST /v1/hooks/github/ORG, signed, one
# delivery per request, each with a new delivery id, for two mixes of the
# example payloads of @octokit/webhooks-examples (npm ci): all of them (a
# webhook set to "send me everything"; most are acknowledged, not stored)
# and those that store an event (as the service answers them, 201). The
# second against POST /v1/events with one event per request: the same
# ingest, one durable commit each, without signature or mapping.
# Alternating rounds of BENCH_HTTP_SECS over BENCH_CONNS connections.
ALL_SECTIONS+=(github)

GITHUB_SECRET="bench-webhook-secret-0123456789"
GITHUB_ROUNDS=${BENCH_GITHUB_ROUNDS:-3}

github_items() {
	"$PY" - "$GITHUB_SECRET" "$1" <<'PY'
import hashlib, hmac, json, sys
secret, out = sys.argv[1].encode(), sys.argv[2]
types = json.load(open("node_modules/@octokit/webhooks-examples/api.github.com/index.json"))
with open(out, "w") as f:
    for t in types:
        for e in t["examples"]:
            body = json.dumps(e, separators=(",", ":"))
            sig = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
            f.write(f"{t['name']}\t{sig}\t{body}\n")
PY
}

# The deliveries of $1 that the service stores (201), into $2.
github_storing() {
	local ev sig body
	: >"$2"
	while IFS=$'\t' read -r ev sig body; do
		if [ "$(curl -sS -o /dev/null -w '%{http_code}' -X POST \
		    "$base/v1/hooks/github/gh-probe" \
		    -H 'Content-Type: application/json' -H "X-GitHub-Event: $ev" \
		    -H "X-GitHub-Delivery: probe-$RANDOM$RANDOM" \
		    -H "X-Hub-Signature-256: $sig" --data-binary "$body")" = 201 ]
		then
			printf '%s\t%s\t%s\n' "$ev" "$sig" "$body" >>"$2"
		fi
	done <"$1"
}

github_connect() {
	curl -fsS -o /dev/null -X PUT "$base/v1/connectors/github" \
	    -H "Authorization: Bearer $(token_for "$1")" \
	    -H 'Content-Type: application/json' \
	    -d "{\"secret\": \"$GITHUB_SECRET\"}" ||
	    die "PUT /v1/connectors/github failed"
}

github_wrk() {
	local out
	out=$(wrk -t 2 -c "$CONNS" -d "${HTTP_SECS}s" --latency \
	    -s bench/github.lua "$base" -- "$@")
	echo "$out" >>"$work/wrk-github.txt"
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		echo "$out" >&2
		die "errors during the GitHub run"
	fi
	awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

section_github() {
	local items="$work/github-items.tsv" storing="$work/github-storing.tsv"
	local n ns i all=() eng=() base_rps=()
	[ -f node_modules/@octokit/webhooks-examples/package.json ] ||
	    npm ci --no-audit --no-fund --loglevel=error >/dev/null
	github_items "$items"
	github_connect gh
	github_connect gh-probe
	github_storing "$items" "$storing"
	n=$(wc -l <"$items") ns=$(wc -l <"$storing")
	log "GitHub: $n example deliveries, $ns of them stored; $GITHUB_ROUNDS rounds of ${HTTP_SECS}s, -c$CONNS"
	for i in $(seq "$GITHUB_ROUNDS"); do
		# An org per wrk thread: one org alone would meet its rate limit.
		base_rps+=("$(github_wrk events \
		    "$(token_for gh-base-0),$(token_for gh-base-1)" "b$i")")
		eng+=("$(github_wrk hook "$storing" gh "s$i")")
		all+=("$(github_wrk hook "$items" gh "a$i")")
		log "  round $i: POST /v1/events ${base_rps[-1]}/s, storing deliveries ${eng[-1]}/s, all ${all[-1]}/s"
	done
	row "GitHub deliveries, all $n examples" \
	    "$(fmt_int "$(med "${all[@]}")") deliveries/s" \
	    "median of $(fmt_list "${all[@]}"); POST /v1/hooks/github, signed, round-robin, 1 per request, new ids; $ns of $n store an event; wrk -t2 -c$CONNS -d${HTTP_SECS}s"
	row "GitHub deliveries that store an event ($ns examples)" \
	    "$(fmt_int "$(med "${eng[@]}")") deliveries/s" \
	    "median of $(fmt_list "${eng[@]}"); each answered 201 after commit"
	row "POST /v1/events, 1 event per request" \
	    "$(fmt_int "$(med "${base_rps[@]}")") requests/s" \
	    "median of $(fmt_list "${base_rps[@]}"); the same ingest without signature or mapping"
	row "storing deliveries ÷ 1-event POST /v1/events" \
	    "$(calc "round(st.median([$(join_comma "${eng[@]}")]) / st.median([$(join_comma "${base_rps[@]}")]), 2)")" \
	    "alternating rounds, same service and database"
}
