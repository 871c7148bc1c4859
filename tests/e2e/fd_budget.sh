#!/usr/bin/env bash
# Guests are on rings: they cost no descriptor in horde nor in its
# XenStore daemon. The most descriptors each held (the sampler's own
# readings of /proc/PID/fd) with 1,000 guests up is no more than with 100,
# plus a few; the console daemon, a limit of the host under test, holds
# one a guest (console=lazy). A plan whose workers would run horde out of
# descriptors is refused before anything is made, with the numbers,
# instead of failing guests with causes that hide it.
. "$(dirname "$0")/../lib.sh"

plan() { # GUESTS CONCURRENCY
	printf '[fds]\nguests=%s\nconcurrency=%s\nemu_latency=zero\nboot_delay=1ms\nconsole=lazy\npattern=steps\nlevels=%s\nhold=3s\nsample_interval=500ms\n' \
		"$1" "$2" "$1" > "$TMP/p.plan"
}
most_fds() { # DB SOURCE
	q "$1" "select cast(max(value) as int) from samples where source = '$2' and metric = 'fds'"
}
for n in 100 1000; do
	plan "$n" 1
	"$B/horde" run "$TMP/p.plan" --db "$TMP/$n.db" --quiet > "$TMP/out" 2> "$TMP/err" ||
		fail "$n guests: $(cat "$TMP/err" "$TMP/out")"
	expect_eq "$n guests up" "$(q "$TMP/$n.db" "select count(*) from guests where alive_ns > 0 and failure is null")" "$n"
	leftovers
done
for who in horde horde-xenstored; do
	small=$(most_fds "$TMP/100.db" "$who") big=$(most_fds "$TMP/1000.db" "$who")
	echo "$who: at most $small descriptors with 100 guests, $big with 1,000"
	[ -n "$small" ] && [ "$big" -le $((small + 8)) ] ||
		fail "$who's descriptors grew with the guests: $small, then $big"
done
small=$(most_fds "$TMP/100.db" horde-consoled) big=$(most_fds "$TMP/1000.db" horde-consoled)
[ "$big" -ge $((small + 900)) ] ||
	fail "the console daemon's descriptors: $small, then $big (one a guest expected)"

ulimit -Sn 150 && ulimit -Hn 150 || fail "cannot lower the open file limit"
# 64 workers and 1 bridge: 2 a worker, 2 a bridge and 40 of horde's own.
plan 100 64
"$B/horde" check "$TMP/p.plan" > "$TMP/check" && fail "check passed 64 workers"
grep -q "64 workers need about 170 open files in horde.*hard limit of 150" "$TMP/check" ||
	fail "check said: $(cat "$TMP/check")"
"$B/horde" run "$TMP/p.plan" --db "$TMP/p.db" > "$TMP/out" 2> "$TMP/err" &&
	fail "run went ahead"
grep -q "need about 170 open files" "$TMP/err" || fail "run said: $(cat "$TMP/err")"
[ -e "$TMP/p.db" ] && fail "a database was made for a refused plan"
leftovers
