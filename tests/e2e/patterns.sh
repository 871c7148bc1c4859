#!/usr/bin/env bash
# The load patterns on the emulated host, checked from what the run
# stored: at most `concurrency` creations overlap; bursts start on their
# schedule; steps sweep at each level and hold; churn holds its population
# while guests are destroyed (timed) and replaced.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/pat.plan" <<'PLAN'
[global]
emu_latency=zero
boot_delay=20ms
sample_interval=0
[ramp4]
guests=400
concurrency=4
[burst]
pattern=burst
guests=150
burst=50
burst_every=300ms
[steps]
pattern=steps
levels=100,250
hold=400ms
[churn]
pattern=churn
guests=100
concurrency=4
churn_for=1500ms
lifetime=300ms
PLAN
db=$TMP/pat.db
"$B/horde" run "$TMP/pat.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" ||
	fail "run: $(cat "$TMP/err") $(cat "$TMP/out")"
run() { echo "(select id from runs where job = '$1')"; }
ok_all() { q "$db" "select count(*) = sum(alive_ns > 0 and failure is null) from guests where run_id = $(run "$1")"; }
for j in ramp4 burst steps churn; do
	expect_eq "$j: every guest up" "$(ok_all $j)" 1
done

# ramp4: at no creation's start are more than 4 creations under way.
expect_eq "ramp4: guests" "$(q "$db" "select count(*) from guests where run_id = $(run ramp4)")" 400
most=$(q "$db" "select max(n) from (select (select count(*) from guests b where b.run_id = a.run_id and b.created_at_ns <= a.created_at_ns and b.created_at_ns + b.create_ns > a.created_at_ns) as n from guests a where a.run_id = $(run ramp4))")
[ "$most" -le 4 ] && [ "$most" -ge 2 ] || fail "ramp4: $most creations at once"

# burst: 3 bursts of 50, each starting no sooner than its slot.
expect_eq "burst: per slot" "$(q "$db" "select group_concat(n, ' ') from (select created_at_ns / 300000000 as slot, count(*) as n from guests where run_id = $(run burst) group by slot order by slot)")" "50 50 50"

# steps: a sweep at 100 and at 250 guests (and the final), the hold
# between the two levels' creations.
expect_eq "steps: sweeps" "$(q "$db" "select group_concat(guests || ':' || answered, ' ') from (select * from sweeps where run_id = $(run steps) order by sweep)")" "100:100 250:250"
gap=$(q "$db" "select (select min(created_at_ns) from guests where run_id = $(run steps) and seq = 101) - (select max(created_at_ns + create_ns) from guests where run_id = $(run steps) and seq = 100)")
[ "$gap" -ge 400000000 ] || fail "steps: held only $gap ns"

# churn: guests were destroyed and replaced; never more than 100 alive.
destroyed=$(q "$db" "select count(*) from guests where run_id = $(run churn) and destroyed_at_ns is not null and destroy_ns > 0")
total=$(q "$db" "select count(*) from guests where run_id = $(run churn)")
[ "$total" -gt 150 ] || fail "churn: only $total guests made"
expect_eq "churn: all destroyed in the end, timed" "$destroyed" "$total"
expect_eq "churn: destruction phases" "$(q "$db" "select count(*) from destroy_phases where run_id = $(run churn)")" $((4 * total))
most=$(q "$db" "select max(n) from (select (select count(*) from guests b where b.run_id = a.run_id and b.created_at_ns <= a.created_at_ns and b.destroyed_at_ns > a.created_at_ns) as n from guests a where a.run_id = $(run churn))")
[ "$most" -le 100 ] || fail "churn: $most guests at once"
leftovers
