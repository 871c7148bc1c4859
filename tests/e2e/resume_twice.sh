#!/usr/bin/env bash
# One resume at a time: two `horde run --resume` of one crashed run,
# started together, and one of them refuses, saying another horde has the
# run; the other finishes it with every guest once.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/ramp.plan" <<'PLAN'
[global]
emu_latency=zero
boot_delay=20ms
console=lazy
bridges=2
[ramp]
guests=1500
PLAN
db=$TMP/ramp.db
"$B/horde" run "$TMP/ramp.plan" --db "$db" --quiet > /dev/null 2> "$TMP/err1" &
pid=$!
wait_for 120 guests_stored "$db" 300
kill -KILL "$pid"
wait "$pid"
daemons_gone() { [ -z "$(own_processes)" ]; }
wait_for 10 daemons_gone
"$B/horde" clean "$db" > /dev/null 2> "$TMP/clean.err" || fail "clean: $(cat "$TMP/clean.err")"
expect_eq "crashed" "$(q "$db" "select status from runs")" crashed

for side in a b; do
	"$B/horde" run "$TMP/ramp.plan" --db "$db" --resume 1 --quiet \
		> "$TMP/out-$side" 2> "$TMP/err-$side" &
	eval "pid_$side=\$!"
done
wait "$pid_a"
rc_a=$?
wait "$pid_b"
rc_b=$?
# Exactly one went on with the run; the other said who has it.
refused='run 1 is (being resumed by another horde \(pid [0-9]+\)|running: only a crashed)'
if grep -Eq "$refused" "$TMP/err-a"; then
	won=b lost=a rc_won=$rc_b rc_lost=$rc_a
else
	won=a lost=b rc_won=$rc_a rc_lost=$rc_b
fi
expect_eq "the other's status" "$rc_lost" 1
grep -Eq "$refused" "$TMP/err-$lost" ||
	fail "the second resume said: $(cat "$TMP/err-$lost")"
grep -Eq "$refused" "$TMP/err-$won" && fail "both refused: $(cat "$TMP/err-a" "$TMP/err-b")"
# The winner exits 1 only for guests the crash caught before their verdict.
caught=$(q "$db" "select count(*) from guests where failure is not null")
expect_eq "the winner's status, $caught guests failed ($(cat "$TMP/err-$won"))" \
	"$rc_won" "$([ "$caught" -gt 0 ] && echo 1 || echo 0)"
grep -q "UNIQUE" "$TMP/err-$won" "$TMP/err-$lost" && fail "a constraint failed"
expect_eq "done" "$(q "$db" "select status from runs")" done
expect_eq "guests" "$(q "$db" "select count(*) from guests")" 1500
expect_eq "no domid twice" "$(q "$db" "select count(distinct domid) from guests")" 1500
expect_eq "destroyed, timed" "$(q "$db" "select count(*) from guests where destroy_ns > 0")" 1500
leftovers
