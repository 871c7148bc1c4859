#!/usr/bin/env bash
# A run killed while it destroys its guests is resumed into the rest of
# its teardown: each guest gets exactly one destruction, those stored
# before the kill are never rewritten, and the run ends done.
. "$(dirname "$0")/../lib.sh"

leftovers
# Each destruction 10 ms, so that the teardown lasts long enough to be
# killed in; nothing else modelled.
latency_profile "$TMP/slow-destroy.profile" 0 0 0 0 0 10000000
cat > "$TMP/ramp.plan" <<PLAN
[global]
emu_latency=$TMP/slow-destroy.profile
boot_delay=10ms
console=lazy
[ramp]
guests=1000
PLAN
db=$TMP/ramp.db
"$B/horde" run "$TMP/ramp.plan" --db "$db" --quiet > /dev/null 2> "$TMP/err1" &
pid=$!
destroyed() { q "$db" "select count(*) from guests where destroyed_at_ns is not null" 2>/dev/null || echo 0; }
tearing_down() { [ "$(destroyed)" -ge 300 ]; }
wait_for 180 tearing_down
kill -KILL "$pid"
wait "$pid"
daemons_gone() { [ -z "$(own_processes)" ]; }
wait_for 10 daemons_gone
"$B/horde" clean "$db" > /dev/null 2> "$TMP/clean.err" || fail "clean: $(cat "$TMP/clean.err")"
before=$(destroyed)
[ "$before" -ge 300 ] && [ "$before" -lt 1000 ] || fail "$before destroyed before the kill"
[ -n "$(q "$db" "select teardown_ns from runs")" ] || fail "the teardown was not stored as begun"
# What the kill left of the destructions, to be kept as it is.
kept() { q "$db" "select group_concat(seq || ':' || destroyed_at_ns || ':' || destroy_ns) from (select * from guests where seq in (select seq from guests where destroyed_at_ns is not null order by seq limit $before) order by seq)"; }
kept_before=$(kept)
verdicts_before=$(q "$db" "select group_concat(coalesce(alive_ns, '') || ':' || coalesce(failure, '')) from guests")

"$B/horde" run "$TMP/ramp.plan" --db "$db" --resume 1 --quiet > /dev/null 2> "$TMP/err2" ||
	fail "resume: $(cat "$TMP/err2")"
expect_eq "done" "$(q "$db" "select status from runs")" done
expect_eq "guests" "$(q "$db" "select count(*) from guests")" 1000
expect_eq "each guest destroyed once" "$(destroyed)" 1000
expect_eq "destroy phases, four a guest" "$(q "$db" "select count(*) from destroy_phases")" 4000
expect_eq "destroy operations, one a guest" \
	"$(q "$db" "select count(*) from hv_ops where stage = 'destroy'")" 1000
expect_eq "destructions before the kill, as they were" "$(kept)" "$kept_before"
expect_eq "verdicts, as they were" \
	"$(q "$db" "select group_concat(coalesce(alive_ns, '') || ':' || coalesce(failure, '')) from guests")" \
	"$verdicts_before"
expect_eq "each destruction its phases' sum" \
	"$(q "$db" "select count(*) from guests g where destroy_ns = (select sum(dur_ns) from destroy_phases p where p.run_id = g.run_id and p.seq = g.seq)")" 1000
leftovers
