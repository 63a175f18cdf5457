#!/usr/bin/env bash
# make fuzz: build the libFuzzer targets of tests/fuzz (clang, with ASan and
# UBSan) and run each for SECONDS, starting from its committed seed corpus
# in tests/fuzz/corpus/<target>. Fails if any target finds a crash, a leak,
# undefined behaviour or a broken invariant; the input that did it is left
# in build/fuzz/<target>-crash-* (rerun: build/fuzz/<target> FILE).
#   scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s, every target)
# Prints one line per target: "fuzz: <target> passed" or "... failed".
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		targets+=("$(basename "$f" .c)")
	done
fi

scripts/deps.sh build fuzz || exit 1

out=build/fuzz
mkdir -p "$out"
cflags="-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -Isrc"
san="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
rc=0
for t in "${targets[@]}"; do
	if ! clang $cflags $san "tests/fuzz/$t.c" src/core/*.c -ljansson -lm \
	    -o "$out/$t"; then
		echo "fuzz: $t failed (build)"
		rc=1
		continue
	fi
	# New inputs go to a scratch corpus; the committed seeds stay as they are.
	mkdir -p "$out/corpus/$t"
	dict=()
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	if "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=4096 -print_final_stats=1 "${dict[@]}" \
	    -artifact_prefix="$out/$t-" "$out/corpus/$t" \
	    "tests/fuzz/corpus/$t" >"$out/$t.log" 2>&1; then
		echo "fuzz: $t passed ($(grep -o 'stat::number_of_executed_units: [0-9]*' \
		    "$out/$t.log" | grep -o '[0-9]*$') runs)"
	else
		tail -n 40 "$out/$t.log"
		echo "fuzz: $t failed (see $out/$t.log)"
		rc=1
	fi
done
exit $rc
