#!/usr/bin/env bash
# run.sh: every test of horde, as `make test` runs it. Unit tests run under
# AddressSanitizer and UndefinedBehaviorSanitizer (cmocka; each test case
# counts), fuzz targets run for a bounded time over their committed corpus,
# shell tests drive the real binaries end to end. Logs go to
# $B/test-logs/. A shell test that cannot apply here exits 77 (as
# automake's tests do) and counts as skipped, never as passed. The last
# line is "N passed, N failed, N skipped".
set -u
B=${B:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
LOGS=$B/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
passed=0
failed=0
skipped=0

result() { # NAME STATUS
	if [ "$2" = 0 ]; then
		passed=$((passed + 1)); echo "PASS $1"
	elif [ "$2" = 77 ]; then
		skipped=$((skipped + 1)); echo "SKIP $1 ($(tail -n 1 "$LOGS/$1.log"))"
	else
		failed=$((failed + 1)); echo "FAIL $1 (log: $LOGS/$1.log)"
		tail_log "$1"
	fi
}

# CI keeps only what run.sh prints, so a failure brings its log's end.
tail_log() { # NAME
	tail -n 12 "$LOGS/$1.log" | sed 's/^/    | /'
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "$B"/asan/test_*; do
	name=$(basename "$t")
	"$t" > "$LOGS/$name.log" 2>&1
	rc=$?
	# A binary may run several groups: add up their counts.
	ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$LOGS/$name.log" |
		awk '{ n += $1 } END { if (NR) print n }')
	bad=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$LOGS/$name.log" |
		awk '{ n += $1 } END { if (NR) print n }')
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${bad:-0}))
	if [ "$rc" != 0 ] && [ -z "$bad" ]; then
		# A sanitizer or a crash ended the binary before cmocka could
		# count: that is one failure more.
		failed=$((failed + 1))
	fi
	if [ "$rc" = 0 ]; then
		echo "PASS $name (${ok:-0} cases)"
	else
		echo "FAIL $name (log: $LOGS/$name.log)"
		tail_log "$name"
	fi
done

for f in "$B"/fuzz/fuzz_*; do
	name=$(basename "$f")
	corpus=tests/fuzz/corpus_${name#fuzz_}
	work=$(mktemp -d)
	"$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$LOGS/$name-" "$work" "$corpus" \
		> "$LOGS/$name.log" 2>&1
	result "$name" $?
	rm -rf "$work"
done

for t in tests/e2e/*.sh; do
	name=$(basename "$t" .sh)
	start=$SECONDS
	B=$B timeout 600 bash "$t" > "$LOGS/$name.log" 2>&1
	rc=$?
	echo "$name: $((SECONDS - start)) s" >> "$LOGS/times.txt"
	result "$name" $rc
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
