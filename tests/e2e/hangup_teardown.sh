#!/usr/bin/env bash
# A closed terminal or SSH session (SIGHUP) stops a run like Ctrl-C: the
# run is marked interrupted and nothing is left. A horde killed while it
# tears down keeps the destruction rows of all but its last second: they
# are committed as destruction goes, not at its end.
. "$(dirname "$0")/../lib.sh"

leftovers
printf '[global]\nemu_latency=zero\nboot_delay=10ms\n[hup]\nguests=5000\n' > "$TMP/hup.plan"
db=$TMP/hup.db
"$B/horde" run "$TMP/hup.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" &
pid=$!
wait_for 120 guests_stored "$db" 300
kill -HUP "$pid"
rc=0
wait "$pid" || rc=$?
expect_eq "exit status after SIGHUP" "$rc" 130
grep -q "SIGHUP (the terminal hung up): stopping" "$TMP/err" || fail "SIGHUP: $(cat "$TMP/err")"
grep -q "Ctrl-C" "$TMP/err" && fail "SIGHUP spoke of Ctrl-C: $(cat "$TMP/err")"
expect_eq "status" "$(q "$db" "select status from runs")" interrupted
leftovers

# Teardown: destruction rows reach the database while horde tears down
# (the old teardown committed only at its end), and a SIGKILL keeps them.
# With nothing modelled, 3,000 guests may all go within the first
# second's commit; a modelled 1 ms a destruction keeps it going 3 s more.
latency_profile "$TMP/slow-destroy.profile" 0 0 0 0 0 1000000
printf '[global]\nemu_latency=%s\nboot_delay=1ms\n[down]\nguests=3000\nbridges=3\nconsole=lazy\n' \
	"$TMP/slow-destroy.profile" > "$TMP/down.plan"
db=$TMP/down.db
"$B/horde" run "$TMP/down.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" &
pid=$!
destroyed() { q "$db" "select count(*) from guests where destroyed_at_ns is not null" 2>/dev/null || echo 0; }
some_destroyed() { [ "$(destroyed)" -gt 0 ]; }
wait_for 120 some_destroyed
seen=$(destroyed)
kill -KILL "$pid"
wait "$pid"
[ "$seen" -lt 3000 ] || fail "teardown ended before the kill ($seen destroyed)"
kept=$(destroyed)
[ "$kept" -ge "$seen" ] || fail "kept $kept destroy rows, $seen were committed before"
expect_eq "their phases" "$(q "$db" "select count(distinct seq) from destroy_phases")" "$kept"
"$B/horde" clean "$db" > /dev/null 2>&1 || fail "clean after the kill"
leftovers
