#!/usr/bin/env bash
# A run killed with SIGKILL mid-ramp keeps every guest it committed, is
# marked crashed on the next start, `horde clean` removes what it left, and
# `horde run --resume` finishes it: the planned count, no domid twice, and
# an exit status that counts the guests the crash caught.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/ramp.plan" <<'PLAN'
[global]
emu_latency=zero
boot_delay=20ms
console=lazy
bridges=3
[ramp]
guests=3000
PLAN
db=$TMP/ramp.db
"$B/horde" run "$TMP/ramp.plan" --db "$db" --quiet > "$TMP/out1" 2> "$TMP/err1" &
pid=$!
wait_for 120 guests_stored "$db" 800
kill -KILL "$pid"
wait "$pid"
expect_eq "killed" $? 137
kept=$(q "$db" "select count(*) from guests")
[ "$kept" -ge 800 ] && [ "$kept" -lt 3000 ] || fail "$kept guests kept"
expect_eq "still says running" "$(q "$db" "select status from runs")" running
# The daemons see their lifeline close and go; the namespace and the run
# folder stay until cleaned.
daemons_gone() { [ -z "$(own_processes)" ]; }
wait_for 10 daemons_gone
ip netns list | grep -q "^horde-$pid" || fail "no namespace left to clean"

"$B/horde" clean "$db" > "$TMP/clean" 2> "$TMP/clean.err" || fail "clean: $(cat "$TMP/clean.err")"
grep -q "marked crashed" "$TMP/clean.err" || fail "clean said: $(cat "$TMP/clean.err")"
grep -q "removed network namespace horde-$pid" "$TMP/clean" || fail "clean: $(cat "$TMP/clean")"
grep -q "removed run folder $TMPDIR/horde-" "$TMP/clean" || fail "clean: $(cat "$TMP/clean")"
expect_eq "crashed" "$(q "$db" "select status from runs")" crashed
"$B/horde" report "$db" --out "$TMP/rep" > "$TMP/report" 2>&1 || fail "report: $(cat "$TMP/report")"
grep -q "CRASHED: its horde died" "$TMP/report" || fail "report does not say it crashed: $(cat "$TMP/report")"
expect_eq "guests kept" "$(q "$db" "select count(*) from guests")" "$kept"
leftovers

rc=0
"$B/horde" run "$TMP/ramp.plan" --db "$db" --resume 1 --quiet > "$TMP/out2" 2> "$TMP/err2" || rc=$?
echo "the resume exited $rc"
# Guests the crash caught before their verdict failed: the resumed run
# exits 1 then, as a run with a failed guest does (README: Exit statuses).
caught=$(q "$db" "select count(*) from guests where failure is not null")
expect_eq "exit status of the resume, $caught guests failed ($(cat "$TMP/err2"))" \
	"$rc" "$([ "$caught" -gt 0 ] && echo 1 || echo 0)"
expect_eq "runs" "$(q "$db" "select count(*) from runs")" 1
expect_eq "done" "$(q "$db" "select status from runs")" done
expect_eq "guests" "$(q "$db" "select count(*) from guests")" 3000
expect_eq "created" "$(q "$db" "select count(*) from guests where domid is not null")" 3000
expect_eq "no domid twice" "$(q "$db" "select count(distinct domid) from guests")" 3000
expect_eq "alive, or caught by the crash" \
	"$(q "$db" "select count(*) from guests where (alive_ns > 0 and failure is null) or failure = 'arp: no verdict before its horde stopped'")" 3000
expect_eq "every guest after the crash alive" \
	"$(q "$db" "select count(*) from guests where seq > $kept and alive_ns > 0 and failure is null")" $((3000 - kept))
expect_eq "destroyed, timed" "$(q "$db" "select count(*) from guests where destroy_ns > 0")" 3000
leftovers
"$B/horde" run "$TMP/ramp.plan" --db "$db" --resume 1 > /dev/null 2> "$TMP/err3"
expect_eq "resume a done run" $? 1
grep -q "only a crashed or interrupted run can be resumed" "$TMP/err3" || fail "$(cat "$TMP/err3")"
