#!/usr/bin/env bash
# Ctrl-C mid-run keeps every figure, marks the run interrupted and leaves
# nothing behind; a second Ctrl-C skips destroying guests one by one and
# still leaves nothing behind. SIGTERM does the same, in its own words.
. "$(dirname "$0")/../lib.sh"

leftovers
printf '[global]\nemu_latency=zero\nboot_delay=10ms\n[big]\nguests=5000\n' > "$TMP/big.plan"

for signals in 1 2; do
	db=$TMP/int$signals.db
	"$B/horde" run "$TMP/big.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" &
	pid=$!
	wait_for 120 guests_stored "$db" 300
	for _ in $(seq "$signals"); do kill -INT "$pid"; done
	rc=0
	wait "$pid" || rc=$?
	expect_eq "exit status after $signals Ctrl-C" "$rc" 130
	grep -q "Ctrl-C again to skip" "$TMP/err" || fail "Ctrl-C: $(cat "$TMP/err")"
	expect_eq "status" "$(q "$db" "select status from runs")" interrupted
	n=$(q "$db" "select count(*) from guests")
	[ "$n" -ge 300 ] && [ "$n" -lt 5000 ] || fail "kept $n guests"
	expect_eq "phases kept" "$(q "$db" "select count(*) from phases")" "$((4 * $(q "$db" "select count(*) from guests where domid is not null")))"
	# No guest is left with neither an ARP verdict nor a failure.
	expect_eq "guests without a verdict or a failure" \
		"$(q "$db" "select count(*) from guests where domid is not null and alive_ns is null and failure is null")" 0
	leftovers
done

# A kill (SIGTERM) stops the run the same way, and says so in its own
# words: no Ctrl-C was pressed.
db=$TMP/term.db
"$B/horde" run "$TMP/big.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" &
pid=$!
wait_for 120 guests_stored "$db" 300
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
expect_eq "exit status after SIGTERM" "$rc" 130
expect_eq "status" "$(q "$db" "select status from runs")" interrupted
grep -q "SIGTERM: stopping" "$TMP/err" || fail "SIGTERM: $(cat "$TMP/err")"
grep -q "Ctrl-C" "$TMP/err" && fail "SIGTERM spoke of Ctrl-C: $(cat "$TMP/err")"
leftovers
