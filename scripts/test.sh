#!/usr/bin/env bash
# make test: packages, build, C unit tests (also under ASan+UBSan), the
# OpenAPI lint, the TypeScript client's and the dashboard's type checks, a
# short run of each fuzz target, then the API tests (which start their own
# throwaway PostgreSQL and service; tests/api/test_web.py drives the
# dashboard in headless Chromium). Ends with one line of totals.
#   scripts/test.sh [unit|lint|ts|fuzz|api|citus]...   (default: all but citus)
# FUZZ_SECONDS (default 10) is how long each fuzz target runs. The citus
# part (make test-citus) runs the API tests, unchanged, against a Citus
# coordinator with two workers (scripts/citus.sh builds Citus when it is
# not installed), plus tests/api/test_citus.py.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(unit lint ts fuzz api)

groups=(build db test fuzz web)
[[ " ${parts[*]} " == *" citus "* ]] && groups+=(citus)
scripts/deps.sh "${groups[@]}" || exit 1
scripts/build.sh || exit 1

passed=0 failed=0
out=build/test
mkdir -p "$out"

# The npm devDependencies: tools, and the GitHub example payloads that the
# unit and API tests read (node_modules/@octokit/webhooks-examples).
npm_ci() {
	[ -x node_modules/.bin/redocly ] && [ -x node_modules/.bin/tsc ] &&
	    [ -x node_modules/.bin/openapi-typescript ] &&
	    [ -f node_modules/@octokit/webhooks-examples/package.json ] &&
	    [ -f node_modules/playwright-core/package.json ] && return 0
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
}

run_unit() {
	local cflags="-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -Isrc"
	local san="-fsanitize=address,undefined -fno-sanitize-recover=all"
	local t name bin log p f
	npm_ci || { echo "unit: npm ci failed" >&2; failed=$((failed + 1)); return; }
	for t in tests/unit/test_*.c; do
		name=$(basename "$t" .c)
		for variant in plain san; do
			bin="$out/$name.$variant"
			log="$out/$name.$variant.log"
			extra=""
			[ "$variant" = san ] && extra=$san
			if ! gcc $cflags $extra -O1 "$t" src/core/*.c \
			    -ljansson -lcmocka -lm -o "$bin"; then
				echo "unit: $name failed to build" >&2
				failed=$((failed + 1))
				continue
			fi
			"$bin" >"$log" 2>&1
			cat "$log"
			p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
			f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
			passed=$((passed + ${p:-0}))
			failed=$((failed + ${f:-0}))
			if [ -z "$p" ] && [ -z "$f" ]; then
				echo "unit: $name ($variant) crashed" >&2
				failed=$((failed + 1))
			fi
		done
	done
}


run_lint() {
	npm_ci || { echo "lint: npm ci failed" >&2; failed=$((failed + 1)); return; }
	if node_modules/.bin/redocly lint openapi.yaml --format=stylish; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}

# The TypeScript client (clients/typescript): the committed schema.ts is
# what openapi-typescript makes of openapi.yaml now; the client with its
# type-level tests, and the example, compile under tsc --strict.
run_ts() {
	local dir=clients/typescript gen="$out/schema.ts" tsc=node_modules/.bin/tsc
	npm_ci || { echo "ts: npm ci failed" >&2; failed=$((failed + 1)); return; }
	if node_modules/.bin/openapi-typescript openapi.yaml -o "$gen" \
	    >"$out/ts-generate.log" 2>&1 && diff -u "$dir/src/schema.ts" "$gen"; then
		passed=$((passed + 1))
	else
		cat "$out/ts-generate.log"
		echo "ts: $dir/src/schema.ts is stale; regenerate it:" \
		    "node_modules/.bin/openapi-typescript openapi.yaml -o $dir/src/schema.ts" >&2
		failed=$((failed + 1))
	fi
	if "$tsc" -p "$dir"; then
		passed=$((passed + 1))
	else
		echo "ts: the client or its type tests do not compile" >&2
		failed=$((failed + 1))
	fi
	if "$tsc" -p "$dir/tsconfig.example.json" --noEmit; then
		passed=$((passed + 1))
	else
		echo "ts: the example does not compile" >&2
		failed=$((failed + 1))
	fi
	# The dashboard (web/app), which esbuild bundles without checking types.
	if "$tsc" -p web; then
		passed=$((passed + 1))
	else
		echo "ts: the dashboard (web/app) does not type-check" >&2
		failed=$((failed + 1))
	fi
}

# Each fuzz target is one test: passed when it ran its time without a crash.
run_fuzz() {
	local p f rc
	scripts/fuzz.sh "${FUZZ_SECONDS:-10}" | tee "$out/fuzz.log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^fuzz: .* passed' "$out/fuzz.log")
	f=$(grep -c '^fuzz: .* failed' "$out/fuzz.log")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
	fi
}

# run_api [NAME]: the API tests; their JUnit report is $out/NAME.xml.
run_api() {
	local xml="$out/${1:-api}.xml"
	rm -f "$xml"
	npm_ci || { echo "api: npm ci failed" >&2; failed=$((failed + 1)); return; }
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/api \
	    --junitxml="$xml"
	local rc=$?
	if [ -f "$xml" ]; then
		read -r p f < <(/usr/bin/python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r if r.tag == "testsuite" else r.find("testsuite")
t, f, e, k = (int(s.get(x, 0)) for x in ("tests", "failures", "errors", "skipped"))
print(t - f - e - k, f + e)
PY
)
		passed=$((passed + p))
		failed=$((failed + f))
	fi
	if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		failed=$((failed + 1))
	fi
}

for part in "${parts[@]}"; do
	case "$part" in
	unit) run_unit ;;
	lint) run_lint ;;
	ts) run_ts ;;
	fuzz) run_fuzz ;;
	api) run_api ;;
	citus)
		scripts/citus.sh build || exit 1
		export AMP_TEST_CLUSTER=citus
		run_api api-citus
		unset AMP_TEST_CLUSTER
		;;
	*) echo "unknown part $part" >&2; exit 2 ;;
	esac
done

echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
