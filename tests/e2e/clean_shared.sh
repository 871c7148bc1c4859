#!/usr/bin/env bash
# horde clean on a shared host touches only what a dead horde of this boot
# recorded as its own: a XenStore daemon started by hand stays, and so does
# a running horde whose binary is not called horde (a second build, as
# horde ab runs); a horde killed with SIGKILL is cleaned.
. "$(dirname "$0")/../lib.sh"

leftovers
# A daemon started by hand, as the README shows.
"$B/horde-xenstored" --socket "$TMP/hand.sock" --ready-fd 3 3> "$TMP/ready" &
hand=$!
ready() { [ -s "$TMP/ready" ]; }
wait_for 10 ready

# A horde that dies: SIGKILL once it has made guests.
printf '[global]\nemu_latency=zero\nboot_delay=1ms\n[dead]\nguests=2000\nbridges=2\n' > "$TMP/dead.plan"
"$B/horde" run "$TMP/dead.plan" --db "$TMP/dead.db" --quiet > /dev/null 2>&1 &
dead=$!
wait_for 60 guests_stored "$TMP/dead.db" 100
kill -KILL "$dead"
wait "$dead"

# A horde still running, from a binary named otherwise.
cp "$B/horde" "$TMP/horde.orig"
for d in horde-xenstored horde-consoled; do ln -s "$PWD/$B/$d" "$TMP/$d"; done
printf '[global]\nemu_latency=zero\nboot_delay=1ms\n[live]\nguests=1500\nbridges=2\n' > "$TMP/live.plan"
"$TMP/horde.orig" run "$TMP/live.plan" --db "$TMP/live.db" --quiet > "$TMP/live.out" 2>&1 &
live=$!
wait_for 60 guests_stored "$TMP/live.db" 100

"$B/horde" clean "$TMP/dead.db" > "$TMP/clean" 2> "$TMP/clean.err" ||
	fail "clean: $(cat "$TMP/clean.err")"
kill -0 "$hand" 2> /dev/null || fail "clean stopped the hand-started daemon: $(cat "$TMP/clean")"
grep -q "left alone: horde-xenstored (pid $hand): no horde recorded it" "$TMP/clean" ||
	fail "clean did not say it left the hand-started daemon: $(cat "$TMP/clean")"
grep -q "left alone: .*horde-$live (horde pid $live is running)" "$TMP/clean" ||
	fail "clean did not say it left the live run: $(cat "$TMP/clean")"
grep -q "removed network namespace horde-$dead" "$TMP/clean" || fail "clean: $(cat "$TMP/clean")"
expect_eq "the dead run" "$(q "$TMP/dead.db" "select status from runs")" crashed

wait "$live" || fail "the live run failed after clean: $(cat "$TMP/live.out")"
expect_eq "the live run" "$(q "$TMP/live.db" "select status from runs")" done
expect_eq "its guests, all up" "$(q "$TMP/live.db" "select count(*) from guests where alive_ns > 0 and failure is null")" 1500
kill "$hand"
wait "$hand"
leftovers
