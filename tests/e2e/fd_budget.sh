#!/usr/bin/env bash
# A plan whose guests would run horde (or its XenStore daemon) out of file
# descriptors is refused before anything is made, with the numbers, instead
# of failing guests past the limit with causes that hide it. At the largest
# count the budget allows, every guest comes up.
. "$(dirname "$0")/../lib.sh"

ulimit -Sn 400 && ulimit -Hn 400 || fail "cannot lower the open file limit"
plan() { # GUESTS
	printf '[fds]\nguests=%s\nemu_latency=zero\nboot_delay=1ms\nconsole=lazy\n' "$1" > "$TMP/p.plan"
}
# 1 worker and 1 bridge: a guest, 2 a worker, 2 a bridge and 40 of horde's
# own; 356 + 2 + 2 + 40 = 400.
plan 357
"$B/horde" check "$TMP/p.plan" > "$TMP/check" && fail "check passed 357 guests"
grep -q "need about 401 open files in horde.*hard limit of 400" "$TMP/check" ||
	fail "check said: $(cat "$TMP/check")"
"$B/horde" run "$TMP/p.plan" --db "$TMP/p.db" > "$TMP/out" 2> "$TMP/err" &&
	fail "run went ahead"
grep -q "need about 401 open files" "$TMP/err" || fail "run said: $(cat "$TMP/err")"
[ -e "$TMP/p.db" ] && fail "a database was made for a refused plan"
leftovers

plan 356
"$B/horde" run "$TMP/p.plan" --db "$TMP/p.db" --quiet > "$TMP/out" 2> "$TMP/err" ||
	fail "356 guests: $(cat "$TMP/err" "$TMP/out")"
expect_eq "guests up" "$(q "$TMP/p.db" "select count(*) from guests where alive_ns > 0 and failure is null")" 356
leftovers
